// SPDX-License-Identifier: GPL-2.0-only
/*
 * `failed` readiness from a real kernel without fault injection (Debian's
 * kernels have neither CONFIG_FAULT_INJECTION nor
 * CONFIG_FUNCTION_ERROR_INJECTION): the SWGT_PERCPU_FAIL device uses up the
 * atomic per-cpu memory, then sends a clone of the bio to its lower disk as a
 * stacking driver (dm) does. bio_set_dev() makes the kernel look up the
 * (cgroup, lower disk) blkg; it does not exist yet, so blkg_create() calls
 * blkg_alloc()
 * with GFP_NOWAIT, whose percpu_ref_init() fails like any atomic per-cpu
 * allocation with no populated space left (pcpu_alloc()'s fail path, which
 * fires percpu:percpu_alloc_percpu_fail). The bio is then charged to the
 * closest ancestor's blkg, as blk-throttle charged the root group in 2011.
 * A clone, not the bio itself: block:block_bio_queue fires once per bio
 * (BIO_TRACE_COMPLETION), so a remapped bio is not seen queued again.
 *
 * An atomic pcpu_alloc() never populates pages or creates chunks, so once
 * every size down to the smallest the kernel asks for (8 bytes) has failed
 * nothing atomic fits until pcpu_balance_workfn() repopulates. The failures
 * queue that work on this CPU, where it cannot run while the spinlock keeps
 * preemption off, so the exhaustion holds until the areas are freed. Only a
 * free on another CPU, or a balance work already running there, can open a
 * gap; the bio then gets its own blkg, which swgt_remap_own_blkg counts and
 * the test reports.
 */
#include <linux/bio.h>
#include <linux/blk-cgroup.h>
#include <linux/blkdev.h>
#include <linux/percpu.h>

#include "groundtruth.h"

/* PCPU_MIN_UNIT_SIZE (32 KiB) is the largest per-cpu allocation; 8 bytes the
 * smallest blkg_alloc() makes (percpu_ref_init()'s counter). */
#define SWGT_EXHAUST_LARGEST (32u << 10)
#define SWGT_EXHAUST_SMALLEST 8u

/* Takes atomic per-cpu areas, halving the size at each failure, into
 * dev->held; returns how many it holds. The call site of all of them. */
static SWGT_SITE unsigned int swgt_percpu_exhaust(struct swgt_dev *dev)
{
	unsigned int held = 0;
	size_t size;

	for (size = SWGT_EXHAUST_LARGEST; size >= SWGT_EXHAUST_SMALLEST; size /= 2) {
		for (;;) {
			void __percpu *area;

			if (held == SWGT_MAX_HELD) {
				swgt_count(&swgt_exhaust_overflows);
				return held;
			}
			area = __alloc_percpu_gfp(size, SWGT_EXHAUST_SMALLEST,
						  GFP_NOWAIT | __GFP_NOWARN);
			if (!area) {
				swgt_count(&swgt_exhaust_failures);
				break;
			}
			dev->held[held++] = area;
			swgt_count(&swgt_exhaust_allocs);
		}
	}
	return held;
}

static struct bio_set swgt_clones;

static void swgt_clone_endio(struct bio *clone)
{
	struct bio *bio = clone->bi_private;

	bio->bi_status = clone->bi_status;
	bio_put(clone);
	bio_endio(bio);
}

void swgt_remap_exhausted(struct swgt_dev *dev, struct bio *bio)
{
	struct cgroup_subsys_state *intended = bio_blkcg_css(bio);
	unsigned int held, i;
	struct bio *clone;

	/* No disk yet: the clone gets its blkg in bio_set_dev() alone. */
	clone = bio_alloc_clone(NULL, bio, GFP_NOIO, &swgt_clones);
	if (!clone) {
		bio_io_error(bio);
		return;
	}
	clone->bi_end_io = swgt_clone_endio;
	clone->bi_private = bio;

	spin_lock(&dev->exhaust_lock);
	held = swgt_percpu_exhaust(dev);
	bio_set_dev(clone, dev->lower->disk->part0);
	for (i = 0; i < held; i++)
		free_percpu(dev->held[i]);
	spin_unlock(&dev->exhaust_lock);

	if (bio_blkcg_css(clone) == intended)
		swgt_count(&swgt_remap_own_blkg);
	else
		swgt_count(&swgt_remap_fallbacks);
	submit_bio_noacct(clone);
}

int swgt_remap_init(void)
{
	return bioset_init(&swgt_clones, 4, 0, 0);
}

void swgt_remap_exit(void)
{
	bioset_exit(&swgt_clones);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allocation each device makes when a cgroup sends it its first bio, as
 * blk-throttle did per (cgroup, queue) in 2011. Each allocation sits in a
 * SWGT_SITE function of its own and never in tail position, so the
 * allocator's return address (the tracepoint's call_site) lands in it and
 * the tool must report that function's name as the site.
 */
#include <linux/blk-cgroup.h>
#include <linux/cgroup.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "groundtruth.h"

/* The 2011 bug: blkio_alloc_blkg_stats() called from blk_throtl_bio(). */
static SWGT_SITE bool swgt_percpu_kernel_alloc(struct swgt_cgroup *cg)
{
	cg->stats = alloc_percpu(u64);
	return cg->stats != NULL;
}

/* The fix the kernel has today: blkg_alloc() allocates GFP_NOWAIT. */
static SWGT_SITE bool swgt_percpu_nowait_alloc(struct swgt_cgroup *cg)
{
	cg->stats = alloc_percpu_gfp(u64, GFP_NOWAIT | __GFP_NOWARN);
	return cg->stats != NULL;
}

/* The 2011 fix (tg_stat_alloc_fn): the worker allocates, the submit path
 * only schedules it. */
static SWGT_SITE void swgt_percpu_stats_workfn(struct work_struct *work)
{
	struct swgt_cgroup *cg = container_of(work, struct swgt_cgroup, stats_work);

	cg->stats = alloc_percpu(u64);
	swgt_count(&swgt_case_allocs);
	if (!cg->stats)
		swgt_count(&swgt_case_failures);
}

static SWGT_SITE bool swgt_slab_kernel_alloc(struct swgt_cgroup *cg)
{
	cg->object = kmalloc(SWGT_OBJECT_BYTES, GFP_KERNEL);
	return cg->object != NULL;
}

static SWGT_SITE bool swgt_slab_noio_alloc(struct swgt_cgroup *cg)
{
	cg->object = kmalloc(SWGT_OBJECT_BYTES, GFP_NOIO);
	return cg->object != NULL;
}

/* GFP_KERNEL on the call, GFP_NOIO in effect: what the tool must judge is
 * the mask current_gfp_context() leaves. */
static SWGT_SITE bool swgt_slab_noio_scope_alloc(struct swgt_cgroup *cg)
{
	unsigned int noio = memalloc_noio_save();

	cg->object = kmalloc(SWGT_OBJECT_BYTES, GFP_KERNEL);
	memalloc_noio_restore(noio);
	return cg->object != NULL;
}

/* Reached from ->queue_rq(), i.e. from blk_mq_submit_bio(). */
static SWGT_SITE bool swgt_mq_percpu_kernel_alloc(struct swgt_cgroup *cg)
{
	cg->stats = alloc_percpu(u64);
	return cg->stats != NULL;
}

static u64 swgt_bio_cgroup_id(struct bio *bio)
{
	struct cgroup_subsys_state *css = bio_blkcg_css(bio);

	return css ? cgroup_id(css->cgroup) : 0;
}

static void swgt_allocate_for(struct swgt_dev *dev, struct swgt_cgroup *cg)
{
	bool ok;

	switch (dev->kind) {
	case SWGT_PERCPU_KERNEL:
		ok = swgt_percpu_kernel_alloc(cg);
		break;
	case SWGT_PERCPU_NOWAIT:
		ok = swgt_percpu_nowait_alloc(cg);
		break;
	case SWGT_PERCPU_WORKER:
		schedule_work(&cg->stats_work);
		return;
	case SWGT_SLAB_KERNEL:
		ok = swgt_slab_kernel_alloc(cg);
		break;
	case SWGT_SLAB_NOIO:
		ok = swgt_slab_noio_alloc(cg);
		break;
	case SWGT_SLAB_NOIO_SCOPE:
		ok = swgt_slab_noio_scope_alloc(cg);
		break;
	case SWGT_MQ_PERCPU_KERNEL:
		ok = swgt_mq_percpu_kernel_alloc(cg);
		break;
	default:
		return;
	}
	swgt_count(&swgt_case_allocs);
	if (!ok)
		swgt_count(&swgt_case_failures);
}

void swgt_note_cgroup(struct swgt_dev *dev, struct bio *bio)
{
	const u64 id = swgt_bio_cgroup_id(bio);
	struct swgt_cgroup *cg;
	unsigned int i;

	if (dev->kind == SWGT_PLAIN)
		return;
	mutex_lock(&dev->cgroups_lock);
	for (i = 0; i < dev->nr_cgroups; i++) {
		if (dev->cgroups[i].cgroup_id == id)
			goto out;
	}
	if (dev->nr_cgroups == SWGT_MAX_CGROUPS) {
		swgt_count(&swgt_cgroup_overflows);
		goto out;
	}
	cg = &dev->cgroups[dev->nr_cgroups++];
	cg->cgroup_id = id;
	INIT_WORK(&cg->stats_work, swgt_percpu_stats_workfn);
	swgt_allocate_for(dev, cg);
out:
	mutex_unlock(&dev->cgroups_lock);
}

void swgt_release_cgroups(struct swgt_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_cgroups; i++) {
		struct swgt_cgroup *cg = &dev->cgroups[i];

		flush_work(&cg->stats_work);
		free_percpu(cg->stats);
		kfree(cg->object);
	}
	dev->nr_cgroups = 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * submitwatch_gt: a test-only module (never installed, never packaged) whose
 * block devices reproduce the 2011 blk-throttle bug class and its fixes in
 * their own submit path, one case per device, so submitwatch's verdicts can
 * be checked against a real kernel (tests/ground_truth/).
 */
#ifndef SUBMITWATCH_GT_H
#define SUBMITWATCH_GT_H

#include <linux/blk_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/* What each device does in its submit path; tests/ground_truth/ holds the
 * same table with the verdict each must get. */
enum swgt_case {
	SWGT_PLAIN,		/* nothing: the lower disk of SWGT_PERCPU_FAIL */
	SWGT_PERCPU_KERNEL,	/* alloc_percpu() on a new cgroup's first bio: the 2011 bug */
	SWGT_PERCPU_NOWAIT,	/* alloc_percpu_gfp(GFP_NOWAIT): the atomic fix */
	SWGT_PERCPU_WORKER,	/* schedule_work(); the worker allocates: the 2011 fix */
	SWGT_SLAB_KERNEL,	/* kmalloc(GFP_KERNEL) */
	SWGT_SLAB_NOIO,		/* kmalloc(GFP_NOIO) */
	SWGT_SLAB_NOIO_SCOPE,	/* kmalloc(GFP_KERNEL) inside memalloc_noio_save() */
	SWGT_MQ_PERCPU_KERNEL,	/* alloc_percpu() from a blk-mq ->queue_rq() */
	SWGT_PERCPU_FAIL,	/* remaps every bio to the lower disk with atomic
				 * per-cpu memory used up: the kernel cannot
				 * create the blkg and charges an ancestor */
};

/* Cgroups a device remembers; a test uses a few fresh ones per device. */
#define SWGT_MAX_CGROUPS 64
/* Per-cpu areas one exhaustion may hold. */
#define SWGT_MAX_HELD 8192
#define SWGT_OBJECT_BYTES 192

struct swgt_dev;

/* A cgroup seen by a device, with what its first bio made it allocate. */
struct swgt_cgroup {
	u64 cgroup_id;
	u64 __percpu *stats;
	void *object;
	struct work_struct stats_work;	/* SWGT_PERCPU_WORKER */
};

struct swgt_dev {
	enum swgt_case kind;
	const char *name;
	struct gendisk *disk;
	struct blk_mq_tag_set *tag_set;	/* blk-mq devices only */
	struct swgt_dev *lower;		/* SWGT_PERCPU_FAIL only */
	u8 *data;			/* the disk's contents, in RAM */
	size_t bytes;

	struct mutex cgroups_lock;	/* submit paths may sleep here */
	struct swgt_cgroup cgroups[SWGT_MAX_CGROUPS];
	unsigned int nr_cgroups;

	spinlock_t exhaust_lock;	/* held with preemption off, see percpu_exhaust.c */
	void __percpu **held;
};

/*
 * Counters the tests compare the tool's findings with, in
 * /sys/module/submitwatch_gt/parameters/ (read-only, cumulative).
 */
extern unsigned int swgt_case_allocs;		/* allocations made by the cases */
extern unsigned int swgt_case_failures;		/* ... that failed */
extern unsigned int swgt_cgroup_overflows;	/* cgroups past SWGT_MAX_CGROUPS */
extern unsigned int swgt_exhaust_allocs;	/* per-cpu areas taken by an exhaustion */
extern unsigned int swgt_exhaust_failures;	/* its failed attempts (one per size) */
extern unsigned int swgt_exhaust_overflows;	/* exhaustions that ran out of SWGT_MAX_HELD */
extern unsigned int swgt_remap_fallbacks;	/* remapped bios charged to an ancestor's blkg */
extern unsigned int swgt_remap_own_blkg;	/* remapped bios that still got their own */

/* Adds one to a counter above; any context. */
void swgt_count(unsigned int *counter);

/* A function whose name the tool must report as a call site: never inlined,
 * cloned or specialised (which would rename it "foo.isra.0"). */
#define SWGT_SITE __attribute__((__noipa__))

/* submit_allocs.c: the cases' allocations, each in a function of its own
 * whose name is the call site the tool must report. */
void swgt_note_cgroup(struct swgt_dev *dev, struct bio *bio);
void swgt_release_cgroups(struct swgt_dev *dev);

/* percpu_exhaust.c */
int swgt_remap_init(void);
void swgt_remap_exit(void);
void swgt_remap_exhausted(struct swgt_dev *dev, struct bio *bio);

#endif /* SUBMITWATCH_GT_H */

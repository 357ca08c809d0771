// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's block devices: RAM disks, one per case (groundtruth.h), named
 * after it (/dev/swgt_percpu_kernel, ...). All are bio-based (blk_alloc_disk()
 * and their own ->submit_bio()) except swgt_mq_percpu_kernel, a blk-mq
 * device whose ->queue_rq() is called from blk_mq_submit_bio(): a driver's
 * own submit callback, not only the block core's.
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/version.h>

#include "groundtruth.h"

#define SWGT_DISK_BYTES (1u << 20)

unsigned int swgt_case_allocs;
unsigned int swgt_case_failures;
unsigned int swgt_cgroup_overflows;
unsigned int swgt_exhaust_allocs;
unsigned int swgt_exhaust_failures;
unsigned int swgt_exhaust_overflows;
unsigned int swgt_remap_fallbacks;
unsigned int swgt_remap_own_blkg;
module_param_named(case_allocs, swgt_case_allocs, uint, 0444);
module_param_named(case_failures, swgt_case_failures, uint, 0444);
module_param_named(cgroup_overflows, swgt_cgroup_overflows, uint, 0444);
module_param_named(exhaust_allocs, swgt_exhaust_allocs, uint, 0444);
module_param_named(exhaust_failures, swgt_exhaust_failures, uint, 0444);
module_param_named(exhaust_overflows, swgt_exhaust_overflows, uint, 0444);
module_param_named(remap_fallbacks, swgt_remap_fallbacks, uint, 0444);
module_param_named(remap_own_blkg, swgt_remap_own_blkg, uint, 0444);

static DEFINE_SPINLOCK(swgt_counters_lock);

void swgt_count(unsigned int *counter)
{
	unsigned long flags;

	spin_lock_irqsave(&swgt_counters_lock, flags);
	WRITE_ONCE(*counter, *counter + 1);
	spin_unlock_irqrestore(&swgt_counters_lock, flags);
}

/* The lower disk comes before the device that remaps to it. */
static struct swgt_dev swgt_devs[] = {
	{ .kind = SWGT_PERCPU_KERNEL, .name = "swgt_percpu_kernel" },
	{ .kind = SWGT_PERCPU_NOWAIT, .name = "swgt_percpu_nowait" },
	{ .kind = SWGT_PERCPU_WORKER, .name = "swgt_percpu_worker" },
	{ .kind = SWGT_SLAB_KERNEL, .name = "swgt_slab_kernel" },
	{ .kind = SWGT_SLAB_NOIO, .name = "swgt_slab_noio" },
	{ .kind = SWGT_SLAB_NOIO_SCOPE, .name = "swgt_slab_noio_scope" },
	{ .kind = SWGT_MQ_PERCPU_KERNEL, .name = "swgt_mq_percpu_kernel" },
	{ .kind = SWGT_PLAIN, .name = "swgt_fail_lower" },
	{ .kind = SWGT_PERCPU_FAIL, .name = "swgt_percpu_fail" },
};

static int swgt_major;

/* The disk SWGT_PERCPU_FAIL remaps to: created before it. */
static struct swgt_dev *swgt_lower_disk(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(swgt_devs); i++) {
		if (swgt_devs[i].kind == SWGT_PLAIN && swgt_devs[i].disk)
			return &swgt_devs[i];
	}
	return NULL;
}

/* Copies between the bio's pages and the disk's RAM; false when the range
 * is past the end. */
static bool swgt_copy(struct swgt_dev *dev, struct bio_vec *bv, sector_t sector, bool write)
{
	const size_t off = (size_t)sector << SECTOR_SHIFT;

	if (off > dev->bytes || bv->bv_len > dev->bytes - off)
		return false;
	if (write)
		memcpy_from_bvec(dev->data + off, bv);
	else
		memcpy_to_bvec(bv, dev->data + off);
	return true;
}

static blk_status_t swgt_status_of(enum req_op op)
{
	return op == REQ_OP_FLUSH ? BLK_STS_OK : BLK_STS_NOTSUPP;
}

static void swgt_submit_bio(struct bio *bio)
{
	struct swgt_dev *dev = bio->bi_bdev->bd_disk->private_data;
	const enum req_op op = bio_op(bio);
	sector_t sector = bio->bi_iter.bi_sector;
	struct bvec_iter iter;
	struct bio_vec bv;

	if (dev->kind == SWGT_PERCPU_FAIL) {
		swgt_remap_exhausted(dev, bio);
		return;
	}
	swgt_note_cgroup(dev, bio);
	if (op != REQ_OP_READ && op != REQ_OP_WRITE) {
		bio->bi_status = swgt_status_of(op);
		bio_endio(bio);
		return;
	}
	bio_for_each_segment(bv, bio, iter) {
		if (!swgt_copy(dev, &bv, sector, op == REQ_OP_WRITE)) {
			bio->bi_status = BLK_STS_IOERR;
			break;
		}
		sector += bv.bv_len >> SECTOR_SHIFT;
	}
	bio_endio(bio);
}

static blk_status_t swgt_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct swgt_dev *dev = hctx->queue->queuedata;
	const enum req_op op = req_op(rq);
	sector_t sector = blk_rq_pos(rq);
	blk_status_t status = BLK_STS_OK;
	struct req_iterator iter;
	struct bio_vec bv;

	blk_mq_start_request(rq);
	if (rq->bio)
		swgt_note_cgroup(dev, rq->bio);
	if (op != REQ_OP_READ && op != REQ_OP_WRITE) {
		status = swgt_status_of(op);
	} else {
		rq_for_each_segment(bv, rq, iter) {
			if (!swgt_copy(dev, &bv, sector, op == REQ_OP_WRITE)) {
				status = BLK_STS_IOERR;
				break;
			}
			sector += bv.bv_len >> SECTOR_SHIFT;
		}
	}
	blk_mq_end_request(rq, status);
	return BLK_STS_OK;
}

static const struct block_device_operations swgt_bio_fops = {
	.owner = THIS_MODULE,
	.submit_bio = swgt_submit_bio,
};

static const struct block_device_operations swgt_mq_fops = {
	.owner = THIS_MODULE,
};

static const struct blk_mq_ops swgt_mq_ops = {
	.queue_rq = swgt_queue_rq,
};

/* blk_alloc_disk() and blk_mq_alloc_disk() take the queue limits since 6.9
 * ("block: pass a queue_limits argument to blk_alloc_disk"). */
static struct gendisk *swgt_alloc_bio_disk(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	return blk_alloc_disk(NULL, NUMA_NO_NODE);
#else
	return blk_alloc_disk(NUMA_NO_NODE);
#endif
}

static struct gendisk *swgt_alloc_mq_disk(struct swgt_dev *dev)
{
	struct blk_mq_tag_set *set;
	struct gendisk *disk;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return ERR_PTR(-ENOMEM);
	set->ops = &swgt_mq_ops;
	set->nr_hw_queues = 1;
	set->queue_depth = 16;
	set->numa_node = NUMA_NO_NODE;
	/* BLOCKING: ->queue_rq() may sleep (GFP_KERNEL); no scheduler, so a
	 * request is issued directly from blk_mq_submit_bio(). */
	set->flags = BLK_MQ_F_BLOCKING | BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	if (blk_mq_alloc_tag_set(set)) {
		kfree(set);
		return ERR_PTR(-ENOMEM);
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	disk = blk_mq_alloc_disk(set, NULL, dev);
#else
	disk = blk_mq_alloc_disk(set, dev);
#endif
	if (IS_ERR(disk)) {
		blk_mq_free_tag_set(set);
		kfree(set);
		return disk;
	}
	dev->tag_set = set;
	return disk;
}

static void swgt_destroy(struct swgt_dev *dev)
{
	if (dev->disk) {
		del_gendisk(dev->disk);
		put_disk(dev->disk);
		dev->disk = NULL;
	}
	if (dev->tag_set) {
		blk_mq_free_tag_set(dev->tag_set);
		kfree(dev->tag_set);
		dev->tag_set = NULL;
	}
	swgt_release_cgroups(dev);
	vfree(dev->held);
	dev->held = NULL;
	vfree(dev->data);
	dev->data = NULL;
}

static int swgt_create(struct swgt_dev *dev, int minor)
{
	struct gendisk *disk;
	int err;

	mutex_init(&dev->cgroups_lock);
	spin_lock_init(&dev->exhaust_lock);
	dev->bytes = SWGT_DISK_BYTES;
	dev->data = vzalloc(dev->bytes);
	if (!dev->data)
		return -ENOMEM;
	if (dev->kind == SWGT_PERCPU_FAIL) {
		dev->lower = swgt_lower_disk();
		dev->held = vmalloc(SWGT_MAX_HELD * sizeof(*dev->held));
		if (!dev->lower)
			return -ENODEV;
		if (!dev->held)
			return -ENOMEM;
	}

	disk = dev->kind == SWGT_MQ_PERCPU_KERNEL ? swgt_alloc_mq_disk(dev) : swgt_alloc_bio_disk();
	if (IS_ERR_OR_NULL(disk))
		return disk ? PTR_ERR(disk) : -ENOMEM;
	disk->major = swgt_major;
	disk->first_minor = minor;
	disk->minors = 1;
	disk->flags |= GENHD_FL_NO_PART;
	disk->fops = dev->kind == SWGT_MQ_PERCPU_KERNEL ? &swgt_mq_fops : &swgt_bio_fops;
	disk->private_data = dev;
	strscpy(disk->disk_name, dev->name, DISK_NAME_LEN);
	set_capacity(disk, dev->bytes >> SECTOR_SHIFT);
	err = add_disk(disk);
	if (err) {
		put_disk(disk);
		return err;
	}
	dev->disk = disk;
	return 0;
}

static void swgt_destroy_all(void)
{
	int i;

	for (i = ARRAY_SIZE(swgt_devs) - 1; i >= 0; i--)
		swgt_destroy(&swgt_devs[i]);
	unregister_blkdev(swgt_major, "swgt");
	swgt_remap_exit();
}

static int __init swgt_init(void)
{
	int i, err;

	err = swgt_remap_init();
	if (err)
		return err;
	swgt_major = register_blkdev(0, "swgt");
	if (swgt_major < 0) {
		swgt_remap_exit();
		return swgt_major;
	}
	for (i = 0; i < ARRAY_SIZE(swgt_devs); i++) {
		err = swgt_create(&swgt_devs[i], i);
		if (err) {
			pr_err("submitwatch_gt: cannot create %s: %d\n", swgt_devs[i].name, err);
			swgt_destroy_all();
			return err;
		}
	}
	return 0;
}

static void __exit swgt_exit(void)
{
	swgt_destroy_all();
}

module_init(swgt_init);
module_exit(swgt_exit);
MODULE_DESCRIPTION("submitwatch ground truth: submit-path allocations of the 2011 blk-throttle bug class (test only)");
MODULE_LICENSE("GPL");

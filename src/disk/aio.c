/* Asynchronous block I/O on libuv's thread pool.  Requests on one device
 * are serialised by a per-device mutex (picked by hashing the pointer), as
 * the back ends keep per-device state; the callback runs on the loop. */
#include <errno.h>
#include <stdlib.h>

#include <uv.h>

#include "disk/blockdev.h"
#include "disk/vmdk.h"

#define AIO_LOCKS 64

static uv_mutex_t aio_locks[AIO_LOCKS];
static uv_once_t aio_once = UV_ONCE_INIT;

static void aio_init(void)
{
	for (int i = 0; i < AIO_LOCKS; i++)
		uv_mutex_init(&aio_locks[i]);
}

enum aio_op { AIO_READ, AIO_WRITE, AIO_FLUSH };

struct aio_req {
	uv_work_t work;
	struct blockdev *bd;
	enum aio_op op;
	void *buf;
	uint64_t len, off;
	int result;
	vmdk_aio_cb cb;
	void *opaque;
};

static void aio_work(uv_work_t *w)
{
	struct aio_req *r = w->data;
	uv_mutex_t *m = &aio_locks[((uintptr_t)r->bd >> 4) % AIO_LOCKS];

	uv_mutex_lock(m);
	if (r->op == AIO_READ)
		r->result = blockdev_pread(r->bd, r->buf, r->len, r->off);
	else if (r->op == AIO_WRITE)
		r->result = blockdev_pwrite(r->bd, r->buf, r->len, r->off);
	else
		r->result = blockdev_flush(r->bd);
	uv_mutex_unlock(m);
}

static void aio_done(uv_work_t *w, int status)
{
	struct aio_req *r = w->data;

	r->cb(r->opaque, status == UV_ECANCELED ? -ECANCELED : r->result);
	free(r);
}

static int aio_submit(struct uv_loop_s *loop, struct blockdev *bd, enum aio_op op, void *buf,
		      uint64_t len, uint64_t off, vmdk_aio_cb cb, void *opaque)
{
	struct aio_req *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	uv_once(&aio_once, aio_init);
	*r = (struct aio_req){ .bd = bd, .op = op, .buf = buf, .len = len, .off = off,
			       .cb = cb, .opaque = opaque };
	r->work.data = r;
	rc = uv_queue_work(loop, &r->work, aio_work, aio_done);
	if (rc) {
		free(r);
		return rc;
	}
	return 0;
}

int vmdk_aio_pread(struct uv_loop_s *loop, struct blockdev *bd, void *buf, uint64_t len,
		   uint64_t off, vmdk_aio_cb cb, void *opaque)
{
	return aio_submit(loop, bd, AIO_READ, buf, len, off, cb, opaque);
}

int vmdk_aio_pwrite(struct uv_loop_s *loop, struct blockdev *bd, const void *buf, uint64_t len,
		    uint64_t off, vmdk_aio_cb cb, void *opaque)
{
	return aio_submit(loop, bd, AIO_WRITE, (void *)buf, len, off, cb, opaque);
}

int vmdk_aio_flush(struct uv_loop_s *loop, struct blockdev *bd, vmdk_aio_cb cb, void *opaque)
{
	return aio_submit(loop, bd, AIO_FLUSH, NULL, 0, 0, cb, opaque);
}

/* frame.c: the evchat frame codec over libevent evbuffers (4-byte big-endian length, then the payload)
 * and the shared, reference-counted serialized frame; it knows nothing of JSON fields, rooms or clients. */

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "proto.h"

/* Below this size copying into each output buffer beats a reference chain. */
#define FRAME_COPY_MAX	4096

/*
 * Look at the header at the front of in without removing anything.  *len is
 * set to the payload length whenever the header is complete, so a caller can
 * size its read watermark from it even when the frame is still arriving.
 */
enum frame_status
frame_peek(struct evbuffer *in, size_t max_frame, size_t *len)
{
	unsigned char	hdr[FRAME_HEADER];
	uint32_t	l;

	*len = 0;
	if (evbuffer_copyout(in, hdr, sizeof hdr) != (ev_ssize_t)sizeof hdr)
		return (FRAME_NEED);
	l = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];
	*len = l;
	if (l == 0)
		return (FRAME_EMPTY);
	if (l > max_frame)
		return (FRAME_TOO_LARGE);
	if (evbuffer_get_length(in) - FRAME_HEADER < l)
		return (FRAME_NEED);
	return (FRAME_OK);
}

/*
 * Like frame_peek, but on FRAME_OK also make the payload contiguous and point
 * *payload at it.  The bytes stay in the buffer (at most one copy, made by
 * evbuffer_pullup when the frame spans chunks) until frame_consume.
 */
enum frame_status
frame_decode(struct evbuffer *in, size_t max_frame, const char **payload,
    size_t *len)
{
	enum frame_status	 st;
	unsigned char		*p;

	*payload = NULL;
	if ((st = frame_peek(in, max_frame, len)) != FRAME_OK)
		return (st);
	if ((p = evbuffer_pullup(in, FRAME_HEADER + *len)) == NULL)
		return (FRAME_NEED);
	*payload = (const char *)p + FRAME_HEADER;
	return (FRAME_OK);
}

/* Remove a decoded frame of payload length len from the front of in. */
void
frame_consume(struct evbuffer *in, size_t len)
{
	evbuffer_drain(in, FRAME_HEADER + len);
}

static void
frame_put_header(unsigned char *p, size_t len)
{
	p[0] = (len >> 24) & 0xff;
	p[1] = (len >> 16) & 0xff;
	p[2] = (len >> 8) & 0xff;
	p[3] = len & 0xff;
}

/* Append one frame: header and payload written into one reserved extent. */
int
frame_encode(struct evbuffer *out, const void *payload, size_t len)
{
	struct evbuffer_iovec	 v;
	unsigned char		*p;

	if (len == 0 || len > UINT32_MAX)
		return (-1);
	if (evbuffer_reserve_space(out, FRAME_HEADER + len, &v, 1) != 1)
		return (-1);
	p = v.iov_base;
	frame_put_header(p, len);
	memcpy(p + FRAME_HEADER, payload, len);
	v.iov_len = FRAME_HEADER + len;
	return (evbuffer_commit_space(out, &v, 1));
}

/*
 * A frame with room for len payload bytes, header written, payload left to
 * the caller (at f->bytes + FRAME_HEADER); the caller owns one reference.
 */
struct frame *
frame_alloc(size_t len)
{
	struct frame	*f;

	if (len == 0 || len > UINT32_MAX)
		return (NULL);
	if ((f = malloc(sizeof *f + FRAME_HEADER + len)) == NULL)
		return (NULL);
	f->refs = 1;
	f->size = FRAME_HEADER + len;
	frame_put_header(f->bytes, len);
	return (f);
}

/*
 * A frame of size bytes that the caller fills whole, header included: a
 * unit of another wire format (an HTTP response, WebSocket frames), queued
 * and shared like an evchat frame.  The caller owns one reference.
 */
struct frame *
frame_alloc_raw(size_t size)
{
	struct frame	*f;

	if (size == 0 || (f = malloc(sizeof *f + size)) == NULL)
		return (NULL);
	f->refs = 1;
	f->size = size;
	return (f);
}

/* Shrink a frame_alloc'd frame whose payload came out shorter. */
void
frame_truncate(struct frame *f, size_t len)
{
	if (len == 0 || FRAME_HEADER + len > f->size)
		return;
	f->size = FRAME_HEADER + len;
	frame_put_header(f->bytes, len);
}

/* Build a serialized frame holding payload; the caller owns one reference. */
struct frame *
frame_new(const void *payload, size_t len)
{
	struct frame	*f;

	if ((f = frame_alloc(len)) == NULL)
		return (NULL);
	memcpy(f->bytes + FRAME_HEADER, payload, len);
	return (f);
}

struct frame *
frame_ref(struct frame *f)
{
	f->refs++;
	return (f);
}

void
frame_unref(struct frame *f)
{
	if (f != NULL && --f->refs == 0)
		free(f);
}

static void
frame_cleanup(const void *data, size_t len, void *arg)
{
	frame_unref(arg);
}

/*
 * Queue f to out.  Small frames are copied (cheaper than a reference chain);
 * large ones (media) are shared, the buffer holding a reference until sent.
 */
int
frame_queue(struct evbuffer *out, struct frame *f)
{
	if (f->size <= FRAME_COPY_MAX)
		return (evbuffer_add(out, f->bytes, f->size));
	frame_ref(f);
	if (evbuffer_add_reference(out, f->bytes, f->size, frame_cleanup,
	    f) == -1) {
		frame_unref(f);
		return (-1);
	}
	return (0);
}

const char *
frame_status_string(enum frame_status st)
{
	switch (st) {
	case FRAME_NEED:
		return ("incomplete frame");
	case FRAME_OK:
		return ("complete frame");
	case FRAME_EMPTY:
		return ("zero-length frame");
	case FRAME_TOO_LARGE:
		return ("frame too large");
	}
	return ("unknown frame status");
}

/* test-frame.c: unit tests of the frame codec (frame.c): round trips, every split, many frames per buffer,
 * the length limits, chained buffers and shared frames; it knows nothing of JSON or of the daemon. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "unit.h"

/* A small max_frame keeps the limit tests cheap; the default is tried too. */
#define TEST_FRAME_MAX	1000

static struct evbuffer *
test_frame_buffer(void)
{
	struct evbuffer	*b;

	b = evbuffer_new();
	assert_non_null(b);
	return (b);
}

static void
test_frame_header(unsigned char *hdr, uint32_t len)
{
	hdr[0] = len >> 24;
	hdr[1] = len >> 16;
	hdr[2] = len >> 8;
	hdr[3] = len;
}

/* Fill p with len bytes that differ from frame to frame. */
static void
test_frame_fill(char *p, size_t len, uint32_t seed)
{
	size_t	i;

	seed |= 1;
	for (i = 0; i < len; i++)
		p[i] = unit_random(&seed);
}

/* The first chunk of b, to tell a copy from the original. */
static const void *
test_frame_first_chunk(struct evbuffer *b)
{
	struct evbuffer_iovec	v;

	assert_true(evbuffer_peek(b, -1, NULL, &v, 1) >= 1);
	return (v.iov_base);
}

/* Decode the frame at the front of b and check it is exactly want. */
static void
test_frame_expect(struct evbuffer *b, size_t max, const char *want,
    size_t wantlen)
{
	const char	*payload;
	size_t		 len;

	assert_int_equal(frame_decode(b, max, &payload, &len), FRAME_OK);
	assert_int_equal(len, wantlen);
	assert_non_null(payload);
	assert_memory_equal(payload, want, wantlen);
}

static void
test_frame_round_trip(void **state)
{
	static const char	 msg[] = "{\"type\":\"ping\"}";
	struct evbuffer		*b = test_frame_buffer();
	unsigned char		 hdr[FRAME_HEADER];
	const char		*payload;
	char			*big;
	size_t			 len, biglen = 0x012345;

	assert_int_equal(frame_encode(b, msg, strlen(msg)), 0);
	assert_int_equal(evbuffer_get_length(b), FRAME_HEADER + strlen(msg));
	assert_int_equal(evbuffer_copyout(b, hdr, sizeof hdr), sizeof hdr);
	assert_memory_equal(hdr, "\0\0\0\x0f", sizeof hdr);

	/* Decoding points into the buffer and leaves the frame there. */
	test_frame_expect(b, FRAME_MAX_DEFAULT, msg, strlen(msg));
	assert_int_equal(frame_decode(b, FRAME_MAX_DEFAULT, &payload, &len),
	    FRAME_OK);
	assert_ptr_equal(payload,
	    (const char *)test_frame_first_chunk(b) + FRAME_HEADER);
	assert_int_equal(evbuffer_get_length(b), FRAME_HEADER + strlen(msg));
	frame_consume(b, strlen(msg));
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(frame_decode(b, FRAME_MAX_DEFAULT, &payload, &len),
	    FRAME_NEED);
	assert_null(payload);

	/* Every byte of the header is significant and big-endian. */
	big = malloc(biglen);
	assert_non_null(big);
	test_frame_fill(big, biglen, 7);
	assert_int_equal(frame_encode(b, big, biglen), 0);
	assert_int_equal(evbuffer_copyout(b, hdr, sizeof hdr), sizeof hdr);
	assert_memory_equal(hdr, "\x00\x01\x23\x45", sizeof hdr);
	test_frame_expect(b, FRAME_MAX_DEFAULT, big, biglen);
	frame_consume(b, biglen);
	assert_int_equal(evbuffer_get_length(b), 0);

	free(big);
	evbuffer_free(b);
}

/* The n frames as they would appear on the wire, in *total bytes. */
static char *
test_frame_stream(const char **payloads, const size_t *sizes, size_t n,
    size_t *total)
{
	struct evbuffer	*b = test_frame_buffer();
	char		*s;
	size_t		 i;

	for (i = 0; i < n; i++)
		assert_int_equal(frame_encode(b, payloads[i], sizes[i]), 0);
	*total = evbuffer_get_length(b);
	s = malloc(*total);
	assert_non_null(s);
	assert_int_equal(evbuffer_remove(b, s, *total), *total);
	evbuffer_free(b);
	return (s);
}

/* Take every whole frame off b, checking each against the next expected. */
static void
test_frame_drain(struct evbuffer *b, const char **payloads,
    const size_t *sizes, size_t n, size_t *done)
{
	enum frame_status	 st;
	const char		*payload;
	size_t			 len;

	while ((st = frame_decode(b, FRAME_MAX_DEFAULT, &payload, &len)) ==
	    FRAME_OK) {
		assert_true(*done < n);
		assert_int_equal(len, sizes[*done]);
		assert_memory_equal(payload, payloads[*done], len);
		frame_consume(b, len);
		(*done)++;
	}
	assert_int_equal(st, FRAME_NEED);
	assert_null(payload);
}

/* How many of the n frames lie wholly within the first prefix bytes. */
static size_t
test_frame_whole(const size_t *sizes, size_t n, size_t prefix)
{
	size_t	i, end = 0;

	for (i = 0; i < n; i++) {
		end += FRAME_HEADER + sizes[i];
		if (end > prefix)
			break;
	}
	return (i);
}

static void
test_frame_split(void **state)
{
	static const char	 first[] = "{\"type\":\"a\"}";
	char			 mid[300];
	const char		*payloads[] = { first, mid, "7" };
	size_t			 sizes[] = { sizeof first - 1, sizeof mid, 1 };
	struct evbuffer		*b;
	char			*s;
	size_t			 total, cut, i, done;

	test_frame_fill(mid, sizeof mid, 3);
	s = test_frame_stream(payloads, sizes, nitems(sizes), &total);

	/* Two pieces, cut at every offset including both ends. */
	for (cut = 0; cut <= total; cut++) {
		b = test_frame_buffer();
		done = 0;
		assert_int_equal(evbuffer_add(b, s, cut), 0);
		test_frame_drain(b, payloads, sizes, nitems(sizes), &done);
		if (done != test_frame_whole(sizes, nitems(sizes), cut))
			fail_msg("cut at %zu: %zu frames before it", cut, done);
		assert_int_equal(evbuffer_add(b, s + cut, total - cut), 0);
		test_frame_drain(b, payloads, sizes, nitems(sizes), &done);
		if (done != nitems(sizes))
			fail_msg("cut at %zu: %zu frames decoded", cut, done);
		assert_int_equal(evbuffer_get_length(b), 0);
		evbuffer_free(b);
	}

	/* One byte at a time: nothing is decoded before its last byte. */
	b = test_frame_buffer();
	done = 0;
	for (i = 0; i < total; i++) {
		assert_int_equal(evbuffer_add(b, s + i, 1), 0);
		test_frame_drain(b, payloads, sizes, nitems(sizes), &done);
		if (done != test_frame_whole(sizes, nitems(sizes), i + 1))
			fail_msg("byte %zu: %zu frames decoded", i, done);
	}
	assert_int_equal(done, nitems(sizes));
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);

	free(s);
}

/* Once the header is whole, peek reports L even though the payload is not. */
static void
test_frame_peek_len(void **state)
{
	struct evbuffer	*b = test_frame_buffer();
	char		 payload[100];
	size_t		 len;

	memset(payload, 'x', sizeof payload);
	assert_int_equal(evbuffer_add(b, "\0\0", 2), 0);
	assert_int_equal(frame_peek(b, TEST_FRAME_MAX, &len), FRAME_NEED);
	assert_int_equal(len, 0);
	assert_int_equal(evbuffer_add(b, "\0\x64", 2), 0);
	assert_int_equal(frame_peek(b, TEST_FRAME_MAX, &len), FRAME_NEED);
	assert_int_equal(len, sizeof payload);
	assert_int_equal(evbuffer_add(b, payload, sizeof payload - 1), 0);
	assert_int_equal(frame_peek(b, TEST_FRAME_MAX, &len), FRAME_NEED);
	assert_int_equal(len, sizeof payload);
	assert_int_equal(evbuffer_add(b, payload, 1), 0);
	assert_int_equal(frame_peek(b, TEST_FRAME_MAX, &len), FRAME_OK);
	assert_int_equal(len, sizeof payload);
	assert_int_equal(evbuffer_get_length(b), FRAME_HEADER + sizeof payload);
	evbuffer_free(b);
}

/* Frame i of many: sizes vary so that frames straddle the buffer's chunks. */
static int
test_frame_many_payload(char *buf, size_t size, int i)
{
	return (snprintf(buf, size, "{\"type\":\"msg\",\"n\":%d%*s}", i,
	    i % 23, ""));
}

static void
test_frame_many(void **state)
{
	struct evbuffer	*b = test_frame_buffer();
	char		 want[64];
	const char	*payload;
	size_t		 len;
	int		 i, n;

	for (i = 0; i < 1000; i++) {
		n = test_frame_many_payload(want, sizeof want, i);
		assert_int_equal(frame_encode(b, want, n), 0);
	}
	for (i = 0; i < 1000; i++) {
		n = test_frame_many_payload(want, sizeof want, i);
		assert_int_equal(frame_decode(b, FRAME_MAX_DEFAULT, &payload,
		    &len), FRAME_OK);
		if (len != (size_t)n || memcmp(payload, want, n) != 0)
			fail_msg("frame %d: got %.*s", i, (int)len, payload);
		frame_consume(b, len);
	}
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(frame_decode(b, FRAME_MAX_DEFAULT, &payload, &len),
	    FRAME_NEED);
	evbuffer_free(b);
}

static void
test_frame_empty(void **state)
{
	struct evbuffer	*b = test_frame_buffer();
	unsigned char	 hdr[FRAME_HEADER];
	const char	*payload;
	size_t		 len;

	test_frame_header(hdr, 0);
	assert_int_equal(evbuffer_add(b, hdr, sizeof hdr), 0);
	assert_int_equal(frame_peek(b, TEST_FRAME_MAX, &len), FRAME_EMPTY);
	assert_int_equal(len, 0);

	/* What follows does not matter, and nothing is removed. */
	assert_int_equal(evbuffer_add(b, "{\"type\":\"x\"}", 12), 0);
	assert_int_equal(frame_decode(b, TEST_FRAME_MAX, &payload, &len),
	    FRAME_EMPTY);
	assert_null(payload);
	assert_int_equal(evbuffer_get_length(b), FRAME_HEADER + 12);
	evbuffer_free(b);
}

/* A payload of exactly max bytes is a frame, arriving in three steps. */
static void
test_frame_max_ok(size_t max)
{
	struct evbuffer	*b = test_frame_buffer();
	unsigned char	 hdr[FRAME_HEADER];
	const char	*payload;
	char		*p;
	size_t		 len;

	p = malloc(max);
	assert_non_null(p);
	test_frame_fill(p, max, (uint32_t)max);
	test_frame_header(hdr, max);
	assert_int_equal(evbuffer_add(b, hdr, sizeof hdr), 0);
	assert_int_equal(frame_decode(b, max, &payload, &len), FRAME_NEED);
	assert_int_equal(len, max);
	assert_int_equal(evbuffer_add(b, p, max - 1), 0);
	assert_int_equal(frame_decode(b, max, &payload, &len), FRAME_NEED);
	assert_int_equal(evbuffer_add(b, p + max - 1, 1), 0);
	test_frame_expect(b, max, p, max);
	frame_consume(b, max);
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);

	/* The encoder does not know max_frame; the decoder agrees at L=max. */
	b = test_frame_buffer();
	assert_int_equal(frame_encode(b, p, max), 0);
	test_frame_expect(b, max, p, max);
	evbuffer_free(b);
	free(p);
}

/* One byte over is refused from the header alone: no payload is waited for. */
static void
test_frame_max_over(size_t max)
{
	struct evbuffer	*b = test_frame_buffer();
	unsigned char	 hdr[FRAME_HEADER];
	const char	*payload;
	size_t		 len;

	test_frame_header(hdr, max + 1);
	assert_int_equal(evbuffer_add(b, hdr, FRAME_HEADER - 1), 0);
	assert_int_equal(frame_peek(b, max, &len), FRAME_NEED);
	assert_int_equal(evbuffer_add(b, hdr + FRAME_HEADER - 1, 1), 0);
	assert_int_equal(frame_peek(b, max, &len), FRAME_TOO_LARGE);
	assert_int_equal(len, max + 1);
	assert_int_equal(frame_decode(b, max, &payload, &len), FRAME_TOO_LARGE);
	assert_null(payload);
	assert_int_equal(len, max + 1);
	assert_int_equal(evbuffer_get_length(b), FRAME_HEADER);
	evbuffer_free(b);
}

static void
test_frame_limits(void **state)
{
	struct evbuffer	*b;
	size_t		 len;

	test_frame_max_ok(TEST_FRAME_MAX);
	test_frame_max_ok(FRAME_MAX_DEFAULT);
	test_frame_max_over(TEST_FRAME_MAX);
	test_frame_max_over(FRAME_MAX_DEFAULT);

	/* The largest header the wire can carry. */
	b = test_frame_buffer();
	assert_int_equal(evbuffer_add(b, "\xff\xff\xff\xff", 4), 0);
	assert_int_equal(frame_peek(b, FRAME_MAX_DEFAULT, &len),
	    FRAME_TOO_LARGE);
	assert_int_equal(len, 0xffffffffU);
	evbuffer_free(b);
}

/* A buffer holding len bytes of p in a chain of its own. */
static struct evbuffer *
test_frame_piece(const char *p, size_t len)
{
	struct evbuffer	*b = test_frame_buffer();

	assert_int_equal(evbuffer_add(b, p, len), 0);
	return (b);
}

static void
test_frame_chains(void **state)
{
	struct evbuffer		*in = test_frame_buffer(), *piece;
	static const char	 second[] = "{\"type\":\"second\"}";
	char			 first[5000], *s;
	const char		*payloads[] = { first, second };
	size_t			 sizes[] = { sizeof first, sizeof second - 1 };
	size_t			 total, cuts[] = { 0, 3, 1000, 3000, 0 }, i;

	test_frame_fill(first, sizeof first, 11);
	s = test_frame_stream(payloads, sizes, nitems(sizes), &total);

	/* A split header, the payload in three pieces, then the next frame. */
	cuts[nitems(cuts) - 1] = total;
	for (i = 0; i + 1 < nitems(cuts); i++) {
		piece = test_frame_piece(s + cuts[i], cuts[i + 1] - cuts[i]);
		assert_int_equal(evbuffer_add_buffer(in, piece), 0);
		evbuffer_free(piece);
	}
	assert_true(evbuffer_peek(in, -1, NULL, NULL, 0) >= 3);
	assert_int_equal(evbuffer_get_length(in), total);

	test_frame_expect(in, FRAME_MAX_DEFAULT, first, sizeof first);
	frame_consume(in, sizeof first);
	assert_int_equal(evbuffer_get_length(in), FRAME_HEADER + sizes[1]);
	test_frame_expect(in, FRAME_MAX_DEFAULT, second, sizes[1]);
	frame_consume(in, sizes[1]);
	assert_int_equal(evbuffer_get_length(in), 0);

	evbuffer_free(in);
	free(s);
}

static void
test_frame_shared_small(void **state)
{
	static const char	 msg[] = "{\"type\":\"msg\",\"text\":\"hi\"}";
	struct evbuffer		*out = test_frame_buffer();
	struct frame		*f;
	unsigned char		 hdr[FRAME_HEADER];

	f = frame_new(msg, sizeof msg - 1);
	assert_non_null(f);
	assert_int_equal(f->refs, 1);
	assert_int_equal(f->size, FRAME_HEADER + sizeof msg - 1);
	test_frame_header(hdr, sizeof msg - 1);
	assert_memory_equal(f->bytes, hdr, FRAME_HEADER);
	assert_memory_equal(f->bytes + FRAME_HEADER, msg, sizeof msg - 1);

	assert_ptr_equal(frame_ref(f), f);
	assert_int_equal(f->refs, 2);
	frame_unref(f);
	assert_int_equal(f->refs, 1);

	/* Small frames are copied: the buffer takes no reference. */
	assert_int_equal(frame_queue(out, f), 0);
	assert_int_equal(frame_queue(out, f), 0);
	assert_int_equal(f->refs, 1);
	assert_ptr_not_equal(test_frame_first_chunk(out), f->bytes);
	frame_unref(f);

	test_frame_expect(out, FRAME_MAX_DEFAULT, msg, sizeof msg - 1);
	frame_consume(out, sizeof msg - 1);
	test_frame_expect(out, FRAME_MAX_DEFAULT, msg, sizeof msg - 1);
	frame_consume(out, sizeof msg - 1);
	assert_int_equal(evbuffer_get_length(out), 0);
	evbuffer_free(out);

	frame_unref(NULL);
}

static void
test_frame_shared_large(void **state)
{
	struct evbuffer	*out1 = test_frame_buffer();
	struct evbuffer	*out2 = test_frame_buffer();
	struct evbuffer	*out3 = test_frame_buffer();
	struct frame	*f, *watch;
	char		*p;
	size_t		 len = 10000;

	p = malloc(len);
	assert_non_null(p);
	test_frame_fill(p, len, 5);
	f = frame_new(p, len);
	assert_non_null(f);

	/* Each buffer holds a reference to the one copy of the bytes. */
	assert_int_equal(frame_queue(out1, f), 0);
	assert_int_equal(frame_queue(out2, f), 0);
	assert_int_equal(frame_queue(out3, f), 0);
	assert_int_equal(f->refs, 4);
	assert_ptr_equal(test_frame_first_chunk(out1), f->bytes);
	assert_ptr_equal(test_frame_first_chunk(out2), f->bytes);

	/*
	 * Watch the count through a reference of our own once the builder
	 * has let go: the bytes must live on for the buffers.
	 */
	watch = frame_ref(f);
	frame_unref(f);
	assert_int_equal(watch->refs, 4);
	test_frame_expect(out1, FRAME_MAX_DEFAULT, p, len);
	test_frame_expect(out2, FRAME_MAX_DEFAULT, p, len);

	/* Sending (draining) or freeing a buffer gives its reference back. */
	frame_consume(out2, len);
	assert_int_equal(evbuffer_get_length(out2), 0);
	assert_int_equal(watch->refs, 3);
	evbuffer_free(out1);
	assert_int_equal(watch->refs, 2);
	evbuffer_free(out2);
	assert_int_equal(watch->refs, 2);
	test_frame_expect(out3, FRAME_MAX_DEFAULT, p, len);
	evbuffer_free(out3);
	assert_int_equal(watch->refs, 1);
	frame_unref(watch);

	free(p);
}

static void
test_frame_rejects(void **state)
{
	struct evbuffer	*b = test_frame_buffer();

	assert_int_equal(frame_encode(b, "x", 0), -1);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_null(frame_new("x", 0));
	evbuffer_free(b);
}

static void
test_frame_status_strings(void **state)
{
	static const enum frame_status	 all[] = {
		FRAME_NEED, FRAME_OK, FRAME_EMPTY, FRAME_TOO_LARGE
	};
	const char			*s[nitems(all)];
	size_t				 i, j;

	for (i = 0; i < nitems(all); i++) {
		s[i] = frame_status_string(all[i]);
		assert_non_null(s[i]);
		assert_true(*s[i] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(s[i], s[j]);
	}
	assert_non_null(frame_status_string((enum frame_status)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_frame_split),
		cmocka_unit_test(test_frame_peek_len),
		cmocka_unit_test(test_frame_many),
		cmocka_unit_test(test_frame_empty),
		cmocka_unit_test(test_frame_limits),
		cmocka_unit_test(test_frame_chains),
		cmocka_unit_test(test_frame_shared_small),
		cmocka_unit_test(test_frame_shared_large),
		cmocka_unit_test(test_frame_rejects),
		cmocka_unit_test(test_frame_status_strings),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* fuzz-frame.c: libFuzzer target for the frame codec and the payload parser: a byte stream arriving in
 * pieces, decoded, re-encoded and its strings run through the validators; it knows nothing of the server. */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "proto.h"
#include "fuzz.h"

/* Small limits, so that oversize headers are common; the first byte picks. */
static const size_t fuzz_frame_max[] = { 16, 256, 1024, 4096 };

/* Piece sizes, so frames straddle evbuffer chains in every way. */
static const size_t fuzz_frame_piece[] = { 1, 2, 3, 4, 5, 7, 64, 1000 };

struct fuzz_frame {
	const uint8_t	*data;		/* the stream */
	size_t		 size;
	size_t		 max_frame;
	size_t		 consumed;	/* bytes of whole frames taken */
	struct evbuffer	*in;
	struct evbuffer	*encoded;	/* frames again, by frame_encode */
	struct evbuffer	*queued;	/* frames again, by frame_queue */
	int		 dead;		/* after a framing error */
};

#define FUZZ_FRAME_CHECK(e) do {					\
	if (!(e))							\
		abort();						\
} while (0)

/*
 * Cutting valid UTF-8 anywhere with utf8_trim ends on a code point boundary,
 * at most 3 bytes early, and not early at all when the cut was on one.
 */
static void
fuzz_frame_trim(const char *s, size_t len)
{
	size_t	cut, t;

	if (!utf8_valid(s, len))
		return;
	for (cut = 0; cut <= len; cut++) {
		t = utf8_trim(s, cut);
		FUZZ_FRAME_CHECK(t <= cut && cut - t <= 3);
		FUZZ_FRAME_CHECK(t == len || (s[t] & 0xc0) != 0x80);
		if (cut < len && (s[cut] & 0xc0) != 0x80)
			FUZZ_FRAME_CHECK(t == cut);
	}
}

/*
 * The validators on every string a payload holds: base64 that passes is
 * canonical (decoding then encoding gives it back), UTF-8 counting agrees
 * with validation, and a name compares equal to its folded form.
 */
static void
fuzz_frame_string(const char *s)
{
	unsigned char	*bin;
	char		*text, *fold;
	size_t		 len = strlen(s);
	ssize_t		 n;

	FUZZ_FRAME_CHECK((utf8_count(s, len) >= 0) == utf8_valid(s, len));
	fuzz_frame_trim(s, len);
	(void)name_nick_valid(s);
	(void)name_room_valid(s);
	(void)name_sticker_valid(s);
	(void)name_file_valid(s);
	(void)name_mime_valid(s);
	if ((fold = malloc(NAME_FOLD_MAX + 1)) != NULL) {
		if (name_casefold(s, fold, NAME_FOLD_MAX + 1) >= 0)
			FUZZ_FRAME_CHECK(name_cmp(s, fold) == 0);
		free(fold);
	}
	if ((n = base64_decoded_len(s, len)) < 0) {
		FUZZ_FRAME_CHECK(!base64_valid(s, len));
		return;
	}
	FUZZ_FRAME_CHECK(base64_valid(s, len));
	FUZZ_FRAME_CHECK(base64_encoded_len(n) == len);
	bin = malloc(n + 1);
	text = malloc(len + 1);
	FUZZ_FRAME_CHECK(bin != NULL && text != NULL);
	FUZZ_FRAME_CHECK(base64_decode(s, len, bin) == (size_t)n);
	FUZZ_FRAME_CHECK(base64_encode(bin, n, text) == len);
	FUZZ_FRAME_CHECK(memcmp(text, s, len + 1) == 0);
	free(text);
	free(bin);
}

/* Every string value of obj, and of the arrays and objects inside it. */
static void
fuzz_frame_strings(const cJSON *obj, int depth)
{
	const cJSON	*v;

	if (depth > 2)
		return;
	cJSON_ArrayForEach(v, obj) {
		if (cJSON_IsString(v))
			fuzz_frame_string(v->valuestring);
		else if (cJSON_IsArray(v) || cJSON_IsObject(v))
			fuzz_frame_strings(v, depth + 1);
	}
}

/*
 * A payload that parses must survive serialization: json_frame of the
 * object parses again, to an object of the same type.
 */
static void
fuzz_frame_json(const char *payload, size_t len)
{
	enum json_status	 st;
	struct frame		*f;
	const char		*type, *type2;
	cJSON			*obj, *obj2;

	st = json_parse(payload, len, &obj, &type);
	FUZZ_FRAME_CHECK(json_status_string(st) != NULL);
	if (st != JSON_OK) {
		FUZZ_FRAME_CHECK(obj == NULL && type == NULL);
		return;
	}
	FUZZ_FRAME_CHECK(cJSON_IsObject(obj) && type != NULL);
	FUZZ_FRAME_CHECK(json_get_string(obj, "type") == type);
	fuzz_frame_strings(obj, 0);
	if ((f = json_frame(obj)) != NULL) {
		FUZZ_FRAME_CHECK(f->size > FRAME_HEADER && f->refs == 1);
		st = json_parse((const char *)f->bytes + FRAME_HEADER,
		    f->size - FRAME_HEADER, &obj2, &type2);
		FUZZ_FRAME_CHECK(st == JSON_OK);
		FUZZ_FRAME_CHECK(strcmp(type, type2) == 0);
		cJSON_Delete(obj2);
		frame_unref(f);
	}
	cJSON_Delete(obj);
}

/* Take every whole frame at the front of the input, checking each. */
static void
fuzz_frame_drain(struct fuzz_frame *ff)
{
	enum frame_status	 st, peeked;
	struct frame		*f;
	const char		*payload;
	size_t			 len, plen, have;

	while (!ff->dead) {
		have = evbuffer_get_length(ff->in);
		peeked = frame_peek(ff->in, ff->max_frame, &plen);
		st = frame_decode(ff->in, ff->max_frame, &payload, &len);
		FUZZ_FRAME_CHECK(st == peeked && len == plen);
		FUZZ_FRAME_CHECK(frame_status_string(st) != NULL);
		FUZZ_FRAME_CHECK(evbuffer_get_length(ff->in) == have);
		FUZZ_FRAME_CHECK((st == FRAME_OK) == (payload != NULL));
		switch (st) {
		case FRAME_NEED:
			FUZZ_FRAME_CHECK(have < FRAME_HEADER ? len == 0 :
			    have - FRAME_HEADER < len);
			return;
		case FRAME_EMPTY:
			FUZZ_FRAME_CHECK(have >= FRAME_HEADER && len == 0);
			ff->dead = 1;
			return;
		case FRAME_TOO_LARGE:
			FUZZ_FRAME_CHECK(have >= FRAME_HEADER &&
			    len > ff->max_frame);
			ff->dead = 1;
			return;
		case FRAME_OK:
			break;
		}
		/* The payload is the stream's bytes, just past the header. */
		FUZZ_FRAME_CHECK(len >= 1 && len <= ff->max_frame);
		FUZZ_FRAME_CHECK(have >= FRAME_HEADER + len);
		FUZZ_FRAME_CHECK(ff->consumed + FRAME_HEADER + len <= ff->size);
		FUZZ_FRAME_CHECK(memcmp(payload, ff->data + ff->consumed +
		    FRAME_HEADER, len) == 0);

		fuzz_frame_json(payload, len);
		FUZZ_FRAME_CHECK(frame_encode(ff->encoded, payload, len) == 0);
		f = frame_new(payload, len);
		FUZZ_FRAME_CHECK(f != NULL && f->size == FRAME_HEADER + len);
		FUZZ_FRAME_CHECK(frame_queue(ff->queued, f) == 0);
		frame_unref(f);

		frame_consume(ff->in, len);
		ff->consumed += FRAME_HEADER + len;
		FUZZ_FRAME_CHECK(evbuffer_get_length(ff->in) ==
		    have - FRAME_HEADER - len);
	}
}

/* Both re-encodings must be exactly the whole frames of the stream. */
static void
fuzz_frame_compare(struct fuzz_frame *ff, struct evbuffer *out)
{
	unsigned char	*p;

	FUZZ_FRAME_CHECK(evbuffer_get_length(out) == ff->consumed);
	if (ff->consumed == 0)
		return;
	p = evbuffer_pullup(out, -1);
	FUZZ_FRAME_CHECK(p != NULL && memcmp(p, ff->data, ff->consumed) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_frame	ff;
	size_t			off, n;
	unsigned int		state;

	if (size == 0)
		return (0);
	memset(&ff, 0, sizeof ff);
	state = data[0];
	ff.max_frame = fuzz_frame_max[data[0] >> 6];
	ff.data = data + 1;
	ff.size = size - 1;
	ff.in = evbuffer_new();
	ff.encoded = evbuffer_new();
	ff.queued = evbuffer_new();
	FUZZ_FRAME_CHECK(ff.in != NULL && ff.encoded != NULL &&
	    ff.queued != NULL);

	for (off = 0; off < ff.size && !ff.dead; off += n) {
		/* A generator seeded by the first byte picks each piece. */
		state = state * 1103515245 + 12345;
		n = fuzz_frame_piece[(state >> 16) & 7];
		if (n > ff.size - off)
			n = ff.size - off;
		FUZZ_FRAME_CHECK(evbuffer_add(ff.in, ff.data + off, n) == 0);
		fuzz_frame_drain(&ff);
	}
	if (!ff.dead) {
		FUZZ_FRAME_CHECK(ff.consumed + evbuffer_get_length(ff.in) ==
		    ff.size);
	}
	fuzz_frame_compare(&ff, ff.encoded);
	fuzz_frame_compare(&ff, ff.queued);

	evbuffer_free(ff.in);
	evbuffer_free(ff.encoded);
	evbuffer_free(ff.queued);
	return (0);
}

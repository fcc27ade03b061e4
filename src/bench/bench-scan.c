/* bench-scan.c: evchat-bench's fast path through frames: a scan of an object's top-level keys for "type"
 * and "text" without building a tree, request templates (and reading one back, for a broker transport), and
 * the timed text; it knows no mode. */

#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* What fills a text after its timed header: 64 of them. */
#define BENCH_TEXT_PAD \
	"................................................................"

static const char *
bench_scan_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return (p);
}

/*
 * p points after an opening quote: return the closing quote, or NULL.  A
 * quote preceded by an odd run of backslashes is escaped.
 */
static const char *
bench_scan_string(const char *p, const char *end)
{
	const char	*q, *b;

	while ((q = memchr(p, '"', end - p)) != NULL) {
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return (q);
		p = q + 1;
	}
	return (NULL);
}

/*
 * The whole number in p .. end into *v; 0 (never a msgid) when it is not
 * one of at most 19 digits.
 */
static void
bench_scan_number(const char *p, const char *end, uint64_t *v)
{
	const char	*q;

	*v = 0;
	for (q = p; q < end && *q >= '0' && *q <= '9' && q - p < 19; q++)
		*v = *v * 10 + (uint64_t)(*q - '0');
	if (q == p || (q < end && *q >= '0' && *q <= '9'))
		*v = 0;
}

/* Skip a nested object or array starting at p; return what follows. */
static const char *
bench_scan_nested(const char *p, const char *end)
{
	unsigned int	 depth = 0;

	for (; p < end; p++) {
		switch (*p) {
		case '"':
			if ((p = bench_scan_string(p + 1, end)) == NULL)
				return (NULL);
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return (p + 1);
			break;
		}
	}
	return (NULL);
}

/*
 * Find "type", "text", "msgid" and "history" among the top-level keys of
 * the object in p, skipping nested values whole, so that a key of the same
 * name inside a string or a nested object is never taken for them.  A
 * value holding an escape is left out (ours never need one); so is a key
 * spelled with escapes.  Frames of the common shape never come here (see
 * bench_scan_fast); a replayed message does, with "history" after "text".
 * Returns -1 when the payload is not an object this walk can follow.
 */
int
bench_scan(const char *p, size_t len, struct bench_scan *sc)
{
	const char	*end = p + len, *key, *v;
	size_t		 klen;

	memset(sc, 0, sizeof *sc);
	p = bench_scan_space(p, end);
	if (p == end || *p++ != '{')
		return (-1);
	for (;;) {
		p = bench_scan_space(p, end);
		if (p < end && *p == '}')
			return (0);
		if (p == end || *p != '"')
			return (-1);
		key = p + 1;
		if ((p = bench_scan_string(key, end)) == NULL)
			return (-1);
		klen = p - key;
		p = bench_scan_space(p + 1, end);
		if (p == end || *p++ != ':')
			return (-1);
		p = bench_scan_space(p, end);
		if (p == end)
			return (-1);
		if (*p == '"') {
			v = p + 1;
			if ((p = bench_scan_string(v, end)) == NULL)
				return (-1);
			if (bench_scan_is(key, klen, "type") &&
			    memchr(v, '\\', p - v) == NULL) {
				sc->type = v;
				sc->typelen = p - v;
			} else if (bench_scan_is(key, klen, "text") &&
			    memchr(v, '\\', p - v) == NULL) {
				sc->text = v;
				sc->textlen = p - v;
			}
			p++;
		} else if (*p == '{' || *p == '[') {
			if ((p = bench_scan_nested(p, end)) == NULL)
				return (-1);
		} else {
			v = p;
			while (p < end && *p != ',' && *p != '}' &&
			    *p != ' ' && *p != '\n' && *p != '\t' &&
			    *p != '\r')
				p++;
			if (bench_scan_is(key, klen, "msgid"))
				bench_scan_number(v, p, &sc->msgid);
			else if (bench_scan_is(key, klen, "history"))
				sc->history = bench_scan_is(v, p - v, "true");
		}
		p = bench_scan_space(p, end);
		if (p == end)
			return (-1);
		if (*p == '}')
			return (0);
		if (*p++ != ',')
			return (-1);
	}
}

#define BENCH_SCAN_HEAD		"{\"type\":\"msg\","
#define BENCH_SCAN_MSGID	"\"msgid\":"
#define BENCH_SCAN_TAIL		",\"text\":\""

/*
 * The shape of nearly every frame a run receives: a msg whose last member
 * is a text of exactly size bytes.  Checking the head and the tail is
 * enough in valid JSON: the quote before "text" follows a comma, so it
 * opens a top-level key.  The text itself must then pass
 * bench_text_parse, which allows no quote or backslash in it.  The server
 * puts msgid right after the type, so it costs a few compares too.  A
 * replayed message ends with its history member instead, so it never has
 * this shape.  Returns -1 when the frame has another shape: bench_scan
 * handles those.
 */
int
bench_scan_fast(const char *p, size_t len, size_t size, struct bench_scan *sc)
{
	size_t	head = sizeof BENCH_SCAN_HEAD - 1;
	size_t	tail = sizeof BENCH_SCAN_TAIL - 1;

	if (len < head + tail + size + 2 ||
	    memcmp(p, BENCH_SCAN_HEAD, head) != 0 ||
	    p[len - 1] != '}' || p[len - 2] != '"' ||
	    memcmp(p + len - 2 - size - tail, BENCH_SCAN_TAIL, tail) != 0)
		return (-1);
	memset(sc, 0, sizeof *sc);
	sc->type = p + head - 5;
	sc->typelen = 3;
	sc->text = p + len - 2 - size;
	sc->textlen = size;
	if (memcmp(p + head, BENCH_SCAN_MSGID, sizeof BENCH_SCAN_MSGID - 1) ==
	    0)
		bench_scan_number(p + head + sizeof BENCH_SCAN_MSGID - 1,
		    sc->text, &sc->msgid);
	return (0);
}

/* Whether the len bytes at p are exactly the string s. */
bool
bench_scan_is(const char *p, size_t len, const char *s)
{
	return (strlen(s) == len && memcmp(p, s, len) == 0);
}

/*
 * Serialize obj once, with a placeholder text of size bytes as its last
 * member ("text" is added here), so each message only overwrites the
 * digits of the text in place: no JSON work per message.
 */
int
bench_tmpl_init(struct bench_tmpl *t, cJSON *obj, size_t size)
{
	char	*pad, *s;
	size_t	 len;

	memset(t, 0, sizeof *t);
	if ((pad = malloc(size + 1)) == NULL)
		return (-1);
	memset(pad, BENCH_TEXT_PAD[0], size);
	pad[size] = '\0';
	if (cJSON_AddStringToObject(obj, "text", pad) == NULL) {
		free(pad);
		return (-1);
	}
	s = cJSON_PrintUnformatted(obj);
	if (s == NULL) {
		free(pad);
		return (-1);
	}
	len = strlen(s);
	if (len < size + 2 || memcmp(s + len - size - 2, pad, size) != 0 ||
	    strcmp(s + len - 2, "\"}") != 0) {
		cJSON_free(s);
		free(pad);
		return (-1);
	}
	free(pad);
	if ((t->buf = malloc(len)) == NULL) {
		cJSON_free(s);
		return (-1);
	}
	memcpy(t->buf, s, len);
	cJSON_free(s);
	t->len = len;
	t->text_len = size;
	t->text_off = len - size - 2;
	return (0);
}

void
bench_tmpl_free(struct bench_tmpl *t)
{
	free(t->buf);
	memset(t, 0, sizeof *t);
}

static void
bench_text_digits(char *p, unsigned int n, uint64_t v)
{
	while (n-- > 0) {
		p[n] = '0' + v % 10;
		v /= 10;
	}
}

/* Write the timed header (kind, sequence, time) at the front of a text. */
static void
bench_text_fill(char *p, char kind, uint64_t seq, uint64_t t)
{
	p[0] = kind;
	bench_text_digits(p + BENCH_TEXT_SEQ, 10, seq);
	p[BENCH_TEXT_TIME - 1] = '/';
	bench_text_digits(p + BENCH_TEXT_TIME, 20, t);
	p[BENCH_TEXT_MIN - 1] = '/';
}

void
bench_tmpl_fill(struct bench_tmpl *t, char kind, uint64_t seq, uint64_t now)
{
	bench_text_fill(t->buf + t->text_off, kind, seq, now);
}

static int
bench_text_number(const char *p, unsigned int n, uint64_t *v)
{
	*v = 0;
	while (n-- > 0) {
		if (*p < '0' || *p > '9')
			return (-1);
		*v = *v * 10 + (uint64_t)(*p++ - '0');
	}
	return (0);
}

/*
 * Read back a text made by bench_text_fill: exactly size bytes, padding
 * included, so that it can hold no quote or escape.
 */
int
bench_text_parse(const char *p, size_t len, size_t size, char *kind,
    uint64_t *seq, uint64_t *t)
{
	static const char	pad[] = BENCH_TEXT_PAD;
	size_t			off, n;

	if (len != size || size < BENCH_TEXT_MIN)
		return (-1);
	if (p[BENCH_TEXT_TIME - 1] != '/' || p[BENCH_TEXT_MIN - 1] != '/')
		return (-1);
	if (bench_text_number(p + BENCH_TEXT_SEQ, 10, seq) != 0 ||
	    bench_text_number(p + BENCH_TEXT_TIME, 20, t) != 0)
		return (-1);
	for (off = BENCH_TEXT_MIN; off < size; off += n) {
		n = size - off < sizeof pad - 1 ? size - off : sizeof pad - 1;
		if (memcmp(p + off, pad, n) != 0)
			return (-1);
	}
	*kind = p[0];
	return (0);
}

/*
 * A mode's msg request read back by a broker transport (bench-redis.c,
 * bench-mqtt.c call it): to, its room or the nick it is for, and its
 * text, both pointing into *o, which the caller deletes.  -1 (and *o
 * NULL) when it is no such request.
 */
int
bench_scan_request(const void *payload, size_t len, cJSON **o,
    const char **to, const char **text)
{
	const char	*type;

	if (json_parse(payload, len, o, &type) != JSON_OK) {
		*o = NULL;
		return (-1);
	}
	if ((*to = json_get_string(*o, "room")) == NULL)
		*to = json_get_string(*o, "to");
	*text = json_get_string(*o, "text");
	if (strcmp(type, "msg") != 0 || *to == NULL || *text == NULL) {
		cJSON_Delete(*o);
		*o = NULL;
		return (-1);
	}
	return (0);
}

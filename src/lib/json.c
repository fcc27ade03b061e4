/* json.c: frame payloads to and from cJSON objects: strict parsing with a precise reason, the text of
 * members as sent, and serialization straight into a frame; it knows the field "type" and nothing of what
 * any message type means. */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "proto.h"

static bool
json_is_digit(int c)
{
	return (c >= '0' && c <= '9');
}

/*
 * The length of the number at p (at most len bytes) by JSON's grammar,
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or 0 if there is none:
 * cJSON takes "01", "1." and "-.5" too, and a number is echoed as sent
 * (json_member_next), so what is accepted must be what any parser reads.
 */
static size_t
json_number_len(const char *p, size_t len)
{
	size_t	i = 0, digits;

	if (i < len && p[i] == '-')
		i++;
	if (i < len && p[i] == '0')
		i++;
	else {
		for (digits = 0; i < len && json_is_digit(p[i]); i++)
			digits++;
		if (digits == 0)
			return (0);
	}
	if (i < len && p[i] == '.') {
		for (i++, digits = 0; i < len && json_is_digit(p[i]); i++)
			digits++;
		if (digits == 0)
			return (0);
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		for (digits = 0; i < len && json_is_digit(p[i]); i++)
			digits++;
		if (digits == 0)
			return (0);
	}
	if (i < len && (json_is_digit(p[i]) || p[i] == '.'))
		return (0);	/* "01", "1.2.3" */
	return (i);
}

/*
 * How many of the len bytes at p need no escape in a JSON string literal:
 * no control character, quote or backslash.  These are the bulk of every
 * payload (the text of a message), so eight bytes are looked at a time:
 * for each of the three tests, (v - 0x01..) & ~v & 0x80.. is non-zero iff
 * some byte of v is zero (v = w ^ the byte sought), or below 0x20 (v = w,
 * 0x20.. subtracted).  Bytes of 0x80 and up are plain, as UTF-8 is.
 */
static size_t
json_plain_len(const unsigned char *p, size_t len)
{
	const uint64_t	ones = 0x0101010101010101ULL, high = ones * 0x80;
	const uint64_t	quote = ones * '"', backslash = ones * '\\';
	uint64_t	w;
	size_t		i = 0;
#ifdef __SSE2__
	/* Sixteen at a time where SSE2 is (every x86-64), to the byte. */
	const __m128i	ctl = _mm_set1_epi8(0x1f), q = _mm_set1_epi8('"');
	const __m128i	bs = _mm_set1_epi8('\\');
	__m128i		v;
	int		m;

	for (; len - i >= 16; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(p + i));
		m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v),
		    _mm_cmpeq_epi8(v, q)), _mm_cmpeq_epi8(v, bs)));
		if (m != 0)
			return (i + __builtin_ctz(m));
	}
#endif
	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, sizeof w);
		if ((((w - ones * 0x20) & ~w) |
		    (((w ^ quote) - ones) & ~(w ^ quote)) |
		    (((w ^ backslash) - ones) & ~(w ^ backslash))) & high)
			break;
	}
	while (i < len && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
		i++;
	return (i);
}

/*
 * JSON allows no raw control character inside a string and only tab, line
 * feed and carriage return between tokens; cJSON takes any byte below 0x20
 * as white space and copies control characters into strings (a NUL then
 * cuts the string short), so look for them before it parses.  The escape
 * \u0000 is valid JSON but would cut a string short just the same (a nick
 * "a\u0000b" registering as "a"), so it is refused too.  Numbers must
 * follow JSON's grammar exactly (json_number_len).
 */
static bool
json_tokens_valid(const char *payload, size_t len)
{
	const unsigned char	*p = (const unsigned char *)payload;
	unsigned char		 c;
	bool			 instring = false, escaped = false;
	size_t			 i, n;

	for (i = 0; i < len; i++) {
		/* Plain bytes of a string at a time: most of a payload. */
		if (instring && !escaped &&
		    (i += json_plain_len(p + i, len - i)) == len)
			break;
		c = p[i];
		if (instring) {
			if (c < 0x20)
				return (false);
			if (escaped) {
				escaped = false;
				if (c == 'u' && len - i > 4 &&
				    memcmp(payload + i + 1, "0000", 4) == 0)
					return (false);
			} else if (c == '\\')
				escaped = true;
			else if (c == '"')
				instring = false;
		} else if (c == '"')
			instring = true;
		else if (c == '-' || json_is_digit(c)) {
			if ((n = json_number_len(payload + i, len - i)) == 0)
				return (false);
			i += n - 1;
		} else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return (false);
	}
	return (true);
}

/*
 * Parse one payload into an object with a string "type".  On JSON_OK *obj
 * belongs to the caller (cJSON_Delete) and *type points into it; otherwise
 * both are NULL and the return value says why.
 */
enum json_status
json_parse(const char *payload, size_t len, cJSON **obj, const char **type)
{
	const char	*end = NULL;
	cJSON		*o, *t;
	size_t		 off;

	*obj = NULL;
	*type = NULL;
	if (!utf8_valid(payload, len))
		return (JSON_BAD_UTF8);
	if (!json_tokens_valid(payload, len))
		return (JSON_BAD_SYNTAX);
	o = cJSON_ParseWithLengthOpts(payload, len, &end, 0);
	if (o == NULL)
		return (JSON_BAD_SYNTAX);
	for (off = end - payload; off < len; off++) {
		if (strchr(" \t\r\n", payload[off]) == NULL ||
		    payload[off] == '\0') {
			cJSON_Delete(o);
			return (JSON_BAD_SYNTAX);
		}
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return (JSON_NOT_OBJECT);
	}
	t = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsString(t) || t->valuestring == NULL) {
		cJSON_Delete(o);
		return (JSON_NO_TYPE);
	}
	*obj = o;
	*type = t->valuestring;
	return (JSON_OK);
}

static size_t
json_skip_space(const char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return (i);
}

/*
 * The member value at buf[*i] of a flat object (json_parse_flat), as a
 * node: a string without escapes (NUL-terminated in place, referenced, not
 * copied), a whole number, true, false or null; NULL for anything else.
 */
static cJSON *
json_flat_value(char *buf, size_t len, size_t *i)
{
	char	num[32];
	size_t	n, at = *i;

	if (buf[at] == '"') {
		n = json_plain_len((unsigned char *)buf + at + 1, len - at - 1);
		if (at + 1 + n == len || buf[at + 1 + n] != '"')
			return (NULL);
		buf[at + 1 + n] = '\0';
		*i = at + n + 2;
		return (cJSON_CreateStringReference(buf + at + 1));
	}
	if (buf[at] == '-' || json_is_digit(buf[at])) {
		/* Fractions and exponents are left to cJSON (and its locale). */
		n = json_number_len(buf + at, len - at);
		if (n == 0 || n >= sizeof num ||
		    memchr(buf + at, '.', n) != NULL ||
		    memchr(buf + at, 'e', n) != NULL ||
		    memchr(buf + at, 'E', n) != NULL)
			return (NULL);
		memcpy(num, buf + at, n);
		num[n] = '\0';
		*i = at + n;
		return (cJSON_CreateNumber(strtod(num, NULL)));
	}
	for (n = 0; n < 3; n++) {
		static const char *const lit[] = { "true", "false", "null" };
		size_t	l = strlen(lit[n]);

		if (len - at >= l && memcmp(buf + at, lit[n], l) == 0) {
			*i = at + l;
			return (n == 0 ? cJSON_CreateTrue() : n == 1 ?
			    cJSON_CreateFalse() : cJSON_CreateNull());
		}
	}
	return (NULL);
}

/*
 * json_parse for the common request, a flat object: keys and string values
 * without escapes, and whole numbers, true, false or null, as a message is.
 * cJSON's parser, a third of what a message costs, is skipped: the payload
 * is copied once to buf (size bytes), keys and string values are
 * NUL-terminated there and referenced by their nodes (cJSON_Delete leaves
 * them), so buf must outlive *obj: a copy that outlives it is made with
 * json_duplicate, not cJSON_Duplicate.  false when the payload
 * is not such an object, is not valid or does not fit: then json_parse
 * says why (the rare others pay both).  On true, as json_parse's JSON_OK.
 * Called by face-evchat.c for every frame.
 */
bool
json_parse_flat(const char *payload, size_t len, char *buf, size_t size,
    cJSON **obj, const char **type)
{
	cJSON	*o, *v, *t;
	size_t	 i, n;
	char	*key;

	*obj = NULL;
	*type = NULL;
	/*
	 * No json_tokens_valid: what it refuses, this refuses too (a control
	 * character ends a plain run, numbers are checked by the same rule,
	 * only JSON's white space is skipped between tokens).
	 */
	if (len > size || !utf8_valid(payload, len))
		return (false);
	i = json_skip_space(payload, len, 0);
	if (i == len || payload[i] != '{' ||
	    (o = cJSON_CreateObject()) == NULL)
		return (false);
	memcpy(buf, payload, len);
	for (i = json_skip_space(buf, len, i + 1); i < len && buf[i] == '"';
	    i = json_skip_space(buf, len, i + 1)) {
		n = json_plain_len((unsigned char *)buf + i + 1, len - i - 1);
		if (i + 1 + n == len || buf[i + 1 + n] != '"')
			break;
		key = buf + i + 1;
		key[n] = '\0';
		i = json_skip_space(buf, len, i + n + 2);
		if (i == len || buf[i] != ':')
			break;
		if ((i = json_skip_space(buf, len, i + 1)) == len ||
		    (v = json_flat_value(buf, len, &i)) == NULL)
			break;
		if (!cJSON_AddItemToObjectCS(o, key, v)) {
			cJSON_Delete(v);
			break;
		}
		if ((i = json_skip_space(buf, len, i)) == len)
			break;
		if (buf[i] == '}') {
			if (json_skip_space(buf, len, i + 1) != len)
				break;
			t = cJSON_GetObjectItemCaseSensitive(o, "type");
			if (!cJSON_IsString(t))
				break;
			*obj = o;
			*type = t->valuestring;
			return (true);
		}
		if (buf[i] != ',')
			break;
	}
	cJSON_Delete(o);
	explicit_bzero(buf, len);	/* it may hold a password */
	return (false);
}

/*
 * A deep copy of obj that owns every string, keys included: cJSON_Duplicate
 * leaves a key it does not own (json_parse_flat's, all at the top) pointing
 * where the original's does.  NULL when out of memory.  Called by cmd.c to
 * keep a request past its frame.
 */
cJSON *
json_duplicate(const cJSON *obj)
{
	cJSON	*copy, *c;
	char	*key;

	if ((copy = cJSON_Duplicate(obj, 1)) == NULL)
		return (NULL);
	for (c = copy->child; c != NULL; c = c->next) {
		if (!(c->type & cJSON_StringIsConst) || c->string == NULL)
			continue;
		if ((key = cJSON_malloc(strlen(c->string) + 1)) == NULL) {
			cJSON_Delete(copy);
			return (NULL);
		}
		strcpy(key, c->string);
		c->string = key;
		c->type &= ~cJSON_StringIsConst;
	}
	return (copy);
}

/* The end of the string literal opening at p[i]: just past its quote. */
static size_t
json_skip_string(const char *p, size_t len, size_t i)
{
	for (i++; i < len && p[i] != '"'; i++) {
		if (p[i] == '\\')
			i++;
	}
	return (i + 1);
}

/* The end of the value at p[i], nested arrays and objects included. */
static size_t
json_skip_value(const char *p, size_t len, size_t i)
{
	size_t	depth = 0;

	do {
		if (p[i] == '"')
			i = json_skip_string(p, len, i);
		else {
			if (p[i] == '{' || p[i] == '[')
				depth++;
			else if (p[i] == '}' || p[i] == ']')
				depth--;
			i++;
			if (depth == 0) {
				/* A scalar runs to the next delimiter. */
				while (i < len &&
				    strchr(",}] \t\r\n", p[i]) == NULL)
					i++;
			}
		}
	} while (depth > 0 && i < len);
	return (i);
}

/*
 * The next top-level member of an object that json_parse accepted, as its
 * text was sent: key (quotes and escapes included) and value.  *pos starts
 * at 0.  Returns false after the last member.  For echoing what a client
 * sent without printing it again: a number stays the number it wrote.
 */
bool
json_member_next(const char *p, size_t len, size_t *pos,
    struct json_member *m)
{
	size_t	i = *pos;

	i = json_skip_space(p, len, i);
	if (i < len && (p[i] == '{' || p[i] == ','))
		i = json_skip_space(p, len, i + 1);
	if (i >= len || p[i] != '"')
		return (false);
	m->key = p + i;
	i = json_skip_string(p, len, i);
	m->keylen = (p + i) - m->key;
	i = json_skip_space(p, len, i);
	i = json_skip_space(p, len, i + 1);	/* the colon */
	m->value = p + i;
	i = json_skip_value(p, len, i);
	m->valuelen = (p + i) - m->value;
	*pos = i;
	return (true);
}

/*
 * Whether member m's key is name (plain ASCII): keys written with escapes
 * are decoded first, so that "\u0069d" is "id" as it is to cJSON.
 */
bool
json_member_is(const struct json_member *m, const char *name)
{
	cJSON	*k;
	bool	 is;

	if (memchr(m->key, '\\', m->keylen) == NULL)
		return (m->keylen == strlen(name) + 2 &&
		    memcmp(m->key + 1, name, m->keylen - 2) == 0);
	if ((k = cJSON_ParseWithLength(m->key, m->keylen)) == NULL)
		return (false);
	is = cJSON_IsString(k) && strcmp(k->valuestring, name) == 0;
	cJSON_Delete(k);
	return (is);
}

/* The text of the first top-level member named name, or NULL. */
const char *
json_member_text(const char *p, size_t len, const char *name, size_t *vlen)
{
	struct json_member	m;
	size_t			pos = 0;

	while (json_member_next(p, len, &pos, &m)) {
		if (json_member_is(&m, name)) {
			*vlen = m.valuelen;
			return (m.value);
		}
	}
	return (NULL);
}

const char *
json_status_string(enum json_status st)
{
	switch (st) {
	case JSON_OK:
		return ("ok");
	case JSON_BAD_UTF8:
		return ("payload is not valid UTF-8");
	case JSON_BAD_SYNTAX:
		return ("payload is not valid JSON");
	case JSON_NOT_OBJECT:
		return ("payload is not a JSON object");
	case JSON_NO_TYPE:
		return ("object has no string \"type\"");
	}
	return ("unknown JSON status");
}

/* Serialize obj once into a shareable frame; the caller owns the reference. */
struct frame *
json_frame(const cJSON *obj)
{
	struct frame	*f;
	char		*s;

	if ((s = cJSON_PrintUnformatted(obj)) == NULL)
		return (NULL);
	f = frame_new(s, strlen(s));
	cJSON_free(s);
	return (f);
}

/* Serialize obj as one frame at the end of out. */
int
json_encode(struct evbuffer *out, const cJSON *obj)
{
	char	*s;
	int	 rc;

	if ((s = cJSON_PrintUnformatted(obj)) == NULL)
		return (-1);
	rc = frame_encode(out, s, strlen(s));
	cJSON_free(s);
	return (rc);
}

/* The string value of key in obj, or NULL when absent or not a string. */
const char *
json_get_string(const cJSON *obj, const char *key)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsString(v))
		return (NULL);
	return (v->valuestring);
}

/*
 * Bytes that s takes as a JSON string literal, quotes included, escaped as
 * json_put_string does: for building frames by hand on hot paths.
 */
size_t
json_string_len(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, n = 2, plain;

	for (;;) {
		plain = json_plain_len(p + i, len - i);
		n += plain;
		if ((i += plain) == len)
			return (n);
		n += p[i++] < 0x20 ? 6 : 2;
	}
}

/* Write s as a JSON string literal at dst; returns the end. */
char *
json_put_string(char *dst, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, plain;

	*dst++ = '"';
	for (;;) {
		plain = json_plain_len(p + i, len - i);
		memcpy(dst, p + i, plain);
		dst += plain;
		if ((i += plain) == len)
			break;
		if (p[i] < 0x20) {
			memcpy(dst, "\\u00", 4);
			dst[4] = hex[p[i] >> 4];
			dst[5] = hex[p[i] & 0xf];
			dst += 6;
		} else {
			*dst++ = '\\';
			*dst++ = p[i];
		}
		i++;
	}
	*dst++ = '"';
	return (dst);
}

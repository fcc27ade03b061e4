/* json.c: frame payloads to and from cJSON objects: strict parsing with a precise reason, and serialization
 * straight into a frame; it knows the field "type" and nothing of what any message type means. */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "proto.h"

/*
 * JSON allows no raw control character inside a string and only tab, line
 * feed and carriage return between tokens; cJSON takes any byte below 0x20
 * as white space and copies control characters into strings (a NUL then
 * cuts the string short), so look for them before it parses.  The escape
 * \u0000 is valid JSON but would cut a string short just the same (a nick
 * "a\u0000b" registering as "a"), so it is refused too.
 */
static bool
json_controls_valid(const char *payload, size_t len)
{
	unsigned char	c;
	bool		instring = false, escaped = false;
	size_t		i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)payload[i];
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
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
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
	if (!json_controls_valid(payload, len))
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
	size_t			 n = 2;

	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			n += 2;
		else if (*p < 0x20)
			n += 6;
		else
			n++;
	}
	return (n);
}

/* Write s as a JSON string literal at dst; returns the end. */
char *
json_put_string(char *dst, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;

	*dst++ = '"';
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*dst++ = '\\';
			*dst++ = *p;
		} else if (*p < 0x20) {
			memcpy(dst, "\\u00", 4);
			dst[4] = hex[*p >> 4];
			dst[5] = hex[*p & 0xf];
			dst += 6;
		} else
			*dst++ = *p;
	}
	*dst++ = '"';
	return (dst);
}

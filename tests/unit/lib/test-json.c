/* test-json.c: unit tests of the JSON helpers (json.c): parsing with every failure reason and
 * serializing to frames that decode back; it knows nothing of what any message type means. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "unit.h"

/* A payload given with its length, so it may hold NULs and need no NUL. */
#define TEST_JSON(s, st)	{ s, sizeof (s) - 1, st }

static const struct {
	const char		*payload;
	size_t			 len;
	enum json_status	 want;
} test_json_cases[] = {
	TEST_JSON("{\"type\":\"hello\"}", JSON_OK),
	TEST_JSON("{\"nick\":\"ann\",\"type\":\"hello\",\"version\":1}",
	    JSON_OK),
	TEST_JSON(" \t\r\n{\"type\":\"x\"}", JSON_OK),
	TEST_JSON("{\"type\":\"x\"} \t\r\n", JSON_OK),
	TEST_JSON("{\"type\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", JSON_OK),
	TEST_JSON("{\"type\":\"\"}", JSON_OK),

	/* Strict UTF-8 is checked before the JSON itself. */
	TEST_JSON("{\"type\":\"\xc0\xaf\"}", JSON_BAD_UTF8),
	TEST_JSON("{\"type\":\"x\",\"text\":\"\xed\xa0\x80\"}", JSON_BAD_UTF8),
	TEST_JSON("{\"type\":\"\xf4\x90\x80\x80\"}", JSON_BAD_UTF8),
	TEST_JSON("{\"type\":\"x\"}\xff", JSON_BAD_UTF8),
	TEST_JSON("{\"type\":\"\xe2\x82\"}", JSON_BAD_UTF8),
	TEST_JSON("[\"\x80\"]", JSON_BAD_UTF8),

	/* Numbers by JSON's grammar, whatever strtod would take. */
	TEST_JSON("{\"type\":\"x\",\"n\":9007199254740993}", JSON_OK),
	TEST_JSON("{\"type\":\"x\",\"n\":-0.5E+3}", JSON_OK),
	TEST_JSON("{\"type\":\"x\",\"n\":1e999}", JSON_OK),
	TEST_JSON("{\"type\":\"x\",\"n\":[0,-1,2.5e-3]}", JSON_OK),
	TEST_JSON("{\"type\":\"x\",\"n\":01}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":1.}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":-}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":-.5}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":1.e5}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":1e}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":-01}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",\"n\":\"01 1.\"}", JSON_OK),

	TEST_JSON("", JSON_BAD_SYNTAX),
	TEST_JSON(" \n", JSON_BAD_SYNTAX),
	TEST_JSON("{", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\"", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x}", JSON_BAD_SYNTAX),
	TEST_JSON("{type:\"x\"}", JSON_BAD_SYNTAX),
	TEST_JSON("{'type':'x'}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\",}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\" \"x\"}", JSON_BAD_SYNTAX),
	TEST_JSON("hello", JSON_BAD_SYNTAX),

	/* Trailing bytes after the object, NUL included, are not ignored. */
	TEST_JSON("{\"type\":\"x\"}x", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\"} }", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\"}{\"type\":\"y\"}", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\"}\0", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\"}\0junk", JSON_BAD_SYNTAX),
	TEST_JSON("{\"type\":\"x\"}\v", JSON_BAD_SYNTAX),

	TEST_JSON("[]", JSON_NOT_OBJECT),
	TEST_JSON("[{\"type\":\"x\"}]", JSON_NOT_OBJECT),
	TEST_JSON("\"type\"", JSON_NOT_OBJECT),
	TEST_JSON("42", JSON_NOT_OBJECT),
	TEST_JSON("-1.5e3", JSON_NOT_OBJECT),
	TEST_JSON("true", JSON_NOT_OBJECT),
	TEST_JSON("null", JSON_NOT_OBJECT),

	TEST_JSON("{}", JSON_NO_TYPE),
	TEST_JSON("{\"nick\":\"ann\"}", JSON_NO_TYPE),
	TEST_JSON("{\"Type\":\"x\"}", JSON_NO_TYPE),
	TEST_JSON("{\"type\":1}", JSON_NO_TYPE),
	TEST_JSON("{\"type\":null}", JSON_NO_TYPE),
	TEST_JSON("{\"type\":true}", JSON_NO_TYPE),
	TEST_JSON("{\"type\":[\"x\"]}", JSON_NO_TYPE),
	TEST_JSON("{\"type\":{\"type\":\"x\"}}", JSON_NO_TYPE),
};

static void
test_json_parse_table(void **state)
{
	cJSON			*obj;
	const char		*type;
	char			*payload;
	size_t			 i;
	enum json_status	 st;

	for (i = 0; i < nitems(test_json_cases); i++) {
		/* As in a frame: no NUL after the payload. */
		payload = unit_dup(test_json_cases[i].payload,
		    test_json_cases[i].len);
		st = json_parse(payload, test_json_cases[i].len, &obj, &type);
		if (st != test_json_cases[i].want) {
			fail_msg("case %zu (%s): got \"%s\", want \"%s\"", i,
			    test_json_cases[i].payload, json_status_string(st),
			    json_status_string(test_json_cases[i].want));
		}
		free(payload);
		if (st != JSON_OK) {
			assert_null(obj);
			assert_null(type);
			continue;
		}
		assert_non_null(obj);
		assert_non_null(type);
		assert_true(cJSON_IsObject(obj));
		assert_string_equal(type, json_get_string(obj, "type"));
		cJSON_Delete(obj);
	}
}

static void
test_json_parse_ok(void **state)
{
	/* The object ends where the length says, not at a NUL. */
	static const char	 buf[] =
	    "{\"type\":\"hello\",\"nick\":\"ann\"}}}";
	cJSON			*obj;
	const char		*type;

	assert_int_equal(json_parse(buf, sizeof buf - 3, &obj, &type),
	    JSON_OK);
	assert_string_equal(type, "hello");
	assert_string_equal(json_get_string(obj, "nick"), "ann");
	cJSON_Delete(obj);

	assert_int_equal(json_parse(buf, sizeof buf - 2, &obj, &type),
	    JSON_BAD_SYNTAX);
	assert_int_equal(json_parse(buf, sizeof buf - 4, &obj, &type),
	    JSON_BAD_SYNTAX);
}

/* Deep nesting is refused by cJSON's limit, not by running out of stack. */
static void
test_json_parse_deep(void **state)
{
	cJSON		*obj;
	const char	*type;
	char		*p;
	size_t		 depth = 100000, len, i;

	len = 2 * depth + 2;
	p = malloc(len);
	assert_non_null(p);
	p[0] = '{';
	for (i = 0; i < depth; i++) {
		p[1 + i] = '[';
		p[1 + depth + i] = ']';
	}
	p[len - 1] = '}';
	assert_int_equal(json_parse(p, len, &obj, &type), JSON_BAD_SYNTAX);
	assert_null(obj);
	free(p);
}

static void
test_json_status_strings(void **state)
{
	enum json_status	 st;
	const char		*s;

	for (st = JSON_OK; st <= JSON_NO_TYPE; st++) {
		s = json_status_string(st);
		assert_non_null(s);
		assert_true(*s != '\0');
	}
	assert_non_null(json_status_string((enum json_status)99));
}

/* An object with every kind of JSON value and some multi-byte text. */
static cJSON *
test_json_object(void)
{
	cJSON	*obj, *a;

	obj = cJSON_CreateObject();
	assert_non_null(obj);
	assert_non_null(cJSON_AddStringToObject(obj, "type", "msg"));
	assert_non_null(cJSON_AddStringToObject(obj, "text",
	    "h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x98\x80 \"quoted\"\n\t\\"));
	assert_non_null(cJSON_AddNumberToObject(obj, "msgid", 12345));
	assert_non_null(cJSON_AddTrueToObject(obj, "presence"));
	assert_non_null(cJSON_AddNullToObject(obj, "reason"));
	a = cJSON_AddArrayToObject(obj, "members");
	assert_non_null(a);
	cJSON_AddItemToArray(a, cJSON_CreateString("ann"));
	cJSON_AddItemToArray(a, cJSON_CreateString("bob"));
	return (obj);
}

/* Decode one frame from b and parse it back; the caller frees the object. */
static cJSON *
test_json_decode(struct evbuffer *b)
{
	cJSON		*obj;
	const char	*payload, *type;
	size_t		 len;

	assert_int_equal(frame_decode(b, FRAME_MAX_DEFAULT, &payload, &len),
	    FRAME_OK);
	assert_int_equal(json_parse(payload, len, &obj, &type), JSON_OK);
	assert_string_equal(type, "msg");
	frame_consume(b, len);
	return (obj);
}

static void
test_json_frame(void **state)
{
	struct evbuffer	*b;
	struct frame	*f;
	cJSON		*obj, *back;
	char		*s;
	size_t		 len;

	obj = test_json_object();
	f = json_frame(obj);
	assert_non_null(f);
	assert_int_equal(f->refs, 1);

	/* The frame holds the compact serialization, once. */
	s = cJSON_PrintUnformatted(obj);
	assert_non_null(s);
	len = strlen(s);
	assert_int_equal(f->size, FRAME_HEADER + len);
	assert_memory_equal(f->bytes + FRAME_HEADER, s, len);
	cJSON_free(s);

	b = evbuffer_new();
	assert_non_null(b);
	assert_int_equal(frame_queue(b, f), 0);
	assert_int_equal(frame_queue(b, f), 0);
	frame_unref(f);
	back = test_json_decode(b);
	assert_true(cJSON_Compare(obj, back, 1));
	cJSON_Delete(back);
	back = test_json_decode(b);
	assert_true(cJSON_Compare(obj, back, 1));
	cJSON_Delete(back);
	assert_int_equal(evbuffer_get_length(b), 0);

	evbuffer_free(b);
	cJSON_Delete(obj);
}

static void
test_json_encode(void **state)
{
	struct evbuffer	*b, *ref;
	struct frame	*f;
	cJSON		*obj, *back;
	size_t		 len;

	obj = test_json_object();
	b = evbuffer_new();
	assert_non_null(b);
	assert_int_equal(json_encode(b, obj), 0);
	assert_int_equal(json_encode(b, obj), 0);

	/* Both encoders produce the same bytes. */
	f = json_frame(obj);
	assert_non_null(f);
	len = evbuffer_get_length(b);
	assert_int_equal(len, 2 * f->size);
	ref = evbuffer_new();
	assert_non_null(ref);
	assert_int_equal(frame_queue(ref, f), 0);
	assert_memory_equal(evbuffer_pullup(b, f->size),
	    evbuffer_pullup(ref, f->size), f->size);
	evbuffer_free(ref);
	frame_unref(f);

	back = test_json_decode(b);
	assert_true(cJSON_Compare(obj, back, 1));
	cJSON_Delete(back);
	back = test_json_decode(b);
	assert_true(cJSON_Compare(obj, back, 1));
	cJSON_Delete(back);
	assert_int_equal(evbuffer_get_length(b), 0);

	evbuffer_free(b);
	cJSON_Delete(obj);
}

static void
test_json_get_string(void **state)
{
	static const char	 p[] = "{\"type\":\"join\",\"room\":\"#c\","
	    "\"n\":1,\"z\":null,\"a\":[\"x\"],\"o\":{\"room\":\"y\"},"
	    "\"e\":\"\"}";
	cJSON			*obj;
	const char		*type;

	assert_int_equal(json_parse(p, sizeof p - 1, &obj, &type), JSON_OK);
	assert_string_equal(json_get_string(obj, "type"), "join");
	assert_string_equal(json_get_string(obj, "room"), "#c");
	assert_string_equal(json_get_string(obj, "e"), "");
	assert_null(json_get_string(obj, "Room"));
	assert_null(json_get_string(obj, "missing"));
	assert_null(json_get_string(obj, "n"));
	assert_null(json_get_string(obj, "z"));
	assert_null(json_get_string(obj, "a"));
	assert_null(json_get_string(obj, "o"));
	cJSON_Delete(obj);
}

/* Members come back as their text was sent, nested values whole. */
static void
test_json_members(void **state)
{
	static const char	 p[] = " {\"type\" : \"ping\", \"a\":[1, {\"b\":"
	    "\"]}\\\"\"}],\"\\u0069d\":1e999 ,\"t\":true,\"s\":\"x,y\"}";
	static const char	*keys[] = { "\"type\"", "\"a\"", "\"\\u0069d\"",
	    "\"t\"", "\"s\"" };
	static const char	*values[] = { "\"ping\"",
	    "[1, {\"b\":\"]}\\\"\"}]", "1e999", "true", "\"x,y\"" };
	struct json_member	 m;
	const char		*type, *v;
	size_t			 pos = 0, n = 0, len;
	cJSON			*obj;

	assert_int_equal(json_parse(p, sizeof p - 1, &obj, &type), JSON_OK);
	cJSON_Delete(obj);
	while (json_member_next(p, sizeof p - 1, &pos, &m)) {
		assert_true(n < nitems(keys));
		assert_int_equal(m.keylen, strlen(keys[n]));
		assert_memory_equal(m.key, keys[n], m.keylen);
		assert_int_equal(m.valuelen, strlen(values[n]));
		assert_memory_equal(m.value, values[n], m.valuelen);
		n++;
	}
	assert_int_equal(n, nitems(keys));
	v = json_member_text(p, sizeof p - 1, "id", &len);
	assert_non_null(v);
	assert_int_equal(len, 5);
	assert_memory_equal(v, "1e999", 5);
	assert_null(json_member_text(p, sizeof p - 1, "re", &len));
	assert_null(json_member_text("{}", 2, "id", &len));
}

/*
 * json_string_len and json_put_string against a byte-at-a-time reference,
 * each character that needs an escape at every offset of strings long
 * enough for the eight-bytes-at-a-time scan, among UTF-8 and ASCII, and
 * the same offsets in json_parse's check of a payload.
 */
static void
test_json_string_escapes(void **state)
{
	static const char	 special[] = { '"', '\\', 0x01, 0x1f, '\n' };
	char			 s[40], want[300], got[300], *p, payload[100];
	const char		*type;
	cJSON			*obj;
	size_t			 i, j, k, n;

	for (k = 0; k < sizeof special; k++) {
		for (i = 0; i < 25; i++) {
			/* "abcé" and so on: a special one may split an é. */
			for (j = 0; j < 25; j++)
				s[j] = j % 5 == 3 ? (char)0xc3 : j % 5 == 4 ?
				    (char)0xa9 : (char)('a' + j);
			s[i] = special[k];
			s[25] = '\0';
			p = want;
			*p++ = '"';
			for (j = 0; j < 25; j++) {
				if (s[j] == '"' || s[j] == '\\') {
					*p++ = '\\';
					*p++ = s[j];
				} else if ((unsigned char)s[j] < 0x20)
					p += sprintf(p, "\\u%04x", s[j]);
				else
					*p++ = s[j];
			}
			*p++ = '"';
			n = p - want;
			assert_int_equal(json_string_len(s), n);
			p = json_put_string(got, s);
			assert_int_equal(p - got, n);
			assert_memory_equal(got, want, n);

			if (i % 5 >= 3)
				continue;	/* not UTF-8 any more */
			/* A raw control character in a string is refused. */
			n = snprintf(payload, sizeof payload,
			    "{\"type\":\"x\",\"t\":%.*s}", (int)(p - got),
			    got);
			assert_int_equal(json_parse(payload, n, &obj, &type),
			    JSON_OK);
			cJSON_Delete(obj);
			if ((unsigned char)special[k] < 0x20) {
				n = snprintf(payload, sizeof payload,
				    "{\"type\":\"x\",\"t\":\"%s\"}", s);
				assert_int_equal(json_parse(payload, n, &obj,
				    &type), JSON_BAD_SYNTAX);
			}
		}
	}
}

/*
 * json_parse_flat: what it takes is what json_parse makes of it, member for
 * member (every case of the table), with the strings in the caller's
 * buffer; what it leaves to json_parse (escapes, nesting, fractions, a
 * small buffer) it refuses, and all that json_parse refuses.
 */
static void
test_json_parse_flat(void **state)
{
	static const struct {
		const char	*payload;
		bool		 flat;
	} cases[] = {
		{ "{\"type\":\"msg\",\"to\":\"b0\",\"text\":\"hi \xc3\xa9\"}", true },
		{ " {\"type\" : \"x\" , \"id\":-12,\"a\":true,\"b\":null}\n", true },
		{ "{\"type\":\"x\",\"type\":\"y\",\"f\":false}", true },
		{ "{\"type\":\"x\",\"t\":\"a\\\"b\"}", false },
		{ "{\"ty\\u0070e\":\"x\"}", false },
		{ "{\"type\":\"x\",\"o\":{}}", false },
		{ "{\"type\":\"x\",\"n\":1.5}", false },
		{ "{\"type\":\"x\",\"n\":1e3}", false },
		{ "{\"type\":\"x\",}", false },
		{ "{\"type\":\"x\"} x", false },
		{ "{\"type\":5}", false },
		{ "{}", false },
	};
	cJSON		*obj, *ref;
	const char	*type, *rtype;
	char		 buf[200], *a, *b;
	size_t		 i, len;
	bool		 flat;

	for (i = 0; i < nitems(test_json_cases) + nitems(cases); i++) {
		if (i < nitems(test_json_cases)) {
			a = unit_dup(test_json_cases[i].payload,
			    test_json_cases[i].len);
			len = test_json_cases[i].len;
		} else {
			len = strlen(cases[i - nitems(test_json_cases)].payload);
			a = unit_dup(cases[i - nitems(test_json_cases)].payload,
			    len);
		}
		flat = json_parse_flat(a, len, buf, sizeof buf, &obj, &type);
		if (i >= nitems(test_json_cases) &&
		    flat != cases[i - nitems(test_json_cases)].flat)
			fail_msg("flat case %zu: got %d", i, flat);
		if (!flat) {
			assert_null(obj);
			free(a);
			continue;
		}
		assert_int_equal(json_parse(a, len, &ref, &rtype), JSON_OK);
		assert_string_equal(type, rtype);
		assert_true(type >= buf && type < buf + sizeof buf);
		b = cJSON_PrintUnformatted(ref);
		free(a);
		a = cJSON_PrintUnformatted(obj);
		assert_string_equal(a, b);
		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(ref);
		cJSON_Delete(obj);
	}
	/* What does not fit is json_parse's. */
	assert_false(json_parse_flat(cases[0].payload,
	    strlen(cases[0].payload), buf, 10, &obj, &type));

	/* json_duplicate's copy owns its keys and strings: buf may go. */
	assert_true(json_parse_flat(cases[0].payload,
	    strlen(cases[0].payload), buf, sizeof buf, &obj, &type));
	ref = json_duplicate(obj);
	assert_non_null(ref);
	cJSON_Delete(obj);
	memset(buf, 'x', sizeof buf);
	a = cJSON_PrintUnformatted(ref);
	assert_string_equal(a, cases[0].payload);
	cJSON_free(a);
	cJSON_Delete(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parse_table),
		cmocka_unit_test(test_json_parse_ok),
		cmocka_unit_test(test_json_parse_deep),
		cmocka_unit_test(test_json_status_strings),
		cmocka_unit_test(test_json_frame),
		cmocka_unit_test(test_json_encode),
		cmocka_unit_test(test_json_get_string),
		cmocka_unit_test(test_json_members),
		cmocka_unit_test(test_json_string_escapes),
		cmocka_unit_test(test_json_parse_flat),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* test-errcode.c: unit tests of the error-code table (errcode.c) against the protocol's list of stable
 * wire strings: names, messages, lookups and out-of-range codes; it knows nothing of when codes are sent. */

#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "unit.h"

/* The protocol's list, in its order: these strings must never change. */
static const struct {
	enum errcode	 code;
	const char	*name;
} test_errcode_protocol[] = {
	{ ERR_BAD_FRAME, "bad_frame" },
	{ ERR_FRAME_TOO_LARGE, "frame_too_large" },
	{ ERR_NOT_REGISTERED, "not_registered" },
	{ ERR_ALREADY_REGISTERED, "already_registered" },
	{ ERR_INVALID_NICK, "invalid_nick" },
	{ ERR_NICK_TAKEN, "nick_taken" },
	{ ERR_INVALID_ROOM, "invalid_room" },
	{ ERR_ALREADY_IN_ROOM, "already_in_room" },
	{ ERR_NOT_IN_ROOM, "not_in_room" },
	{ ERR_NO_SUCH_USER, "no_such_user" },
	{ ERR_NO_SUCH_ROOM, "no_such_room" },
	{ ERR_BAD_REQUEST, "bad_request" },
	{ ERR_UNKNOWN_TYPE, "unknown_type" },
	{ ERR_TEXT_TOO_LONG, "text_too_long" },
	{ ERR_MEDIA_TOO_LARGE, "media_too_large" },
	{ ERR_TOO_MANY_ROOMS, "too_many_rooms" },
	{ ERR_RATE_LIMITED, "rate_limited" },
	{ ERR_SERVER_FULL, "server_full" },
	{ ERR_ROOM_FULL, "room_full" },		/* added by the limits */
	{ ERR_BAD_PASSWORD, "bad_password" },	/* added with TLS */
	{ ERR_UNAVAILABLE, "unavailable" },	/* added with the sqlite store */
	{ ERR_NICK_REGISTERED, "nick_registered" },	/* with accounts */
	{ ERR_INSECURE, "insecure" },
	{ ERR_NOT_PERMITTED, "not_permitted" },		/* moderation */
	{ ERR_MUTED, "muted" },
	{ ERR_BANNED, "banned" },
};

static void
test_errcode_names(void **state)
{
	enum errcode	 e;
	const char	*name;
	size_t		 i;

	/* No code is missing from the list, none added to the enum only. */
	assert_int_equal(nitems(test_errcode_protocol), ERR__COUNT);
	for (i = 0; i < nitems(test_errcode_protocol); i++) {
		e = test_errcode_protocol[i].code;
		name = errcode_name(e);
		assert_non_null(name);
		assert_string_equal(name, test_errcode_protocol[i].name);
		assert_int_equal(errcode_lookup(name), e);
		assert_int_equal(errcode_lookup(test_errcode_protocol[i].name),
		    e);
	}
}

/* Messages are for people: present, one line, and not all the same. */
static void
test_errcode_messages(void **state)
{
	const char	*m[ERR__COUNT];
	int		 e, f;

	for (e = 0; e < ERR__COUNT; e++) {
		m[e] = errcode_message(e);
		assert_non_null(m[e]);
		assert_true(strlen(m[e]) > 0);
		assert_null(strchr(m[e], '\n'));
		assert_string_not_equal(m[e], errcode_name(e));
		for (f = 0; f < e; f++)
			assert_string_not_equal(m[e], m[f]);
	}
}

static void
test_errcode_unknown(void **state)
{
	static const char	*unknown[] = {
		"", "unknown", "BAD_FRAME", "Bad_Frame", "bad_frame ",
		" bad_frame", "bad-frame", "bad_fram", "bad_frames",
		"server_full\n", "ok", "error"
	};
	static const int	 out[] = {
		-1, ERR__COUNT, ERR__COUNT + 1, 1000, INT_MAX, INT_MIN
	};
	const char		*name, *msg;
	size_t			 i;
	int			 e;

	for (i = 0; i < nitems(unknown); i++) {
		if (errcode_lookup(unknown[i]) != -1)
			fail_msg("\"%s\" found", unknown[i]);
	}

	/* Out of range: some string, never one of the real names. */
	for (i = 0; i < nitems(out); i++) {
		name = errcode_name((enum errcode)out[i]);
		msg = errcode_message((enum errcode)out[i]);
		assert_non_null(name);
		assert_non_null(msg);
		assert_int_equal(errcode_lookup(name), -1);
		for (e = 0; e < ERR__COUNT; e++)
			assert_string_not_equal(msg, errcode_message(e));
	}
}

static void
test_errcode_format(char *buf, size_t len, enum errcode e, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errcode_vformat(buf, len, e, fmt, ap);
	va_end(ap);
}

/* A message is the code's own, or fmt's cut on a character boundary. */
static void
test_errcode_vformat(void **state)
{
	char	buf[8];

	test_errcode_format(buf, sizeof buf, ERR_NOT_REGISTERED, NULL);
	assert_string_equal(buf, "send he");
	test_errcode_format(buf, sizeof buf, ERR_BAD_REQUEST, "%s!", "ab");
	assert_string_equal(buf, "ab!");
	/* "abcde" then a two-byte "é" would end inside it: cut before. */
	test_errcode_format(buf, sizeof buf, ERR_BAD_REQUEST, "%s",
	    "abcdef\xc3\xa9");
	assert_string_equal(buf, "abcdef");
	test_errcode_format(buf, sizeof buf, ERR_BAD_REQUEST, "%s",
	    "abcde\xc3\xa9xyz");
	assert_string_equal(buf, "abcde\xc3\xa9");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errcode_names),
		cmocka_unit_test(test_errcode_messages),
		cmocka_unit_test(test_errcode_unknown),
		cmocka_unit_test(test_errcode_vformat),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

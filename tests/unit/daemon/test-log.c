/* test-log.c: unit tests of log_escape (log.c): what a client may put in a string comes out of the log
 * as one line of printable text; it knows nothing of the log's destinations or levels. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

static const struct {
	const char	*in;
	const char	*out;
} test_log_cases[] = {
	{ "", "" },
	{ "plain text: 100% ok", "plain text: 100% ok" },
	/* Newlines would forge a line, and then a journald priority. */
	{ "bye\n<3>evchatd: forged", "bye\\x0a<3>evchatd: forged" },
	{ "a\r\tb", "a\\x0d\\x09b" },
	/* Escape sequences drive terminals; DEL and C1 controls too. */
	{ "\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07" },
	{ "x\x7fy", "x\\x7fy" },
	{ "\xc2\x9b" "31m", "\\xc2\\x9b31m" },
	{ "\xc2\x80\xc2\x9f\xc2\xa0", "\\xc2\\x80\\xc2\\x9f\xc2\xa0" },
	/* Not UTF-8: each byte alone; the valid text around stays. */
	{ "\xff\xfe", "\\xff\\xfe" },
	{ "\xc0\xaf", "\\xc0\\xaf" },			/* overlong "/" */
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },		/* surrogate */
	{ "\xe2\x82", "\\xe2\\x82" },			/* cut short */
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	/* Bidi controls reorder what follows them. */
	{ "a\xe2\x80\xae" "b", "a\\u{202e}b" },
	{ "\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9",
	    "\\u{202a}\\u{2066}\\u{2069}" },
	{ "\xe2\x80\xa9", "\xe2\x80\xa9" },		/* not a bidi control */
	/* A backslash is doubled: "\x0a" typed by a client stays text. */
	{ "\\x0a", "\\\\x0a" },
	{ "\\\n", "\\\\\\x0a" },
};

static void
test_log_escape_cases(void **state)
{
	char	out[256];
	size_t	i, n;

	for (i = 0; i < nitems(test_log_cases); i++) {
		n = log_escape(out, sizeof out, test_log_cases[i].in);
		assert_string_equal(out, test_log_cases[i].out);
		assert_int_equal(n, strlen(out));
	}
}

/* Every byte value, alone: printable ASCII stays, the rest is escaped. */
static void
test_log_escape_bytes(void **state)
{
	char	in[2], out[16], want[16];
	int	b;

	for (b = 1; b < 256; b++) {
		in[0] = (char)b;
		in[1] = '\0';
		log_escape(out, sizeof out, in);
		if (b == '\\')
			strcpy(want, "\\\\");
		else if (b >= 0x20 && b < 0x7f)
			snprintf(want, sizeof want, "%c", b);
		else
			snprintf(want, sizeof want, "\\x%02x", b);
		assert_string_equal(out, want);
	}
}

/* Output that does not fit ends before the first escape that would not. */
static void
test_log_escape_short(void **state)
{
	char	out[8];

	assert_int_equal(log_escape(out, sizeof out, "abcdefghij"), 7);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(log_escape(out, sizeof out, "abcd\n"), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(log_escape(out, sizeof out, "abc\xe2\x80\xae"), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(log_escape(out, sizeof out, "abcdef\xc3\xa9"), 6);
	assert_string_equal(out, "abcdef");
	assert_int_equal(log_escape(out, 1, "\n"), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_escape_cases),
		cmocka_unit_test(test_log_escape_bytes),
		cmocka_unit_test(test_log_escape_short),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* test-utf8.c: unit tests of strict UTF-8 (utf8.c): a table of edge cases, exhaustive sweeps of the
 * two-, three- and four-byte forms and decoding every code point; it knows nothing of names or JSON. */

#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* A byte string given with its length, so it may hold NULs. */
#define TEST_UTF8(s, n)	{ s, sizeof (s) - 1, n }

/* count is the number of code points, or -1 when s is not valid UTF-8. */
static const struct {
	const char	*s;
	size_t		 len;
	ssize_t		 count;
} test_utf8_cases[] = {
	TEST_UTF8("", 0),
	TEST_UTF8("a", 1),
	TEST_UTF8("hello", 5),
	TEST_UTF8("\x7f", 1),
	TEST_UTF8("\xc2\x80", 1),			/* U+0080 */
	TEST_UTF8("\xc3\xa9", 1),			/* U+00E9 */
	TEST_UTF8("\xdf\xbf", 1),			/* U+07FF */
	TEST_UTF8("\xe0\xa0\x80", 1),			/* U+0800 */
	TEST_UTF8("\xe2\x82\xac", 1),			/* U+20AC */
	TEST_UTF8("\xed\x9f\xbf", 1),			/* U+D7FF */
	TEST_UTF8("\xee\x80\x80", 1),			/* U+E000 */
	TEST_UTF8("\xef\xbb\xbf", 1),			/* U+FEFF */
	TEST_UTF8("\xef\xbf\xbf", 1),			/* U+FFFF */
	TEST_UTF8("\xf0\x90\x80\x80", 1),		/* U+10000 */
	TEST_UTF8("\xf0\x9f\x98\x80", 1),		/* U+1F600 */
	TEST_UTF8("\xf4\x8f\xbf\xbf", 1),		/* U+10FFFF */
	TEST_UTF8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 5),

	/* NUL is a code point like any other. */
	TEST_UTF8("\0", 1),
	TEST_UTF8("a\0b", 3),
	TEST_UTF8("\0\0\xc3\xa9\0", 4),

	/* Past U+10FFFF. */
	TEST_UTF8("\xf4\x90\x80\x80", -1),		/* U+110000 */
	TEST_UTF8("\xf4\xbf\xbf\xbf", -1),
	TEST_UTF8("\xf7\xbf\xbf\xbf", -1),

	/* Overlong forms. */
	TEST_UTF8("\xc0\x80", -1),
	TEST_UTF8("\xc0\xaf", -1),
	TEST_UTF8("\xc1\xbf", -1),
	TEST_UTF8("\xe0\x80\x80", -1),
	TEST_UTF8("\xe0\x80\xaf", -1),
	TEST_UTF8("\xe0\x9f\xbf", -1),
	TEST_UTF8("\xf0\x80\x80\x80", -1),
	TEST_UTF8("\xf0\x80\x80\xaf", -1),
	TEST_UTF8("\xf0\x8f\xbf\xbf", -1),
	TEST_UTF8("\xf8\x88\x80\x80\x80", -1),
	TEST_UTF8("\xfc\x84\x80\x80\x80\x80", -1),

	/* UTF-16 surrogates, alone and as a CESU-8 pair. */
	TEST_UTF8("\xed\xa0\x80", -1),			/* U+D800 */
	TEST_UTF8("\xed\xad\xbf", -1),			/* U+DB7F */
	TEST_UTF8("\xed\xb0\x80", -1),			/* U+DC00 */
	TEST_UTF8("\xed\xbf\xbf", -1),			/* U+DFFF */
	TEST_UTF8("\xed\xa0\xbd\xed\xb8\x80", -1),

	/* Truncated at the end of the string. */
	TEST_UTF8("\xc3", -1),
	TEST_UTF8("a\xc3", -1),
	TEST_UTF8("\xe2", -1),
	TEST_UTF8("\xe2\x82", -1),
	TEST_UTF8("\xf0", -1),
	TEST_UTF8("\xf0\x9f", -1),
	TEST_UTF8("\xf0\x9f\x98", -1),
	TEST_UTF8("ok\xf0\x9f\x98", -1),

	/* Truncated in the middle: the next byte is not a continuation. */
	TEST_UTF8("\xc3" "a", -1),
	TEST_UTF8("\xe2\x82" "a", -1),
	TEST_UTF8("\xf0\x9f\x98" "a", -1),
	TEST_UTF8("\xc3\xc3\xa9", -1),
	TEST_UTF8("\xe2\x28\xa1", -1),
	TEST_UTF8("\xc3\0", -1),

	/* Lone continuation bytes. */
	TEST_UTF8("\x80", -1),
	TEST_UTF8("\xbf", -1),
	TEST_UTF8("a\x80" "b", -1),
	TEST_UTF8("\xc3\xa9\xa9", -1),
	TEST_UTF8("\xe2\x82\xac\x80", -1),

	/* Bytes that never occur in UTF-8. */
	TEST_UTF8("\xf5\x80\x80\x80", -1),
	TEST_UTF8("\xfe", -1),
	TEST_UTF8("\xff", -1),
	TEST_UTF8("a\xff" "b", -1),
};

static void
test_utf8_table(void **state)
{
	ssize_t	 n;
	bool	 ok;
	size_t	 i;
	char	*s;

	for (i = 0; i < nitems(test_utf8_cases); i++) {
		s = unit_dup(test_utf8_cases[i].s, test_utf8_cases[i].len);
		n = utf8_count(s, test_utf8_cases[i].len);
		ok = utf8_valid(s, test_utf8_cases[i].len);
		free(s);
		if (n != test_utf8_cases[i].count) {
			fail_msg("case %zu: utf8_count %zd, want %zd", i, n,
			    test_utf8_cases[i].count);
		}
		if (ok != (test_utf8_cases[i].count >= 0))
			fail_msg("case %zu: utf8_valid %d", i, ok);
	}
}

/* No lead byte of F5..FF (nor C0, C1) starts a sequence, whatever follows. */
static void
test_utf8_bad_leads(void **state)
{
	static const char	*tails[] = {
		"", "\x80", "\x80\x80", "\x80\x80\x80", "\xbf\xbf\xbf"
	};
	char			 s[8];
	unsigned int		 c;
	size_t			 i, len;

	for (c = 0xf5; c <= 0xff; c++) {
		for (i = 0; i < nitems(tails); i++) {
			s[0] = c;
			len = strlen(tails[i]);
			memcpy(s + 1, tails[i], len);
			if (utf8_valid(s, 1 + len) ||
			    utf8_count(s, 1 + len) != -1)
				fail_msg("lead %02x, tail %zu accepted", c, i);
		}
	}
	for (c = 0; c < 0x100; c++) {
		s[0] = c;
		assert_int_equal(utf8_valid(s, 1), c < 0x80);
	}
}

/*
 * Sweep every byte pair and triple after a given lead, counting what is
 * accepted: exactly the code points of that length must be, no others.
 */
static void
test_utf8_sweep(void **state)
{
	unsigned char	s[4];
	unsigned int	a, b, c, d;
	size_t		n2 = 0, n3 = 0, n4 = 0;

	for (a = 0x80; a < 0x100; a++) {
		for (b = 0; b < 0x100; b++) {
			s[0] = a;
			s[1] = b;
			n2 += utf8_count((char *)s, 2) == 1;
		}
	}
	assert_int_equal(n2, 0x800 - 0x80);

	for (a = 0xe0; a < 0xf0; a++) {
		for (b = 0; b < 0x100; b++) {
			for (c = 0; c < 0x100; c++) {
				s[0] = a;
				s[1] = b;
				s[2] = c;
				n3 += utf8_valid((char *)s, 3);
			}
		}
	}
	assert_int_equal(n3, 0x10000 - 0x800 - 0x800);

	for (a = 0xf0; a < 0x100; a++) {
		for (b = 0x80; b < 0xc0; b++) {
			for (c = 0x80; c < 0xc0; c++) {
				for (d = 0x80; d < 0xc0; d++) {
					s[0] = a;
					s[1] = b;
					s[2] = c;
					s[3] = d;
					n4 += utf8_valid((char *)s, 4);
				}
			}
		}
	}
	assert_int_equal(n4, 0x110000 - 0x10000);
}

/* Every scalar value decodes to itself in its shortest form. */
static void
test_utf8_every_code_point(void **state)
{
	char		 s[4];
	const char	*p;
	uint32_t	 cp, got;
	size_t		 len;
	int		 rc;

	for (cp = 0; cp < 0x110000; cp++) {
		len = unit_utf8_encode(cp, s);
		p = s;
		rc = utf8_next(&p, s + len, &got);
		if (cp >= 0xd800 && cp <= 0xdfff) {
			if (rc != -1 || p != s)
				fail_msg("U+%04X accepted", (unsigned int)cp);
			continue;
		}
		if (rc != 0 || got != cp || p != s + len)
			fail_msg("U+%04X: rc %d, got U+%04X",
			    (unsigned int)cp, rc, (unsigned int)got);
	}
}

static void
test_utf8_next(void **state)
{
	static const char	 s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const struct {
		uint32_t	cp;
		size_t		len;
	} want[] = {
		{ 'a', 1 }, { 0xe9, 2 }, { 0x20ac, 3 }, { 0x1f600, 4 }
	};
	const char		*p = s, *end = s + sizeof s - 1, *before;
	uint32_t		 cp;
	size_t			 i;

	for (i = 0; i < nitems(want); i++) {
		before = p;
		assert_int_equal(utf8_next(&p, end, &cp), 0);
		assert_int_equal(cp, want[i].cp);
		assert_ptr_equal(p, before + want[i].len);
	}
	assert_ptr_equal(p, end);

	/* At the end there is nothing to decode; p stays where it is. */
	assert_int_equal(utf8_next(&p, end, &cp), -1);
	assert_ptr_equal(p, end);

	/* end is honoured: a sequence cut by it is truncated. */
	p = s + 3;
	assert_int_equal(utf8_next(&p, s + 5, &cp), -1);
	assert_ptr_equal(p, s + 3);
	assert_int_equal(utf8_next(&p, s + 6, &cp), 0);
	assert_int_equal(cp, 0x20ac);
	p = s + 6;
	assert_int_equal(utf8_next(&p, s + 9, &cp), -1);
	assert_ptr_equal(p, s + 6);

	/* An invalid sequence leaves p unchanged too. */
	p = "\xed\xa0\x80";
	end = p + 3;
	assert_int_equal(utf8_next(&p, end, &cp), -1);
	assert_ptr_equal(p, end - 3);

	/* A NUL is decoded, not taken for the end. */
	p = "\0x";
	end = p + 2;
	assert_int_equal(utf8_next(&p, end, &cp), 0);
	assert_int_equal(cp, 0);
	assert_ptr_equal(p, end - 1);
}

/* Counting a long string sums its parts; a bad byte anywhere spoils it. */
static void
test_utf8_count_long(void **state)
{
	static const char	 unit[] =
	    "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	char			 s[1000 * (sizeof unit - 1)];
	size_t			 i;

	for (i = 0; i < 1000; i++)
		memcpy(s + i * (sizeof unit - 1), unit, sizeof unit - 1);
	assert_int_equal(utf8_count(s, sizeof s), 4000);
	assert_true(utf8_valid(s, sizeof s));
	assert_int_equal(utf8_count(s, sizeof s - 1), -1);
	assert_false(utf8_valid(s, sizeof s - 1));
	s[5000] = '\x80';
	assert_int_equal(utf8_count(s, sizeof s), -1);
	assert_false(utf8_valid(s, sizeof s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_utf8_bad_leads),
		cmocka_unit_test(test_utf8_sweep),
		cmocka_unit_test(test_utf8_every_code_point),
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_utf8_count_long),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

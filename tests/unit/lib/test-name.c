/* test-name.c: unit tests of the naming rules (name.c): nick and room tables, length limits in code points,
 * controls, white space, case folding and order, stickers, file names and mime types; no registry here. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* Every Unicode White_Space code point (PropList.txt). */
static const uint32_t test_name_spaces[] = {
	0x0009, 0x000a, 0x000b, 0x000c, 0x000d, 0x0020, 0x0085, 0x00a0,
	0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
	0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f,
	0x3000
};

/* Near misses: not White_Space, not controls, so allowed in names. */
static const uint32_t test_name_not_spaces[] = {
	0x00a1, 0x00ad, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff,
	0x3001, 0x1f600
};

static const struct {
	const char	*s;
	bool		 nick;
	bool		 room;
} test_name_cases[] = {
	{ "a", true, true },
	{ "ann", true, true },
	{ "Ann_99", true, true },
	{ "a.b-c[d]{e}|f^g~h!i?j", true, true },
	{ "'k\"l(m)n*o+p=q<r>s%t&u$v`w\\x", true, true },
	{ "jos\xc3\xa9", true, true },
	{ "JOS\xc3\x89", true, true },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", true, true },
	{ "\xf0\x9f\x98\x80", true, true },
	{ "\xf4\x8f\xbf\xbf", true, true },

	{ "", false, false },

	/* ASCII punctuation a nick may not hold; a room only refuses ','. */
	{ "a,b", false, false },
	{ ",", false, false },
	{ "a:b", false, true },
	{ ":", false, true },
	{ "#general", false, true },
	{ "a#b", false, true },
	{ "@ann", false, true },
	{ "a@b", false, true },
	{ "a/b", false, true },
	{ "/", false, true },
	{ "#a:b@c/d", false, true },
	{ "#room,#other", false, false },

	/* Controls (Cc) and white space anywhere. */
	{ "a\x01", false, false },
	{ "\x1f" "a", false, false },
	{ "a\x7f" "b", false, false },
	{ "a\xc2\x80", false, false },
	{ "a\xc2\x85" "b", false, false },
	{ "a\xc2\x9f", false, false },
	{ "a b", false, false },
	{ " a", false, false },
	{ "a ", false, false },
	{ "a\tb", false, false },
	{ "a\nb", false, false },
	{ "a\xc2\xa0" "b", false, false },
	{ "a\xe3\x80\x80" "b", false, false },

	/* Invalid UTF-8. */
	{ "a\xc0\xaf", false, false },
	{ "\xc0\x80", false, false },
	{ "\xed\xa0\x80", false, false },
	{ "\xf4\x90\x80\x80", false, false },
	{ "a\xc3", false, false },
	{ "\x80", false, false },
	{ "a\xff", false, false },
};

static void
test_name_table(void **state)
{
	const char	*s;
	size_t		 i;

	for (i = 0; i < nitems(test_name_cases); i++) {
		s = test_name_cases[i].s;
		if (name_nick_valid(s) != test_name_cases[i].nick)
			fail_msg("nick \"%s\": wrong verdict", s);
		if (name_room_valid(s) != test_name_cases[i].room)
			fail_msg("room \"%s\": wrong verdict", s);
	}
	assert_false(name_nick_valid(NULL));
	assert_false(name_room_valid(NULL));
}

/* n copies of unit, in a string the caller frees. */
static char *
test_name_repeat(const char *unit, size_t n)
{
	size_t	 len = strlen(unit), i;
	char	*s;

	s = malloc(n * len + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[n * len] = '\0';
	return (s);
}

/* Names up to max code points pass, one more fails, whatever their bytes. */
static void
test_name_limit(bool (*valid)(const char *), size_t max)
{
	static const char	*units[] = {
		"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"
	};
	char			*s;
	size_t			 i;

	for (i = 0; i < nitems(units); i++) {
		s = test_name_repeat(units[i], max);
		if (!valid(s))
			fail_msg("%zu x \"%s\" rejected", max, units[i]);
		free(s);
		s = test_name_repeat(units[i], max + 1);
		if (valid(s))
			fail_msg("%zu x \"%s\" accepted", max + 1, units[i]);
		free(s);
	}
}

static void
test_name_limits(void **state)
{
	char	*s;

	test_name_limit(name_nick_valid, NAME_NICK_MAX);
	test_name_limit(name_room_valid, NAME_ROOM_MAX);
	assert_int_equal(NAME_NICK_MAX, 32);
	assert_int_equal(NAME_ROOM_MAX, 64);

	/* "é" x 32 is 64 bytes: the limit counts code points, not bytes. */
	s = test_name_repeat("\xc3\xa9", 32);
	assert_int_equal(strlen(s), 64);
	assert_true(name_nick_valid(s));
	free(s);
}

/* cp placed between two letters, alone, and at either end. */
static void
test_name_with(uint32_t cp, bool want)
{
	static const char	*around[][2] = {
		{ "a", "b" }, { "", "" }, { "", "b" }, { "a", "" }
	};
	char			 s[8], c[4];
	size_t			 len, i;

	len = unit_utf8_encode(cp, c);
	for (i = 0; i < nitems(around); i++) {
		snprintf(s, sizeof s, "%s%.*s%s", around[i][0], (int)len, c,
		    around[i][1]);
		if (name_nick_valid(s) != want || name_room_valid(s) != want) {
			fail_msg("U+%04X in \"%s\": want %s", (unsigned int)cp,
			    s, want ? "valid" : "invalid");
		}
	}
}

static void
test_name_controls(void **state)
{
	uint32_t	cp;
	size_t		n = 0;

	for (cp = 1; cp <= 0x1f; cp++)
		test_name_with(cp, false);
	for (cp = 0x7f; cp <= 0x9f; cp++)
		test_name_with(cp, false);
	test_name_with(0xa1, true);
	test_name_with(0x7e, true);

	/* Cc is exactly U+0000-001F and U+007F-009F. */
	for (cp = 0; cp < 0x110000; cp++)
		n += name_is_control(cp);
	assert_int_equal(n, 0x20 + 0x21);
	assert_true(name_is_control(0x00));
	assert_true(name_is_control(0x1f));
	assert_false(name_is_control(0x20));
	assert_false(name_is_control(0x7e));
	assert_true(name_is_control(0x7f));
	assert_true(name_is_control(0x9f));
	assert_false(name_is_control(0xa0));
}

static void
test_name_spaces_rejected(void **state)
{
	uint32_t	cp;
	size_t		i, n = 0;

	for (i = 0; i < nitems(test_name_spaces); i++) {
		assert_true(name_is_space(test_name_spaces[i]));
		test_name_with(test_name_spaces[i], false);
	}
	for (i = 0; i < nitems(test_name_not_spaces); i++) {
		assert_false(name_is_space(test_name_not_spaces[i]));
		test_name_with(test_name_not_spaces[i], true);
	}

	/* And nothing else is white space. */
	for (cp = 0; cp < 0x110000; cp++)
		n += name_is_space(cp);
	assert_int_equal(n, nitems(test_name_spaces));
}

static void
test_name_fold(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "", "" },
		{ "ann", "ann" },
		{ "ANN", "ann" },
		{ "JOS\xc3\x89", "jos\xc3\x89" },
		{ "Jos\xc3\xa9", "jos\xc3\xa9" },
		{ "@AZ[`az{", "@az[`az{" },
		{ "#Room:42/X", "#room:42/x" },
		{ "\xc3\x80\xc3\x9e", "\xc3\x80\xc3\x9e" },
	};
	char		 buf[64];
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		memset(buf, 'Z', sizeof buf);
		name_fold(buf, cases[i].in, strlen(cases[i].in));
		assert_string_equal(buf, cases[i].out);
	}

	/* Only len bytes are read; the copy is terminated after them. */
	memset(buf, 'Z', sizeof buf);
	name_fold(buf, "ABCDEF", 3);
	assert_string_equal(buf, "abc");
}

static int
test_name_sign(int v)
{
	return ((v > 0) - (v < 0));
}

static int
test_name_qsort_cmp(const void *a, const void *b)
{
	return (name_cmp(*(const char * const *)a, *(const char * const *)b));
}

static void
test_name_cmp(void **state)
{
	static const struct {
		const char	*a;
		const char	*b;
		int		 sign;
	} cases[] = {
		{ "ann", "ann", 0 },
		{ "ann", "ANN", 0 },
		{ "#Room", "#rOOM", 0 },
		{ "jos\xc3\xa9", "JOS\xc3\xa9", 0 },
		{ "jos\xc3\xa9", "JOS\xc3\x89", 1 },
		{ "a", "B", -1 },
		{ "Z", "a", 1 },
		{ "abc", "abcd", -1 },
		{ "ABC", "abcd", -1 },
		{ "", "a", -1 },
		{ "[", "A", -1 },
		{ "_", "a", -1 },
		{ "\xc3\xa9", "z", 1 },
		{ "\xc3\xa9", "Z", 1 },
	};
	const char	*names[] = {
		"bob", "\xc3\xa9ve", "Zed", "#x", "ann", "Bob2", "ANNA", "_u"
	};
	const char	*sorted[] = {
		"#x", "_u", "ann", "ANNA", "bob", "Bob2", "Zed", "\xc3\xa9ve"
	};
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		if (test_name_sign(name_cmp(cases[i].a, cases[i].b)) !=
		    cases[i].sign ||
		    test_name_sign(name_cmp(cases[i].b, cases[i].a)) !=
		    -cases[i].sign)
			fail_msg("name_cmp(\"%s\", \"%s\")", cases[i].a,
			    cases[i].b);
	}

	qsort(names, nitems(names), sizeof names[0], test_name_qsort_cmp);
	for (i = 0; i < nitems(names); i++)
		assert_string_equal(names[i], sorted[i]);
}

static void
test_name_sticker(void **state)
{
	char	*s;

	assert_true(name_sticker_valid("thumbs_up"));
	assert_true(name_sticker_valid("a"));
	assert_true(name_sticker_valid("\xf0\x9f\x91\x8d"));
	assert_false(name_sticker_valid(""));
	assert_false(name_sticker_valid(NULL));
	assert_false(name_sticker_valid("thumbs up"));
	assert_false(name_sticker_valid("thumbs\tup"));
	assert_false(name_sticker_valid("a\x7f"));
	assert_false(name_sticker_valid("a\xc2\x85"));
	assert_false(name_sticker_valid("\xc0\xaf"));

	/* The limit is in bytes: 32 two-byte characters fit, 33 do not. */
	s = test_name_repeat("x", 64);
	assert_true(name_sticker_valid(s));
	free(s);
	s = test_name_repeat("x", 65);
	assert_false(name_sticker_valid(s));
	free(s);
	s = test_name_repeat("\xc3\xa9", 32);
	assert_true(name_sticker_valid(s));
	free(s);
	s = test_name_repeat("\xc3\xa9", 33);
	assert_false(name_sticker_valid(s));
	free(s);
}

static void
test_name_file(void **state)
{
	static const char	*good[] = {
		"a", "song.ogg", "voice note 1.opus", ".hidden", "...", "a..b",
		"caf\xc3\xa9.png", "\xe6\x97\xa5\xe6\x9c\xac.txt", "x#y@z:w",
		"\xf0\x9f\x98\x80"
	};
	static const char	*bad[] = {
		"", ".", "..", "/", "a/b", "/etc/passwd", "../x", "dir/",
		"a\nb", "a\x01", "\x1f", "a\x7f", "a\xc2\x85", "a\xc2\x9f",
		"\xc0\xaf", "a\xed\xa0\x80", "a\xff", "a\xc3"
	};
	char			*s;
	size_t			 i;

	for (i = 0; i < nitems(good); i++) {
		if (!name_file_valid(good[i]))
			fail_msg("file name \"%s\" rejected", good[i]);
	}
	for (i = 0; i < nitems(bad); i++) {
		if (name_file_valid(bad[i]))
			fail_msg("file name \"%s\" accepted", bad[i]);
	}
	assert_false(name_file_valid(NULL));

	s = test_name_repeat("x", NAME_FILE_MAX);
	assert_true(name_file_valid(s));
	free(s);
	s = test_name_repeat("x", NAME_FILE_MAX + 1);
	assert_false(name_file_valid(s));
	free(s);
}

static void
test_name_mime(void **state)
{
	static const char	*good[] = {
		"audio/ogg", "audio/mpeg", "image/png", "text/plain",
		"application/octet-stream", "audio/x-wav",
		"application/vnd.api+json", "audio/L16", "video/3gpp",
		"application/x.y_z!#$&^"
	};
	static const char	*bad[] = {
		"", "audio", "audio/", "/ogg", "/", "audio//ogg",
		"audio/ogg/x", "audio /ogg", "audio/ ogg", "audio/ogg ",
		"audio/ogg; codecs=opus", "audio/ogg;codecs=opus",
		"audio\t/ogg", "audio/og\x7fg", "audi\xc3\xb6/ogg",
		"audio/*", "*/*", "audio/(ogg)", "audio/\"ogg\"",
		"-audio/ogg", "audio/.ogg", "+/+"
	};
	char			 s[256], *half, *over;
	size_t			 i;

	for (i = 0; i < nitems(good); i++) {
		if (!name_mime_valid(good[i]))
			fail_msg("mime \"%s\" rejected", good[i]);
	}
	for (i = 0; i < nitems(bad); i++) {
		if (name_mime_valid(bad[i]))
			fail_msg("mime \"%s\" accepted", bad[i]);
	}
	assert_false(name_mime_valid(NULL));

	/* Each half holds at most 63 characters. */
	half = test_name_repeat("a", 63);
	over = test_name_repeat("a", 64);
	snprintf(s, sizeof s, "%s/%s", half, half);
	assert_true(name_mime_valid(s));
	snprintf(s, sizeof s, "%s/x", over);
	assert_false(name_mime_valid(s));
	snprintf(s, sizeof s, "x/%s", over);
	assert_false(name_mime_valid(s));
	free(half);
	free(over);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_table),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_name_controls),
		cmocka_unit_test(test_name_spaces_rejected),
		cmocka_unit_test(test_name_fold),
		cmocka_unit_test(test_name_cmp),
		cmocka_unit_test(test_name_sticker),
		cmocka_unit_test(test_name_file),
		cmocka_unit_test(test_name_mime),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

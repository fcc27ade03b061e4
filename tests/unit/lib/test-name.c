/* test-name.c: unit tests of the naming rules (name.c): nick and room tables, length limits in code points,
 * controls, white space, hidden code points, NFC, case folding, skeletons and order, stickers, file names
 * and mime types; no registry here. */

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

/*
 * Near misses: not White_Space, not controls; the format characters and
 * default ignorables among them are refused as hidden (name_is_hidden).
 */
static const struct {
	uint32_t	cp;
	bool		valid;
} test_name_not_spaces[] = {
	{ 0x00a1, true }, { 0x00ad, false }, { 0x180e, false },
	{ 0x200b, false }, { 0x200c, false }, { 0x200d, false },
	{ 0x2060, false }, { 0xfeff, false }, { 0x3001, true },
	{ 0x1f600, true }
};

/*
 * Hidden code points (name_is_hidden): the invisible and bidi
 * examples and one of each class; refused in every kind of name.
 */
static const uint32_t test_name_hidden[] = {
	0x200b,		/* zero width space (Cf) */
	0x2800,		/* braille pattern blank (So, named) */
	0xe0041,	/* tag latin capital letter a (Cf) */
	0xe0001,	/* language tag (Cf) */
	0x202e,		/* right-to-left override (Cf, Bidi_Control) */
	0x202a, 0x2066, 0x2069, 0x200e, 0x200f, 0x061c,	/* Bidi_C. */
	0x00ad,		/* soft hyphen (Cf) */
	0xfeff,		/* zero width no-break space (Cf) */
	0x2060,		/* word joiner (Cf) */
	0x200d,		/* zero width joiner (Cf) */
	0x034f,		/* combining grapheme joiner (Mn, ignorable) */
	0xfe0f,		/* variation selector 16 (Mn, ignorable) */
	0xe0100,	/* variation selector 17 (Mn, ignorable) */
	0x115f, 0x1160, 0x3164, 0xffa0,	/* Hangul fillers (Lo) */
	0x180b,		/* Mongolian free variation selector */
	0xe000, 0xf8ff, 0xf0000, 0x10fffd,	/* private use (Co) */
	0x0378, 0xfdd0, 0xffff, 0x10ffff,	/* unassigned (Cn) */
};

/* Not hidden: letters, marks after a base, symbols, emoji, CJK. */
static const uint32_t test_name_visible[] = {
	0x00e9, 0x0430, 0x03b1, 0x05d0, 0x0627, 0x0915, 0x4e00, 0xac00,
	0x2801, 0x20ac, 0x1f600, 0x212a, 0x00df, 0x0301
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
	{ "\xf3\xb0\x80\x80" "a", false, false },	/* U+F0000 (Co) */
	{ "\xf4\x8f\xbf\xbf", false, false },	/* U+10FFFF noncharacter */

	/* The invisible, reversed and unseen-mark names. */
	{ "\xe2\x80\x8b", false, false },		/* U+200B */
	{ "ann\xe2\x80\x8b", false, false },
	{ "\xe2\xa0\x80", false, false },		/* U+2800 */
	{ "\xcc\x81", false, false },			/* lone U+0301 */
	{ "\xcc\x81" "a", false, false },		/* U+0301 first */
	{ "a\xcc\x81", true, true },			/* á, decomposed */
	{ "\xf3\xa0\x81\x81", false, false },	/* U+E0041 tag A */
	{ "a\xf3\xa0\x81\x81", false, false },
	{ "gnp.\xe2\x80\xae" "exe", false, false },	/* U+202E */
	{ "\xe2\x80\xae" "nna", false, false },
	{ "a\xcc\x81\xcc\x81", false, false },	/* the same mark twice */
	{ "a\xcc\x81\xcc\xa3", true, true },	/* two marks */
	{ "\xe2\x9d\xa4\xef\xb8\x8f", false, false },	/* U+2764 U+FE0F */
	{ "\xe2\x9d\xa4", true, true },		/* U+2764 alone */

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
		assert_false(name_is_space(test_name_not_spaces[i].cp));
		test_name_with(test_name_not_spaces[i].cp,
		    test_name_not_spaces[i].valid);
	}

	/* And nothing else is white space. */
	for (cp = 0; cp < 0x110000; cp++)
		n += name_is_space(cp);
	assert_int_equal(n, nitems(test_name_spaces));
}

static void
test_name_hidden_refused(void **state)
{
	char		 s[16], c[4];
	uint32_t	 cp;
	size_t		 len, i;

	for (i = 0; i < nitems(test_name_hidden); i++) {
		cp = test_name_hidden[i];
		assert_true(name_is_hidden(cp));
		test_name_with(cp, false);
		len = unit_utf8_encode(cp, c);
		snprintf(s, sizeof s, "a%.*s.png", (int)len, c);
		if (name_file_valid(s) || name_sticker_valid(s))
			fail_msg("U+%04X in file or sticker \"%s\" accepted",
			    (unsigned int)cp, s);
	}
	for (i = 0; i < nitems(test_name_visible); i++)
		assert_false(name_is_hidden(test_name_visible[i]));

	/* No ASCII character is hidden: ASCII names need no ICU. */
	for (cp = 0; cp < 0x80; cp++)
		assert_false(name_is_hidden(cp));
}

/* name_nick_norm and name_room_norm write what is stored and shown. */
static void
test_name_norm(void **state)
{
	static const struct {
		const char	*in;
		const char	*nfc;	/* NULL: refused */
	} cases[] = {
		{ "Ann_99", "Ann_99" },
		{ "a.b-c[d]{e}", "a.b-c[d]{e}" },
		{ "e\xcc\x81", "\xc3\xa9" },			/* é */
		{ "Jose\xcc\x81", "Jos\xc3\xa9" },
		{ "Jos\xc3\xa9", "Jos\xc3\xa9" },
		{ "\xe2\x84\xaa" "ate", "Kate" },		/* Kelvin */
		{ "\xe2\x84\xa6", "\xce\xa9" },			/* Ohm */
		{ "a\xcc\xa3\xcc\x82", "\xe1\xba\xad" },	/* ậ */
		{ "a\xcc\x82\xcc\xa3", "\xe1\xba\xad" },	/* reordered */
		{ "\xe1\x84\x80\xe1\x85\xa1", "\xea\xb0\x80" },	/* 가 */
		{ "\xe2\x80\x8b", NULL },
		{ "a b", NULL },
		{ "", NULL },
	};
	char		 out[NAME_ROOM_SIZE], *s;
	size_t		 i;
	int		 n;

	for (i = 0; i < nitems(cases); i++) {
		memset(out, 'Z', sizeof out);
		n = name_nick_norm(cases[i].in, out, sizeof out);
		if (cases[i].nfc == NULL) {
			assert_int_equal(n, -1);
			continue;
		}
		assert_int_equal(n, strlen(cases[i].nfc));
		assert_string_equal(out, cases[i].nfc);
		assert_int_equal(name_room_norm(cases[i].in, out, sizeof out),
		    n);
		assert_string_equal(out, cases[i].nfc);
	}
	assert_int_equal(name_nick_norm(NULL, out, sizeof out), -1);

	/* The output must fit, NUL included, or the name is refused. */
	assert_int_equal(name_nick_norm("ann", out, 4), 3);
	assert_int_equal(name_nick_norm("ann", out, 3), -1);
	assert_int_equal(name_nick_norm("e\xcc\x81", out, 3), 2);
	assert_int_equal(name_nick_norm("e\xcc\x81", out, 2), -1);

	/* The limit counts the code points of the NFC form. */
	s = test_name_repeat("e\xcc\x81", NAME_NICK_MAX);
	assert_int_equal(name_nick_norm(s, out, NAME_NICK_SIZE),
	    NAME_NICK_MAX * 2);
	free(s);
	s = test_name_repeat("e\xcc\x81", NAME_NICK_MAX + 1);
	assert_int_equal(name_nick_norm(s, out, sizeof out), -1);
	free(s);

	/* The longest nick and room fit in NAME_*_SIZE. */
	s = test_name_repeat("\xf0\x9f\x98\x80", NAME_NICK_MAX);
	assert_int_equal(name_nick_norm(s, out, NAME_NICK_SIZE),
	    NAME_NICK_SIZE - 1);
	free(s);
	s = test_name_repeat("\xf0\x9f\x98\x80", NAME_ROOM_MAX);
	assert_int_equal(name_room_norm(s, out, NAME_ROOM_SIZE),
	    NAME_ROOM_SIZE - 1);
	free(s);
}

/* Two names compare equal when their folded forms are the same bytes. */
static void
test_name_same(const char *a, const char *b, bool same)
{
	char	fa[NAME_FOLD_MAX + 1], fb[NAME_FOLD_MAX + 1];

	assert_true(name_casefold(a, fa, sizeof fa) >= 0);
	assert_true(name_casefold(b, fb, sizeof fb) >= 0);
	if ((strcmp(fa, fb) == 0) != same)
		fail_msg("\"%s\" and \"%s\": want %s", a, b,
		    same ? "same" : "different");
	if ((name_cmp(a, b) == 0) != same)
		fail_msg("name_cmp(\"%s\", \"%s\")", a, b);
}

static void
test_name_casefold(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "", "" },
		{ "ANN", "ann" },
		{ "@AZ[`az{", "@az[`az{" },
		{ "JOS\xc3\x89", "jos\xc3\xa9" },		/* É -> é */
		{ "Jose\xcc\x81", "jos\xc3\xa9" },		/* NFC */
		{ "stra\xc3\x9f" "e", "strasse" },		/* ß -> ss */
		{ "STRASSE", "strasse" },
		{ "\xe2\x84\xaa", "k" },			/* Kelvin */
		{ "\xce\x90", "\xce\x90" },			/* ΐ */
		{ "\xe1\xbe\xb7", "\xe1\xbe\xb6\xce\xb9" },	/* ᾷ: ᾶι */
		{ "\xce\xa3\xce\x9f\xce\xa3", "\xcf\x83\xce\xbf\xcf\x83" },
	};
	char		 buf[NAME_FOLD_MAX + 1], *s;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		memset(buf, 'Z', sizeof buf);
		assert_int_equal(name_casefold(cases[i].in, buf, sizeof buf),
		    strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}

	/* The pairs read as one compare as one. */
	test_name_same("\xc3\x9f", "SS", true);
	test_name_same("stra\xc3\x9f" "e", "Strasse", true);
	test_name_same("\xc3\xa9", "e\xcc\x81", true);
	test_name_same("\xc3\x89", "e\xcc\x81", true);
	test_name_same("\xe2\x84\xaa" "ate", "kATE", true);
	test_name_same("\xe1\xbe\xb3", "\xce\x91\xcd\x85", true);
	test_name_same("ann", "\xd0\xb0nn", false);	/* folds differ */
	test_name_same("ann", "anna", false);

	/* Invalid UTF-8 and keys that do not fit are refused. */
	assert_int_equal(name_casefold("a\xff", buf, sizeof buf), -1);
	assert_int_equal(name_casefold("\xc3\xa9\xed\xa0\x80", buf,
	    sizeof buf), -1);
	assert_int_equal(name_casefold("ANN", buf, 4), 3);
	assert_int_equal(name_casefold("ANN", buf, 3), -1);
	assert_int_equal(name_casefold("\xc3\x9f", buf, 3), 2);
	assert_int_equal(name_casefold("\xc3\x9f", buf, 2), -1);
	s = test_name_repeat("a", NAME_FOLD_MAX + 1);
	assert_int_equal(name_casefold(s, buf, sizeof buf), -1);
	free(s);

	/*
	 * A key may be longer than its name: 64 x ᾷ (3 bytes) fold to 64 x
	 * ᾶι (5 bytes), more than the 4 bytes per code point of a name.
	 */
	s = test_name_repeat("\xe1\xbe\xb7", NAME_ROOM_MAX);
	assert_true(name_room_valid(s));
	assert_int_equal(name_casefold(s, buf, sizeof buf), NAME_ROOM_MAX * 5);
	assert_true(NAME_ROOM_MAX * 5 > NAME_ROOM_SIZE);
	free(s);
}

static void
test_name_skeleton(void **state)
{
	static const struct {
		const char	*a;
		const char	*b;
		bool		 same;
	} cases[] = {
		{ "ann", "\xd0\xb0nn", true },		/* Cyrillic а */
		{ "ANN", "\xd0\xb0nn", true },		/* folded first */
		{ "\xce\x91NA", "ana", true },		/* Greek Α */
		{ "\xe2\x84\xaa" "ate", "kate", true },	/* Kelvin */
		{ "rn", "m", true },
		{ "bill", "bi11", true },
		{ "jos\xc3\xa9", "JOSE\xcc\x81", true },
		{ "paypal", "p\xd0\xb0yp\xd0\xb0l", true },
		{ "ann", "anna", false },
		{ "ann", "bob", false },
	};
	char		 sa[NAME_SKEL_MAX + 1], sb[NAME_SKEL_MAX + 1], *s;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		assert_true(name_skeleton(cases[i].a, sa, sizeof sa) > 0);
		assert_true(name_skeleton(cases[i].b, sb, sizeof sb) > 0);
		if ((strcmp(sa, sb) == 0) != cases[i].same)
			fail_msg("skeletons of \"%s\", \"%s\": \"%s\", \"%s\"",
			    cases[i].a, cases[i].b, sa, sb);
	}
	assert_int_equal(name_skeleton("a\xff", sa, sizeof sa), -1);
	assert_int_equal(name_skeleton("m", sa, 3), 2);
	assert_int_equal(name_skeleton("m", sa, 2), -1);

	/* The daemon checks skeletons only when a name is not all ASCII. */
	assert_true(name_is_ascii("bi11"));
	assert_true(name_is_ascii(""));
	assert_false(name_is_ascii("\xd0\xb0nn"));

	/* The nick whose skeleton grows most (U+FDFA) still fits. */
	s = test_name_repeat("\xef\xb7\xba", NAME_NICK_MAX);
	assert_true(name_nick_valid(s));
	assert_true(name_skeleton(s, sa, sizeof sa) > 0);
	free(s);
}

/*
 * The bounds in proto.h hold for every code point a name may hold: its
 * key takes at most NAME_FOLD_MAX / NAME_ROOM_MAX bytes, its skeleton at
 * most NAME_SKEL_MAX / NAME_NICK_MAX.
 */
static void
test_name_bounds(void **state)
{
	char		 c[5], key[64], skel[NAME_SKEL_MAX + 1];
	uint32_t	 cp;
	size_t		 len;
	int		 nk, ns, maxk = 0, maxs = 0;

	for (cp = 0x80; cp < 0x110000; cp++) {
		if ((cp >= 0xd800 && cp <= 0xdfff) || name_is_hidden(cp) ||
		    name_is_space(cp) || name_is_control(cp))
			continue;
		len = unit_utf8_encode(cp, c);
		c[len] = '\0';
		nk = name_casefold(c, key, sizeof key);
		ns = name_skeleton(c, skel, sizeof skel);
		if (nk < 0 || ns < 0)
			fail_msg("U+%04X: no key or skeleton",
			    (unsigned int)cp);
		maxk = nk > maxk ? nk : maxk;
		maxs = ns > maxs ? ns : maxs;
	}
	assert_true(maxk * NAME_ROOM_MAX <= NAME_FOLD_MAX);
	assert_true(maxs * NAME_NICK_MAX <= NAME_SKEL_MAX);
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
		{ "jos\xc3\xa9", "JOS\xc3\x89", 0 },
		{ "Stra\xc3\x9f" "e", "STRASSE", 0 },
		{ "e\xcc\x81", "\xc3\x89", 0 },
		{ "\xc3\xa9", "\xc3\xaa", -1 },
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
		"\xf0\x9f\x98\x80", "a\xcc\x81.png", "\xd0\xb0.png"
	};
	static const char	*bad[] = {
		"", ".", "..", "/", "a/b", "/etc/passwd", "../x", "dir/",
		"a\nb", "a\x01", "\x1f", "a\x7f", "a\xc2\x85", "a\xc2\x9f",
		"\xc0\xaf", "a\xed\xa0\x80", "a\xff", "a\xc3",
		"gnp.\xe2\x80\xae" "exe", "a\xe2\x80\x8b.png",
		"\xe2\xa0\x80.png",
		"\xcc\x81.png", "a\xf3\xa0\x81\x81.png", "a\xee\x80\x80.txt"
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
		cmocka_unit_test(test_name_hidden_refused),
		cmocka_unit_test(test_name_norm),
		cmocka_unit_test(test_name_casefold),
		cmocka_unit_test(test_name_skeleton),
		cmocka_unit_test(test_name_bounds),
		cmocka_unit_test(test_name_cmp),
		cmocka_unit_test(test_name_sticker),
		cmocka_unit_test(test_name_file),
		cmocka_unit_test(test_name_mime),
	};

	int	rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	name_cleanup();
	return (rc);
}

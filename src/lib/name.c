/* name.c: the protocol's naming rules (nicks, rooms, stickers, file names, mime types), their NFC form,
 * case folding and UTS #39 skeletons, through ICU; it knows nothing of who holds a name. */

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uclean.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "proto.h"

/*
 * UTF-16 units of the work buffers: enough for any input name_casefold
 * accepts (NAME_FOLD_MAX bytes) after its NFD, whose expansion ICU checks
 * (an overflow is an error, never a truncation).
 */
#define NAME_U16_MAX	(NAME_FOLD_MAX * 2)

/*
 * An input may hold more code points than its NFC form (a base letter and
 * its marks compose), but not more than this many times the limit.
 */
#define NAME_NFC_SHRINK	4

/* Unicode general category Cc. */
bool
name_is_control(uint32_t cp)
{
	return (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f));
}

/* Unicode White_Space property (PropList.txt). */
bool
name_is_space(uint32_t cp)
{
	switch (cp) {
	case 0x0009: case 0x000a: case 0x000b: case 0x000c: case 0x000d:
	case 0x0020: case 0x0085: case 0x00a0: case 0x1680:
	case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
		return (true);
	}
	return (cp >= 0x2000 && cp <= 0x200a);
}

/*
 * Code points no name may hold, beyond controls and white space: those that
 * show nothing or change how their neighbours show (UAX #31 section 2.3,
 * UTS #39 section 3.1 and 5).  The list, by Unicode property:
 *	Cf  format: U+200B zero width space, U+202E and the other bidi
 *	    controls, U+E0000-E007F tags, U+00AD soft hyphen, U+FEFF;
 *	Co  private use, and Cs surrogates (never in valid UTF-8 anyway);
 *	Cn  unassigned in ICU's Unicode version: no one knows how they show;
 *	Default_Ignorable_Code_Point: the Hangul fillers, variation selectors,
 *	    U+034F combining grapheme joiner, other blanks of category Lo/Mn;
 *	Bidi_Control: all Cf today, named so that a change of category in a
 *	    later Unicode cannot let one through;
 *	U+2800 BRAILLE PATTERN BLANK, which renders as nothing but is a
 *	    symbol (So) for Unicode, so that no property finds it.
 * No ASCII character is in the list: name_cp_ok asks for non-ASCII only.
 */
bool
name_is_hidden(uint32_t cp)
{
	switch (u_charType((UChar32)cp)) {
	case U_FORMAT_CHAR:
	case U_PRIVATE_USE_CHAR:
	case U_SURROGATE:
	case U_UNASSIGNED:
		return (true);
	default:
		break;
	}
	return (cp == 0x2800 || u_hasBinaryProperty((UChar32)cp,
	    UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
	    u_hasBinaryProperty((UChar32)cp, UCHAR_BIDI_CONTROL));
}

/* A combining mark (Mn, Mc, Me) has no base of its own at a name's start. */
static bool
name_is_mark(uint32_t cp)
{
	return ((U_GET_GC_MASK((UChar32)cp) & U_GC_M_MASK) != 0);
}

/* Whether cp may be in a name; forbidden lists the ASCII it may not hold. */
static bool
name_cp_ok(uint32_t cp, const char *forbidden, bool spaces)
{
	if (name_is_control(cp) || (!spaces && name_is_space(cp)))
		return (false);
	if (cp < 0x80)
		return (strchr(forbidden, (int)cp) == NULL);
	return (!name_is_hidden(cp));
}

/*
 * The checks that need no ICU object: s is valid UTF-8, starts with no
 * combining mark and holds no code point name_cp_ok refuses.  Sets *ncp to
 * the number of code points and *ascii when all are ASCII; -1 if refused.
 */
static int
name_scan(const char *s, const char *forbidden, bool spaces, size_t *ncp,
    bool *ascii)
{
	const char	*end;
	uint32_t	 cp;

	*ncp = 0;
	*ascii = true;
	if (s == NULL || *s == '\0')
		return (-1);
	end = s + strlen(s);
	while (s < end) {
		if (utf8_next(&s, end, &cp) != 0 ||
		    !name_cp_ok(cp, forbidden, spaces))
			return (-1);
		if (cp >= 0x80) {
			if (*ncp == 0 && name_is_mark(cp))
				return (-1);
			*ascii = false;
		}
		(*ncp)++;
	}
	return (0);
}

/*
 * UTS #39's invisible-character check (USPOOF_INVISIBLE): the same
 * nonspacing mark twice on one base shows as one.  The checker is opened
 * for the call: ICU shares its data between checkers, so this costs an
 * allocation and keeps no state of ours between calls.
 */
static bool
name_spoof_invisible(const UChar *s, int32_t len)
{
	USpoofChecker	*sc;
	UErrorCode	 e = U_ZERO_ERROR;
	int32_t		 r;

	if ((sc = uspoof_open(&e)) == NULL || U_FAILURE(e)) {
		uspoof_close(sc);
		return (true);
	}
	uspoof_setChecks(sc, USPOOF_INVISIBLE, &e);
	r = uspoof_check(sc, s, len, NULL, &e);
	uspoof_close(sc);
	return (U_FAILURE(e) || r != 0);
}

/*
 * Write the UTF-16 result of a chain of ICU calls that reported to *e as
 * UTF-8 to out (size bytes, NUL included); its length, or -1 if a call of
 * the chain failed or the result does not fit.
 */
static int
name_to_utf8(const UChar *s, int32_t len, char *out, size_t size,
    UErrorCode *e)
{
	int32_t	olen;

	u_strToUTF8(out, (int32_t)size, &olen, s, len, e);
	if (U_FAILURE(*e) || *e == U_STRING_NOT_TERMINATED_WARNING)
		return (-1);
	return (olen);
}

/*
 * Validate a nick or room name s and write its NFC form, what is stored
 * and shown, to out (size bytes); returns its length or -1 if s breaks the
 * rules or the form does not fit.  The rules are checked on what is sent
 * and again on the NFC form, which must be 1..max code points.  An ASCII
 * name is already NFC and is copied without calling ICU.
 */
static int
name_norm(const char *s, size_t max, const char *forbidden, char *out,
    size_t size)
{
	UChar		 in[NAME_U16_MAX], nfc[NAME_U16_MAX];
	const UNormalizer2 *nfcn;
	UErrorCode	 e = U_ZERO_ERROR;
	int32_t		 inlen, len, i;
	UChar32		 cp;
	size_t		 n;
	bool		 ascii;

	if (name_scan(s, forbidden, false, &n, &ascii) != 0)
		return (-1);
	if (ascii) {
		if (n > max || n >= size)
			return (-1);
		memcpy(out, s, n + 1);
		return ((int)n);
	}
	if (n > max * NAME_NFC_SHRINK)
		return (-1);
	u_strFromUTF8(in, NAME_U16_MAX, &inlen, s, -1, &e);
	nfcn = unorm2_getNFCInstance(&e);
	len = unorm2_normalize(nfcn, in, inlen, nfc, NAME_U16_MAX, &e);
	if (U_FAILURE(e))
		return (-1);
	for (i = 0, n = 0; i < len; n++) {
		U16_NEXT(nfc, i, len, cp);
		if (!name_cp_ok((uint32_t)cp, forbidden, false) ||
		    (n == 0 && name_is_mark((uint32_t)cp)))
			return (-1);
	}
	if (n > max || name_spoof_invisible(nfc, len))
		return (-1);
	return (name_to_utf8(nfc, len, out, size, &e));
}

int
name_nick_norm(const char *s, char *out, size_t size)
{
	return (name_norm(s, NAME_NICK_MAX, ",:#@/", out, size));
}

int
name_room_norm(const char *s, char *out, size_t size)
{
	return (name_norm(s, NAME_ROOM_MAX, ",", out, size));
}

/* For those that only ask (evchat-cli): would name_*_norm accept s? */
bool
name_nick_valid(const char *s)
{
	char	buf[NAME_NICK_SIZE];

	return (name_nick_norm(s, buf, sizeof buf) >= 0);
}

bool
name_room_valid(const char *s)
{
	char	buf[NAME_ROOM_SIZE];

	return (name_room_norm(s, buf, sizeof buf) >= 0);
}

/*
 * A sticker is named like a room but limited in bytes, not code points;
 * it is passed on as sent, so it is checked, not normalised.
 */
bool
name_sticker_valid(const char *s)
{
	size_t	n;
	bool	ascii;

	return (s != NULL && strlen(s) <= NAME_STICKER_MAX &&
	    name_scan(s, "", false, &n, &ascii) == 0);
}

/*
 * A file name is a base name: no '/' or '\\', not "." or "..", at most
 * NAME_FILE_MAX bytes, with the code points of a name (spaces allowed).
 */
bool
name_file_valid(const char *s)
{
	size_t	n;
	bool	ascii;

	if (s == NULL || strlen(s) > NAME_FILE_MAX)
		return (false);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return (false);
	return (name_scan(s, "/\\", true, &n, &ascii) == 0);
}

/* RFC 6838 restricted-name-first: a name starts with a letter or digit. */
static bool
name_mime_first(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* RFC 6838 restricted-name characters. */
static bool
name_mime_char(char c)
{
	return (name_mime_first(c) ||
	    (c != '\0' && strchr("!#$&-^_.+", c) != NULL));
}

/* type/subtype, each 1..63 restricted-name characters, no parameters. */
bool
name_mime_valid(const char *s)
{
	const char	*slash;
	size_t		 i, len;

	if (s == NULL || (len = strlen(s)) > NAME_MIME_MAX)
		return (false);
	if ((slash = strchr(s, '/')) == NULL || slash == s ||
	    slash[1] == '\0' || slash - s > 63 || len - (slash - s) - 1 > 63)
		return (false);
	if (!name_mime_first(s[0]) || !name_mime_first(slash[1]))
		return (false);
	for (i = 0; i < len; i++) {
		if (s + i != slash && !name_mime_char(s[i]))
			return (false);
	}
	return (true);
}

/*
 * Write to out (size bytes) the key under which s compares: Unicode's
 * canonical caseless match (D145: full case folding between NFD forms, so
 * that "ß" is "ss" and a decomposed "é" the precomposed one), in NFC.
 * Returns its length, or -1 if s is not valid UTF-8 or longer than
 * NAME_FOLD_MAX bytes, or the key does not fit.  The key of a valid nick
 * or room name always fits in NAME_FOLD_MAX + 1 bytes: full folding maps a
 * code point to at most three, and NFC does not lengthen.  ASCII is
 * lowered without ICU.  Who calls: the daemon, for the
 * keys of its tables of nicks and rooms and to look names up in them.
 */
int
name_casefold(const char *s, char *out, size_t size)
{
	UChar		 a[NAME_U16_MAX], b[NAME_U16_MAX];
	UErrorCode	 e = U_ZERO_ERROR;
	size_t		 len = strlen(s), i;
	int32_t		 n;

	if (len > NAME_FOLD_MAX || len >= size)
		return (-1);
	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') : s[i];
	if (i == len) {
		out[len] = '\0';
		return ((int)len);
	}
	u_strFromUTF8(a, NAME_U16_MAX, &n, s, (int32_t)len, &e);
	n = unorm2_normalize(unorm2_getNFDInstance(&e), a, n, b, NAME_U16_MAX,
	    &e);
	n = u_strFoldCase(a, NAME_U16_MAX, b, n, U_FOLD_CASE_DEFAULT, &e);
	n = unorm2_normalize(unorm2_getNFCInstance(&e), a, n, b, NAME_U16_MAX,
	    &e);
	return (name_to_utf8(b, n, out, size, &e));
}

/*
 * Write to out (size bytes) the UTS #39 confusable skeleton of s's folded
 * form (name_casefold): two names people may read as one, "ann" with a
 * Cyrillic "а", "rn" and "m", have the same.  Returns its length, or -1 if
 * s cannot be folded or the skeleton does not fit; the skeleton of a valid
 * nick fits in NAME_SKEL_MAX + 1 bytes.  Who calls: the daemon, to refuse
 * a nick whose skeleton another holds when either of the two is not ASCII.
 */
int
name_skeleton(const char *s, char *out, size_t size)
{
	USpoofChecker	*sc;
	UErrorCode	 e = U_ZERO_ERROR;
	char		 fold[NAME_FOLD_MAX + 1];
	int		 len;

	if ((len = name_casefold(s, fold, sizeof fold)) < 0)
		return (-1);
	if ((sc = uspoof_open(&e)) == NULL || U_FAILURE(e)) {
		uspoof_close(sc);
		return (-1);
	}
	len = uspoof_getSkeletonUTF8(sc, USPOOF_CONFUSABLE, fold, len, out,
	    (int32_t)size, &e);
	uspoof_close(sc);
	if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
		return (-1);
	return (len);
}

/* Whether s is all ASCII: such names keep the rules they had before ICU. */
bool
name_is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return (false);
	}
	return (true);
}

/* The key name_cmp orders s by: its folded form, or s if it has none. */
static const char *
name_cmp_key(const char *s, char *buf, size_t size)
{
	return (name_casefold(s, buf, size) >= 0 ? buf : s);
}

/* Order two names by the bytes of their folded forms (name_casefold). */
int
name_cmp(const char *a, const char *b)
{
	char	fa[NAME_FOLD_MAX + 1], fb[NAME_FOLD_MAX + 1];

	return (strcmp(name_cmp_key(a, fa, sizeof fa),
	    name_cmp_key(b, fb, sizeof fb)));
}

/*
 * Free what ICU cached for the calls above (normalisation and confusable
 * data): name.c keeps no state of its own between calls, and ICU's caches
 * are still reachable, not leaked, but a program may want valgrind to show
 * none at exit.  Call only at exit, with no other thread using ICU.
 */
void
name_cleanup(void)
{
	u_cleanup();
}

/* name.c: the protocol's naming rules (nicks, rooms, stickers, file names, mime types) and the
 * ASCII-only case folding that makes names compare equal; it knows nothing of who holds a name. */

#include <string.h>

#include "proto.h"

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
 * A name is 1..max code points of valid UTF-8 with no control character, no
 * white space and none of the ASCII characters in forbidden.
 */
static bool
name_valid(const char *s, size_t max, const char *forbidden)
{
	const char	*end;
	uint32_t	 cp;
	size_t		 n = 0;

	if (s == NULL || *s == '\0')
		return (false);
	end = s + strlen(s);
	while (s < end) {
		if (utf8_next(&s, end, &cp) != 0)
			return (false);
		if (name_is_control(cp) || name_is_space(cp))
			return (false);
		if (cp < 0x80 && strchr(forbidden, (int)cp) != NULL)
			return (false);
		if (++n > max)
			return (false);
	}
	return (true);
}

bool
name_nick_valid(const char *s)
{
	return (name_valid(s, NAME_NICK_MAX, ",:#@/"));
}

bool
name_room_valid(const char *s)
{
	return (name_valid(s, NAME_ROOM_MAX, ","));
}

/* A sticker is named like a room but limited in bytes, not code points. */
bool
name_sticker_valid(const char *s)
{
	return (s != NULL && strlen(s) <= NAME_STICKER_MAX &&
	    name_valid(s, NAME_STICKER_MAX, ""));
}

/*
 * A file name is a base name: no '/', not "." or "..", printable UTF-8
 * (spaces allowed), at most NAME_FILE_MAX bytes.
 */
bool
name_file_valid(const char *s)
{
	const char	*end;
	uint32_t	 cp;

	if (s == NULL || *s == '\0' || strlen(s) > NAME_FILE_MAX)
		return (false);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return (false);
	end = s + strlen(s);
	while (s < end) {
		if (utf8_next(&s, end, &cp) != 0)
			return (false);
		if (name_is_control(cp) || cp == '/' || cp == '\\')
			return (false);
	}
	return (true);
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

/* Copy len bytes of src to dst with ASCII letters lowered; dst gets a NUL. */
void
name_fold(char *dst, const char *src, size_t len)
{
	size_t	i;
	char	c;

	for (i = 0; i < len; i++) {
		c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
	}
	dst[len] = '\0';
}

/* Order two names by the bytes of their case-folded forms. */
int
name_cmp(const char *a, const char *b)
{
	unsigned char	ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == '\0')
			return (ca - cb);
	}
}

/* utf8.c: strict UTF-8 decoding and validation (no overlongs, surrogates or code points past U+10FFFF)
 * and code-point counting; it knows nothing of names, JSON or frames. */

#include <string.h>

#include "proto.h"

/*
 * Decode the code point at *p (not past end) into *cp and advance *p.
 * Returns 0, or -1 for an invalid or truncated sequence (*p unchanged).
 */
int
utf8_next(const char **p, const char *end, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)*p;
	size_t			 avail = end - *p, n, i;
	uint32_t		 c, min;

	if (avail == 0)
		return (-1);
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		*p += 1;
		return (0);
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return (-1);	/* continuation byte, C0/C1, F5..FF */
	if (avail < n)
		return (-1);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (-1);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (-1);
	*cp = c;
	*p += n;
	return (0);
}

bool
utf8_valid(const char *s, size_t len)
{
	const char	*end = s + len;
	uint32_t	 cp;
	uint64_t	 w;

	while (s < end) {
		/* ASCII is the common case: eight bytes at a time, no decoding. */
		if (end - s >= 8) {
			memcpy(&w, s, sizeof w);
			if ((w & 0x8080808080808080ULL) == 0) {
				s += 8;
				continue;
			}
		}
		if ((unsigned char)*s < 0x80) {
			s++;
			continue;
		}
		if (utf8_next(&s, end, &cp) != 0)
			return (false);
	}
	return (true);
}

/* Number of code points in s, or -1 when s is not valid UTF-8. */
ssize_t
utf8_count(const char *s, size_t len)
{
	const char	*end = s + len;
	uint32_t	 cp;
	ssize_t		 n = 0;

	while (s < end) {
		if (utf8_next(&s, end, &cp) != 0)
			return (-1);
		n++;
	}
	return (n);
}

/*
 * The length of s cut to at most len bytes without ending inside a code
 * point, for shortening a message built from names that were valid UTF-8.
 */
size_t
utf8_trim(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	for (i = len; i > 0 && len - i < 4; i--) {
		if ((p[i - 1] & 0xc0) == 0x80)
			continue;	/* back over continuation bytes */
		if (p[i - 1] < 0x80)
			n = 1;
		else if (p[i - 1] >= 0xf0)
			n = 4;
		else if (p[i - 1] >= 0xe0)
			n = 3;
		else
			n = 2;
		return (i - 1 + n > len ? i - 1 : len);
	}
	return (len);
}

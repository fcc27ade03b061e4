/* unit.h: what every cmocka unit test of the framing library includes: the headers cmocka needs,
 * a repeatable random source, exact-size copies and a UTF-8 encoder; nothing specific to one library file. */

#ifndef EVCHAT_UNIT_H
#define EVCHAT_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <cmocka.h>

#include "proto.h"

/*
 * xorshift32: "random" data that is the same on every run, so that a failure
 * can be reproduced.  *state must not be 0.
 */
static inline uint32_t
unit_random(uint32_t *state)
{
	uint32_t	x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return (*state = x);
}

/*
 * A copy of len bytes of p in a block of exactly that size, so that reading
 * one byte past the end shows under valgrind or AddressSanitizer.
 */
static inline char *
unit_dup(const void *p, size_t len)
{
	char	*s;

	s = malloc(len > 0 ? len : 1);
	assert_non_null(s);
	memcpy(s, p, len);
	return (s);
}

/*
 * Encode cp into out (at least 4 bytes) with the plain UTF-8 bit layout and
 * no validity checks, so tests can build surrogates and other bad forms
 * independently of utf8.c.  Returns the number of bytes written.
 */
static inline size_t
unit_utf8_encode(uint32_t cp, char *out)
{
	unsigned char	*p = (unsigned char *)out;

	if (cp < 0x80) {
		p[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		p[0] = 0xc0 | (cp >> 6);
		p[1] = 0x80 | (cp & 0x3f);
		return (2);
	}
	if (cp < 0x10000) {
		p[0] = 0xe0 | (cp >> 12);
		p[1] = 0x80 | ((cp >> 6) & 0x3f);
		p[2] = 0x80 | (cp & 0x3f);
		return (3);
	}
	p[0] = 0xf0 | ((cp >> 18) & 0x07);
	p[1] = 0x80 | ((cp >> 12) & 0x3f);
	p[2] = 0x80 | ((cp >> 6) & 0x3f);
	p[3] = 0x80 | (cp & 0x3f);
	return (4);
}

#endif /* EVCHAT_UNIT_H */

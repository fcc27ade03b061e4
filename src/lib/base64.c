/* base64.c: strict standard base64 (RFC 4648 alphabet, padding required, no line breaks) for media
 * payloads: validation, decoded length, decoding and encoding; it knows nothing of what the bytes are. */

#include "proto.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/*
 * Decoded size of s, or -1 when s is not canonical base64: length a multiple
 * of 4, only alphabet characters, '=' only as the last one or two, and the
 * unused bits before the padding zero (so each byte string has one encoding).
 */
ssize_t
base64_decoded_len(const char *s, size_t len)
{
	size_t	i, pad = 0;
	int	v;

	if (len % 4 != 0)
		return (-1);
	if (len > 0 && s[len - 1] == '=')
		pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
	for (i = 0; i < len - pad; i++) {
		if (base64_value((unsigned char)s[i]) < 0)
			return (-1);
	}
	if (pad > 0) {
		v = base64_value((unsigned char)s[len - pad - 1]);
		if ((pad == 1 && (v & 0x03) != 0) ||
		    (pad == 2 && (v & 0x0f) != 0))
			return (-1);
	}
	return ((ssize_t)(len / 4 * 3 - pad));
}

bool
base64_valid(const char *s, size_t len)
{
	return (base64_decoded_len(s, len) >= 0);
}

/*
 * Decode valid base64 (checked with base64_valid first) into out, which has
 * room for base64_decoded_len bytes.  Returns the number of bytes written.
 */
size_t
base64_decode(const char *s, size_t len, unsigned char *out)
{
	size_t		i, n = 0;
	uint32_t	acc;
	int		v, k;

	for (i = 0; i + 4 <= len; i += 4) {
		acc = 0;
		for (k = 0; k < 4; k++) {
			v = s[i + k] == '=' ? 0 : base64_value(s[i + k]);
			acc = acc << 6 | (uint32_t)v;
		}
		out[n++] = acc >> 16;
		if (s[i + 2] != '=')
			out[n++] = (acc >> 8) & 0xff;
		if (s[i + 3] != '=')
			out[n++] = acc & 0xff;
	}
	return (n);
}

size_t
base64_encoded_len(size_t n)
{
	return ((n + 2) / 3 * 4);
}

/* Encode n bytes into out (base64_encoded_len(n) + 1 bytes, NUL added). */
size_t
base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t		i, o = 0;
	uint32_t	acc;

	for (i = 0; i < n; i += 3) {
		acc = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			acc |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			acc |= in[i + 2];
		out[o++] = base64_alphabet[acc >> 18];
		out[o++] = base64_alphabet[(acc >> 12) & 0x3f];
		out[o++] = i + 1 < n ? base64_alphabet[(acc >> 6) & 0x3f] : '=';
		out[o++] = i + 2 < n ? base64_alphabet[acc & 0x3f] : '=';
	}
	out[o] = '\0';
	return (o);
}

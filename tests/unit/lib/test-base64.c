/* test-base64.c: unit tests of strict base64 (base64.c): the RFC 4648 vectors both ways, decoded lengths,
 * every way to be invalid and round trips of all byte values; it knows nothing of media messages. */

#include <stdlib.h>
#include <string.h>

#include "unit.h"

static const char test_base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode s, which must be valid, into a buffer of exactly its decoded size. */
static unsigned char *
test_base64_decode(const char *s, size_t len, size_t *outlen)
{
	unsigned char	*out;
	ssize_t		 n;

	assert_true(base64_valid(s, len));
	n = base64_decoded_len(s, len);
	assert_true(n >= 0);
	out = malloc(n > 0 ? n : 1);
	assert_non_null(out);
	*outlen = base64_decode(s, len, out);
	assert_int_equal(*outlen, n);
	return (out);
}

/* Encode n bytes, checking the length agrees with base64_encoded_len. */
static char *
test_base64_encode(const unsigned char *in, size_t n)
{
	char	*out;
	size_t	 len;

	len = base64_encoded_len(n);
	out = malloc(len + 1);
	assert_non_null(out);
	assert_int_equal(base64_encode(in, n, out), len);
	assert_int_equal(strlen(out), len);
	return (out);
}

static void
test_base64_rfc4648(void **state)
{
	static const struct {
		const char	*plain;
		const char	*coded;
	} vectors[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	unsigned char	*plain;
	char		*coded;
	size_t		 i, len, plen;

	for (i = 0; i < nitems(vectors); i++) {
		plen = strlen(vectors[i].plain);
		len = strlen(vectors[i].coded);
		coded = test_base64_encode(
		    (const unsigned char *)vectors[i].plain, plen);
		assert_string_equal(coded, vectors[i].coded);
		free(coded);

		assert_int_equal(base64_encoded_len(plen), len);
		assert_int_equal(base64_decoded_len(vectors[i].coded, len),
		    plen);
		plain = test_base64_decode(vectors[i].coded, len, &len);
		assert_int_equal(len, plen);
		assert_memory_equal(plain, vectors[i].plain, plen);
		free(plain);
	}
}

static void
test_base64_invalid(void **state)
{
	static const char	*bad[] = {
		/* Not a multiple of four. */
		"Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Zm9vYg=", "Zm9vYmFy=",
		/* Outside the alphabet, URL-safe base64 included. */
		"Zm9!", "Zm9-", "Zm9_", "Zm-_", "Zm9v!A==", "\xc3\xa9\xc3\xa9",
		/* White space or line breaks anywhere. */
		"Zm 9", " Zm9", "Zm9v\n", "Zm9v\r\nZm9v", "Zm9v\tZm9v",
		"Zm9vYmFy\n", "\nZm9vYmFy",
		/* Padding in the middle, or too much of it. */
		"Zm=v", "=m9v", "Z=9v", "Zg==Zg==", "Zm8=Zm9v", "Zg=a",
		"Z===", "====", "Zm9v====", "=", "==", "Zm9v=",
		/* Non-canonical: bits after the data must be zero. */
		"Zm9=", "Zh==", "Zm/=", "Zm9vYh==", "Zm9vYmF=", "Zg=/",
		"//==", "AB==", "AAB=",
	};
	size_t			 i, len;
	char			*s;

	for (i = 0; i < nitems(bad); i++) {
		len = strlen(bad[i]);
		s = unit_dup(bad[i], len);
		if (base64_valid(s, len) || base64_decoded_len(s, len) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		free(s);
	}

	/* A NUL is not a base64 character, even inside the length. */
	assert_false(base64_valid("Zm\0v", 4));
	assert_false(base64_valid("Zm9v\0\0\0\0", 8));

	/* The canonical forms of the non-canonical ones above are fine. */
	assert_true(base64_valid("Zm8=", 4));
	assert_true(base64_valid("Zg==", 4));
	assert_true(base64_valid("AA==", 4));
	assert_true(base64_valid("AAA=", 4));
	assert_true(base64_valid("//8=", 4));
}

/* Only the 64 alphabet characters may stand in a data position. */
static void
test_base64_alphabet(void **state)
{
	char		s[] = "Zm9vYmFy";
	unsigned int	c;
	bool		want;

	for (c = 0; c < 0x100; c++) {
		s[1] = c;
		want = c != 0 && strchr(test_base64_chars, c) != NULL;
		if (base64_valid(s, 8) != want)
			fail_msg("byte %02x: wrong verdict", c);
	}
}

/*
 * Before padding, the last character may only carry the bits of the last
 * byte: with "==" its low four bits are zero, with "=" its low two.
 */
static void
test_base64_trailing_bits(void **state)
{
	char	two[] = "Zm9vZg==", one[] = "Zm9vYmE=";
	char	ok2[5] = "", ok1[17] = "";
	size_t	i, n2 = 0, n1 = 0;

	for (i = 0; i < 64; i++) {
		two[5] = test_base64_chars[i];
		one[6] = test_base64_chars[i];
		if (base64_valid(two, 8)) {
			assert_true(n2 < sizeof ok2 - 1);
			ok2[n2++] = test_base64_chars[i];
		}
		if (base64_valid(one, 8)) {
			assert_true(n1 < sizeof ok1 - 1);
			ok1[n1++] = test_base64_chars[i];
		}
	}
	assert_string_equal(ok2, "AQgw");
	assert_string_equal(ok1, "AEIMQUYcgkosw048");
}

static void
test_base64_all_bytes(void **state)
{
	unsigned char	 all[256], in[3], *back;
	char		*coded;
	size_t		 i, n, len;

	for (i = 0; i < sizeof all; i++)
		all[i] = i;
	coded = test_base64_encode(all, sizeof all);
	assert_int_equal(strlen(coded), 344);
	assert_int_equal(base64_decoded_len(coded, strlen(coded)), 256);
	back = test_base64_decode(coded, strlen(coded), &len);
	assert_int_equal(len, sizeof all);
	assert_memory_equal(back, all, sizeof all);
	free(back);
	free(coded);

	/* Each byte value alone, then with one and two neighbours. */
	for (i = 0; i < sizeof all; i++) {
		for (n = 1; n <= sizeof in; n++) {
			memset(in, (int)i, sizeof in);
			in[n - 1] = 255 - i;
			coded = test_base64_encode(in, n);
			back = test_base64_decode(coded, strlen(coded), &len);
			assert_int_equal(len, n);
			assert_memory_equal(back, in, n);
			free(back);
			free(coded);
		}
	}
}

static void
test_base64_random(void **state)
{
	unsigned char	*in, *back;
	char		*coded;
	uint32_t	 seed = 0x9e3779b9;
	size_t		 n, i, len;

	for (n = 0; n < 2000; n++) {
		in = malloc(n > 0 ? n : 1);
		assert_non_null(in);
		for (i = 0; i < n; i++)
			in[i] = unit_random(&seed);
		coded = test_base64_encode(in, n);
		assert_int_equal(strlen(coded), (n + 2) / 3 * 4);
		assert_int_equal(base64_decoded_len(coded, strlen(coded)), n);
		back = test_base64_decode(coded, strlen(coded), &len);
		assert_int_equal(len, n);
		assert_memory_equal(back, in, n);
		free(back);
		free(coded);
		free(in);
	}
}

/* The media limit is checked from the decoded length alone. */
static void
test_base64_decoded_len(void **state)
{
	size_t	n;
	char	s[16];

	for (n = 0; n <= 9; n++)
		assert_int_equal(base64_encoded_len(n), (n + 2) / 3 * 4);
	assert_int_equal(base64_decoded_len("", 0), 0);
	assert_int_equal(base64_decoded_len("AAAA", 4), 3);
	assert_int_equal(base64_decoded_len("AAAAAA==", 8), 4);
	assert_int_equal(base64_decoded_len("AAAAAAA=", 8), 5);
	assert_int_equal(base64_decoded_len("AAAAAAAA", 8), 6);

	/* The length passed is what counts, not a NUL. */
	memcpy(s, "Zm9vYmFyjunk", 12);
	assert_int_equal(base64_decoded_len(s, 8), 6);
	assert_int_equal(base64_decoded_len(s, 4), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_invalid),
		cmocka_unit_test(test_base64_alphabet),
		cmocka_unit_test(test_base64_trailing_bits),
		cmocka_unit_test(test_base64_all_bytes),
		cmocka_unit_test(test_base64_random),
		cmocka_unit_test(test_base64_decoded_len),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

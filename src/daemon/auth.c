/* auth.c: the server password: its yescrypt hash from libxcrypt, and the check of a password against it
 * in constant time; it knows nothing of clients or the config file, and never logs a password. */

#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "server.h"

/*
 * yescrypt, the method Debian uses for /etc/shadow, at the cost libxcrypt
 * chooses: salted from the kernel's random source, memory-hard, and written
 * as a string that names its own method, cost and salt.
 */
#define AUTH_METHOD	"$y$"

/* Hash password with a new salt into out; 0, or -1 if it cannot. */
int
auth_hash(const char *password, char *out, size_t len)
{
	struct crypt_data	 cd;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*h;
	int			 rc = -1;

	if (crypt_gensalt_rn(AUTH_METHOD, 0, NULL, 0, salt,
	    sizeof salt) == NULL)
		return (-1);
	memset(&cd, 0, sizeof cd);
	h = crypt_rn(password, salt, &cd, sizeof cd);
	if (h != NULL && strlen(h) < len) {
		memcpy(out, h, strlen(h) + 1);
		rc = 0;
	}
	explicit_bzero(&cd, sizeof cd);
	return (rc);
}

/*
 * Whether hash is a whole hash of a method libxcrypt supports and does not
 * call legacy.  A salt without its hash, or a password pasted in its place,
 * would lock everyone out: hashing any phrase with it must give a string of
 * the same shape.
 */
bool
auth_hash_valid(const char *hash)
{
	struct crypt_data	 cd;
	const char		*h, *salt_end;
	size_t			 len = strlen(hash);
	bool			 ok;

	if (hash[0] != '$' || crypt_checksalt(hash) != CRYPT_SALT_OK ||
	    (salt_end = strrchr(hash, '$')) == NULL)
		return (false);
	memset(&cd, 0, sizeof cd);
	h = crypt_rn("", hash, &cd, sizeof cd);
	ok = h != NULL && strlen(h) == len &&
	    strncmp(h, hash, salt_end - hash + 1) == 0;
	explicit_bzero(&cd, sizeof cd);
	return (ok);
}

static bool
auth_digest(const struct auth *a, const char *s, unsigned char *out)
{
	unsigned int	len = AUTH_DIGEST_LEN;

	return (HMAC(EVP_sha256(), a->key, sizeof a->key,
	    (const unsigned char *)s, strlen(s), out, &len) != NULL &&
	    len == AUTH_DIGEST_LEN);
}

/* After a match: digests that let the next checks skip the slow hash. */
static void
auth_remember(struct auth *a, const char *hash, const char *password)
{
	if (!a->known && RAND_bytes(a->key, sizeof a->key) != 1)
		return;
	a->known = auth_digest(a, hash, a->hash) &&
	    auth_digest(a, password, a->pass);
}

/*
 * Whether password matches hash.  A full hash costs tens of milliseconds
 * of the one loop by design, so it is paid once: after a match, a keyed
 * digest of the password stands for it until the hash changes, and any
 * other password is refused without hashing.  Both comparisons take the
 * same time whatever the bytes.
 */
bool
auth_check(struct auth *a, const char *hash, const char *password)
{
	struct crypt_data	 cd;
	unsigned char		 dh[AUTH_DIGEST_LEN], dp[AUTH_DIGEST_LEN];
	const char		*h;
	size_t			 len = strlen(hash);
	bool			 ok;

	if (a->known && auth_digest(a, hash, dh) &&
	    CRYPTO_memcmp(dh, a->hash, sizeof dh) == 0) {
		ok = auth_digest(a, password, dp) &&
		    CRYPTO_memcmp(dp, a->pass, sizeof dp) == 0;
		explicit_bzero(dp, sizeof dp);
		return (ok);
	}
	memset(&cd, 0, sizeof cd);
	h = crypt_rn(password, hash, &cd, sizeof cd);
	ok = h != NULL && strlen(h) == len && CRYPTO_memcmp(h, hash, len) == 0;
	explicit_bzero(&cd, sizeof cd);
	if (ok)
		auth_remember(a, hash, password);
	return (ok);
}

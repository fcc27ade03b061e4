/* account.c: the table of accounts (nicks that are someone's, with their password hashes), the truth
 * the store is written behind from; it knows nothing of clients, requests or how a password is checked. */

#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store.h"

/*
 * The accounts whose nicks share a skeleton (UTS #39), counted as nick.c
 * counts the nicks online: a nick that is not all ASCII looks like any of
 * them, an ASCII one only like those that are not.
 */
struct account_skel {
	char		*key;
	unsigned int	 nascii;
	unsigned int	 nwide;
};

/* Called by server_new and the --account tool; the store may be NULL. */
int
account_table_init(struct account_table *t, struct store *st)
{
	t->store = st;
	if ((t->byfold = hash_new()) == NULL ||
	    (t->byskel = hash_new()) == NULL)
		return (-1);
	return (0);
}

/* Count a under its skeleton; 0, or -1 when out of memory. */
static int
account_skel_hold(struct account_table *t, struct account *a)
{
	struct account_skel	*k;
	char			 skel[NAME_SKEL_MAX + 1];

	if (name_skeleton(a->nick, skel, sizeof skel) < 0 ||
	    (a->skel = strdup(skel)) == NULL)
		return (-1);
	if ((k = hash_find(t->byskel, skel)) == NULL) {
		if ((k = calloc(1, sizeof *k)) == NULL)
			return (-1);
		if ((k->key = strdup(skel)) == NULL ||
		    hash_insert(t->byskel, k->key, k) != 0) {
			free(k->key);
			free(k);
			return (-1);
		}
	}
	if (name_is_ascii(a->nick))
		k->nascii++;
	else
		k->nwide++;
	return (0);
}

static void
account_skel_release(struct account_table *t, struct account *a)
{
	struct account_skel	*k;

	if (a->skel == NULL || (k = hash_find(t->byskel, a->skel)) == NULL)
		return;
	if (name_is_ascii(a->nick))
		k->nascii--;
	else
		k->nwide--;
	if (k->nascii + k->nwide > 0)
		return;
	hash_remove(t->byskel, k->key);
	free(k->key);
	free(k);
}

/*
 * Whether nick, that is no account's, looks like one (hello refuses it
 * to a guest, as nick.c refuses a look-alike of a nick online).
 */
bool
account_confusable(const struct account_table *t, const char *nick)
{
	const struct account_skel	*k;
	char				 nfc[NAME_NICK_SIZE];
	char				 skel[NAME_SKEL_MAX + 1];

	if (name_nick_norm(nick, nfc, sizeof nfc) < 0 ||
	    name_skeleton(nfc, skel, sizeof skel) < 0 ||
	    (k = hash_find(t->byskel, skel)) == NULL)
		return (false);
	return (!name_is_ascii(nfc) || k->nwide > 0);
}

static void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	free(a->nick);
	free(a->fold);
	free(a->skel);
	if (a->hash != NULL)
		explicit_bzero(a->hash, strlen(a->hash));
	free(a->hash);
	free(a);
}

void
account_table_clear(struct account_table *t)
{
	struct account	*a;
	size_t		 pos = 0;

	if (t->byfold == NULL)
		return;
	while ((a = hash_next(t->byfold, &pos)) != NULL) {
		hash_remove(t->byfold, a->fold);
		account_skel_release(t, a);
		account_free(a);
		pos = 0;
	}
	hash_free(t->byfold);
	hash_free(t->byskel);
	t->byfold = t->byskel = NULL;
}

/* The account of nick, in any letter case, or NULL. */
struct account *
account_find(const struct account_table *t, const char *nick)
{
	return (hash_find_fold(t->byfold, nick));
}

size_t
account_count(const struct account_table *t)
{
	return (hash_count(t->byfold));
}

/* Every account, one a call from *pos = 0 on, then NULL; in no order. */
struct account *
account_next(const struct account_table *t, size_t *pos)
{
	return (hash_next(t->byfold, pos));
}

/* Write a behind to the store, when there is one. */
static int
account_put(struct account_table *t, const struct account *a)
{
	struct store_account	sa;

	if (t->store == NULL)
		return (0);
	sa.nick = a->nick;
	sa.fold = a->fold;
	sa.hash = a->hash;
	sa.created_ms = a->created_ms;
	return (store_account_put(t->store, &sa));
}

/*
 * Whether password may protect an account: at least ACCOUNT_PASSWORD_MIN
 * characters; NULL, or why not.  It is never shown, not even cut.
 */
const char *
account_password_weak(const char *password)
{
	ssize_t	n = utf8_count(password, strlen(password));

	if (n < 0)
		return ("the password must be UTF-8");
	if (n < ACCOUNT_PASSWORD_MIN)
		return ("the password must have at least 8 characters");
	return (NULL);
}

/* Insert the account; keep: write it to the store (not when loading). */
static struct account *
account_insert(struct account_table *t, const char *nick, const char *hash,
    int64_t created_ms, bool keep, const char **why)
{
	struct account	*a;
	char		 nfc[NAME_NICK_SIZE], fold[NAME_FOLD_MAX + 1];

	if (name_nick_norm(nick, nfc, sizeof nfc) < 0 ||
	    name_casefold(nfc, fold, sizeof fold) < 0) {
		*why = "not a valid nick";
		return (NULL);
	}
	if (hash_find(t->byfold, fold) != NULL) {
		*why = "already registered";
		return (NULL);
	}
	*why = "out of memory";
	if ((a = calloc(1, sizeof *a)) == NULL)
		return (NULL);
	a->created_ms = created_ms;
	if ((a->nick = strdup(nfc)) == NULL ||
	    (a->fold = strdup(fold)) == NULL ||
	    (a->hash = strdup(hash)) == NULL ||
	    hash_insert(t->byfold, a->fold, a) != 0) {
		account_free(a);
		return (NULL);
	}
	if (account_skel_hold(t, a) != 0) {
		hash_remove(t->byfold, a->fold);
		account_skel_release(t, a);
		account_free(a);
		return (NULL);
	}
	if (keep && account_put(t, a) != 0) {
		hash_remove(t->byfold, a->fold);
		account_skel_release(t, a);
		account_free(a);
		*why = "the store cannot keep it";
		return (NULL);
	}
	return (a);
}

/*
 * Register nick with the yescrypt hash of its password, kept from now on;
 * NULL with why (a phrase for the registrant) when it cannot be.
 */
struct account *
account_add(struct account_table *t, const char *nick, const char *hash,
    int64_t created_ms, const char **why)
{
	return (account_insert(t, nick, hash, created_ms, true, why));
}

/* A new hash for a; 0, or -1 when out of memory (a keeps its old one). */
int
account_set_hash(struct account_table *t, struct account *a, const char *hash)
{
	char	*h;

	if ((h = strdup(hash)) == NULL)
		return (-1);
	explicit_bzero(a->hash, strlen(a->hash));
	free(a->hash);
	a->hash = h;
	return (account_put(t, a));
}

/* Drop a for good (the caller has let go of every pointer to it). */
void
account_remove(struct account_table *t, struct account *a)
{
	hash_remove(t->byfold, a->fold);
	account_skel_release(t, a);
	if (t->store != NULL)
		(void)store_account_del(t->store, a->fold);
	account_free(a);
}

/*
 * One account the store kept, from the store_loader of server_new or of
 * the --account tool: into the table, not written back.  0, or -1 when
 * out of memory; one that no longer makes sense is skipped, and said.
 */
int
account_load(struct account_table *t, const struct store_account *sa)
{
	const char	*why;

	if (account_insert(t, sa->nick, sa->hash, sa->created_ms, false,
	    &why) == NULL) {
		log_warn("stored account %s not loaded: %s", sa->fold, why);
		return (strcmp(why, "out of memory") == 0 ? -1 : 0);
	}
	return (0);
}

/* admin.c: evchatd --account: adds, lists, changes the password of or deletes an account in the
 * configured store, without a server running the loop; it knows nothing of clients or the protocol. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "server.h"
#include "store.h"

/* What the tool loads: the accounts only; rooms and bans stay as kept. */
static int
admin_load_account(void *arg, const struct store_account *sa)
{
	return (account_load(arg, sa));
}

static int
admin_load_room(void *arg, const struct store_room *sr)
{
	return (0);
}

static int
admin_load_ban(void *arg, const struct store_ban *sb)
{
	return (0);
}

static int
admin_cmp(const void *a, const void *b)
{
	const struct account	*aa = *(struct account * const *)a;
	const struct account	*ab = *(struct account * const *)b;

	return (strcmp(aa->fold, ab->fold));
}

/* list: one line an account, "NICK REGISTERED-AT", by case-folded nick. */
static int
admin_list(const struct account_table *t, FILE *out, char *err,
    size_t errlen)
{
	struct account	**v;
	struct tm	  tm;
	time_t		  sec;
	size_t		  n = 0, pos = 0, i;
	char		  when[32];

	if ((v = reallocarray(NULL, account_count(t) + 1, sizeof *v)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return (1);
	}
	while ((v[n] = account_next(t, &pos)) != NULL)
		n++;
	qsort(v, n, sizeof *v, admin_cmp);
	for (i = 0; i < n; i++) {
		sec = v[i]->created_ms / 1000;
		if (gmtime_r(&sec, &tm) == NULL ||
		    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof when, "-");
		fprintf(out, "%s %s\n", v[i]->nick, when);
	}
	free(v);
	return (fflush(out) == 0 ? 0 : EX_IOERR);
}

/* add and passwd: the new password, read, checked and hashed. */
static int
admin_hash(admin_read_cb *read_password, char *hash, size_t len, char *err,
    size_t errlen)
{
	const char	*why;
	char		*pw;
	int		 rc = EX_DATAERR;

	if ((pw = read_password()) == NULL)
		snprintf(err, errlen, "no account changed");
	else if ((why = account_password_weak(pw)) != NULL)
		snprintf(err, errlen, "%s", why);
	else if (auth_hash(pw, hash, len) != 0) {
		snprintf(err, errlen, "cannot hash the password: %s",
		    strerror(errno));
		rc = 1;
	} else
		rc = 0;
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return (rc);
}

/*
 * Do action (add, passwd, delete, list) to nick in the store cf names:
 * open, load, change through the store's hooks, close.  The password of
 * add and passwd comes from read_password (standard input, in evchatd.c),
 * asked only once the store is known to keep accounts.  Returns the exit
 * status; why in err when it is not 0.  Called by main, never with a
 * server: a running evchatd sees the change at its next start only.
 */
int
admin_account(const struct config *cf, const char *action, const char *nick,
    admin_read_cb *read_password, FILE *out, char *err, size_t errlen)
{
	struct store_limits	 lim;
	struct store		*st;
	struct event_base	*base;
	struct account_table	 t;
	struct account		*a = NULL;
	struct store_loader	 loader = { admin_load_account, admin_load_room,
				    admin_load_ban, &t };
	char			 hash[AUTH_HASH_MAX];
	const char		*why;
	int			 rc = 0;

	memset(&lim, 0, sizeof lim);
	memset(&t, 0, sizeof t);
	lim.memory = cf->history_memory;
	lim.prefix = cf->cluster_prefix;
	lim.password_file = cf->cluster_password_file;
	/* A store's thread hands its answers to a loop, never run here. */
	if ((base = event_base_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (1);
	}
	if ((st = store_new(cf->store, &lim, base, err, errlen)) == NULL) {
		event_base_free(base);
		return (EX_CONFIG);
	}
	if (!store_persistent(st)) {
		snprintf(err, errlen, "store %s keeps no accounts once evchatd "
		    "stops, so there is nothing to change: configure a store "
		    "that lasts", cf->store);
		store_free(st);
		event_base_free(base);
		return (EX_CONFIG);
	}
	if (account_table_init(&t, st) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = 1;
		goto out;
	}
	if (store_load(st, &loader, err, errlen) != 0) {
		rc = EX_DATAERR;
		goto out;
	}
	if (strcmp(action, "list") == 0) {
		rc = admin_list(&t, out, err, errlen);
		goto out;
	}
	a = account_find(&t, nick);
	if (strcmp(action, "add") == 0 && a != NULL) {
		snprintf(err, errlen, "%s is already registered", a->nick);
		rc = EX_DATAERR;
	} else if (strcmp(action, "add") != 0 && a == NULL) {
		snprintf(err, errlen, "no account %s", nick);
		rc = EX_DATAERR;
	} else if (strcmp(action, "delete") == 0)
		account_remove(&t, a);
	else if ((rc = admin_hash(read_password, hash, sizeof hash, err,
	    errlen)) != 0)
		;
	else if (a != NULL && account_set_hash(&t, a, hash) != 0) {
		snprintf(err, errlen, "the store cannot keep it");
		rc = 1;
	} else if (a == NULL && account_add(&t, nick, hash,
	    (int64_t)time(NULL) * 1000, &why) == NULL) {
		snprintf(err, errlen, "%s: %s", nick, why);
		rc = EX_DATAERR;
	}
	explicit_bzero(hash, sizeof hash);
out:
	account_table_clear(&t);
	store_free(st);
	event_base_free(base);
	return (rc);
}

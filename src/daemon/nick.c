/* nick.c: the tables of registered nicks, by case-folded nick and by confusable skeleton, and a client's
 * own nick; it knows nothing of how a client connects or what it is told when a nick comes or goes. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

/* The client registered as nick, in any letter case, or NULL. */
struct client *
nick_find(struct server *s, const char *nick)
{
	return (hash_find_fold(s->nicks, nick));
}

/*
 * Count c's nick under its skeleton skel, or refuse it (-1) when it looks
 * like one online: the same UTS #39 skeleton, and one of the two is not
 * all ASCII (ASCII names behave as they always did: "bill" and "bi11" may
 * both be used).  *nomem tells an allocation failure from a refusal.
 */
static int
nick_skel_hold(struct client *c, const char *skel, bool *nomem)
{
	struct server		*s = c->server;
	struct nick_skel	*k;
	bool			 ascii = name_is_ascii(c->nick);

	*nomem = false;
	if ((k = hash_find(s->skels, skel)) != NULL) {
		if (k->wide || !ascii)
			return (-1);
	} else {
		*nomem = true;
		if ((k = calloc(1, sizeof *k + strlen(skel) + 1)) == NULL)
			return (-1);
		strcpy(k->key, skel);
		if (hash_insert(s->skels, k->key, k) != 0) {
			free(k);
			return (-1);
		}
		*nomem = false;
	}
	if (ascii)
		k->nascii++;
	else
		k->wide = true;		/* then its only holder */
	c->skel = k;
	return (0);
}

static void
nick_skel_release(struct client *c)
{
	struct nick_skel	*k = c->skel;

	if (k == NULL)
		return;
	c->skel = NULL;
	if (k->wide)
		k->wide = false;
	else
		k->nascii--;
	if (k->wide || k->nascii > 0)
		return;
	hash_remove(c->server->skels, k->key);
	free(k);
}

/*
 * Give c the nick if it may have it: valid (its NFC form is what everyone
 * sees), free in every letter case, and not confusable with one online.
 * Each of the forms is computed once, here.  c keeps no nick on failure.
 */
enum nick_status
nick_register(struct client *c, const char *nick)
{
	struct server	*s = c->server;
	char		 nfc[NAME_NICK_SIZE], fold[NAME_FOLD_MAX + 1];
	char		 skel[NAME_SKEL_MAX + 1];
	size_t		 nlen, flen;
	bool		 nomem;

	if (name_nick_norm(nick, nfc, sizeof nfc) < 0 ||
	    name_casefold(nfc, fold, sizeof fold) < 0 ||
	    name_skeleton(nfc, skel, sizeof skel) < 0)
		return (NICK_INVALID);
	if (hash_find(s->nicks, fold) != NULL)
		return (NICK_TAKEN);
	/* The two forms in one allocation: fold follows nick's NUL. */
	nlen = strlen(nfc);
	flen = strlen(fold);
	if ((c->nick = malloc(nlen + 1 + flen + 1)) == NULL)
		goto nomem;
	memcpy(c->nick, nfc, nlen + 1);
	c->fold = c->nick + nlen + 1;
	memcpy(c->fold, fold, flen + 1);
	if (nick_skel_hold(c, skel, &nomem) != 0) {
		if (nomem)
			goto nomem;
		free(c->nick);
		c->nick = c->fold = NULL;
		return (NICK_CONFUSABLE);
	}
	if (hash_insert(s->nicks, c->fold, c) != 0) {
		nick_skel_release(c);
		goto nomem;
	}
	return (NICK_OK);
nomem:
	free(c->nick);
	c->nick = c->fold = NULL;
	return (NICK_NOMEM);
}

/* Free c's nick for others; c keeps its name for the last words. */
void
nick_release(struct client *c)
{
	if (c->fold != NULL && nick_find(c->server, c->fold) == c)
		hash_remove(c->server->nicks, c->fold);
	nick_skel_release(c);
}

/*
 * Put c back under the nick it had (old and its fold, owned again by c)
 * after a refused change: it was free a moment ago, so only memory can
 * fail, and then c keeps its name for its last words, out of the tables.
 */
static enum nick_status
nick_restore(struct client *c, char *old, char *fold)
{
	char	skel[NAME_SKEL_MAX + 1];
	bool	nomem;

	c->nick = old;
	c->fold = fold;
	if (name_skeleton(old, skel, sizeof skel) < 0 ||
	    nick_skel_hold(c, skel, &nomem) != 0)
		return (NICK_NOMEM);
	if (hash_insert(c->server->nicks, c->fold, c) != 0) {
		nick_skel_release(c);
		return (NICK_NOMEM);
	}
	return (NICK_OK);
}

/*
 * The nick request's step here: c, registered, takes nick by the rules of
 * nick_register, its own nick aside (a change of letter case is one).  On
 * NICK_OK *old is the nick it had, the caller's to free; otherwise c keeps
 * it, but for NICK_NOMEM, after which c must be closed.
 */
enum nick_status
nick_change(struct client *c, const char *nick, char **old)
{
	char			*onick = c->nick, *ofold = c->fold;
	enum nick_status	 st;

	nick_release(c);
	c->nick = c->fold = NULL;
	if ((st = nick_register(c, nick)) == NICK_OK) {
		*old = onick;		/* ofold with it */
		return (NICK_OK);
	}
	if (nick_restore(c, onick, ofold) != NICK_OK)
		return (NICK_NOMEM);
	return (st);
}

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
 * Whether nick may not be registered because it looks like one online:
 * the same UTS #39 skeleton, and one of the two is not all ASCII (ASCII
 * names behave as they always did: "bill" and "bi11" may both be used).
 */
bool
nick_confusable(struct server *s, const char *nick)
{
	struct nick_skel	*k;
	char			 skel[NAME_SKEL_MAX + 1];

	if (name_skeleton(nick, skel, sizeof skel) < 0)
		return (true);
	if ((k = hash_find(s->skels, skel)) == NULL)
		return (false);
	return (k->wide || !name_is_ascii(nick));
}

/* Count c's nick under its skeleton. */
static int
nick_skel_hold(struct client *c)
{
	struct server		*s = c->server;
	struct nick_skel	*k;
	char			 skel[NAME_SKEL_MAX + 1];

	if (name_skeleton(c->nick, skel, sizeof skel) < 0)
		return (-1);
	if ((k = hash_find(s->skels, skel)) == NULL) {
		if ((k = calloc(1, sizeof *k)) == NULL)
			return (-1);
		if ((k->key = strdup(skel)) == NULL ||
		    hash_insert(s->skels, k->key, k) != 0) {
			free(k->key);
			free(k);
			return (-1);
		}
	}
	if (name_is_ascii(c->nick))
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
	free(k->key);
	free(k);
}

/*
 * Give c the nick, already validated, free and not confusable: its NFC
 * form is what everyone sees.  -1 when out of memory.
 */
int
nick_register(struct client *c, const char *nick)
{
	char	nfc[NAME_NICK_SIZE], fold[NAME_FOLD_MAX + 1];

	if (name_nick_norm(nick, nfc, sizeof nfc) < 0 ||
	    name_casefold(nfc, fold, sizeof fold) < 0)
		return (-1);
	if ((c->nick = strdup(nfc)) == NULL ||
	    (c->fold = strdup(fold)) == NULL)
		return (-1);
	if (nick_skel_hold(c) != 0)
		return (-1);
	if (hash_insert(c->server->nicks, c->fold, c) != 0) {
		nick_skel_release(c);
		free(c->fold);
		c->fold = NULL;
		return (-1);
	}
	return (0);
}

/* Free c's nick for others; c keeps its name for the last words. */
void
nick_release(struct client *c)
{
	if (c->fold != NULL && nick_find(c->server, c->fold) == c)
		hash_remove(c->server->nicks, c->fold);
	nick_skel_release(c);
}

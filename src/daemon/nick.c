/* nick.c: the table of registered nicks, keyed by case-folded nick, and a client's own nick; it knows
 * nothing of how a client connects or what it is told when a nick comes or goes (presence.c). */

#include <stdlib.h>
#include <string.h>

#include "server.h"

/* The client registered as nick, in any letter case, or NULL. */
struct client *
nick_find(struct server *s, const char *nick)
{
	return (hash_find_fold(s->nicks, nick));
}

/* Give c the nick, already validated and free; -1 when out of memory. */
int
nick_register(struct client *c, const char *nick)
{
	size_t	len = strlen(nick);

	if ((c->nick = strdup(nick)) == NULL ||
	    (c->fold = malloc(len + 1)) == NULL)
		return (-1);
	name_fold(c->fold, nick, len);
	if (hash_insert(c->server->nicks, c->fold, c) != 0) {
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
}

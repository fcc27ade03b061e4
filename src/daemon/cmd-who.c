/* cmd-who.c: the who request: a room's members, or everyone online, sorted by case-folded nick;
 * it only reads the room and nick tables. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

static int	cmd_who_exec(struct client *, struct request *);

const struct cmd_entry cmd_who_entry = {
	.type = "who",
	.flags = CMD_REGISTERED,
	.exec = cmd_who_exec,
};

static int
cmd_who_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/* Every registered nick, sorted. */
static cJSON *
cmd_who_everyone(struct server *s)
{
	struct client	 *c;
	const char	**fold;
	cJSON		 *a;
	size_t		  n = 0, pos = 0, i;

	a = cJSON_CreateArray();
	fold = reallocarray(NULL, hash_count(s->nicks) + 1, sizeof *fold);
	if (fold == NULL)
		return (a);
	while ((c = hash_next(s->nicks, &pos)) != NULL)
		fold[n++] = c->fold;
	qsort(fold, n, sizeof *fold, cmd_who_cmp);
	for (i = 0; i < n; i++) {
		c = hash_find(s->nicks, fold[i]);
		cJSON_AddItemToArray(a, cJSON_CreateString(c->nick));
	}
	free(fold);
	return (a);
}

static int
cmd_who_exec(struct client *c, struct request *req)
{
	const char	*room;
	struct room	*r = NULL;
	cJSON		*reply;

	if (cmd_string(req, "room", false, &room) != 0)
		return (-1);
	if (room != NULL && (r = room_find(c->server, room)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_ROOM, "no room %s", room));
	reply = cmd_object("who");
	if (r != NULL) {
		cJSON_AddStringToObject(reply, "room", r->name);
		cJSON_AddItemToObject(reply, "nicks", room_nicks(r));
	} else
		cJSON_AddItemToObject(reply, "nicks",
		    cmd_who_everyone(c->server));
	cmd_reply(c, req, reply);
	return (0);
}

/* cmd-who.c: the who handler: a room's members, or everyone online, sorted by case-folded nick;
 * it only reads the room and nick tables. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

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

void
cmd_who(struct client *c, cJSON *obj, const cJSON *id)
{
	const cJSON	*room;
	struct room	*r;
	cJSON		*reply;

	room = cJSON_GetObjectItemCaseSensitive(obj, "room");
	if (room == NULL) {
		reply = cmd_object("who");
		cJSON_AddItemToObject(reply, "nicks",
		    cmd_who_everyone(c->server));
		client_reply(c, reply, id);
		return;
	}
	if (!cJSON_IsString(room)) {
		client_error(c, ERR_BAD_REQUEST, id, "room must be a string");
		return;
	}
	if ((r = room_find(c->server, room->valuestring)) == NULL) {
		client_error(c, ERR_NO_SUCH_ROOM, id, "no room %s",
		    room->valuestring);
		return;
	}
	reply = cmd_object("who");
	cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddItemToObject(reply, "nicks", room_nicks(r));
	client_reply(c, reply, id);
}

/* cmd-rooms.c: the rooms request: every room with its member count, sorted by case-folded name;
 * it only reads the room table. */

#include <stdlib.h>

#include "server.h"

static int	cmd_rooms_exec(struct client *, struct request *);

const struct cmd_entry cmd_rooms_entry = {
	.type = "rooms",
	.flags = CMD_REGISTERED,
	.exec = cmd_rooms_exec,
};

static int
cmd_rooms_exec(struct client *c, struct request *req)
{
	struct server	 *s = c->server;
	struct room	**v, *r;
	cJSON		 *reply, *list, *item;
	size_t		  n = 0, pos = 0, i;

	v = reallocarray(NULL, hash_count(s->rooms) + 1, sizeof *v);
	if (v == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	while ((r = hash_next(s->rooms, &pos)) != NULL)
		v[n++] = r;
	qsort(v, n, sizeof *v, room_cmp);

	reply = cmd_object("rooms");
	list = cJSON_AddArrayToObject(reply, "rooms");
	for (i = 0; i < n; i++) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name", v[i]->name);
		cJSON_AddNumberToObject(item, "members",
		    (double)v[i]->nmembers);
		cJSON_AddItemToArray(list, item);
	}
	free(v);
	cmd_reply(c, req, reply);
	return (0);
}

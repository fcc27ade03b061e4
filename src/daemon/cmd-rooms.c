/* cmd-rooms.c: the rooms handler: every room with its member count, sorted by case-folded name;
 * it only reads the room table. */

#include <stdlib.h>

#include "server.h"

void
cmd_rooms(struct client *c, cJSON *obj, const cJSON *id)
{
	struct server	 *s = c->server;
	struct room	**v, *r;
	cJSON		 *reply, *list, *item;
	size_t		  n = 0, pos = 0, i;

	v = reallocarray(NULL, hash_count(s->rooms) + 1, sizeof *v);
	if (v == NULL) {
		client_close(c, "out of memory", true);
		return;
	}
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
	client_reply(c, reply, id);
}

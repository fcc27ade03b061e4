/* cmd-rooms.c: the rooms request: every room with its member count, sorted by case-folded name and
 * paged; it only reads the room table. */

#include <stdio.h>
#include <stdlib.h>

#include "server.h"

/* The bytes of {"name":,"members":} around an entry's name and count. */
#define CMD_ROOMS_ENTRY	(sizeof "{\"name\":,\"members\":}" - 1)

static int	cmd_rooms_exec(struct client *, struct request *);

const struct cmd_entry cmd_rooms_entry = {
	.type = "rooms",
	.flags = CMD_REGISTERED,
	.exec = cmd_rooms_exec,
};

/* The bytes of r's entry as cJSON prints it. */
static size_t
cmd_rooms_entry_len(const struct room *r)
{
	return (CMD_ROOMS_ENTRY + json_string_len(r->name) +
	    (size_t)snprintf(NULL, 0, "%zu", r->nmembers));
}

static int
cmd_rooms_exec(struct client *c, struct request *req)
{
	struct server	 *s = c->server;
	struct room	**v, *r;
	struct cmd_page	  pg;
	const char	 *after;
	cJSON		 *reply, *list, *item;
	size_t		  n = 0, pos = 0, i;

	if (cmd_string(req, "after", false, &after) != 0)
		return (-1);
	v = reallocarray(NULL, hash_count(s->rooms) + 1, sizeof *v);
	if (v == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	while ((r = hash_next(s->rooms, &pos)) != NULL) {
		/* A claimed room lasts empty: it is listed when in use. */
		if (r->nmembers > 0 &&
		    (after == NULL || name_cmp(r->fold, after) > 0))
			v[n++] = r;
	}
	qsort(v, n, sizeof *v, room_cmp);

	reply = cmd_object("rooms");
	list = cJSON_AddArrayToObject(reply, "rooms");
	cmd_page_init(&pg, c, req, NULL);
	for (i = 0; i < n && cmd_page_take(&pg, cmd_rooms_entry_len(v[i]));
	    i++) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name", v[i]->name);
		cJSON_AddNumberToObject(item, "members",
		    (double)v[i]->nmembers);
		cJSON_AddItemToArray(list, item);
	}
	free(v);
	cmd_page_end(&pg, reply);
	cmd_reply(c, req, reply);
	return (0);
}

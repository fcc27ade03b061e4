/* cmd-join.c: the join and part handlers: membership changes, the joined/parted replies and the
 * presence the other members see; it knows nothing of sockets. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

static void
cmd_join_presence(struct client *c, struct room *r, const char *event,
    const char *reason)
{
	struct frame	*f;

	if ((f = client_presence_frame(c, r, event, reason)) == NULL)
		return;
	room_broadcast(r, f, c);
	frame_unref(f);
}

/* The "room" field of a request: a string naming a valid room. */
static const char *
cmd_join_room_name(struct client *c, cJSON *obj, const cJSON *id)
{
	const char	*name;

	if ((name = json_get_string(obj, "room")) == NULL) {
		client_error(c, ERR_BAD_REQUEST, id, "room must be a string");
		return (NULL);
	}
	if (!name_room_valid(name)) {
		client_error(c, ERR_INVALID_ROOM, id, NULL);
		return (NULL);
	}
	return (name);
}

void
cmd_join(struct client *c, cJSON *obj, const cJSON *id)
{
	struct room	*r;
	const char	*name;
	cJSON		*reply;

	if ((name = cmd_join_room_name(c, obj, id)) == NULL)
		return;
	const struct config	*cf = c->server->config;

	r = room_find(c->server, name);
	if (r != NULL && client_in_room(c, r)) {
		client_error(c, ERR_ALREADY_IN_ROOM, id, "already in %s",
		    r->name);
		return;
	}
	if (cf->max_rooms_per_client != 0 &&
	    c->nrooms >= cf->max_rooms_per_client) {
		client_error(c, ERR_TOO_MANY_ROOMS, id,
		    "already in %u rooms", cf->max_rooms_per_client);
		return;
	}
	if (r != NULL && cf->max_members_per_room != 0 &&
	    r->nmembers >= cf->max_members_per_room) {
		client_error(c, ERR_ROOM_FULL, id, "%s has %u members",
		    r->name, cf->max_members_per_room);
		return;
	}
	if ((r = room_join(c->server, name, c)) == NULL) {
		client_close(c, "out of memory", true);
		return;
	}
	log_debug("%s joined %s", c->nick, r->name);
	reply = cmd_object("joined");
	cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddItemToObject(reply, "members", room_nicks(r));
	client_reply(c, reply, id);
	cmd_join_presence(c, r, "join", NULL);
}

void
cmd_part(struct client *c, cJSON *obj, const cJSON *id)
{
	struct room	*r;
	const char	*name, *reason;
	cJSON		*reply;

	if ((name = cmd_join_room_name(c, obj, id)) == NULL)
		return;
	if (cmd_reason(c, obj, id, &reason) != 0)
		return;
	if ((r = room_find(c->server, name)) == NULL || !client_in_room(c, r)) {
		client_error(c, ERR_NOT_IN_ROOM, id, "not in %s", name);
		return;
	}
	log_debug("%s parted %s", c->nick, r->name);
	reply = cmd_object("parted");
	cJSON_AddStringToObject(reply, "room", r->name);
	client_reply(c, reply, id);
	cmd_join_presence(c, r, "part", reason);
	room_part(r, c);
}

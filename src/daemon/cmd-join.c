/* cmd-join.c: the join request: the limits on membership, the joined reply with a page of the member
 * list and the presence the other members see; it knows nothing of sockets or wire formats. */

#include "server.h"

static int	cmd_join_exec(struct client *, struct request *);

const struct cmd_entry cmd_join_entry = {
	.type = "join",
	.flags = CMD_REGISTERED,
	.exec = cmd_join_exec,
};

static int
cmd_join_exec(struct client *c, struct request *req)
{
	const struct config	*cf = c->server->config;
	struct room		*r;
	const char		*name;
	struct cmd_page		 pg;
	cJSON			*reply;

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	r = room_find(c->server, name);
	if (r != NULL && room_has(r, c))
		return (cmd_error(req, ERR_ALREADY_IN_ROOM, "already in %s",
		    r->name));
	if (cf->max_rooms_per_client != 0 &&
	    c->nrooms >= cf->max_rooms_per_client)
		return (cmd_error(req, ERR_TOO_MANY_ROOMS,
		    "already in %u rooms", cf->max_rooms_per_client));
	if (r != NULL && cf->max_members_per_room != 0 &&
	    r->nmembers >= cf->max_members_per_room)
		return (cmd_error(req, ERR_ROOM_FULL, "%s has %u members",
		    r->name, cf->max_members_per_room));
	if ((r = room_join(c->server, name, c)) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	log_debug("%s joined %s", c->nick, r->name);
	reply = cmd_object("joined");
	cJSON_AddStringToObject(reply, "room", r->name);
	/* A long member list is cut: who {room, after} pages the rest. */
	cmd_page_init(&pg, c, req, r->name);
	cJSON_AddItemToObject(reply, "members", cmd_who_nicks(r->members,
	    r->nmembers, NULL, &pg));
	cmd_page_end(&pg, reply);
	cmd_reply(c, req, reply);
	presence_room(c, r, "join", NULL);
	return (0);
}

/* cmd-part.c: the part request: leaving a room, the parted reply and the presence the other members
 * see; it knows nothing of sockets or wire formats. */

#include "server.h"

static int	cmd_part_exec(struct client *, struct request *);

const struct cmd_entry cmd_part_entry = {
	.type = "part",
	.flags = CMD_REGISTERED,
	.exec = cmd_part_exec,
};

static int
cmd_part_exec(struct client *c, struct request *req)
{
	struct room	*r;
	const char	*name, *reason;
	cJSON		*reply;

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	if (cmd_reason(c, req, &reason) != 0)
		return (-1);
	if ((r = room_find(c->server, name)) == NULL || !room_has(r, c))
		return (cmd_error(req, ERR_NOT_IN_ROOM, "not in %s", name));
	log_debug("%s parted %s", c->nick, r->name);
	reply = cmd_object("parted");
	cJSON_AddStringToObject(reply, "room", r->name);
	cmd_reply(c, req, reply);
	presence_room(c, r, "part", reason);
	room_part(r, c);
	return (0);
}

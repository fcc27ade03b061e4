/* cmd-kick.c: the kick request: a moderator puts a member out of a room with a reason that the room
 * and the member see; it knows nothing of sockets or wire formats. */

#include "server.h"

static int	cmd_kick_exec(struct client *, struct request *);

const struct cmd_entry cmd_kick_entry = {
	.type = "kick",
	.flags = CMD_REGISTERED,
	.exec = cmd_kick_exec,
};

static int
cmd_kick_exec(struct client *c, struct request *req)
{
	struct room	*r;
	struct client	*t;
	const char	*reason;
	cJSON		*reply;

	if (role_room(c, req, ROLE_MODERATOR, &r) != 0 ||
	    role_target(c, req, r, &t) != 0 ||
	    cmd_reason(c, req, &reason) != 0)
		return (-1);
	reply = cmd_object("kicked");
	cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddStringToObject(reply, "nick", t->nick);
	cmd_reply(c, req, reply);
	role_remove(r, t, c->nick, "kick", reason);
	return (0);
}

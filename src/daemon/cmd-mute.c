/* cmd-mute.c: the mute and unmute requests: a moderator stops a member's messages to a room (it still
 * reads it) until unmuted or the room empties; the room sees it; it knows nothing of wire formats. */

#include <stdbool.h>

#include "server.h"

static int	cmd_mute_exec(struct client *, struct request *);

const struct cmd_entry cmd_mute_entry = {
	.type = "mute",
	.flags = CMD_REGISTERED,
	.exec = cmd_mute_exec,
};

const struct cmd_entry cmd_unmute_entry = {
	.type = "unmute",
	.flags = CMD_REGISTERED,
	.exec = cmd_mute_exec,
};

static int
cmd_mute_exec(struct client *c, struct request *req)
{
	struct room	*r;
	struct client	*t;
	bool		 mute = req->type[0] == 'm';
	cJSON		*reply;

	if (role_room(c, req, ROLE_MODERATOR, &r) != 0 ||
	    role_target(c, req, r, &t) != 0)
		return (-1);
	if (room_list_set(&r->muted, &r->nmuted, t->fold, mute) != 0)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	log_info("%s %s %s in %s", c->nick, mute ? "muted" : "unmuted",
	    t->nick, r->name);
	reply = cmd_object(mute ? "muted" : "unmuted");
	cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddStringToObject(reply, "nick", t->nick);
	cmd_reply(c, req, reply);
	role_presence(r, t->nick, mute ? "mute" : "unmute", c->nick, NULL, NULL,
	    NULL);
	/* The muted user's own node is the one that refuses its messages. */
	if (c->server->cluster != NULL)
		cluster_mute(c->server->cluster, r, t, mute, c->nick);
	return (0);
}

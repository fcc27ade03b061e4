/* cmd-claim.c: the claim request: the first account to join a new room becomes its owner, kept in the
 * store; it knows nothing of sockets or wire formats. */

#include <string.h>

#include "server.h"

static int	cmd_claim_exec(struct client *, struct request *);

const struct cmd_entry cmd_claim_entry = {
	.type = "claim",
	.flags = CMD_REGISTERED,
	.exec = cmd_claim_exec,
};

static int
cmd_claim_exec(struct client *c, struct request *req)
{
	struct server	*s = c->server;
	struct room	*r;
	const char	*name;
	cJSON		*reply;

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	if ((r = room_find(s, name)) == NULL || !room_has(r, c))
		return (cmd_error(req, ERR_NOT_IN_ROOM, "not in %s", name));
	if (c->account == NULL)
		return (cmd_error(req, ERR_NOT_PERMITTED, "claiming a room "
		    "needs an account"));
	if (r->owner != NULL)
		return (cmd_error(req, ERR_NOT_PERMITTED, "%s is claimed "
		    "already", r->name));
	if ((r->first == NULL || strcmp(r->first, c->account->fold) != 0) &&
	    role_of(c, NULL) != ROLE_OPERATOR)
		return (cmd_error(req, ERR_NOT_PERMITTED, "only the first "
		    "registered member of %s may claim it", r->name));
	if (room_set(&r->owner, c->account->fold) != 0)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	if (room_keep(s, r) != 0)
		log_warn("claim of %s not kept", r->name);
	log_info("%s claimed %s", c->account->nick, r->name);
	reply = cmd_object("claimed");
	cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddStringToObject(reply, "owner", c->account->nick);
	cmd_reply(c, req, reply);
	return (0);
}

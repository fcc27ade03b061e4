/* cmd-unban.c: the unban request: lifts a room's ban of a nick or account, or a server-wide ban of an
 * address range, in the store too; it knows nothing of sockets or wire formats. */

#include "server.h"

static int	cmd_unban_exec(struct client *, struct request *);

const struct cmd_entry cmd_unban_entry = {
	.type = "unban",
	.flags = CMD_REGISTERED,
	.exec = cmd_unban_exec,
};

static int
cmd_unban_exec(struct client *c, struct request *req)
{
	struct room	*r;
	char		 mask[NAME_FOLD_MAX + 1];
	cJSON		*reply;

	if (cmd_ban_mask(c, req, &r, mask, sizeof mask) != 0)
		return (-1);
	if (!ban_remove(c->server, r != NULL ? r->fold : "", mask))
		return (cmd_error(req, ERR_BAD_REQUEST, "%s is not banned "
		    "there", mask));
	log_info("%s lifted the ban of %s from %s", c->nick, mask,
	    r != NULL ? r->name : "the server");
	reply = cmd_object("unbanned");
	if (r != NULL)
		cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddStringToObject(reply, "mask", mask);
	cmd_reply(c, req, reply);
	return (0);
}

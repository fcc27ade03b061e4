/* cmd-kill.c: the kill request: a server operator disconnects a user, who sees why in its bye, as its
 * rooms do in the quit; it knows nothing of sockets or wire formats. */

#include <stdio.h>

#include "server.h"

static int	cmd_kill_exec(struct client *, struct request *);

const struct cmd_entry cmd_kill_entry = {
	.type = "kill",
	.flags = CMD_REGISTERED,
	.exec = cmd_kill_exec,
};

static int
cmd_kill_exec(struct client *c, struct request *req)
{
	struct client	*t;
	const char	*reason;
	char		 why[512];
	cJSON		*reply;

	if (role_of(c, NULL) != ROLE_OPERATOR)
		return (cmd_error(req, ERR_NOT_PERMITTED, "only operators "
		    "kill"));
	if (role_target(c, req, NULL, &t) != 0 ||
	    cmd_reason(c, req, &reason) != 0)
		return (-1);
	snprintf(why, sizeof why, "killed by %s%s%s", c->nick,
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	log_info("client %llu (%s) %s", (unsigned long long)t->id, t->nick,
	    why);
	reply = cmd_object("killed");
	cJSON_AddStringToObject(reply, "nick", t->nick);
	cmd_reply(c, req, reply);
	client_close(t, why, true);
	return (0);
}

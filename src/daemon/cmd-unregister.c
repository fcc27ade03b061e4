/* cmd-unregister.c: the unregister request: the account password checked off the loop, then the account
 * dropped; the session stays, as a guest; it never logs a password. */

#include "server.h"

static int	cmd_unregister_exec(struct client *, struct request *);

const struct cmd_entry cmd_unregister_entry = {
	.type = "unregister",
	.flags = CMD_REGISTERED | CMD_SECRET,
	.exec = cmd_unregister_exec,
};

static void
cmd_unregister_verdict(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	cJSON		*reply;
	int		 rc = 0;

	cmd_resume(c, &req, "unregister");
	if (!ok)
		rc = cmd_error(&req, ERR_BAD_PASSWORD,
		    "wrong account password");
	else if (c->account != NULL) {
		log_info("client %llu (%s) dropped account %s",
		    (unsigned long long)c->id, c->addr, c->account->nick);
		reply = cmd_object("unregistered");
		cJSON_AddStringToObject(reply, "nick", c->account->nick);
		room_forget_account(c->server, c->account->fold);
		account_remove(&c->server->accounts, c->account);
		c->account = NULL;
		cmd_reply(c, &req, reply);
	}
	cmd_resumed(c, &req, rc);
}

static int
cmd_unregister_exec(struct client *c, struct request *req)
{
	return (cmd_check_password(c, req, "password",
	    cmd_unregister_verdict));
}

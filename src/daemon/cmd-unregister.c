/* cmd-unregister.c: the unregister request: the account password checked off the loop, then the account
 * dropped; the session stays, as a guest; it never logs a password. */

#include "server.h"

static int	cmd_unregister_exec(struct client *, struct request *);

const struct cmd_entry cmd_unregister_entry = {
	.type = "unregister",
	.flags = CMD_REGISTERED | CMD_SECRET,
	.exec = cmd_unregister_exec,
};

/*
 * Every session logged in to a goes on as a guest: since nick, one may
 * be under another nick while a second took the account's.  Users of
 * other nodes of a cluster (in the nick table only) too.  Also called by
 * the cluster when another node drops an account.
 */
void
cmd_unregister_sessions(struct server *s, const struct account *a)
{
	struct client	*c;
	size_t		 pos = 0;

	TAILQ_FOREACH(c, &s->clients, entry) {
		if (c->account == a)
			c->account = NULL;
	}
	while (s->cluster != NULL && (c = hash_next(s->nicks, &pos)) != NULL) {
		if (c->flags & CLIENT_REMOTE && c->account == a)
			c->account = NULL;
	}
}

static void
cmd_unregister_verdict(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	struct account	*a;
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
		a = c->account;
		room_forget_account(c->server, a->fold);
		cmd_unregister_sessions(c->server, a);
		account_remove(&c->server->accounts, a);
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

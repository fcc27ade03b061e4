/* cmd-register.c: the register request: a guest claims the nick it uses as an account, its password
 * hashed off the loop; it knows nothing of rooms, and never logs a password. */

#include "server.h"

static int	cmd_register_exec(struct client *, struct request *);

const struct cmd_entry cmd_register_entry = {
	.type = "register",
	.flags = CMD_REGISTERED | CMD_SECRET,
	.exec = cmd_register_exec,
};

/*
 * The new hash is ready: the account is made and c logged in to it, unless
 * the nick was registered meanwhile (by another connection, never: c holds
 * the nick; but a hash that failed says so).
 */
static void
cmd_register_hashed(void *arg, const char *hash)
{
	struct client	*c = arg;
	struct server	*s = c->server;
	struct request	 req;
	struct account	*a = NULL;
	const char	*why = "cannot hash the password";
	cJSON		*reply;
	int		 rc = 0;

	cmd_resume(c, &req, "register");
	if (hash == NULL || (a = account_add(&s->accounts, c->nick, hash,
	    server_now_ms(s), &why)) == NULL)
		rc = cmd_error(&req, ERR_NICK_REGISTERED, "nick %s: %s",
		    c->nick, why);
	else {
		c->account = a;
		room_first(c);
		log_info("client %llu (%s) registered account %s",
		    (unsigned long long)c->id, c->addr, a->nick);
		reply = cmd_object("registered");
		cJSON_AddStringToObject(reply, "nick", a->nick);
		cmd_reply(c, &req, reply);
	}
	cmd_resumed(c, &req, rc);
}

static int
cmd_register_exec(struct client *c, struct request *req)
{
	if (c->account != NULL ||
	    account_find(&c->server->accounts, c->nick) != NULL)
		return (cmd_error(req, ERR_NICK_REGISTERED,
		    "nick %s is already registered", c->nick));
	return (cmd_hash_password(c, req, "password", cmd_register_hashed));
}

/* cmd-passwd.c: the passwd request: the old account password checked, then the new one hashed, both off
 * the loop; it knows nothing of rooms, and never logs a password. */

#include "server.h"

static int	cmd_passwd_exec(struct client *, struct request *);

const struct cmd_entry cmd_passwd_entry = {
	.type = "passwd",
	.flags = CMD_REGISTERED | CMD_SECRET,
	.exec = cmd_passwd_exec,
};

/* The new hash is ready: the account takes it. */
static void
cmd_passwd_hashed(void *arg, const char *hash)
{
	struct client	*c = arg;
	struct request	 req;
	int		 rc = 0;

	cmd_resume(c, &req, "passwd");
	if (hash == NULL || c->account == NULL)
		rc = cmd_close(&req, ERR__COUNT, "cannot hash the password");
	else if (account_set_hash(&c->server->accounts, c->account,
	    hash) != 0)
		rc = cmd_close(&req, ERR__COUNT, "out of memory");
	else {
		log_info("client %llu (%s) changed the password of account %s",
		    (unsigned long long)c->id, c->addr, c->account->nick);
		cmd_reply(c, &req, cmd_object("password_changed"));
	}
	cmd_resumed(c, &req, rc);
}

/* The old password's verdict: right, the new one is hashed (held again). */
static void
cmd_passwd_verdict(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	int		 rc;

	cmd_resume(c, &req, "passwd");
	if (!ok)
		rc = cmd_error(&req, ERR_BAD_PASSWORD,
		    "wrong account password");
	else
		rc = cmd_hash_password(c, &req, "new", cmd_passwd_hashed);
	cmd_resumed(c, &req, rc);
}

static int
cmd_passwd_exec(struct client *c, struct request *req)
{
	const char	*pw, *why;

	/* Before the slow check: a weak new password is refused at once. */
	if (cmd_string(req, "new", true, &pw) != 0)
		return (-1);
	if ((why = account_password_weak(pw)) != NULL)
		return (cmd_error(req, ERR_BAD_REQUEST, "%s", why));
	return (cmd_check_password(c, req, "old", cmd_passwd_verdict));
}

/* cmd-nick.c: the nick request: another nick by hello's rules (a registered one needs its account), its
 * mutes follow, room-mates and watchers are told; it knows no wire format, never logs a password. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int	cmd_nick_exec(struct client *, struct request *);

const struct cmd_entry cmd_nick_entry = {
	.type = "nick",
	.flags = CMD_REGISTERED | CMD_SECRET,
	.exec = cmd_nick_exec,
};

/*
 * The refusal of nick by nick.c (st, not NICK_OK), recorded in req as the
 * handler's answer.  Shared with hello, whose words these are.
 */
int
cmd_nick_refused(struct request *req, enum nick_status st, const char *nick)
{
	switch (st) {
	case NICK_OK:
		break;
	case NICK_INVALID:
		return (cmd_error(req, ERR_INVALID_NICK, NULL));
	case NICK_TAKEN:
		return (cmd_error(req, ERR_NICK_TAKEN,
		    "nick %s is already in use", nick));
	case NICK_CONFUSABLE:
		return (cmd_error(req, ERR_NICK_TAKEN,
		    "nick %s is confusable with one in use", nick));
	case NICK_NOMEM:
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	return (0);
}

/*
 * Whether a guest may have nick (0, or the refusal recorded in req): the
 * server admits guests, and nick does not look like a registered one.
 * Shared with hello.
 */
int
cmd_nick_guest(struct server *s, struct request *req, const char *nick)
{
	if (!s->config->guests)
		return (cmd_error(req, ERR_NOT_PERMITTED, "this server admits "
		    "registered nicks only"));
	if (account_confusable(&s->accounts, nick))
		return (cmd_error(req, ERR_NICK_REGISTERED, "nick %s is "
		    "confusable with a registered one", nick));
	return (0);
}

/*
 * c is logged in to a, its password checked: in the rooms c is in where
 * no account came first, a does now.  Shared with hello.
 */
void
cmd_nick_login(struct client *c, struct account *a)
{
	c->account = a;
	room_first(c);
	log_info("client %llu (%s) logged in to account %s",
	    (unsigned long long)c->id, c->addr, a->nick);
}

/*
 * A mute is on a nick (its fold): in c's rooms, those on ofold move to
 * c's new fold, lest a muted member speak again under another name.
 */
static int
cmd_nick_mutes(struct client *c, const char *ofold)
{
	struct room	*r;
	size_t		 i;

	for (i = 0; i < c->nrooms; i++) {
		r = c->rooms[i];
		if (!room_listed(r->muted, r->nmuted, ofold))
			continue;
		if (room_list_set(&r->muted, &r->nmuted, ofold, false) != 0 ||
		    room_list_set(&r->muted, &r->nmuted, c->fold, true) != 0)
			return (-1);
	}
	return (0);
}

/*
 * c takes the request's nick, logged in to a from then on (NULL: it keeps
 * the account it has, or none: roles and the room it may claim go with
 * the account, not the nick), and everyone concerned is told.
 */
static int
cmd_nick_take(struct client *c, struct request *req, struct account *a)
{
	const char	*nick = json_get_string(req->obj, "nick");
	char		 ofold[NAME_FOLD_MAX + 1], *old;
	enum nick_status st;
	cJSON		*reply;

	snprintf(ofold, sizeof ofold, "%s", c->fold);
	if ((st = nick_change(c, nick, &old)) != NICK_OK)
		return (cmd_nick_refused(req, st, nick));
	if (cmd_nick_mutes(c, ofold) != 0) {
		free(old);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	log_info("client %llu (%s) %s is now %s", (unsigned long long)c->id,
	    c->addr, old, c->nick);
	if (a != NULL && a != c->account)
		cmd_nick_login(c, a);
	reply = cmd_object("nick");
	cJSON_AddStringToObject(reply, "nick", c->nick);
	cmd_reply(c, req, reply);
	if (strcmp(old, c->nick) != 0) {
		presence_nick(c, old);
		if (c->server->cluster != NULL)
			cluster_nick(c->server->cluster, c, old, ofold);
	}
	free(old);
	return (0);
}

/*
 * Called by the cluster when c's new nick turned out to be another
 * node's user's in Redis (holder): c has old back, and is told why.
 */
void
cmd_nick_claimed(struct client *c, const char *old, const char *holder)
{
	char	*taken, nick[NAME_NICK_SIZE];

	snprintf(nick, sizeof nick, "%s", c->nick);
	if (nick_change(c, old, &taken) != NICK_OK) {
		client_close(c, "out of memory", false);
		return;
	}
	client_error(c, ERR_NICK_TAKEN, NULL, "nick %s is in use on node %s: "
	    "you are %s again", nick, holder, c->nick);
	presence_nick(c, taken);
	free(taken);
}

/*
 * The account password's verdict (never for a client closed meanwhile).
 * The account is looked up again: it may have gone while the hash ran,
 * and then the nick is anyone's.
 */
static void
cmd_nick_verdict(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	int		 rc;

	cmd_resume(c, &req, "nick");
	if (ok)
		rc = cmd_nick_take(c, &req, account_find(&c->server->accounts,
		    json_get_string(req.obj, "nick")));
	else
		rc = cmd_error(&req, ERR_BAD_PASSWORD,
		    "wrong account password");
	cmd_resumed(c, &req, rc);
}

/*
 * Hello's rules but for c's own nick: a nick of another account needs its
 * password (a wrong one is refused, and slowed, as passwd's, but the
 * connection stays); the account c is logged in to, or a letter case of
 * its own nick, needs none; a guest's nick, one that does not look like a
 * registered one, on a server that admits guests.
 */
static int
cmd_nick_exec(struct client *c, struct request *req)
{
	struct server	*s = c->server;
	struct account	*a;
	struct client	*holder;
	const char	*nick, *password;

	if (cmd_string(req, "nick", true, &nick) != 0 ||
	    cmd_string(req, "account_password", false, &password) != 0)
		return (-1);
	a = account_find(&s->accounts, nick);
	if (a != NULL && (a == c->account || strcmp(a->fold, c->fold) == 0))
		return (cmd_nick_take(c, req, NULL));
	if (a == NULL)
		return (cmd_nick_guest(s, req, nick) != 0 ? -1 :
		    cmd_nick_take(c, req, NULL));
	if (password == NULL)
		return (cmd_error(req, ERR_NICK_REGISTERED, "nick %s is "
		    "registered: its account password is needed", a->nick));
	/* No password checked for a nick that is not free anyway. */
	if ((holder = nick_find(s, nick)) != NULL && holder != c)
		return (cmd_nick_refused(req, NICK_TAKEN, nick));
	return (cmd_check_account(c, req, "account_password", a,
	    cmd_nick_verdict));
}

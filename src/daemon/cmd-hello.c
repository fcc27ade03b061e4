/* cmd-hello.c: the hello request: server password, version check, options (events, echo, presence), the
 * account password of a registered nick, nick validation and registration, the welcome reply; it knows
 * nothing of rooms, never logs a password. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

static int	cmd_hello_exec(struct client *, struct request *);

const struct cmd_entry cmd_hello_entry = {
	.type = "hello",
	.flags = CMD_SECRET,
	.exec = cmd_hello_exec,
};

static void
cmd_hello_welcome(struct client *c, struct request *req)
{
	const struct config	*cf = c->server->config;
	cJSON			*reply;

	reply = cmd_object("welcome");
	cJSON_AddStringToObject(reply, "nick", c->nick);
	cJSON_AddStringToObject(reply, "server",
	    SERVER_NAME " " PACKAGE_VERSION);
	cJSON_AddNumberToObject(reply, "version", PROTO_VERSION);
	cJSON_AddNumberToObject(reply, "heartbeat", cf->heartbeat);
	cJSON_AddNumberToObject(reply, "max_frame", (double)cf->max_frame);
	cJSON_AddNumberToObject(reply, "max_text", (double)cf->max_text);
	cJSON_AddNumberToObject(reply, "max_media", (double)cf->max_media);
	cJSON_AddBoolToObject(reply, "account", c->account != NULL);
	cmd_reply(c, req, reply);
}

/*
 * The event kinds newer than protocol 1 that the client asks for, in
 * "events": an array of strings, names unknown here ignored (a client may
 * ask a newer server's kinds); *flags has theirs.  0, or the error.
 */
static int
cmd_hello_events(struct request *req, int *flags)
{
	const cJSON	*events, *v;

	*flags = 0;
	events = cJSON_GetObjectItemCaseSensitive(req->obj, "events");
	if (events == NULL)
		return (0);
	if (!cJSON_IsArray(events))
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "events must be an array of strings"));
	cJSON_ArrayForEach(v, events) {
		if (!cJSON_IsString(v))
			return (cmd_error(req, ERR_BAD_REQUEST,
			    "events must be an array of strings"));
		*flags |= presence_event_flag(v->valuestring);
	}
	return (0);
}

/* The checks of hello's own members, before any nick is looked up. */
static int
cmd_hello_check(struct request *req)
{
	const cJSON	*nick, *version, *presence, *echo;
	int		 events;

	/* Its own words, older than cmd_get's: clients may show them. */
	nick = cJSON_GetObjectItemCaseSensitive(req->obj, "nick");
	if (!cJSON_IsString(nick))
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "hello needs a string nick"));
	version = cJSON_GetObjectItemCaseSensitive(req->obj, "version");
	if (version != NULL && (!cJSON_IsNumber(version) ||
	    version->valuedouble != PROTO_VERSION))
		return (cmd_error(req, ERR_BAD_REQUEST, "unsupported protocol "
		    "version (this server speaks %d)", PROTO_VERSION));
	if (cmd_hello_events(req, &events) != 0 ||
	    cmd_get(req, "echo", cJSON_True, false, &echo) != 0)
		return (-1);
	return (cmd_get(req, "presence", cJSON_True, false, &presence));
}

/* The nick is c's: registered, welcomed, and the watchers told. */
static int
cmd_hello_done(struct client *c, struct request *req)
{
	client_registered(c);
	cmd_hello_welcome(c, req);
	presence_online(c, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    req->obj, "presence")));
	return (0);
}

/*
 * Register the nick of a hello whose passwords (if any) are right, logged
 * in to account a (NULL: a guest), then welcome.  In a cluster the nick,
 * free here, is claimed in Redis first, and the hello waits for the
 * answer (cmd_hello_claimed), its passwords left out of what is held.
 */
static int
cmd_hello_register(struct client *c, struct request *req, struct account *a)
{
	const char	*nick = json_get_string(req->obj, "nick");
	enum nick_status st;
	int		 events;
	cJSON		*held;

	if ((st = nick_register(c, nick)) != NICK_OK)
		return (cmd_nick_refused(req, st, nick));
	(void)cmd_hello_events(req, &events);
	c->flags |= events;
	/*
	 * echo:false only adds the flag: the IRC face's hello has no echo
	 * member, and its client is not echoed until it asks for
	 * echo-message.
	 */
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(req->obj, "echo")))
		c->flags |= CLIENT_NO_ECHO;
	c->signon_ms = server_now_ms(c->server);
	c->active_ms = server_mono_ms();
	if (a != NULL)
		cmd_nick_login(c, a);
	if (c->server->cluster == NULL ||
	    cluster_claim(c->server->cluster, c, a) != 0)
		return (cmd_hello_done(c, req));
	if ((held = cmd_held(req, "account_password")) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	cJSON_DeleteItemFromObjectCaseSensitive(held, "password");
	cmd_wipe(req->obj);
	client_hold(c, req, NULL, held);
	return (CMD_HELD);
}

/*
 * Called by the cluster with the answer to c's claim: holder is the node
 * whose user has the nick, or NULL when it is c's.  The hello goes on
 * where it stopped.
 */
void
cmd_hello_claimed(struct client *c, const char *holder)
{
	struct request	 req;
	int		 rc;

	cmd_resume(c, &req, "hello");
	if (holder == NULL)
		rc = cmd_hello_done(c, &req);
	else {
		rc = cmd_error(&req, ERR_NICK_TAKEN, "nick %s is already in "
		    "use", c->nick);
		nick_release(c);
		free(c->nick);			/* fold with it */
		c->nick = c->fold = NULL;
		c->account = NULL;
	}
	cmd_resumed(c, &req, rc);
}

/*
 * The account password's verdict (never for a client closed meanwhile).
 * The account is looked up again: it may have gone while the hash ran.
 */
static void
cmd_hello_logged(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	int		 rc;

	cmd_resume(c, &req, "hello");
	if (ok)
		rc = cmd_hello_register(c, &req, account_find(
		    &c->server->accounts, json_get_string(req.obj, "nick")));
	else {
		req.close = "bad password";
		rc = cmd_error(&req, ERR_BAD_PASSWORD,
		    "wrong account password");
	}
	cmd_resumed(c, &req, rc);
}

/*
 * A registered nick is had with its account's password only, checked off
 * the loop as the server password is, and slowed per account too; a hello
 * without one may try another nick, a wrong one ends the connection.  Any
 * other nick is a guest's, unless the server admits none.
 */
static int
cmd_hello_account(struct client *c, struct request *req)
{
	struct server		*s = c->server;
	struct account		*a;
	struct auth_ticket	*ticket;
	const char		*password;
	cJSON			*held;

	if (cmd_hello_check(req) != 0 ||
	    cmd_string(req, "account_password", false, &password) != 0)
		return (-1);
	a = account_find(&s->accounts, json_get_string(req->obj, "nick"));
	if (a == NULL)
		return (cmd_nick_guest(s, req, json_get_string(req->obj,
		    "nick")) != 0 ? -1 : cmd_hello_register(c, req, NULL));
	if (password == NULL)
		return (cmd_error(req, ERR_NICK_REGISTERED, "nick %s is "
		    "registered: its account password is needed", a->nick));
	if ((held = cmd_held(req, "account_password")) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	ticket = auth_check_start(&s->auth, a->hash, password, c->addr,
	    a->fold, cmd_hello_logged, c);
	return (cmd_hold(c, req, ticket, held));
}

/*
 * The server password's verdict, from auth.c's worker through the loop
 * (never for a client closed meanwhile: closing cancels the check).  The
 * hello goes on where it stopped, then the client's later input.
 */
static void
cmd_hello_verdict(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	int		 rc;

	cmd_resume(c, &req, "hello");
	if (ok)
		rc = cmd_hello_account(c, &req);
	else {
		req.close = "bad password";
		rc = cmd_error(&req, ERR_BAD_PASSWORD, "wrong password");
	}
	cmd_resumed(c, &req, rc);
}

/*
 * On a server with a password, a hello without the right one ends the
 * connection before anything else is looked at: a stranger learns no nick
 * and gets one try per connection.  The hash is checked off the loop (it
 * takes tens of milliseconds, by design); the client's input waits.
 */
static int
cmd_hello_exec(struct client *c, struct request *req)
{
	struct server		*s = c->server;
	const char		*hash = s->config->password_hash;
	struct auth_ticket	*ticket;
	cJSON			*password, *held;

	if (c->flags & CLIENT_REGISTERED)
		return (cmd_error(req, ERR_ALREADY_REGISTERED, NULL));
	if (hash == NULL)
		return (cmd_hello_account(c, req));
	password = cJSON_GetObjectItemCaseSensitive(req->obj, "password");
	if (!cJSON_IsString(password)) {
		req->close = "bad password";
		return (cmd_error(req, ERR_BAD_PASSWORD, password == NULL ?
		    "this server needs a password" : "wrong password"));
	}
	if ((held = cmd_held(req, "password")) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	ticket = auth_check_start(&s->auth, hash, password->valuestring,
	    c->addr, NULL, cmd_hello_verdict, c);
	return (cmd_hold(c, req, ticket, held));
}

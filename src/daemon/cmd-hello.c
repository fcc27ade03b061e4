/* cmd-hello.c: the hello request: server password, version check, nick validation and registration,
 * the welcome reply; it knows nothing of rooms, and never logs a password. */

#include <string.h>

#include "server.h"

static int	cmd_hello_exec(struct client *, struct request *);

const struct cmd_entry cmd_hello_entry = {
	.type = "hello",
	.flags = 0,
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
	cmd_reply(c, req, reply);
}

/*
 * Register the nick of a hello whose password (if any) is right: the rest
 * of hello's checks, then welcome.
 */
static int
cmd_hello_register(struct client *c, struct request *req)
{
	const cJSON	*nick, *version, *presence;

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
	if (cmd_get(req, "presence", cJSON_True, false, &presence) != 0)
		return (-1);
	switch (nick_register(c, nick->valuestring)) {
	case NICK_OK:
		break;
	case NICK_INVALID:
		return (cmd_error(req, ERR_INVALID_NICK, NULL));
	case NICK_TAKEN:
		return (cmd_error(req, ERR_NICK_TAKEN,
		    "nick %s is already in use", nick->valuestring));
	case NICK_CONFUSABLE:
		return (cmd_error(req, ERR_NICK_TAKEN,
		    "nick %s is confusable with one in use",
		    nick->valuestring));
	case NICK_NOMEM:
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	client_registered(c);
	cmd_hello_welcome(c, req);
	presence_online(c, cJSON_IsTrue(presence));
	return (0);
}

/*
 * The password's verdict, from auth.c's worker through the loop (never
 * for a client closed meanwhile: closing cancels the check).  The hello
 * goes on where it stopped, then the client's later input.
 */
static void
cmd_hello_verdict(void *arg, bool ok)
{
	struct client	*c = arg;
	struct request	 req;
	int		 rc;

	c->auth_ticket = NULL;
	memset(&req, 0, sizeof req);
	req.type = "hello";
	req.obj = c->held;
	req.id = cJSON_GetObjectItemCaseSensitive(req.obj, "id");
	req.re = c->held_re;
	c->held = NULL;
	c->held_re = NULL;
	if (ok)
		rc = cmd_hello_register(c, &req);
	else {
		req.close = "bad password";
		rc = cmd_error(&req, ERR_BAD_PASSWORD, "wrong password");
	}
	cmd_done(c, &req, rc);
	cJSON_Delete(req.obj);
	client_release(c);
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
		return (cmd_hello_register(c, req));
	password = cJSON_GetObjectItemCaseSensitive(req->obj, "password");
	if (!cJSON_IsString(password)) {
		req->close = "bad password";
		return (cmd_error(req, ERR_BAD_PASSWORD, password == NULL ?
		    "this server needs a password" : "wrong password"));
	}
	if ((held = cJSON_Duplicate(req->obj, 1)) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	cJSON_DeleteItemFromObjectCaseSensitive(held, "password");
	ticket = auth_check_start(&s->auth, hash, password->valuestring,
	    c->addr, cmd_hello_verdict, c);
	explicit_bzero(password->valuestring, strlen(password->valuestring));
	if (ticket == NULL) {
		cJSON_Delete(held);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	client_hold(c, req, ticket, held);
	return (CMD_HELD);
}

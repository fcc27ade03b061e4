/* cmd-hello.c: the hello handler: server password, version check, nick validation and registration,
 * the welcome reply; it knows nothing of rooms, and never logs a password. */

#include "server.h"

/*
 * On a server with a password, a hello without the right one ends the
 * connection before anything else is looked at: a stranger learns no nick
 * and gets one try per connection.
 */
static bool
cmd_hello_password(struct client *c, cJSON *obj, const cJSON *id)
{
	struct server	*s = c->server;
	const char	*hash = s->config->password_hash;
	const cJSON	*password;

	if (hash == NULL)
		return (true);
	password = cJSON_GetObjectItemCaseSensitive(obj, "password");
	if (cJSON_IsString(password) &&
	    auth_check(&s->auth, hash, password->valuestring))
		return (true);
	client_error(c, ERR_BAD_PASSWORD, id, password == NULL ?
	    "this server needs a password" : "wrong password");
	client_close(c, "bad password", true);
	return (false);
}

void
cmd_hello(struct client *c, cJSON *obj, const cJSON *id)
{
	struct server		*s = c->server;
	const struct config	*cf = s->config;
	const cJSON		*nick, *version, *presence;
	cJSON			*reply;

	if (c->flags & CLIENT_REGISTERED) {
		client_error(c, ERR_ALREADY_REGISTERED, id, NULL);
		return;
	}
	if (!cmd_hello_password(c, obj, id))
		return;
	nick = cJSON_GetObjectItemCaseSensitive(obj, "nick");
	version = cJSON_GetObjectItemCaseSensitive(obj, "version");
	presence = cJSON_GetObjectItemCaseSensitive(obj, "presence");
	if (!cJSON_IsString(nick)) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "hello needs a string nick");
		return;
	}
	if (version != NULL && (!cJSON_IsNumber(version) ||
	    version->valuedouble != PROTO_VERSION)) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "unsupported protocol version (this server speaks %d)",
		    PROTO_VERSION);
		return;
	}
	if (presence != NULL && !cJSON_IsBool(presence)) {
		client_error(c, ERR_BAD_REQUEST, id, "presence must be a bool");
		return;
	}
	if (!name_nick_valid(nick->valuestring)) {
		client_error(c, ERR_INVALID_NICK, id, NULL);
		return;
	}
	if (server_find_nick(s, nick->valuestring) != NULL) {
		client_error(c, ERR_NICK_TAKEN, id, "nick %s is already in use",
		    nick->valuestring);
		return;
	}
	if (client_register(c, nick->valuestring,
	    cJSON_IsTrue(presence)) != 0) {
		client_close(c, "out of memory", true);
		return;
	}

	reply = cmd_object("welcome");
	cJSON_AddStringToObject(reply, "nick", c->nick);
	cJSON_AddStringToObject(reply, "server",
	    SERVER_NAME " " PACKAGE_VERSION);
	cJSON_AddNumberToObject(reply, "version", PROTO_VERSION);
	cJSON_AddNumberToObject(reply, "heartbeat", cf->heartbeat);
	cJSON_AddNumberToObject(reply, "max_frame", (double)cf->max_frame);
	cJSON_AddNumberToObject(reply, "max_text", (double)cf->max_text);
	cJSON_AddNumberToObject(reply, "max_media", (double)cf->max_media);
	client_reply(c, reply, id);
}

/* cmd.c: the table of message types and their handlers, request-level checks shared by all of them
 * ("id", registration), and small builders for replies; the handlers themselves live in cmd-*.c. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Sorted by type for bsearch. */
static const struct cmd_entry cmd_table[] = {
	{ "hello",	0,		cmd_hello },
	{ "join",	CMD_REGISTERED,	cmd_join },
	{ "msg",	CMD_REGISTERED,	cmd_msg },
	{ "part",	CMD_REGISTERED,	cmd_part },
	{ "ping",	CMD_REGISTERED,	cmd_ping },
	{ "pong",	CMD_REGISTERED,	cmd_pong },
	{ "quit",	0,		cmd_quit },
	{ "rooms",	CMD_REGISTERED,	cmd_rooms },
	{ "who",	CMD_REGISTERED,	cmd_who },
};

static int
cmd_compare(const void *key, const void *entry)
{
	return (strcmp(key, ((const struct cmd_entry *)entry)->type));
}

/* A request id is echoed back, so it must be small and plain. */
bool
cmd_id_valid(const cJSON *id)
{
	if (cJSON_IsNumber(id))
		return (true);
	return (cJSON_IsString(id) && strlen(id->valuestring) <= PROTO_ID_MAX);
}

/* Route one parsed request of the given type, with its "id", to its handler. */
void
cmd_dispatch(struct client *c, cJSON *obj, const char *type, const cJSON *id)
{
	const struct cmd_entry	*ce;

	if (id != NULL && !cmd_id_valid(id)) {
		client_error(c, ERR_BAD_REQUEST, NULL,
		    "id must be a number or a string of at most %d bytes",
		    PROTO_ID_MAX);
		return;
	}
	ce = bsearch(type, cmd_table, sizeof cmd_table / sizeof cmd_table[0],
	    sizeof cmd_table[0], cmd_compare);
	if (ce == NULL) {
		client_error(c, ERR_UNKNOWN_TYPE, id, "unknown message type");
		return;
	}
	if (ce->flags & CMD_REGISTERED && !(c->flags & CLIENT_REGISTERED)) {
		client_error(c, ERR_NOT_REGISTERED, id, NULL);
		return;
	}
	log_debug("client %llu: %s", (unsigned long long)c->id, type);
	ce->exec(c, obj, id);
}

/* A new outgoing object {"type": type}. */
cJSON *
cmd_object(const char *type)
{
	cJSON	*obj;

	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "type", type);
	return (obj);
}

/*
 * The optional "reason" of part and quit: *reason is NULL when absent.
 * Returns -1 (the error sent) when it is not a string of at most max_text.
 */
int
cmd_reason(struct client *c, cJSON *obj, const cJSON *id, const char **reason)
{
	const cJSON	*v;

	*reason = NULL;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "reason")) == NULL)
		return (0);
	if (!cJSON_IsString(v)) {
		client_error(c, ERR_BAD_REQUEST, id, "reason must be a string");
		return (-1);
	}
	if (strlen(v->valuestring) > c->server->config->max_text) {
		client_error(c, ERR_TEXT_TOO_LONG, id,
		    "reason is longer than max_text");
		return (-1);
	}
	*reason = v->valuestring;
	return (0);
}

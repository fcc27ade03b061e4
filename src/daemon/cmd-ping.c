/* cmd-ping.c: the ping request: a pong that echoes the ping's members so the client can time the
 * round trip; liveness itself (any inbound byte) is client.c's business, not this file's. */

#include <string.h>

#include "server.h"

static int	cmd_ping_exec(struct client *, struct request *);

const struct cmd_entry cmd_ping_entry = {
	.type = "ping",
	.flags = CMD_REGISTERED | CMD_UNLIMITED,
	.exec = cmd_ping_exec,
};

/* Echo every member but type and id. */
static int
cmd_ping_exec(struct client *c, struct request *req)
{
	const cJSON	*v;
	cJSON		*reply;

	reply = cmd_object("pong");
	cJSON_ArrayForEach(v, req->obj) {
		if (strcmp(v->string, "type") == 0 ||
		    strcmp(v->string, "id") == 0)
			continue;
		cJSON_AddItemToObject(reply, v->string, cJSON_Duplicate(v, 1));
	}
	cmd_reply(c, req, reply);
	return (0);
}

/* cmd-ping.c: the ping, pong and quit handlers: liveness both ways and the clean exit;
 * liveness itself (any inbound byte) is client.c's business, not theirs. */

#include <string.h>

#include "server.h"

/* Echo every field but type and id, so the client can time the round trip. */
void
cmd_ping(struct client *c, cJSON *obj, const cJSON *id)
{
	const cJSON	*v;
	cJSON		*reply;

	reply = cmd_object("pong");
	cJSON_ArrayForEach(v, obj) {
		if (strcmp(v->string, "type") == 0 ||
		    strcmp(v->string, "id") == 0)
			continue;
		cJSON_AddItemToObject(reply, v->string, cJSON_Duplicate(v, 1));
	}
	client_reply(c, reply, id);
}

/* The answer to our ping: the bytes it arrived in already reset liveness. */
void
cmd_pong(struct client *c, cJSON *obj, const cJSON *id)
{
}

void
cmd_quit(struct client *c, cJSON *obj, const cJSON *id)
{
	const char	*reason;

	if (cmd_reason(c, obj, id, &reason) != 0)
		return;
	client_close(c, reason != NULL ? reason : "client quit", true);
}

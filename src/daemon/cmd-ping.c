/* cmd-ping.c: the ping request: a pong that echoes the ping's members so the client can time the
 * round trip; liveness itself (any inbound byte) is client.c's business, not this file's. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

static int	cmd_ping_exec(struct client *, struct request *);

const struct cmd_entry cmd_ping_entry = {
	.type = "ping",
	.flags = CMD_REGISTERED | CMD_PING,
	.exec = cmd_ping_exec,
};

/*
 * Echo every member but type, id and re (the pong's own "re" answers the
 * id), each as its text was sent: a number comes back as the client wrote
 * it, and a large nested value is copied, never parsed and printed again,
 * so that echoing costs what relaying does.
 */
static int
cmd_ping_exec(struct client *c, struct request *req)
{
	struct json_member	 m;
	cJSON			*reply, *key;
	size_t			 pos = 0;
	char			*value;

	reply = cmd_object("pong");
	/* A face that keeps no text (none does yet) gets a bare pong. */
	while (req->text != NULL && json_member_next(req->text, req->len, &pos, &m)) {
		if (json_member_is(&m, "type") || json_member_is(&m, "id") ||
		    json_member_is(&m, "re"))
			continue;
		if ((key = cJSON_ParseWithLength(m.key, m.keylen)) == NULL ||
		    (value = strndup(m.value, m.valuelen)) == NULL) {
			cJSON_Delete(key);
			cJSON_Delete(reply);
			return (cmd_close(req, ERR__COUNT, "out of memory"));
		}
		cJSON_AddRawToObject(reply, key->valuestring, value);
		free(value);
		cJSON_Delete(key);
	}
	cmd_reply(c, req, reply);
	return (0);
}

/* cmd-pong.c: the pong request, the answer to the server's ping: the bytes it arrived in already
 * reset the client's liveness in client.c, so there is nothing left to do but accept it. */

#include "server.h"

static int	cmd_pong_exec(struct client *, struct request *);

const struct cmd_entry cmd_pong_entry = {
	.type = "pong",
	.flags = CMD_REGISTERED | CMD_UNLIMITED,
	.exec = cmd_pong_exec,
};

static int
cmd_pong_exec(struct client *c, struct request *req)
{
	return (0);
}

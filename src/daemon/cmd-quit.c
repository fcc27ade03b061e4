/* cmd-quit.c: the quit request: the clean exit, with an optional reason that the client's rooms are
 * told; the closing itself is client.c's. */

#include "server.h"

static int	cmd_quit_exec(struct client *, struct request *);

const struct cmd_entry cmd_quit_entry = {
	.type = "quit",
	.flags = 0,
	.exec = cmd_quit_exec,
};

static int
cmd_quit_exec(struct client *c, struct request *req)
{
	const char	*reason;

	if (cmd_reason(c, req, &reason) != 0)
		return (-1);
	client_close(c, reason != NULL ? reason : "client quit", true);
	return (0);
}

/* cmd-away.c: the away request: a client says it is away, with a message, or back; its room-mates that
 * asked for away events are told; it knows nothing of wire formats. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

static int	cmd_away_exec(struct client *, struct request *);

const struct cmd_entry cmd_away_entry = {
	.type = "away",
	.flags = CMD_REGISTERED,
	.exec = cmd_away_exec,
};

/*
 * With a message (at most CLIENT_AWAY_MAX bytes) c is away, without one
 * (or an empty one, as IRC's AWAY) it is back; a change is told.
 */
static int
cmd_away_exec(struct client *c, struct request *req)
{
	const char	*message;
	char		*away = NULL;
	bool		 changed;
	cJSON		*reply;

	if (cmd_string(req, "message", false, &message) != 0)
		return (-1);
	if (message != NULL && strlen(message) > CLIENT_AWAY_MAX)
		return (cmd_error(req, ERR_TEXT_TOO_LONG,
		    "message is longer than %d bytes", CLIENT_AWAY_MAX));
	if (message != NULL && *message != '\0' &&
	    (away = strdup(message)) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	changed = away == NULL ? c->away != NULL :
	    c->away == NULL || strcmp(away, c->away) != 0;
	free(c->away);
	c->away = away;
	reply = cmd_object("away");
	cJSON_AddBoolToObject(reply, "away", c->away != NULL);
	cmd_reply(c, req, reply);
	if (changed)
		presence_away(c);
	return (0);
}

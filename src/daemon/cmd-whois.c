/* cmd-whois.c: the whois request: what the server shows of a nick online (account, rooms, away, idle
 * time, sign-on, whether its link is secure), never its address; it only reads the client. */

#include <stdbool.h>

#include "server.h"

static int	cmd_whois_exec(struct client *, struct request *);

const struct cmd_entry cmd_whois_entry = {
	.type = "whois",
	.flags = CMD_REGISTERED,
	.exec = cmd_whois_exec,
};

/*
 * The bytes of the reply's members other than rooms and the strings
 * counted apart: "nick":,"account":,"away":,"idle":,"signon":,"secure":false,
 * with the largest numbers.
 */
#define CMD_WHOIS_MEMBERS	120

/*
 * t's rooms, as many as a page holds after the reply's other members
 * (a client that many rooms' member is cut: "more").
 */
static cJSON *
cmd_whois_rooms(struct client *c, struct request *req,
    const struct client *t, struct cmd_page *pg)
{
	cJSON	*rooms;
	size_t	 i, len;

	len = CMD_WHOIS_MEMBERS + json_string_len(t->nick);
	if (t->account != NULL)
		len += json_string_len(t->account->nick);
	if (t->away != NULL)
		len += json_string_len(t->away);
	cmd_page_init(pg, c, req, NULL);
	(void)cmd_page_take(pg, len);
	rooms = cJSON_CreateArray();
	for (i = 0; i < t->nrooms; i++) {
		if (!cmd_page_take(pg, json_string_len(t->rooms[i]->name)))
			break;
		cJSON_AddItemToArray(rooms,
		    cJSON_CreateString(t->rooms[i]->name));
	}
	return (rooms);
}

static int
cmd_whois_exec(struct client *c, struct request *req)
{
	const char	*nick;
	struct client	*t;
	struct cmd_page	 pg;
	cJSON		*reply;

	if (cmd_string(req, "nick", true, &nick) != 0)
		return (-1);
	if ((t = nick_find(c->server, nick)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_USER, "%s is not online",
		    nick));
	reply = cmd_object("whois");
	cJSON_AddStringToObject(reply, "nick", t->nick);
	if (t->account != NULL)
		cJSON_AddStringToObject(reply, "account", t->account->nick);
	cJSON_AddItemToObject(reply, "rooms", cmd_whois_rooms(c, req, t,
	    &pg));
	if (t->away != NULL)
		cJSON_AddStringToObject(reply, "away", t->away);
	cJSON_AddNumberToObject(reply, "idle",
	    (double)((server_mono_ms() - t->active_ms) / 1000));
	cJSON_AddNumberToObject(reply, "signon", (double)t->signon_ms);
	cJSON_AddBoolToObject(reply, "secure", t->flags & CLIENT_SECURE);
	cmd_page_end(&pg, reply);
	cmd_reply(c, req, reply);
	return (0);
}

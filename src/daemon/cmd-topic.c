/* cmd-topic.c: the topic request: anyone reads a room's topic, its moderators set it and the members
 * see it change; kept in the store; it knows nothing of sockets or wire formats. */

#include <string.h>

#include "server.h"

static int	cmd_topic_exec(struct client *, struct request *);

const struct cmd_entry cmd_topic_entry = {
	.type = "topic",
	.flags = CMD_REGISTERED,
	.exec = cmd_topic_exec,
};

/* r's topic, who set it and when, into obj (joined, topic); none: none. */
void
cmd_topic_members(const struct room *r, cJSON *obj)
{
	if (r->topic == NULL)
		return;
	cJSON_AddStringToObject(obj, "topic", r->topic);
	cJSON_AddStringToObject(obj, "topic_by", r->topic_by);
	cJSON_AddNumberToObject(obj, "topic_ts", (double)r->topic_ms);
}

static int
cmd_topic_exec(struct client *c, struct request *req)
{
	struct server	*s = c->server;
	struct room	*r;
	const char	*name, *text;
	cJSON		*reply;

	if (cmd_room_name(req, &name) != 0 ||
	    cmd_string(req, "text", false, &text) != 0)
		return (-1);
	if ((r = room_find(s, name)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_ROOM, "no room %s", name));
	if (text != NULL) {
		if (role_room(c, req, ROLE_MODERATOR, &r) != 0)
			return (-1);
		if (strlen(text) > s->config->max_text)
			return (cmd_error(req, ERR_TEXT_TOO_LONG,
			    "topic is longer than max_text"));
		if (room_set(&r->topic, *text != '\0' ? text : NULL) != 0 ||
		    room_set(&r->topic_by, *text != '\0' ? c->nick : NULL) != 0)
			return (cmd_close(req, ERR__COUNT, "out of memory"));
		r->topic_ms = server_now_ms(s);
		if (room_keep(s, r) != 0)
			log_warn("topic of %s not kept", r->name);
	}
	reply = cmd_object("topic");
	cJSON_AddStringToObject(reply, "room", r->name);
	cmd_topic_members(r, reply);
	cmd_reply(c, req, reply);
	if (text != NULL)
		role_presence(r, c->nick, "topic", c->nick, NULL, NULL, text);
	return (0);
}

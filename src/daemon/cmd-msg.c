/* cmd-msg.c: the msg handler: checks a text or media message, stamps it (from, msgid, ts), serializes it
 * once and queues the same bytes to the room or the private target, plus the sender's echo. */

#include <string.h>

#include "server.h"

enum cmd_msg_kind {
	CMD_MSG_TEXT,
	CMD_MSG_STICKER,
	CMD_MSG_MEDIA		/* audio or file: mime, name, data */
};

/* Check the content fields of obj; returns the kind, or -1 (error sent). */
static int
cmd_msg_check(struct client *c, cJSON *obj, const cJSON *id)
{
	const struct config	*cf = c->server->config;
	const char		*kind, *text, *data;
	const cJSON		*v;
	ssize_t			 size;

	v = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	if (v != NULL && !cJSON_IsString(v)) {
		client_error(c, ERR_BAD_REQUEST, id, "kind must be a string");
		return (-1);
	}
	kind = v != NULL ? v->valuestring : "text";

	if (strcmp(kind, "text") == 0) {
		if ((text = json_get_string(obj, "text")) == NULL ||
		    *text == '\0') {
			client_error(c, ERR_BAD_REQUEST, id,
			    "text must be a non-empty string");
			return (-1);
		}
		if (strlen(text) > cf->max_text) {
			client_error(c, ERR_TEXT_TOO_LONG, id,
			    "text is longer than %zu bytes", cf->max_text);
			return (-1);
		}
		return (CMD_MSG_TEXT);
	}
	if (strcmp(kind, "sticker") == 0) {
		if (!name_sticker_valid(json_get_string(obj, "sticker"))) {
			client_error(c, ERR_BAD_REQUEST, id,
			    "sticker must be a name of 1 to %d bytes",
			    NAME_STICKER_MAX);
			return (-1);
		}
		return (CMD_MSG_STICKER);
	}
	if (strcmp(kind, "audio") != 0 && strcmp(kind, "file") != 0) {
		client_error(c, ERR_BAD_REQUEST, id, "unknown kind");
		return (-1);
	}
	if (!name_mime_valid(json_get_string(obj, "mime"))) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "mime must be a type/subtype");
		return (-1);
	}
	if (!name_file_valid(json_get_string(obj, "name"))) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "name must be a base file name");
		return (-1);
	}
	if ((data = json_get_string(obj, "data")) == NULL ||
	    (size = base64_decoded_len(data, strlen(data))) < 0) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "data must be standard base64 with padding");
		return (-1);
	}
	if ((size_t)size > cf->max_media) {
		client_error(c, ERR_MEDIA_TOO_LARGE, id,
		    "media of %zd bytes is larger than %zu", size,
		    cf->max_media);
		return (-1);
	}
	return (CMD_MSG_MEDIA);
}

/* The content fields each kind relays, in the order they go out. */
static const char *cmd_msg_fields[][5] = {
	[CMD_MSG_TEXT] =	{ "text", NULL },
	[CMD_MSG_STICKER] =	{ "kind", "sticker", NULL },
	[CMD_MSG_MEDIA] =	{ "kind", "mime", "name", "data", NULL },
};

/*
 * The message as delivered, {type, msgid, ts, from, room|to, content...,
 * re?}, written straight into a frame: this is the hot path of a busy room,
 * and cJSON would print the numbers as doubles and check them by parsing.
 */
static struct frame *
cmd_msg_frame(struct client *c, cJSON *obj, int kind, const char *key,
    const char *target, uint64_t msgid, int64_t ts, const char *re)
{
	const char *const	*field = cmd_msg_fields[kind];
	const char		*value;
	struct frame		*f;
	char			 head[96], *p;
	size_t			 len, i;
	int			 n;

	n = snprintf(head, sizeof head, "{\"type\":\"msg\",\"msgid\":%llu,"
	    "\"ts\":%lld,\"from\":", (unsigned long long)msgid, (long long)ts);
	len = n + json_string_len(c->nick) + 4 + strlen(key) +
	    json_string_len(target) + 1;
	for (i = 0; field[i] != NULL; i++) {
		value = json_get_string(obj, field[i]);
		len += 4 + strlen(field[i]) + json_string_len(value);
	}
	if (re != NULL)
		len += 6 + strlen(re);
	if ((f = frame_alloc(len)) == NULL)
		return (NULL);

	p = (char *)f->bytes + FRAME_HEADER;
	memcpy(p, head, n);
	p = json_put_string(p + n, c->nick);
	p += sprintf(p, ",\"%s\":", key);
	p = json_put_string(p, target);
	for (i = 0; field[i] != NULL; i++) {
		p += sprintf(p, ",\"%s\":", field[i]);
		p = json_put_string(p, json_get_string(obj, field[i]));
	}
	if (re != NULL)
		p += sprintf(p, ",\"re\":%s", re);
	*p = '}';
	return (f);
}

/*
 * Serialize the message once for the recipients; the sender's echo is the
 * same bytes unless it must carry "re".
 */
static void
cmd_msg_deliver(struct client *c, cJSON *obj, const cJSON *id, int kind,
    struct room *r, struct client *to)
{
	const char	*key = r != NULL ? "room" : "to";
	const char	*target = r != NULL ? r->name : to->nick;
	struct frame	*f, *echo;
	uint64_t	 msgid = server_msgid(c->server);
	int64_t		 ts = server_now_ms(c->server);
	char		*re = NULL;

	if ((f = cmd_msg_frame(c, obj, kind, key, target, msgid, ts,
	    NULL)) == NULL)
		return;
	if (r != NULL)
		room_broadcast(r, f, id != NULL ? c : NULL);
	else if (to != c)
		client_send(to, f);
	if (id == NULL) {
		if (r == NULL)
			client_send(c, f);
		frame_unref(f);
		return;
	}
	frame_unref(f);
	if ((re = cJSON_PrintUnformatted(id)) == NULL)
		return;
	echo = cmd_msg_frame(c, obj, kind, key, target, msgid, ts, re);
	cJSON_free(re);
	if (echo != NULL) {
		client_send(c, echo);
		frame_unref(echo);
	}
}

void
cmd_msg(struct client *c, cJSON *obj, const cJSON *id)
{
	const cJSON	*room, *to;
	struct room	*r = NULL;
	struct client	*t = NULL;
	int		 kind;

	room = cJSON_GetObjectItemCaseSensitive(obj, "room");
	to = cJSON_GetObjectItemCaseSensitive(obj, "to");
	if ((room == NULL) == (to == NULL)) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "msg needs exactly one of room and to");
		return;
	}
	if ((room != NULL && !cJSON_IsString(room)) ||
	    (to != NULL && !cJSON_IsString(to))) {
		client_error(c, ERR_BAD_REQUEST, id,
		    "room and to must be strings");
		return;
	}
	if ((kind = cmd_msg_check(c, obj, id)) == -1)
		return;

	if (room != NULL) {
		r = room_find(c->server, room->valuestring);
		if (r == NULL || !client_in_room(c, r)) {
			client_error(c, ERR_NOT_IN_ROOM, id, "not in %s",
			    room->valuestring);
			return;
		}
		cmd_msg_deliver(c, obj, id, kind, r, NULL);
		return;
	}
	if ((t = server_find_nick(c->server, to->valuestring)) == NULL) {
		client_error(c, ERR_NO_SUCH_USER, id, "%s is not online",
		    to->valuestring);
		return;
	}
	cmd_msg_deliver(c, obj, id, kind, NULL, t);
}

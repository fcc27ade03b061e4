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

static void
cmd_msg_copy(cJSON *out, cJSON *obj, const char *key)
{
	cJSON_AddStringToObject(out, key, json_get_string(obj, key));
}

/* The message as delivered: from/msgid/ts stamped, content relayed. */
static cJSON *
cmd_msg_build(struct client *c, cJSON *obj, int kind, const char *key,
    const char *target)
{
	cJSON	*out;

	out = cmd_object("msg");
	cJSON_AddNumberToObject(out, "msgid", (double)server_msgid(c->server));
	cJSON_AddNumberToObject(out, "ts", (double)server_now_ms(c->server));
	cJSON_AddStringToObject(out, "from", c->nick);
	cJSON_AddStringToObject(out, key, target);
	switch (kind) {
	case CMD_MSG_TEXT:
		cmd_msg_copy(out, obj, "text");
		break;
	case CMD_MSG_STICKER:
		cmd_msg_copy(out, obj, "kind");
		cmd_msg_copy(out, obj, "sticker");
		break;
	case CMD_MSG_MEDIA:
		cmd_msg_copy(out, obj, "kind");
		cmd_msg_copy(out, obj, "mime");
		cmd_msg_copy(out, obj, "name");
		cmd_msg_copy(out, obj, "data");
		break;
	}
	return (out);
}

/*
 * Serialize out once for the recipients; the sender's echo is the same
 * bytes unless it must carry "re".
 */
static void
cmd_msg_deliver(struct client *c, cJSON *out, const cJSON *id,
    struct room *r, struct client *to)
{
	struct frame	*f;

	if ((f = json_frame(out)) == NULL) {
		cJSON_Delete(out);
		return;
	}
	if (r != NULL)
		room_broadcast(r, f, id != NULL ? c : NULL);
	else if (to != c)
		client_send(to, f);
	if (id == NULL && r == NULL)
		client_send(c, f);
	frame_unref(f);
	if (id != NULL)
		client_reply(c, out, id);
	else
		cJSON_Delete(out);
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
		cmd_msg_deliver(c, cmd_msg_build(c, obj, kind, "room", r->name),
		    id, r, NULL);
		return;
	}
	if ((t = server_find_nick(c->server, to->valuestring)) == NULL) {
		client_error(c, ERR_NO_SUCH_USER, id, "%s is not online",
		    to->valuestring);
		return;
	}
	cmd_msg_deliver(c, cmd_msg_build(c, obj, kind, "to", t->nick), id,
	    NULL, t);
}

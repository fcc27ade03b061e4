/* cmd-msg.c: the msg request: checks a text or media message, stamps it (from, msgid, ts) and hands the
 * one event to the room or the private target, plus the sender's echo; faces render it, not this file. */

#include <string.h>

#include "server.h"
#include "store.h"

static int	cmd_msg_exec(struct client *, struct request *);

const struct cmd_entry cmd_msg_entry = {
	.type = "msg",
	.flags = CMD_REGISTERED,
	.exec = cmd_msg_exec,
};

enum cmd_msg_kind {
	CMD_MSG_TEXT,
	CMD_MSG_STICKER,
	CMD_MSG_MEDIA		/* audio or file: mime, name, data */
};

/* The content fields each kind relays, in the order they go out. */
static const char *const cmd_msg_fields[][EVT_MSG_FIELDS + 1] = {
	[CMD_MSG_TEXT] =	{ "text", NULL },
	[CMD_MSG_STICKER] =	{ "kind", "sticker", NULL },
	[CMD_MSG_MEDIA] =	{ "kind", "mime", "name", "data", NULL },
};

/* Check the media fields of audio and file messages. */
static int
cmd_msg_media(struct client *c, struct request *req)
{
	size_t		 max = c->server->config->max_media;
	const char	*data;
	ssize_t		 size;

	if (!name_mime_valid(json_get_string(req->obj, "mime")))
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "mime must be a type/subtype"));
	if (!name_file_valid(json_get_string(req->obj, "name")))
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "name must be a base file name"));
	if ((data = json_get_string(req->obj, "data")) == NULL ||
	    (size = base64_decoded_len(data, strlen(data))) < 0)
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "data must be standard base64 with padding"));
	if ((size_t)size > max)
		return (cmd_error(req, ERR_MEDIA_TOO_LARGE,
		    "media of %zd bytes is larger than %zu", size, max));
	return (0);
}

/* Check the content fields; *kind is what they make. */
static int
cmd_msg_check(struct client *c, struct request *req, enum cmd_msg_kind *kind)
{
	size_t		 max = c->server->config->max_text;
	const char	*k, *text;

	*kind = CMD_MSG_TEXT;
	if (cmd_string(req, "kind", false, &k) != 0)
		return (-1);
	if (k == NULL || strcmp(k, "text") == 0) {
		if ((text = json_get_string(req->obj, "text")) == NULL ||
		    *text == '\0')
			return (cmd_error(req, ERR_BAD_REQUEST,
			    "text must be a non-empty string"));
		if (strlen(text) > max)
			return (cmd_error(req, ERR_TEXT_TOO_LONG,
			    "text is longer than %zu bytes", max));
		return (0);
	}
	if (strcmp(k, "sticker") == 0) {
		*kind = CMD_MSG_STICKER;
		if (!name_sticker_valid(json_get_string(req->obj, "sticker")))
			return (cmd_error(req, ERR_BAD_REQUEST,
			    "sticker must be a name of 1 to %d bytes",
			    NAME_STICKER_MAX));
		return (0);
	}
	if (strcmp(k, "audio") != 0 && strcmp(k, "file") != 0)
		return (cmd_error(req, ERR_BAD_REQUEST, "unknown kind"));
	*kind = CMD_MSG_MEDIA;
	return (cmd_msg_media(c, req));
}

/*
 * One event for the recipients, rendered once per face; the sender's echo
 * is the same unless it must carry "re" (the id of c's request, or NULL),
 * and then it is an event of its own.  A client that wants no echo
 * (CLIENT_NO_ECHO) still gets what it sends to itself.  Also called by
 * the cluster when a room message of c comes back through Redis (c NULL:
 * the sender is not on this node).
 */
void
cmd_msg_deliver(struct client *c, const char *re, struct evt *e,
    struct room *r, struct client *to)
{
	struct evt	echo;
	bool		echo_wanted = c != NULL && !(c->flags & CLIENT_NO_ECHO);

	if (r != NULL)
		room_broadcast(r, e, re != NULL || !echo_wanted ? c : NULL);
	else if (to != c || !echo_wanted)
		client_send(to, e);
	if (!echo_wanted)
		return;
	if (re == NULL) {
		if (r == NULL)
			client_send(c, e);
		return;
	}
	echo = *e;
	memset(echo.frames, 0, sizeof echo.frames);
	echo.msg.re = re;
	client_send(c, &echo);
	evt_clear(&echo);
}

static int
cmd_msg_exec(struct client *c, struct request *req)
{
	const char *const	*field;
	const cJSON		*rv, *tv;
	const char		*room, *to;
	enum cmd_msg_kind	 kind;
	struct room		*r = NULL;
	struct client		*t = NULL;
	struct evt		 e;
	int			 rc;

	/* Each member looked up once: this is the hot path of W3. */
	rv = cJSON_GetObjectItemCaseSensitive(req->obj, "room");
	tv = cJSON_GetObjectItemCaseSensitive(req->obj, "to");
	if ((rv == NULL) == (tv == NULL))
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "msg needs exactly one of room and to"));
	room = cJSON_IsString(rv) ? rv->valuestring : NULL;
	to = cJSON_IsString(tv) ? tv->valuestring : NULL;
	if (room == NULL && to == NULL)
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "room and to must be strings"));
	if (cmd_msg_check(c, req, &kind) != 0)
		return (-1);

	if (room != NULL) {
		r = room_find(c->server, room);
		if (r == NULL || !room_has(r, c))
			return (cmd_error(req, ERR_NOT_IN_ROOM, "not in %s",
			    room));
		if (room_listed(r->muted, r->nmuted, c->fold))
			return (cmd_error(req, ERR_MUTED, "muted in %s",
			    r->name));
	} else if ((t = nick_find(c->server, to)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_USER, "%s is not online",
		    to));

	evt_init(&e, EVT_MSG);
	/* A cluster's room message gets its msgid in Redis. */
	if (r == NULL || c->server->cluster == NULL)
		e.msg.msgid = server_msgid(c->server);
	e.msg.ts = server_now_ms(c->server);
	e.msg.from = c->nick;
	e.msg.account = c->account != NULL ? c->account->nick : NULL;
	e.msg.room = r != NULL ? r->name : NULL;
	e.msg.to = t != NULL ? t->nick : NULL;
	for (field = cmd_msg_fields[kind]; *field != NULL; field++) {
		e.msg.field[e.msg.nfields] = *field;
		e.msg.value[e.msg.nfields++] = json_get_string(req->obj,
		    *field);
	}
	c->active_ms = server_mono_ms();
	/*
	 * In a cluster a room message goes through Redis, which gives its
	 * msgid and order, keeps it and brings it back to every node, this
	 * one too (cluster-msg.c delivers it); one to a user of another node
	 * goes to that node.  Without Redis, this node's clients have it.
	 */
	if (c->server->cluster != NULL && (rc = cluster_msg(c->server->cluster,
	    c, req, &e, r, t)) <= 0) {
		evt_clear(&e);
		return (rc);
	}
	if (e.msg.msgid == 0)
		e.msg.msgid = server_msgid(c->server);
	cmd_msg_deliver(c, req->id != NULL ? cmd_re(req) : NULL, &e, r, t);
	if (t != NULL)
		presence_away_to(c, t);
	/* Room messages are kept as delivered; private ones never. */
	if (r != NULL && store_append(c->server->store, &e.msg, r->fold,
	    store_evt_size(&e)) != 0)
		log_warn("history of %s: message %llu not kept", r->name,
		    (unsigned long long)e.msg.msgid);
	evt_clear(&e);
	return (0);
}

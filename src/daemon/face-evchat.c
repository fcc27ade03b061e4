/* face-evchat.c: the evchat face: length-prefixed JSON frames (evchat-protocol(7)) in, requests out;
 * events in, frames out.  It knows the wire format and nothing of rooms, nicks or what a request does. */

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "server.h"

/* Bytes of a request parsed without cJSON's parser (json_parse_flat). */
#define FACE_EVCHAT_FLAT	8192

static enum face_read	 face_evchat_read(struct client *, unsigned int);
static struct frame	*face_evchat_render(const struct face *,
			    struct evt *);

const struct face face_evchat = {
	.name = "evchat",
	.id = FACE_EVCHAT,
	.read = face_evchat_read,
	.render = face_evchat_render,
};

/*
 * One whole frame's payload: parse it into a request for cmd_process.  A
 * flat one that fits flat[] (a message, most requests) has its strings in
 * flat[], which lives until the request is done: cmd_held copies what it
 * keeps.
 */
static void
face_evchat_request(struct client *c, const char *payload, size_t len)
{
	struct request		req;
	enum json_status	st = JSON_OK;
	char			flat[FACE_EVCHAT_FLAT];

	memset(&req, 0, sizeof req);
	req.text = payload;
	req.len = len;
	if (!json_parse_flat(payload, len, flat, sizeof flat, &req.obj,
	    &req.type))
		st = json_parse(payload, len, &req.obj, &req.type);
	if (st == JSON_OK)
		req.id = cJSON_GetObjectItemCaseSensitive(req.obj, "id");
	else
		req.bad = json_status_string(st);
	cmd_process(c, &req);
	cJSON_Delete(req.obj);
}

/*
 * Handle up to budget whole frames of in, so that one busy client cannot
 * starve the others.  A framing error ends the connection: the stream
 * cannot be resynchronised.  stream: in is the socket's own input, whose
 * frames are timed from their first byte (slowloris); the WebSocket face
 * hands its whole messages here as frames, and times them itself.
 */
enum face_read
face_evchat_frames(struct client *c, struct evbuffer *in, unsigned int budget,
    bool stream)
{
	size_t			 max = c->server->config->max_frame;
	enum frame_status	 st;
	const char		*payload;
	size_t			 len;

	for (; budget > 0; budget--) {
		if (c->flags & CLIENT_CLOSING)
			return (FACE_READ_CLOSED);
		if (c->flags & CLIENT_HELD)
			return (FACE_READ_DONE);	/* client_release resumes */
		st = frame_decode(in, max, &payload, &len);
		switch (st) {
		case FRAME_NEED:
			if (!stream)
				return (FACE_READ_DONE);
			/* Time a frame from its first byte (slowloris). */
			if (evbuffer_get_length(in) == 0)
				c->partial_ms = 0;
			else if (c->partial_ms == 0)
				c->partial_ms = server_mono_ms();
			return (FACE_READ_DONE);
		case FRAME_EMPTY:
			client_error(c, ERR_BAD_FRAME, NULL,
			    "zero-length frame");
			client_close(c, "bad frame", true);
			return (FACE_READ_CLOSED);
		case FRAME_TOO_LARGE:
			client_error(c, ERR_FRAME_TOO_LARGE, NULL,
			    "frame of %zu bytes is larger than max_frame %zu",
			    len, max);
			client_close(c, "frame too large", true);
			return (FACE_READ_CLOSED);
		case FRAME_OK:
			break;
		}
		if (stream)
			c->partial_ms = 0;
		c->server->stats.frames_in++;
		c->server->stats.bytes_in += FRAME_HEADER + len;
		face_evchat_request(c, payload, len);
		frame_consume(in, len);
	}
	if (c->flags & CLIENT_CLOSING)
		return (FACE_READ_CLOSED);
	if (c->flags & CLIENT_HELD || frame_peek(in, max, &len) == FRAME_NEED)
		return (FACE_READ_DONE);
	return (FACE_READ_MORE);
}

/* Called by client.c when input has arrived on the socket. */
static enum face_read
face_evchat_read(struct client *c, unsigned int budget)
{
	return (face_evchat_frames(c, bufferevent_get_input(c->bev), budget,
	    true));
}

/*
 * A writer that measures or writes: the message frame is built by running
 * the same code twice, once to size the frame and once to fill it, so the
 * two can never disagree.
 */
struct face_evchat_out {
	char	*p;		/* NULL: only count */
	size_t	 len;
};

static void
face_evchat_raw(struct face_evchat_out *o, const char *s)
{
	size_t	n = strlen(s);

	if (o->p != NULL) {
		memcpy(o->p, s, n);
		o->p += n;
	}
	o->len += n;
}

static void
face_evchat_string(struct face_evchat_out *o, const char *s)
{
	char	*start = o->p;

	if (o->p == NULL)
		o->len += json_string_len(s);
	else {
		o->p = json_put_string(o->p, s);
		o->len += o->p - start;
	}
}

/* ,"key": */
static void
face_evchat_key(struct face_evchat_out *o, const char *key)
{
	face_evchat_raw(o, ",\"");
	face_evchat_raw(o, key);
	face_evchat_raw(o, "\":");
}

/*
 * The message as delivered, {type, msgid, ts, from, room|to, content...,
 * re?}, written straight into a frame: this is the hot path of a busy room,
 * and cJSON would print the numbers as doubles and check them by parsing.
 */
static void
face_evchat_msg_write(const struct evt_msg *m, const char *head,
    struct face_evchat_out *o)
{
	size_t	i;

	face_evchat_raw(o, head);
	face_evchat_string(o, m->from);
	face_evchat_key(o, m->room != NULL ? "room" : "to");
	face_evchat_string(o, m->room != NULL ? m->room : m->to);
	for (i = 0; i < m->nfields; i++) {
		face_evchat_key(o, m->field[i]);
		face_evchat_string(o, m->value[i]);
	}
	if (m->re != NULL) {
		face_evchat_key(o, "re");
		face_evchat_raw(o, m->re);
	}
	/*
	 * Only a replay says so: live frames stay byte for byte as in v1.
	 * store_evt_size counts these bytes on a live frame's size.
	 */
	if (m->history)
		face_evchat_raw(o, ",\"history\":true");
	face_evchat_raw(o, "}");
}

/* v in decimal at p; returns the end (snprintf cost as much as the rest). */
static char *
face_evchat_u64(char *p, uint64_t v)
{
	char	digits[20];
	size_t	n = 0;

	do
		digits[n++] = '0' + v % 10;
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = digits[--n];
	return (p);
}

static char *
face_evchat_copy(char *p, const char *s)
{
	size_t	n = strlen(s);

	memcpy(p, s, n);
	return (p + n);
}

static struct frame *
face_evchat_msg(const struct evt_msg *m)
{
	struct face_evchat_out	 o = { NULL, 0 };
	struct frame		*f;
	char			 head[96], *p;

	p = face_evchat_copy(head, "{\"type\":\"msg\",\"msgid\":");
	p = face_evchat_u64(p, m->msgid);
	p = face_evchat_copy(p, ",\"ts\":");
	if (m->ts < 0)
		*p++ = '-';
	p = face_evchat_u64(p, m->ts < 0 ? -(uint64_t)m->ts : (uint64_t)m->ts);
	p = face_evchat_copy(p, ",\"from\":");
	*p = '\0';
	face_evchat_msg_write(m, head, &o);
	if ((f = frame_alloc(o.len)) == NULL)
		return (NULL);
	o.p = (char *)f->bytes + FRAME_HEADER;
	face_evchat_msg_write(m, head, &o);
	return (f);
}

/* The JSON object of an event other than a message; NULL if none. */
static cJSON *
face_evchat_object(const struct evt *e)
{
	cJSON	*obj;

	switch (e->type) {
	case EVT_PRESENCE:
		obj = cmd_object("presence");
		if (e->presence.room != NULL)
			cJSON_AddStringToObject(obj, "room", e->presence.room);
		cJSON_AddStringToObject(obj, "nick", e->presence.nick);
		cJSON_AddStringToObject(obj, "event", e->presence.event);
		if (e->presence.newnick != NULL)
			cJSON_AddStringToObject(obj, "new",
			    e->presence.newnick);
		if (e->presence.reason != NULL)
			cJSON_AddStringToObject(obj, "reason",
			    e->presence.reason);
		if (e->presence.by != NULL)
			cJSON_AddStringToObject(obj, "by", e->presence.by);
		if (e->presence.sanction != NULL)
			cJSON_AddStringToObject(obj, "sanction",
			    e->presence.sanction);
		if (e->presence.topic != NULL)
			cJSON_AddStringToObject(obj, "topic",
			    e->presence.topic);
		return (obj);
	case EVT_ERROR:
		obj = cmd_object("error");
		cJSON_AddStringToObject(obj, "code",
		    errcode_name(e->error.code));
		cJSON_AddStringToObject(obj, "message", e->error.message);
		if (e->error.re != NULL)
			cJSON_AddRawToObject(obj, "re", e->error.re);
		return (obj);
	case EVT_BYE:
		obj = cmd_object("bye");
		cJSON_AddStringToObject(obj, "reason", e->bye);
		return (obj);
	case EVT_PING:
		obj = cmd_object("ping");
		cJSON_AddNumberToObject(obj, "ts", (double)e->ping);
		return (obj);
	case EVT_MSG:
	case EVT_REPLY:
		break;
	}
	return (NULL);
}

/* Called by evt_frame, once per event that an evchat client receives. */
static struct frame *
face_evchat_render(const struct face *face, struct evt *e)
{
	struct frame	*f;
	cJSON		*obj;

	switch (e->type) {
	case EVT_MSG:
		return (face_evchat_msg(&e->msg));
	case EVT_REPLY:
		return (json_frame(e->reply));
	default:
		if ((obj = face_evchat_object(e)) == NULL)
			return (NULL);
		f = json_frame(obj);
		cJSON_Delete(obj);
		return (f);
	}
}

/* face-ws.c: the WebSocket face (RFC 6455, framed by wslay over the client's bufferevent): each text message
 * is one protocol JSON object, events go out as text frames; it knows no message type, room or nick. */

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include <wslay/wslay.h>

#include "server.h"

#define WS_HEADER_MAX	14	/* a frame's header, at most */
#define WS_REASON_MAX	123	/* bytes of a close frame's reason */

static enum face_read	 face_ws_read(struct client *, unsigned int);
static struct frame	*face_ws_render(const struct face *,
			    struct evt *);
static size_t		 face_ws_buffered(const struct client *);
static struct frame	*face_ws_end(struct client *, const char *);
static void		 face_ws_free(struct client *);

const struct face face_ws = {
	.name = "websocket",
	.id = FACE_WS,
	.read = face_ws_read,
	.render = face_ws_render,
	.buffered = face_ws_buffered,
	.end = face_ws_end,
	.free = face_ws_free,
};

/*
 * A WebSocket client's own state, in client->face_state.  wslay's context
 * holds two 4 KiB buffers: it lives only while bytes are under way, and
 * goes at a message boundary (face_ws_idle), so that an idle connection
 * costs little more than a TCP one.
 */
struct face_ws {
	struct client		*c;
	wslay_event_context_ptr	 ctx;	/* NULL: between messages */
	struct evbuffer		*in;	/* whole text messages, as frames */
	struct evbuffer		*out;	/* wslay's control frames, made */
	uint64_t		 fed;	/* bytes given to ctx */
	uint64_t		 framed; /* bytes of the frames it ended */
	uint64_t		 frame;	/* bytes of the frame under way */
	bool			 data;	/* a data message is under way */
	const char		*why;	/* why reading stopped, or NULL */
	bool			 bye;	/* and whether to say bye then */
};

/* wslay wants bytes: the client's input, as much as there is. */
static ssize_t
face_ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct face_ws	*ws = arg;
	int		 n;

	n = evbuffer_remove(bufferevent_get_input(ws->c->bev), buf, len);
	if (n <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	ws->fed += n;
	return (n);
}

/* wslay sends a control frame (a pong, the close): keep it in out. */
static ssize_t
face_ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct face_ws	*ws = arg;

	if (evbuffer_add(ws->out, data, len) != 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return (len);
}

/* A frame begins: time its message from here (slowloris). */
static void
face_ws_start_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct face_ws	*ws = user;

	uint64_t	 len = arg->payload_length;

	if (ws->c->partial_ms == 0)
		ws->c->partial_ms = server_mono_ms();
	if (!wslay_is_ctrl_frame(arg->opcode))
		ws->data = true;
	/*
	 * The frame's bytes, its masked header in the shortest form: one
	 * sent longer only keeps the context (framed never reaches fed).
	 */
	ws->frame = 2 + 4 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + len;
}

static void
face_ws_end_cb(wslay_event_context_ptr ctx, void *user)
{
	struct face_ws	*ws = user;

	ws->framed += ws->frame;
}

/* Stop reading c with a close frame of code, saying why. */
static void
face_ws_stop(struct face_ws *ws, uint16_t code, const char *why, bool bye)
{
	(void)wslay_event_queue_close(ws->ctx, code, (const uint8_t *)why,
	    strlen(why));
	wslay_event_shutdown_read(ws->ctx);
	ws->why = why;
	ws->bye = bye;
}

/*
 * A whole message.  A text message goes to in as an evchat frame, for
 * face_evchat_frames; a ping was answered by wslay and counts against the
 * ping budget; a close was answered too (its echo waits in wslay until
 * face_ws_end).
 */
static void
face_ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct face_ws	*ws = user;
	unsigned char	 hdr[FRAME_HEADER];
	size_t		 len = arg->msg_length;

	if (!wslay_is_ctrl_frame(arg->opcode))
		ws->data = false;
	if (!ws->data)
		ws->c->partial_ms = 0;
	switch (arg->opcode) {
	case WSLAY_TEXT_FRAME:
		hdr[0] = len >> 24 & 0xff;
		hdr[1] = len >> 16 & 0xff;
		hdr[2] = len >> 8 & 0xff;
		hdr[3] = len & 0xff;
		if (evbuffer_add(ws->in, hdr, sizeof hdr) != 0 ||
		    evbuffer_add(ws->in, arg->msg, len) != 0)
			face_ws_stop(ws, WSLAY_CODE_INTERNAL_SERVER_ERROR,
			    "out of memory", false);
		break;
	case WSLAY_BINARY_FRAME:
		face_ws_stop(ws, WSLAY_CODE_UNSUPPORTED_DATA,
		    "binary message", true);
		break;
	case WSLAY_PING:
		if (limit_rate(ws->c, true) == LIMIT_KICK)
			face_ws_stop(ws, WSLAY_CODE_POLICY_VIOLATION, "flood",
			    true);
		break;
	case WSLAY_CONNECTION_CLOSE:
		ws->why = "connection closed";
		break;
	default:
		break;
	}
}

static const struct wslay_event_callbacks face_ws_callbacks = {
	.recv_callback = face_ws_recv_cb,
	.send_callback = face_ws_send_cb,
	.on_frame_recv_start_callback = face_ws_start_cb,
	.on_frame_recv_end_callback = face_ws_end_cb,
	.on_msg_recv_callback = face_ws_msg_cb,
};

/* wslay's context, made when bytes come (or the close goes); -1: no memory. */
static int
face_ws_context(struct face_ws *ws)
{
	if (ws->ctx != NULL)
		return (0);
	if (wslay_event_context_server_init(&ws->ctx, &face_ws_callbacks,
	    ws) != 0) {
		ws->ctx = NULL;
		return (-1);
	}
	/* One message is one request: no larger than a frame. */
	wslay_event_config_set_max_recv_msg_length(ws->ctx,
	    ws->c->server->config->max_frame);
	ws->fed = ws->framed = 0;
	return (0);
}

/*
 * Drop the context when it holds nothing: every byte it was given ended a
 * frame, no message is under way, nothing waits to be sent and the
 * connection is open.  The next bytes start a new one, as at the start.
 */
static void
face_ws_idle(struct face_ws *ws)
{
	if (ws->ctx == NULL || ws->fed != ws->framed || ws->data ||
	    !wslay_event_get_read_enabled(ws->ctx) ||
	    wslay_event_want_write(ws->ctx))
		return;
	wslay_event_context_free(ws->ctx);
	ws->ctx = NULL;
}

/*
 * The connection speaks WebSocket from now on (face-http.c has answered
 * the handshake).  Returns -1 and err when out of memory.
 */
int
face_ws_start(struct client *c, char *err, size_t errlen)
{
	struct face_ws	*ws;

	if ((ws = calloc(1, sizeof *ws)) == NULL)
		goto nomem;
	ws->c = c;
	if ((ws->in = evbuffer_new()) == NULL ||
	    (ws->out = evbuffer_new()) == NULL) {
		if (ws->in != NULL)
			evbuffer_free(ws->in);
		free(ws);
		goto nomem;
	}
	c->face = &face_ws;
	c->face_state = ws;
	return (0);

nomem:
	snprintf(err, errlen, "out of memory");
	return (-1);
}

static void
face_ws_free(struct client *c)
{
	struct face_ws	*ws = c->face_state;

	if (ws->ctx != NULL)
		wslay_event_context_free(ws->ctx);
	evbuffer_free(ws->in);
	evbuffer_free(ws->out);
	free(ws);
	c->face_state = NULL;
}

/* Whole messages decoded and not yet handled (client_release). */
static size_t
face_ws_buffered(const struct client *c)
{
	const struct face_ws	*ws = c->face_state;

	return (evbuffer_get_length(ws->in));
}

/* What wslay made (pongs, the close) as one frame to queue, or NULL. */
static struct frame *
face_ws_made(struct face_ws *ws)
{
	struct frame	*f;
	size_t		 len;

	if (ws->ctx == NULL || wslay_event_send(ws->ctx) != 0 ||
	    (len = evbuffer_get_length(ws->out)) == 0 ||
	    (f = frame_alloc_raw(len)) == NULL)
		return (NULL);
	evbuffer_remove(ws->out, f->bytes, len);
	return (f);
}

/*
 * The last bytes of the stream, after the bye (client_close): the close
 * frame wslay holds (an echo, or for a broken rule), or else one saying
 * the server's reason, 1001 when it shuts down.
 */
static struct frame *
face_ws_end(struct client *c, const char *reason)
{
	struct face_ws	*ws = c->face_state;
	uint16_t	 code = WSLAY_CODE_NORMAL_CLOSURE;
	size_t		 len;

	if (c->server->stopping)
		code = WSLAY_CODE_GOING_AWAY;
	len = utf8_trim(reason, strlen(reason) < WS_REASON_MAX ?
	    strlen(reason) : WS_REASON_MAX);
	if (face_ws_context(ws) != 0)
		return (NULL);
	/* Refused (and so nothing) when a close is queued already. */
	(void)wslay_event_queue_close(ws->ctx, code, (const uint8_t *)reason,
	    len);
	return (face_ws_made(ws));
}

/* The reason, and the error, for a rule wslay found broken. */
static void
face_ws_broken(struct client *c, struct face_ws *ws)
{
	uint16_t	 code;

	/*
	 * The close frame is made now, to learn its code; it waits in out
	 * for face_ws_end, to go last.
	 */
	(void)wslay_event_send(ws->ctx);
	code = wslay_event_get_status_code_sent(ws->ctx);
	ws->bye = true;
	switch (code) {
	case WSLAY_CODE_MESSAGE_TOO_BIG:
		client_error(c, ERR_FRAME_TOO_LARGE, NULL, "message larger "
		    "than max_frame %zu", c->server->config->max_frame);
		ws->why = "frame too large";
		break;
	case WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA:
		client_error(c, ERR_BAD_FRAME, NULL, "text is not UTF-8");
		ws->why = "bad frame";
		break;
	default:
		ws->why = "WebSocket protocol error";
		break;
	}
}

/*
 * Called by client.c when input has arrived: wslay turns the bytes into
 * messages (only once the ones decoded before are all handled, so that
 * input waits in the socket's buffer, not here), then up to budget of them
 * go through the same loop as evchat frames.  Control frames are answered
 * at once; once reading stops (a close frame, a broken rule) the client
 * closes after its last whole messages.
 */
static enum face_read
face_ws_read(struct client *c, unsigned int budget)
{
	struct face_ws	*ws = c->face_state;
	struct frame	*f;
	enum face_read	 rd;

	if (evbuffer_get_length(ws->in) == 0 && ws->why == NULL &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) != 0) {
		if (face_ws_context(ws) != 0 || wslay_event_recv(ws->ctx) != 0) {
			client_close(c, "out of memory", false);
			return (FACE_READ_CLOSED);
		}
		if (!wslay_event_get_read_enabled(ws->ctx) && ws->why == NULL)
			face_ws_broken(c, ws);
		else if (wslay_event_get_read_enabled(ws->ctx) &&
		    (f = face_ws_made(ws)) != NULL) {
			client_send_frame(c, f);	/* pongs */
			frame_unref(f);
		}
		face_ws_idle(ws);
	}
	rd = face_evchat_frames(c, ws->in, budget, false);
	if (rd == FACE_READ_CLOSED || c->flags & CLIENT_CLOSING)
		return (FACE_READ_CLOSED);
	if (evbuffer_get_length(ws->in) == 0 && ws->why != NULL) {
		client_close(c, ws->why, ws->bye);
		return (FACE_READ_CLOSED);
	}
	return (rd);
}

/* The bytes a wslay frame context writes, into a frame made for them. */
struct face_ws_render {
	struct frame	*f;
};

static ssize_t
face_ws_render_cb(const uint8_t *data, size_t len, int flags, void *arg)
{
	struct face_ws_render	*r = arg;

	memcpy(r->f->bytes + r->f->size, data, len);
	r->f->size += len;
	return (len);
}

/* Append one unmasked frame of opcode holding len bytes to r->f. */
static int
face_ws_frame(wslay_frame_context_ptr fc, uint8_t opcode, const void *data,
    size_t len)
{
	struct wslay_frame_iocb	iocb;

	memset(&iocb, 0, sizeof iocb);
	iocb.fin = 1;
	iocb.opcode = opcode;
	iocb.payload_length = len;
	iocb.data = data;
	iocb.data_length = len;
	return (wslay_frame_send(fc, &iocb) == (ssize_t)len ? 0 : -1);
}

/*
 * Called by evt_frame, once per event that a WebSocket client receives:
 * the evchat face's JSON (rendered once for both faces) in a text frame;
 * the heartbeat also carries a WebSocket ping, which a browser answers
 * even while its page sleeps.  Server frames are not masked, so these
 * bytes are the same for every recipient.
 */
static struct frame *
face_ws_render(const struct face *face, struct evt *e)
{
	static const struct wslay_frame_callbacks cb = {
		.send_callback = face_ws_render_cb,
	};
	struct face_ws_render	 r = { NULL };
	wslay_frame_context_ptr	 fc;
	struct frame		*json;
	size_t			 len;
	int			 rc;

	if ((json = evt_frame(e, &face_evchat)) == NULL)
		return (NULL);
	len = json->size - FRAME_HEADER;
	if ((r.f = frame_alloc_raw(len + 2 * WS_HEADER_MAX)) == NULL)
		return (NULL);
	r.f->size = 0;
	if (wslay_frame_context_init(&fc, &cb, &r) != 0) {
		frame_unref(r.f);
		return (NULL);
	}
	rc = face_ws_frame(fc, WSLAY_TEXT_FRAME, json->bytes + FRAME_HEADER,
	    len);
	if (rc == 0 && e->type == EVT_PING)
		rc = face_ws_frame(fc, WSLAY_PING, NULL, 0);
	wslay_frame_context_free(fc);
	if (rc != 0) {
		frame_unref(r.f);
		return (NULL);
	}
	return (r.f);
}

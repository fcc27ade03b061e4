/* bench-ws.c: evchat-bench's WebSocket transport (RFC 6455) for one connection: the opening handshake,
 * then each protocol object as one masked text message, framed by wslay; it knows no mode or message type. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include <http_parser.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <wslay/wslay.h>

#include "bench.h"

#define BENCH_WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define BENCH_WS_KEY_LEN	16	/* random bytes of Sec-WebSocket-Key */
#define BENCH_WS_HEAD_MAX	4096	/* bytes of the server's answer head */
#define BENCH_WS_CONTROL_MAX	125	/* payload of a control frame */

/*
 * wslay's frame layer reads and writes the frames: headers, lengths, the
 * mask on everything we send.  Messages are ours to put together: wslay's
 * event layer would, but it checks every byte of every text message for
 * UTF-8 first, which made it most of the generator's time (and the
 * generator, not the server, the bottleneck) in a broadcast over
 * WebSocket.  The server's texts are checked where they matter, by the
 * mode's reading of them.
 */
struct bench_ws {
	struct bench_conn	*c;
	wslay_frame_context_ptr	 fc;
	struct evbuffer		*held;		/* frames made before the 101 */
	struct evbuffer		*msg;		/* a message come in pieces */
	char			 accept[32];	/* the Sec-WebSocket-Accept due */
	bool			 open;		/* the server said 101 */
	bool			 data;		/* a data message is under way */
	uint8_t			 opcode;	/* its opcode */
	uint64_t		 got;		/* bytes of the frame under way */
	uint8_t			 ctl[BENCH_WS_CONTROL_MAX];
	size_t			 ctllen;	/* of a control frame's payload */
};

/* The server's answer head, as http_parser reports it. */
enum bench_ws_field {
	BENCH_WS_OTHER,
	BENCH_WS_UPGRADE,
	BENCH_WS_ACCEPT
};

struct bench_ws_head {
	const struct bench_ws	*ws;
	enum bench_ws_field	 field;		/* whose value comes next */
	bool			 websocket;	/* Upgrade: websocket */
	bool			 accepted;	/* the right Sec-WebSocket-Accept */
};

/* wslay wants bytes: those read from the socket; none is "would block". */
static ssize_t
bench_ws_recv_cb(uint8_t *buf, size_t len, int flags, void *arg)
{
	struct bench_ws	*ws = arg;

	return (evbuffer_remove(ws->c->in, buf, len));
}

/*
 * wslay made (part of) a frame: it leaves with the connection's next
 * write, or once the server has answered the handshake.
 */
static ssize_t
bench_ws_send_cb(const uint8_t *data, size_t len, int flags, void *arg)
{
	struct bench_ws	*ws = arg;

	if (evbuffer_add(ws->open ? ws->c->out : ws->held, data, len) != 0)
		return (-1);
	return ((ssize_t)len);
}

/* Every frame a client sends is masked with a fresh unpredictable key. */
static int
bench_ws_genmask_cb(uint8_t *buf, size_t len, void *arg)
{
	return (RAND_bytes(buf, (int)len) == 1 ? 0 : -1);
}

static const struct wslay_frame_callbacks bench_ws_callbacks = {
	.send_callback = bench_ws_send_cb,
	.recv_callback = bench_ws_recv_cb,
	.genmask_callback = bench_ws_genmask_cb,
};

/* Called by bench_conn_websocket: c will speak WebSocket once connected. */
struct bench_ws *
bench_ws_new(struct bench_conn *c)
{
	struct bench_ws	*ws;

	if ((ws = calloc(1, sizeof *ws)) == NULL)
		return (NULL);
	ws->c = c;
	if ((ws->held = evbuffer_new()) == NULL ||
	    (ws->msg = evbuffer_new()) == NULL ||
	    wslay_frame_context_init(&ws->fc, &bench_ws_callbacks, ws) != 0) {
		ws->fc = NULL;
		bench_ws_free(ws);
		return (NULL);
	}
	return (ws);
}

void
bench_ws_free(struct bench_ws *ws)
{
	if (ws == NULL)
		return;
	if (ws->fc != NULL)
		wslay_frame_context_free(ws->fc);
	if (ws->held != NULL)
		evbuffer_free(ws->held);
	if (ws->msg != NULL)
		evbuffer_free(ws->msg);
	free(ws);
}

/*
 * Queue the opening handshake (RFC 6455 4.1) in the connection's output,
 * ahead of everything else, and note the answer it calls for: the base64
 * SHA-1 of the key and the protocol's GUID.  Called by bench_conn_start.
 */
int
bench_ws_request(struct bench_ws *ws)
{
	unsigned char	 raw[BENCH_WS_KEY_LEN], md[EVP_MAX_MD_SIZE];
	char		 key[32], in[sizeof key + sizeof BENCH_WS_GUID];
	unsigned int	 mdlen;
	int		 n;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return (-1);
	key[base64_encode(raw, sizeof raw, key)] = '\0';
	n = snprintf(in, sizeof in, "%s%s", key, BENCH_WS_GUID);
	if (EVP_Digest(in, n, md, &mdlen, EVP_sha1(), NULL) != 1)
		return (-1);
	ws->accept[base64_encode(md, mdlen, ws->accept)] = '\0';
	return (evbuffer_add_printf(ws->c->out, "GET /ws HTTP/1.1\r\n"
	    "Host: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
	    ws->c->b->opts.ws.name, key) < 0 ? -1 : 0);
}

/* One whole frame of opcode, masked, after what is queued. */
static int
bench_ws_frame(struct bench_ws *ws, uint8_t opcode, const void *data,
    size_t len)
{
	struct wslay_frame_iocb	f;

	memset(&f, 0, sizeof f);
	f.fin = 1;
	f.opcode = opcode;
	f.mask = 1;
	f.payload_length = len;
	f.data = data;
	f.data_length = len;
	return (wslay_frame_send(ws->fc, &f) == (ssize_t)len ? 0 : -1);
}

/* One protocol object as one text message. */
int
bench_ws_send(struct bench_ws *ws, const void *payload, size_t len)
{
	return (bench_ws_frame(ws, WSLAY_TEXT_FRAME, payload, len));
}

/*
 * The head arrives whole (bench_ws_answer waits for its blank line) and
 * goes to the parser in one piece, so each name and each value comes in
 * one call.
 */
static int
bench_ws_head_field(http_parser *p, const char *at, size_t len)
{
	struct bench_ws_head	*h = p->data;

	h->field = BENCH_WS_OTHER;
	if (len == sizeof "Upgrade" - 1 &&
	    strncasecmp(at, "Upgrade", len) == 0)
		h->field = BENCH_WS_UPGRADE;
	else if (len == sizeof "Sec-WebSocket-Accept" - 1 &&
	    strncasecmp(at, "Sec-WebSocket-Accept", len) == 0)
		h->field = BENCH_WS_ACCEPT;
	return (0);
}

static int
bench_ws_head_value(http_parser *p, const char *at, size_t len)
{
	struct bench_ws_head	*h = p->data;

	switch (h->field) {
	case BENCH_WS_UPGRADE:
		h->websocket = len == sizeof "websocket" - 1 &&
		    strncasecmp(at, "websocket", len) == 0;
		break;
	case BENCH_WS_ACCEPT:
		h->accepted = len == strlen(h->ws->accept) &&
		    memcmp(at, h->ws->accept, len) == 0;
		break;
	case BENCH_WS_OTHER:
		break;
	}
	h->field = BENCH_WS_OTHER;
	return (0);
}

/*
 * The server's answer to the handshake: 1 while its head is incomplete, 0
 * once it has accepted (what was queued then leaves), -1 and err when it
 * has refused or answered wrong.
 */
static int
bench_ws_answer(struct bench_ws *ws, char *err, size_t errlen)
{
	static const http_parser_settings settings = {
		.on_header_field = bench_ws_head_field,
		.on_header_value = bench_ws_head_value,
	};
	struct evbuffer		*in = ws->c->in;
	struct evbuffer_ptr	 end;
	struct bench_ws_head	 h;
	http_parser		 p;
	const char		*head;
	size_t			 len;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1) {
		if (evbuffer_get_length(in) < BENCH_WS_HEAD_MAX)
			return (1);
		snprintf(err, errlen, "WebSocket handshake: no answer in "
		    "%d bytes", BENCH_WS_HEAD_MAX);
		return (-1);
	}
	len = (size_t)end.pos + 4;
	if ((head = (const char *)evbuffer_pullup(in, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	memset(&h, 0, sizeof h);
	h.ws = ws;
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &h;
	http_parser_execute(&p, &settings, head, len);
	evbuffer_drain(in, len);
	if (HTTP_PARSER_ERRNO(&p) != HPE_OK) {
		snprintf(err, errlen, "WebSocket handshake: %s",
		    http_errno_description(HTTP_PARSER_ERRNO(&p)));
		return (-1);
	}
	if (p.status_code != 101) {
		snprintf(err, errlen, "WebSocket handshake refused: HTTP %u",
		    p.status_code);
		return (-1);
	}
	if (!p.upgrade || !h.websocket || !h.accepted) {
		snprintf(err, errlen, "WebSocket handshake: %s",
		    !h.accepted ? "wrong Sec-WebSocket-Accept" :
		    "not an upgrade to websocket");
		return (-1);
	}
	ws->open = true;
	if (evbuffer_add_buffer(ws->c->out, ws->held) != 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

/* A whole message: a text one is a protocol object. */
static void
bench_ws_message(struct bench_ws *ws, const uint8_t *p, size_t len,
    uint64_t now)
{
	struct bench_conn	*c = ws->c;

	if (ws->opcode == WSLAY_TEXT_FRAME)
		bench_conn_frame(c, (const char *)p, len, now);
	else {
		c->bad++;
		bench_conn_note(c, "%s", "binary message from the server");
	}
}

/*
 * A whole control frame: a ping is answered, a close echoed and the end
 * (-1, with the server's code in err).
 */
static int
bench_ws_control(struct bench_ws *ws, uint8_t opcode, size_t len, char *err,
    size_t errlen)
{
	unsigned int	code = 1005;	/* RFC 6455 7.4.1: none given */

	switch (opcode) {
	case WSLAY_PING:
		return (bench_ws_frame(ws, WSLAY_PONG, ws->ctl, len));
	case WSLAY_CONNECTION_CLOSE:
		if (len >= 2)
			code = ws->ctl[0] << 8 | ws->ctl[1];
		(void)bench_ws_frame(ws, WSLAY_CONNECTION_CLOSE, ws->ctl,
		    len < 2 ? len : 2);
		snprintf(err, errlen, "WebSocket closed by the server (%u)",
		    code);
		return (-1);
	default:
		return (0);	/* a pong */
	}
}

/* What a frame's header says that a server may not (RFC 6455 5.1 to 5.5). */
static const char *
bench_ws_check(const struct bench_ws *ws, const struct wslay_frame_iocb *f)
{
	if (f->mask)
		return ("masked frame");
	if (f->rsv != 0)
		return ("reserved bits set");
	switch (f->opcode) {
	case WSLAY_CONTINUATION_FRAME:
		return (ws->data ? NULL : "continuation of nothing");
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		return (ws->data ? "new message inside a message" : NULL);
	case WSLAY_CONNECTION_CLOSE:
	case WSLAY_PING:
	case WSLAY_PONG:
		return (!f->fin || f->payload_length > BENCH_WS_CONTROL_MAX ?
		    "bad control frame" : NULL);
	default:
		return ("unknown opcode");
	}
}

/*
 * One piece of a frame, as wslay read it: control frames are gathered in
 * ctl, data messages in msg, except a message that came whole in one
 * piece (the usual case), handled where wslay holds it.  -1 and err when
 * the connection must end.
 */
static int
bench_ws_piece(struct bench_ws *ws, const struct wslay_frame_iocb *f,
    uint64_t now, char *err, size_t errlen)
{
	const char	*why;
	size_t		 len;
	bool		 first = ws->got == 0, last;

	if (first && (why = bench_ws_check(ws, f)) != NULL) {
		snprintf(err, errlen, "WebSocket: %s from the server", why);
		return (-1);
	}
	ws->got += f->data_length;
	if ((last = ws->got == f->payload_length))
		ws->got = 0;
	if (wslay_is_ctrl_frame(f->opcode)) {
		memcpy(ws->ctl + ws->ctllen, f->data, f->data_length);
		ws->ctllen += f->data_length;
		if (!last)
			return (0);
		len = ws->ctllen;
		ws->ctllen = 0;
		return (bench_ws_control(ws, f->opcode, len, err, errlen));
	}
	if (first && f->opcode != WSLAY_CONTINUATION_FRAME) {
		ws->data = true;
		ws->opcode = f->opcode;
		if (last && f->fin) {
			ws->data = false;
			bench_ws_message(ws, f->data, f->data_length, now);
			return (0);
		}
	}
	if (evbuffer_get_length(ws->msg) + f->data_length > ws->c->max_frame) {
		snprintf(err, errlen, "WebSocket: message from the server "
		    "larger than max_frame %zu", ws->c->max_frame);
		return (-1);
	}
	if (evbuffer_add(ws->msg, f->data, f->data_length) != 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (last && f->fin) {
		ws->data = false;
		bench_ws_message(ws, evbuffer_pullup(ws->msg, -1),
		    evbuffer_get_length(ws->msg), now);
		evbuffer_drain(ws->msg, evbuffer_get_length(ws->msg));
	}
	return (0);
}

/*
 * Called by bench-conn.c after each read into c->in, stamped now: the
 * handshake's answer first, then every whole message to bench_conn_frame,
 * until the mode closes the connection.  -1 and err when the server
 * refused the handshake, closed the WebSocket or broke the protocol.
 */
int
bench_ws_read(struct bench_ws *ws, uint64_t now, char *err, size_t errlen)
{
	struct wslay_frame_iocb	f;
	ssize_t			r;
	int			rc;

	if (!ws->open && (rc = bench_ws_answer(ws, err, errlen)) != 0)
		return (rc < 0 ? -1 : 0);
	while ((ws->c->flags & BENCH_CONN_CLOSED) == 0) {
		if ((r = wslay_frame_recv(ws->fc, &f)) == WSLAY_ERR_WANT_READ)
			break;
		if (r < 0) {
			snprintf(err, errlen, "WebSocket: %s from the server",
			    r == WSLAY_ERR_PROTO ? "protocol error" :
			    "unreadable frame");
			return (-1);
		}
		if (bench_ws_piece(ws, &f, now, err, errlen) != 0)
			return (-1);
	}
	return (0);
}

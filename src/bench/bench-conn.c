/* bench-conn.c: one evchat-bench client connection: non-blocking connect to one of the servers (spread over
 * 127.0.0.x source addresses when ports run out), large raw reads (or TLS's), frames through the framing
 * library or messages through the WebSocket, Redis or MQTT transport, the requests and replies the modes
 * need (welcome, join, history, ping, error, bye); it knows no mode's purpose. */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bench.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT	24
#endif

#define BENCH_CONN_PONG		"{\"type\":\"pong\"}"

static void	bench_conn_read_cb(evutil_socket_t, short, void *);
static void	bench_conn_write_cb(evutil_socket_t, short, void *);

struct bench_conn *
bench_conn_new(struct bench *b, const struct bench_conn_ops *ops, void *arg,
    unsigned int index, const char *nick, const char *room)
{
	struct bench_conn	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return (NULL);
	c->b = b;
	c->ops = ops;
	c->arg = arg;
	c->index = index;
	c->server = index % b->opts.nservers;	/* a mode may choose */
	c->fd = -1;
	c->max_frame = FRAME_MAX_DEFAULT;
	c->replay = -1;
	c->paged = -1;
	snprintf(c->nick, sizeof c->nick, "%s", nick);
	if (room != NULL)
		snprintf(c->room, sizeof c->room, "%s", room);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	if (c->in == NULL || c->out == NULL) {
		bench_conn_free(c);
		return (NULL);
	}
	return (c);
}

void
bench_conn_free(struct bench_conn *c)
{
	if (c == NULL)
		return;
	bench_conn_close(c, false);
	bench_ws_free(c->ws);
	if (c->rd != NULL)
		event_free(c->rd);
	if (c->wr != NULL)
		event_free(c->wr);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->out != NULL)
		evbuffer_free(c->out);
	free(c);
}

/*
 * Called by a mode before bench_conn_start: c speaks WebSocket to the web
 * listener (--ws) instead of the native protocol to --server.
 */
int
bench_conn_websocket(struct bench_conn *c)
{
	if (c->ws == NULL && (c->ws = bench_ws_new(c)) == NULL)
		return (-1);
	return (0);
}

/*
 * Each loopback source address has its own ~28,000 ephemeral ports towards
 * one server port.  IP_BIND_ADDRESS_NO_PORT leaves the port to connect(2),
 * which then reports EADDRNOTAVAIL when that address has none left.
 */
static int
bench_conn_bind(struct bench *b, int fd, unsigned int src)
{
	struct sockaddr_in	sin;
	int			one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001 + src);
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
	return (bind(fd, (struct sockaddr *)&sin, sizeof sin));
}

static int
bench_conn_socket(struct bench_conn *c, const struct bench_addr *to,
    int *error)
{
	struct bench	*b = c->b;
	unsigned int	 src;
	int		 fd, one = 1;

	fd = socket(to->ss.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*error = errno;
		return (-1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/*
	 * --sources spreads the connections over the addresses from the
	 * start: a source whose ports are mostly taken makes the kernel
	 * search long for a free one (100,000 connections need 4 at least).
	 */
	if (b->opts.sources > 0 && to->ss.ss_family == AF_INET) {
		src = c->index % b->opts.sources;
		if (src > b->src_used)
			b->src_used = src;
	} else
		src = b->src;
	if (src > 0 && bench_conn_bind(b, fd, src) != 0) {
		*error = errno;
		close(fd);
		return (-1);
	}
	if (connect(fd, (const struct sockaddr *)&to->ss, to->len) != 0 &&
	    errno != EINPROGRESS) {
		*error = errno;
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Start connecting; output queued before the connection completes is
 * written when it does.  When the source address runs out of ports, move
 * to the next one (IPv4 only: ::1 is the only IPv6 loopback address).
 */
static int
bench_conn_connect(struct bench_conn *c, char *err, size_t errlen)
{
	struct bench		*b = c->b;
	const struct bench_addr	*to;
	int			 fd, error = 0;

	to = c->ws != NULL ? &b->opts.ws : &b->opts.servers[c->server];
	for (;;) {
		if ((fd = bench_conn_socket(c, to, &error)) != -1)
			break;
		if ((error != EADDRNOTAVAIL && error != EADDRINUSE) ||
		    to->ss.ss_family != AF_INET || b->opts.sources > 0 ||
		    b->src + 1 >= BENCH_SRC_MAX) {
			snprintf(err, errlen, "connect to %s (source "
			    "127.0.0.%u): %s", to->name, b->src + 1,
			    strerror(error));
			return (-1);
		}
		b->src++;
		if (b->src > b->src_used)
			b->src_used = b->src;
	}
	c->fd = fd;
	if (c->ws == NULL && b->tls_ctx != NULL && bench_tls_start(c,
	    b->tls_ctx, b->opts.resume ? b->tls_session : NULL) != 0) {
		snprintf(err, errlen, "cannot start TLS");
		bench_conn_close(c, false);
		return (-1);
	}
	c->rd = event_new(b->base, fd, EV_READ | EV_PERSIST,
	    bench_conn_read_cb, c);
	c->wr = event_new(b->base, fd, EV_WRITE | EV_PERSIST,
	    bench_conn_write_cb, c);
	if (c->rd == NULL || c->wr == NULL || event_add(c->rd, NULL) != 0 ||
	    event_add(c->wr, NULL) != 0) {
		snprintf(err, errlen, "cannot add events");
		bench_conn_close(c, false);
		return (-1);
	}
	c->flags |= BENCH_CONN_CONNECTING;
	return (0);
}

/* Close the socket; a reset (SO_LINGER 0) when asked, as a crash would. */
void
bench_conn_close(struct bench_conn *c, bool reset)
{
	struct linger	l = { 1, 0 };

	if (c->fd == -1)
		return;
	if (c->rd != NULL)
		event_del(c->rd);
	if (c->wr != NULL)
		event_del(c->wr);
	if (reset)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	if (c->ssl != NULL)
		bench_tls_stop(c, reset);
	close(c->fd);
	c->fd = -1;
	c->flags = (c->flags & ~BENCH_CONN_CONNECTING) | BENCH_CONN_CLOSED;
}

/* Keep the first reason a connection went wrong; bench-ws.c's too. */
void
bench_conn_note(struct bench_conn *c, const char *fmt, const char *arg)
{
	if (c->error[0] == '\0')
		snprintf(c->error, sizeof c->error, fmt, arg);
}

/* The connection ended under us: tell the mode. */
static void
bench_conn_lost(struct bench_conn *c, const char *why)
{
	bench_conn_note(c, "%s", why);
	bench_conn_close(c, false);
	if (c->ops->state != NULL)
		c->ops->state(c);
}

int
bench_conn_send(struct bench_conn *c, const void *payload, size_t len)
{
	if (c->flags & BENCH_CONN_CLOSED)
		return (-1);
	if (c->ws != NULL)
		return (bench_ws_send(c->ws, payload, len));
	switch (c->b->opts.target) {
	case BENCH_TARGET_REDIS:
		return (bench_redis_send(c, payload, len));
	case BENCH_TARGET_MQTT:
		return (bench_mqtt_send(c, payload, len));
	default:
		return (frame_encode(c->out, payload, len));
	}
}

static int
bench_conn_send_json(struct bench_conn *c, cJSON *obj)
{
	char	*s;
	int	 rc;

	if ((s = cJSON_PrintUnformatted(obj)) == NULL)
		return (-1);
	rc = bench_conn_send(c, s, strlen(s));
	cJSON_free(s);
	return (rc);
}

/*
 * Queue a join of room, asking for history messages of replay unless
 * history is negative (then the request has no history member, as a
 * version-1 client's).  The joined reply sets c->replay.
 */
int
bench_conn_join(struct bench_conn *c, const char *room, int64_t history)
{
	cJSON	*o;
	int	 rc = -1;

	if (c->b->opts.target == BENCH_TARGET_REDIS)
		return (bench_redis_join(c, room));
	if (c->b->opts.target == BENCH_TARGET_MQTT)
		return (bench_mqtt_join(c, room));
	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	if (cJSON_AddStringToObject(o, "type", "join") != NULL &&
	    cJSON_AddStringToObject(o, "room", room) != NULL &&
	    (history < 0 || cJSON_AddNumberToObject(o, "history",
	    (double)history) != NULL))
		rc = bench_conn_send_json(c, o);
	cJSON_Delete(o);
	return (rc);
}

/*
 * Queue a history request: up to limit messages of room older than msgid
 * before.  The replayed messages reach the mode's msg, then the reply sets
 * c->paged and BENCH_CONN_PAGED.
 */
int
bench_conn_history(struct bench_conn *c, const char *room, uint64_t before,
    unsigned int limit)
{
	cJSON	*o;
	int	 rc = -1;

	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	if (cJSON_AddStringToObject(o, "type", "history") != NULL &&
	    cJSON_AddStringToObject(o, "room", room) != NULL &&
	    cJSON_AddNumberToObject(o, "before", (double)before) != NULL &&
	    cJSON_AddNumberToObject(o, "limit", limit) != NULL)
		rc = bench_conn_send_json(c, o);
	cJSON_Delete(o);
	return (rc);
}

/*
 * Queue hello and, when the connection has a room, join: one write.
 * pingpong --no-echo asks for no copy of the client's own messages.
 */
static int
bench_conn_hello(struct bench_conn *c)
{
	cJSON	*o;
	int	 rc = -1;

	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	if (cJSON_AddStringToObject(o, "type", "hello") != NULL &&
	    cJSON_AddStringToObject(o, "nick", c->nick) != NULL &&
	    cJSON_AddNumberToObject(o, "version", PROTO_VERSION) != NULL &&
	    (!c->b->opts.no_echo || cJSON_AddFalseToObject(o, "echo") != NULL))
		rc = bench_conn_send_json(c, o);
	cJSON_Delete(o);
	if (rc == 0 && c->room[0] != '\0')
		rc = bench_conn_join(c, c->room, -1);
	return (rc);
}

/*
 * Connect and queue hello (and join), written once connected; over
 * WebSocket, behind the handshake and once the server has answered it;
 * a broker's own hello instead under --redis or --mqtt.
 */
int
bench_conn_start(struct bench_conn *c, char *err, size_t errlen)
{
	int	rc;

	switch (c->b->opts.target) {
	case BENCH_TARGET_REDIS:
		rc = bench_redis_hello(c);
		break;
	case BENCH_TARGET_MQTT:
		rc = bench_mqtt_hello(c);
		break;
	default:
		rc = (c->ws != NULL && bench_ws_request(c->ws) != 0) ||
		    bench_conn_hello(c) != 0 ? -1 : 0;
		break;
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot queue hello");
		return (-1);
	}
	return (bench_conn_connect(c, err, errlen));
}

size_t
bench_conn_pending(const struct bench_conn *c)
{
	return (evbuffer_get_length(c->out));
}

/* One write of c->out: writev(2), or records through OpenSSL. */
static int
bench_conn_write(struct bench_conn *c)
{
	if (c->ssl != NULL)
		return (bench_tls_write(c));
	return (evbuffer_write(c->out, c->fd) == -1 ? -1 : 0);
}

/*
 * Write what is queued with one writev(2); arm EV_WRITE only when the
 * socket cannot take it all, so a steady sender adds no epoll_ctl calls.
 */
int
bench_conn_flush(struct bench_conn *c)
{
	size_t	left;

	if (c->flags & (BENCH_CONN_CLOSED | BENCH_CONN_CONNECTING))
		return (0);
	c->tls_wait_read = false;
	if ((left = evbuffer_get_length(c->out)) == 0)
		return (0);
	if (bench_conn_write(c) == -1 && errno != EAGAIN &&
	    errno != EINTR) {
		bench_conn_lost(c, strerror(errno));
		return (-1);
	}
	if (evbuffer_get_length(c->out) > 0 && !c->tls_wait_read)
		return (event_add(c->wr, NULL));
	return (0);
}

static void
bench_conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench_conn	*c = arg;
	socklen_t		 len = sizeof (int);
	int			 error = 0;

	if (c->flags & BENCH_CONN_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
			error = errno;
		if (error != 0) {
			bench_conn_lost(c, strerror(error));
			return;
		}
		c->flags &= ~BENCH_CONN_CONNECTING;
	}
	c->tls_wait_read = false;
	if (evbuffer_get_length(c->out) > 0 && bench_conn_write(c) == -1 &&
	    errno != EAGAIN && errno != EINTR) {
		bench_conn_lost(c, strerror(errno));
		return;
	}
	if (evbuffer_get_length(c->out) > 0 && !c->tls_wait_read)
		return;
	event_del(c->wr);
	if (evbuffer_get_length(c->out) == 0 && c->ops->drained != NULL)
		c->ops->drained(c);
}

/* Frames other than msg: rare, so parsed whole with cJSON. */
static void
bench_conn_control(struct bench_conn *c, const char *p, size_t len)
{
	cJSON		*o, *v;
	const char	*type, *s, *m;
	char		 buf[128];
	int		 flags = c->flags;
	bool		 notify = false;

	if (json_parse(p, len, &o, &type) != JSON_OK) {
		c->bad++;
		bench_conn_note(c, "%s", "unreadable frame from the server");
		return;
	}
	if (strcmp(type, "welcome") == 0) {
		c->flags |= BENCH_CONN_WELCOMED;
		v = cJSON_GetObjectItemCaseSensitive(o, "max_frame");
		if (cJSON_IsNumber(v) && v->valuedouble >= 1)
			c->max_frame = (size_t)v->valuedouble;
	} else if (strcmp(type, "joined") == 0) {
		c->flags |= BENCH_CONN_JOINED;
		v = cJSON_GetObjectItemCaseSensitive(o, "history");
		if (cJSON_IsNumber(v) && v->valuedouble >= 0)
			c->replay = (int64_t)v->valuedouble;
	} else if (strcmp(type, "history") == 0) {
		c->flags |= BENCH_CONN_PAGED;
		v = cJSON_GetObjectItemCaseSensitive(o, "count");
		if (cJSON_IsNumber(v) && v->valuedouble >= 0)
			c->paged = (int64_t)v->valuedouble;
	} else if (strcmp(type, "ping") == 0) {
		bench_conn_send(c, BENCH_CONN_PONG, sizeof BENCH_CONN_PONG - 1);
	} else if (strcmp(type, "error") == 0) {
		c->errors++;
		s = json_get_string(o, "code");
		m = json_get_string(o, "message");
		snprintf(buf, sizeof buf, "error %.40s: %.80s", s ? s : "?",
		    m ? m : "");
		bench_conn_note(c, "%s", buf);
		notify = true;
	} else if (strcmp(type, "bye") == 0) {
		s = json_get_string(o, "reason");
		bench_conn_note(c, "bye: %s", s ? s : "?");
	}
	cJSON_Delete(o);
	if ((notify || flags != c->flags) && c->ops->state != NULL)
		c->ops->state(c);
}

/* One protocol object, the payload of a frame or of a WebSocket message. */
void
bench_conn_frame(struct bench_conn *c, const char *p, size_t len,
    uint64_t now)
{
	struct bench_scan	sc;

	if (bench_scan_fast(p, len, c->b->opts.size, &sc) != 0 &&
	    (bench_scan(p, len, &sc) != 0 || sc.type == NULL)) {
		c->bad++;
		bench_conn_note(c, "%s", "unreadable frame from the server");
		return;
	}
	/* No mode wants them, and a join run gets one per member per join. */
	if (bench_scan_is(sc.type, sc.typelen, "presence"))
		return;
	if (!bench_scan_is(sc.type, sc.typelen, "msg")) {
		bench_conn_control(c, p, len);
		return;
	}
	if (sc.text == NULL) {
		c->bad++;
		bench_conn_note(c, "%s", "msg without a plain text");
		return;
	}
	if (c->ops->msg != NULL)
		c->ops->msg(c, &sc, now);
}

/*
 * Every whole native frame in c->in, stamped now; -1 when one is broken
 * (and the connection lost).
 */
static int
bench_conn_frames(struct bench_conn *c, uint64_t now)
{
	enum frame_status	 st;
	const char		*p;
	size_t			 len;

	while ((c->flags & BENCH_CONN_CLOSED) == 0) {
		st = frame_decode(c->in, c->max_frame, &p, &len);
		if (st == FRAME_NEED)
			break;
		if (st != FRAME_OK) {
			c->bad++;
			bench_conn_lost(c, frame_status_string(st));
			return (-1);
		}
		bench_conn_frame(c, p, len, now);
		frame_consume(c->in, len);
	}
	return (0);
}

/*
 * One read(2) of up to BENCH_READ_SIZE per wake-up, then every whole frame
 * (or WebSocket message) in the buffer, then one write of any answers.
 * All frames of one read are stamped with one clock reading: they arrived
 * together.
 */
static void
bench_conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench_conn	*c = arg;
	struct evbuffer_iovec	 v;
	char			 err[128];
	ssize_t			 n;
	uint64_t		 now;

	if (c->ssl != NULL)
		n = bench_tls_read(c);
	else if (evbuffer_reserve_space(c->in, BENCH_READ_SIZE, &v, 1) != 1) {
		bench_conn_lost(c, "out of memory");
		return;
	} else if ((n = read(fd, v.iov_base, v.iov_len)) > 0) {
		v.iov_len = n;
		evbuffer_commit_space(c->in, &v, 1);
	}
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			/* A TLS write that waited for this input goes on. */
			if (c->tls_wait_read)
				bench_conn_flush(c);
			return;
		}
		bench_conn_lost(c, n == 0 ? "connection closed by the server" :
		    strerror(errno));
		return;
	}
	now = bench_now();
	if (c->b->opts.target == BENCH_TARGET_REDIS) {
		if (bench_redis_read(c, now) != 0) {
			bench_conn_lost(c, "not RESP");
			return;
		}
	} else if (c->b->opts.target == BENCH_TARGET_MQTT) {
		if (bench_mqtt_read(c, now, err, sizeof err) != 0) {
			bench_conn_lost(c, err);
			return;
		}
	} else if (c->ws == NULL) {
		if (bench_conn_frames(c, now) != 0)
			return;
	} else if (bench_ws_read(c->ws, now, err, sizeof err) != 0) {
		/* wslay's echo of a close goes first, when it can. */
		if ((c->flags & BENCH_CONN_CLOSED) == 0 &&
		    bench_conn_flush(c) == 0)
			bench_conn_lost(c, err);
		return;
	}
	/* Whatever the frames made us answer leaves in one write. */
	bench_conn_flush(c);
}

void
bench_setup_init(struct bench_setup *s, struct bench_conn **conns,
    unsigned int n, int want)
{
	memset(s, 0, sizeof *s);
	s->conns = conns;
	s->n = n;
	s->want = want;
}

static void
bench_setup_fill(struct bench *b, struct bench_setup *s)
{
	struct bench_conn	*c;
	char			 err[sizeof s->error];

	while (s->started < s->n &&
	    s->started - s->ready - s->failed < BENCH_SETUP_INFLIGHT) {
		c = s->conns[s->started++];
		if (bench_conn_start(c, err, sizeof err) != 0) {
			s->failed++;
			c->flags |= BENCH_CONN_READY | BENCH_CONN_CLOSED;
			if (s->error[0] == '\0')
				snprintf(s->error, sizeof s->error,
				    "%s: %.120s", c->nick, err);
		}
	}
	if (s->ready + s->failed == s->n)
		bench_loop_stop(b);
}

/*
 * A mode's state callback passes its connections here until they are set
 * up; true when c was still in setup (and is now counted, if done).
 */
bool
bench_setup_state(struct bench *b, struct bench_setup *s,
    struct bench_conn *c)
{
	if (c->flags & BENCH_CONN_READY)
		return (false);
	if ((c->flags & (BENCH_CONN_CLOSED)) || c->errors > 0) {
		s->failed++;
		if (s->error[0] == '\0')
			snprintf(s->error, sizeof s->error, "%s: %.120s",
			    c->nick, c->error[0] ? c->error : "setup failed");
	} else if ((c->flags & s->want) == s->want) {
		s->ready++;
		s->t1 = bench_now();
	} else
		return (true);
	c->flags |= BENCH_CONN_READY;
	bench_setup_fill(b, s);
	return (true);
}

/* Set every connection up before until; 0 when all are ready. */
int
bench_setup_run(struct bench *b, struct bench_setup *s, uint64_t until)
{
	s->t0 = bench_now();
	bench_setup_fill(b, s);
	if (s->ready + s->failed < s->n && bench_loop(b, until) != 0 &&
	    s->error[0] == '\0')
		snprintf(s->error, sizeof s->error, "deadline: %u of %u "
		    "connections set up", s->ready, s->n);
	if (s->ready == s->n)
		return (0);
	if (s->error[0] == '\0')
		snprintf(s->error, sizeof s->error, "%u of %u connections "
		    "set up", s->ready, s->n);
	return (-1);
}

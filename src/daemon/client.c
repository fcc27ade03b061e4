/* client.c: one connection's life: its bufferevent, reading and decoding frames, heartbeats, sending,
 * and closing (mark now, free later from the loop); it knows no message type but what cmd.c dispatches. */

#include <sys/socket.h>
#include <netinet/in.h>

#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "server.h"

static void	client_read_cb(struct bufferevent *, void *);
static void	client_event_cb(struct bufferevent *, short, void *);
static void	client_write_cb(struct bufferevent *, void *);
static void	client_queue_release(struct client *, size_t,
		    struct evbuffer *);
static void	client_detach(struct client *);

/*
 * A client on bev, which it owns from now on (a socket from server_accept,
 * or one end of a pair in the fuzzer).
 */
struct client *
client_new(struct server *s, struct bufferevent *bev, const struct sockaddr *sa,
    bool direct)
{
	struct client	*c;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	c->server = s;
	c->bev = bev;
	if (direct)
		c->flags |= CLIENT_DIRECT;
	c->id = ++s->next_client_id;
	if (addr_format(sa, c->addr, sizeof c->addr) != 0)
		snprintf(c->addr, sizeof c->addr, "local");

	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	/* A flooder stops being read once a whole largest frame is queued. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    FRAME_HEADER + s->config->max_frame);
	/*
	 * Output is written by server_flush once per loop pass; libevent's
	 * write event is armed only when the socket pushes back, so a busy
	 * pass costs one writev per client and no epoll_ctl.  Other
	 * bufferevents (TLS, the fuzzer's pairs) leave writing to libevent.
	 */
	if (!direct)
		bufferevent_enable(bev, EV_READ | EV_WRITE);
	else {
		bufferevent_disable(bev, EV_WRITE);	/* on by default */
		bufferevent_enable(bev, EV_READ);
	}

	/*
	 * Until hello, the read timeout is the registration deadline (and
	 * client_read_cb checks it too, for peers that trickle bytes).
	 */
	if (s->tv_register != NULL) {
		bufferevent_set_timeouts(bev, s->tv_register, NULL);
		c->deadline_ms = server_mono_ms() +
		    s->config->register_timeout * 1000LL;
	}
	limit_rate_init(c);

	TAILQ_INSERT_TAIL(&s->clients, c, entry);
	s->nclients++;
	s->nactive++;
	log_debug("client %llu connected from %s",
	    (unsigned long long)c->id, c->addr);
	return (c);
}

/* The one place a client's memory goes, from a loop callback only. */
void
client_free(struct client *c)
{
	struct server	*s = c->server;

	if (!(c->flags & CLIENT_DETACHED))
		client_detach(c);
	log_debug("client %llu freed", (unsigned long long)c->id);
	TAILQ_REMOVE(&s->clients, c, entry);
	s->nclients--;
	if (c->flags & CLIENT_TOUCHED)
		TAILQ_REMOVE(&s->touched, c, touched_entry);
	client_queue_release(c, 0, NULL);
	free(c->outq);
	if (!(c->flags & CLIENT_CLOSING))
		s->nactive--;
	limit_ip_remove(s, c);
	bufferevent_free(c->bev);
	free(c->rooms);
	free(c->nick);
	free(c->fold);
	free(c->close_reason);
	free(c);
	server_trim_later(s);
	if (s->stopping && s->nclients == 0)
		event_base_loopexit(s->base, NULL);
}

/*
 * Queue f, past every check: the bye must go out even over the limit.
 * For a direct client the frame is not copied: the client keeps a
 * reference until server_flush hands the queue to one writev.  Once the
 * bufferevent holds leftovers, later frames join them there, in order.
 */
static int
client_queue(struct client *c, struct frame *f)
{
	struct server	 *s = c->server;
	struct evbuffer	 *out = bufferevent_get_output(c->bev);
	struct frame	**q;
	size_t		  cap;

	if (!(c->flags & CLIENT_DIRECT) || evbuffer_get_length(out) != 0) {
		if (frame_queue(out, f) != 0)
			return (-1);
	} else {
		if (c->noutq == c->outcap) {
			cap = c->outcap == 0 ? 8 : c->outcap * 2;
			if ((q = reallocarray(c->outq, cap, sizeof *q)) == NULL)
				return (-1);
			c->outq = q;
			c->outcap = cap;
		}
		c->outq[c->noutq++] = frame_ref(f);
		c->outq_bytes += f->size;
	}
	s->stats.frames_out++;
	s->stats.bytes_out += f->size;
	if (!(c->flags & CLIENT_TOUCHED)) {
		c->flags |= CLIENT_TOUCHED;
		TAILQ_INSERT_TAIL(&s->touched, c, touched_entry);
	}
	return (0);
}

/* Drop the frames of c's queue from first on, copying them to out if any. */
static void
client_queue_release(struct client *c, size_t first, struct evbuffer *out)
{
	for (; first < c->noutq; first++) {
		if (out != NULL)
			(void)frame_queue(out, c->outq[first]);
		frame_unref(c->outq[first]);
	}
	c->noutq = 0;
	c->outq_bytes = 0;
	/* A quiet client does not keep its queue array; a busy one does. */
	if (c->outcap <= 8) {
		free(c->outq);
		c->outq = NULL;
		c->outcap = 0;
	}
}

/*
 * Write c's queued frames now, zero copy, CLIENT_IOV frames per writev.
 * What the socket does not take is copied into the bufferevent, whose write
 * event finishes the job.  Returns -1 when the connection is gone.
 */
int
client_flush(struct client *c)
{
	struct iovec	 iov[CLIENT_IOV];
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	evutil_socket_t	 fd = bufferevent_getfd(c->bev);
	struct frame	*f;
	size_t		 first = 0, cnt, i, total;
	ssize_t		 n, written;

	while (first < c->noutq) {
		cnt = c->noutq - first;
		if (cnt > CLIENT_IOV)
			cnt = CLIENT_IOV;
		for (i = 0, total = 0; i < cnt; i++) {
			iov[i].iov_base = c->outq[first + i]->bytes;
			iov[i].iov_len = c->outq[first + i]->size;
			total += iov[i].iov_len;
		}
		if ((n = writev(fd, iov, cnt)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_debug("client %llu: write: %s",
			    (unsigned long long)c->id, strerror(errno));
			c->flags |= CLIENT_DEAD;
			client_queue_release(c, first, NULL);
			return (-1);
		}
		written = n;
		while (first < c->noutq && (size_t)n >= c->outq[first]->size) {
			n -= c->outq[first]->size;
			frame_unref(c->outq[first++]);
		}
		if (n > 0) {
			/* The rest of a frame the socket took in part. */
			f = c->outq[first++];
			evbuffer_add(out, f->bytes + n, f->size - n);
			frame_unref(f);
			break;
		}
		if ((size_t)written < total)
			break;
	}
	client_queue_release(c, first, out);
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(c->bev, EV_WRITE);
	return (0);
}

/* libevent drained what server_flush could not write: disarm again. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (c->flags & CLIENT_DIRECT)
		bufferevent_disable(bev, EV_WRITE);
}

/* Bytes queued to c that its socket has not taken yet. */
static size_t
client_pending(struct client *c)
{
	return (evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    c->outq_bytes);
}

/*
 * Queue one prebuilt frame.  A closing client gets nothing after its bye; a
 * client whose output would pass max-sendq is dropped, so that a reader that
 * stalls costs the others neither memory nor messages.
 */
void
client_send(struct client *c, struct frame *f)
{
	size_t	max = c->server->config->max_sendq;

	if (c->flags & CLIENT_CLOSING)
		return;
	if (max != 0 && client_pending(c) + f->size > max) {
		/*
		 * What this pass queued has not met the socket yet: one pass
		 * may fan out many senders' frames.  Let the socket take what
		 * it will before calling the reader slow.
		 */
		if (c->noutq != 0 && client_flush(c) != 0) {
			client_close(c, "connection closed", false);
			return;
		}
		if (client_pending(c) + f->size > max) {
			c->server->stats.drops++;
			client_close(c, "send queue exceeded", true);
			return;
		}
	}
	if (client_queue(c, f) != 0)
		client_close(c, "out of memory", false);
}

/* Serialize obj, send it and free it. */
void
client_send_json(struct client *c, cJSON *obj)
{
	struct frame	*f;

	f = json_frame(obj);
	cJSON_Delete(obj);
	if (f == NULL) {
		client_close(c, "out of memory", false);
		return;
	}
	client_send(c, f);
	frame_unref(f);
}

/* Send obj as the direct reply to a request whose "id" was id (or NULL). */
void
client_reply(struct client *c, cJSON *obj, const cJSON *id)
{
	if (id != NULL)
		cJSON_AddItemToObject(obj, "re", cJSON_Duplicate(id, 1));
	client_send_json(c, obj);
}

/* Send error code, with a message (errcode.c's own when fmt is NULL). */
void
client_error(struct client *c, enum errcode code, const cJSON *id,
    const char *fmt, ...)
{
	cJSON	*obj;
	char	 msg[512];
	va_list	 ap;
	int	 n;

	if (fmt != NULL) {
		va_start(ap, fmt);
		n = vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		/* A long name cut short must not end inside a character. */
		if (n >= (int)sizeof msg)
			msg[utf8_trim(msg, sizeof msg - 1)] = '\0';
	} else
		snprintf(msg, sizeof msg, "%s", errcode_message(code));
	log_debug("client %llu: error %s: %s", (unsigned long long)c->id,
	    errcode_name(code), msg);
	obj = cmd_object("error");
	cJSON_AddStringToObject(obj, "code", errcode_name(code));
	cJSON_AddStringToObject(obj, "message", msg);
	client_reply(c, obj, id);
}

bool
client_in_room(const struct client *c, const struct room *r)
{
	size_t	i;

	for (i = 0; i < c->nrooms; i++) {
		if (c->rooms[i] == r)
			return (true);
	}
	return (false);
}

/* A presence frame about c: in room r, or server-wide when r is NULL. */
struct frame *
client_presence_frame(const struct client *c, const struct room *r,
    const char *event, const char *reason)
{
	struct frame	*f;
	cJSON		*obj;

	obj = cmd_object("presence");
	if (r != NULL)
		cJSON_AddStringToObject(obj, "room", r->name);
	cJSON_AddStringToObject(obj, "nick", c->nick);
	cJSON_AddStringToObject(obj, "event", event);
	if (reason != NULL)
		cJSON_AddStringToObject(obj, "reason", reason);
	f = json_frame(obj);
	cJSON_Delete(obj);
	return (f);
}

/* Give c the nick (already validated and free) and start its heartbeat. */
int
client_register(struct client *c, const char *nick, bool presence)
{
	struct server	*s = c->server;
	struct frame	*f;
	size_t		 len = strlen(nick);

	if ((c->nick = strdup(nick)) == NULL ||
	    (c->fold = malloc(len + 1)) == NULL)
		return (-1);
	name_fold(c->fold, nick, len);
	if (hash_insert(s->nicks, c->fold, c) != 0)
		return (-1);
	c->flags |= CLIENT_REGISTERED;
	c->deadline_ms = 0;
	bufferevent_set_timeouts(c->bev, s->tv_heartbeat, NULL);
	log_info("client %llu from %s registered as %s",
	    (unsigned long long)c->id, c->addr, c->nick);

	if (!TAILQ_EMPTY(&s->watchers) &&
	    (f = client_presence_frame(c, NULL, "online", NULL)) != NULL) {
		server_watchers_send(s, f, c);
		frame_unref(f);
	}
	if (presence) {
		c->flags |= CLIENT_PRESENCE;
		TAILQ_INSERT_TAIL(&s->watchers, c, presence_entry);
	}
	return (0);
}

/*
 * Mark c closing: queue bye (when the peer can still read it), stop reading
 * and leave the rest to the reaper, so that nothing is freed while a member
 * list or the input buffer is being walked.
 */
void
client_close(struct client *c, const char *reason, bool bye)
{
	struct server	*s = c->server;
	struct frame	*f;
	cJSON		*obj;

	if (c->flags & CLIENT_CLOSING)
		return;
	if (bye && !(c->flags & CLIENT_DEAD)) {
		obj = cmd_object("bye");
		cJSON_AddStringToObject(obj, "reason", reason);
		if ((f = json_frame(obj)) != NULL) {
			(void)client_queue(c, f);
			frame_unref(f);
		}
		cJSON_Delete(obj);
	}
	c->flags |= CLIENT_CLOSING;
	c->close_reason = strdup(reason);
	c->deadline_ms = 0;
	/* Lingering to flush a bye, it no longer takes anyone's place. */
	s->nactive--;
	limit_ip_remove(s, c);
	bufferevent_disable(c->bev, EV_READ);
	if (c->flags & CLIENT_PENDING) {
		TAILQ_REMOVE(&s->pending, c, pending_entry);
		c->flags &= ~CLIENT_PENDING;
	}
	TAILQ_INSERT_TAIL(&s->closing, c, close_entry);
	event_active(s->reaper, EV_TIMEOUT, 0);
	log_info("client %llu (%s) closing: %s", (unsigned long long)c->id,
	    c->nick != NULL ? c->nick : c->addr, reason);
}

/* Leave every room and the nick table, telling peers once each. */
static void
client_detach(struct client *c)
{
	struct server	*s = c->server;
	struct frame	*f = NULL;
	struct room	*r;
	struct client	*m;
	size_t		 i, j;

	c->flags |= CLIENT_DETACHED;
	if (c->flags & CLIENT_REGISTERED && !s->stopping)
		f = client_presence_frame(c, NULL, "quit", c->close_reason);
	if (f != NULL) {
		c->mark = ++s->mark;
		for (i = 0; i < c->nrooms; i++) {
			r = c->rooms[i];
			for (j = 0; j < r->nmembers; j++) {
				m = r->members[j];
				if (m->mark == s->mark)
					continue;
				m->mark = s->mark;
				client_send(m, f);
			}
		}
		frame_unref(f);
	}
	while (c->nrooms > 0)
		room_part(c->rooms[0], c);

	if (c->flags & CLIENT_PRESENCE)
		TAILQ_REMOVE(&s->watchers, c, presence_entry);
	if (!(c->flags & CLIENT_REGISTERED))
		return;
	hash_remove(s->nicks, c->fold);
	if (!s->stopping && !TAILQ_EMPTY(&s->watchers) &&
	    (f = client_presence_frame(c, NULL, "offline",
	    c->close_reason)) != NULL) {
		server_watchers_send(s, f, c);
		frame_unref(f);
	}
}

/*
 * Closing, the bye written: half-close so the peer sees end of file after
 * it, and wait for its own end of file.  Closing with its unread requests
 * still queued would reset the connection and could destroy the bye before
 * the peer reads it.
 */
static void
client_linger_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (!(c->flags & CLIENT_DIRECT)) {
		client_free(c);	/* TLS or a pair: its own close does */
		return;
	}
	bufferevent_disable(bev, EV_WRITE);
	shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
client_linger_read_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
	/* Bytes reset the timeout: a trickle must not hold on for ever. */
	if (server_mono_ms() > c->deadline_ms)
		client_free(c);
}

/* End of file, error or the linger timeout: done either way. */

static void
client_linger_event_cb(struct bufferevent *bev, short what, void *arg)
{
	client_free(arg);
}

/*
 * Called by the reaper, outside any walk: detach c, then free it once the
 * peer has read its bye and closed, or after a linger bound for peers that
 * never do.
 */
void
client_reap(struct client *c)
{
	struct server	*s = c->server;
	struct timeval	 tv;
	int		 ms;

	client_detach(c);
	if (!(c->flags & CLIENT_DEAD))
		(void)client_flush(c);
	if (c->flags & CLIENT_DEAD || (!(c->flags & CLIENT_DIRECT) &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)) {
		client_free(c);
		return;
	}
	bufferevent_setcb(c->bev, client_linger_read_cb,
	    client_linger_write_cb, client_linger_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	ms = s->stopping ? SHUTDOWN_GRACE_MS : CLOSE_LINGER_MS;
	c->deadline_ms = server_mono_ms() + ms;
	bufferevent_set_timeouts(c->bev, timeval_ms(&tv, ms), &tv);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_linger_write_cb(c->bev, c);
	else
		bufferevent_enable(c->bev, EV_WRITE);
}

/* A frame that decoded: parse it and hand it to its handler. */
static void
client_frame(struct client *c, const char *payload, size_t len)
{
	enum json_status	 st;
	const char		*type;
	const cJSON		*id = NULL;
	cJSON			*obj;

	st = json_parse(payload, len, &obj, &type);
	if (st == JSON_OK)
		id = cJSON_GetObjectItemCaseSensitive(obj, "id");
	/* Liveness answers are never limited: a slow link must not drop. */
	if (st != JSON_OK ||
	    (strcmp(type, "ping") != 0 && strcmp(type, "pong") != 0)) {
		switch (limit_rate(c)) {
		case LIMIT_OK:
			break;
		case LIMIT_REFUSED:
			c->server->stats.drops++;
			/* A refusal answers the request: it carries its id. */
			client_error(c, ERR_RATE_LIMITED,
			    id != NULL && cmd_id_valid(id) ? id : NULL, NULL);
			cJSON_Delete(obj);
			return;
		case LIMIT_KICK:
			log_info("client %llu (%s): flood",
			    (unsigned long long)c->id, c->addr);
			client_close(c, "flood", true);
			cJSON_Delete(obj);
			return;
		}
	}
	if (st != JSON_OK) {
		client_error(c, ERR_BAD_FRAME, NULL, "%s",
		    json_status_string(st));
		return;
	}
	cmd_dispatch(c, obj, type, id);
	cJSON_Delete(obj);
}

/*
 * Handle the whole frames waiting in c's input, at most FRAMES_PER_PASS so
 * that one busy client cannot starve the others; the rest wait on the
 * server's pending list for the next loop pass.
 */
static void
client_process_frames(struct client *c)
{
	struct server		*s = c->server;
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	enum frame_status	 st;
	const char		*payload;
	size_t			 len;
	int			 n;

	for (n = 0; n < FRAMES_PER_PASS; n++) {
		if (c->flags & CLIENT_CLOSING)
			return;
		st = frame_decode(in, s->config->max_frame, &payload, &len);
		switch (st) {
		case FRAME_NEED:
			/* Time a frame from its first byte (slowloris). */
			if (evbuffer_get_length(in) == 0)
				c->partial_ms = 0;
			else if (c->partial_ms == 0)
				c->partial_ms = server_mono_ms();
			return;
		case FRAME_EMPTY:
			client_error(c, ERR_BAD_FRAME, NULL,
			    "zero-length frame");
			client_close(c, "bad frame", true);
			return;
		case FRAME_TOO_LARGE:
			client_error(c, ERR_FRAME_TOO_LARGE, NULL,
			    "frame of %zu bytes is larger than max_frame %zu",
			    len, s->config->max_frame);
			client_close(c, "frame too large", true);
			return;
		case FRAME_OK:
			break;
		}
		c->partial_ms = 0;
		s->stats.frames_in++;
		s->stats.bytes_in += FRAME_HEADER + len;
		client_frame(c, payload, len);
		frame_consume(in, len);
	}
	if (!(c->flags & (CLIENT_CLOSING | CLIENT_PENDING)) &&
	    frame_peek(in, s->config->max_frame, &len) != FRAME_NEED) {
		c->flags |= CLIENT_PENDING;
		TAILQ_INSERT_TAIL(&s->pending, c, pending_entry);
		server_resume(s);
	}
}

/*
 * libevent 2.1 reads at most 4096 bytes a callback.  When a read filled
 * that, more is likely waiting: take it in one readv (within the read
 * watermark), so a busy sender's frames fan out in large batches.
 */
static void
client_read_more(struct client *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec	 v[2];
	size_t			 len = evbuffer_get_length(in), room;
	ssize_t			 n;
	int			 nv, i;

	if (!(c->flags & CLIENT_DIRECT) || len < c->inlen + CLIENT_READ_MIN)
		return;
	room = FRAME_HEADER + c->server->config->max_frame;
	if (len >= room)
		return;
	room -= len;
	if (room > CLIENT_READ_MAX)
		room = CLIENT_READ_MAX;
	evbuffer_unfreeze(in, 0);
	if ((nv = evbuffer_reserve_space(in, room, v, 2)) > 0) {
		n = readv(bufferevent_getfd(c->bev), (struct iovec *)v, nv);
		/* End of file and errors are libevent's to see next time. */
		for (i = 0; i < nv; i++) {
			if (n <= 0)
				v[i].iov_len = 0;
			else if ((size_t)n < v[i].iov_len)
				v[i].iov_len = n;
			n -= v[i].iov_len;
		}
		evbuffer_commit_space(in, v, nv);
	}
	evbuffer_freeze(in, 0);
}

void
client_process(struct client *c)
{
	client_process_frames(c);
	c->inlen = evbuffer_get_length(bufferevent_get_input(c->bev));
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	int64_t		 timeout = c->server->config->timeout * 1000LL;

	if (c->partial_ms != 0 && server_mono_ms() - c->partial_ms > timeout) {
		client_close(c, "partial frame timeout", true);
		return;
	}
	if (c->deadline_ms != 0 && server_mono_ms() > c->deadline_ms) {
		client_close(c, "registration timeout", true);
		return;
	}
	/* Any inbound byte proves the peer alive: back to the idle period. */
	if (c->flags & CLIENT_PINGED) {
		c->flags &= ~CLIENT_PINGED;
		bufferevent_set_timeouts(bev, c->server->tv_heartbeat, NULL);
	}
	if (c->flags & CLIENT_PENDING)
		return;		/* the pending pass keeps the order */
	client_read_more(c);
	client_process(c);
	server_flush_due(c->server);
}

/* The read timeout: first silence earns a ping, the second a drop. */
static void
client_heartbeat(struct client *c)
{
	struct server	*s = c->server;
	cJSON		*obj;

	if (c->flags & CLIENT_PINGED) {
		client_close(c, c->partial_ms != 0 ? "partial frame timeout" :
		    "ping timeout", true);
		return;
	}
	c->flags |= CLIENT_PINGED;
	obj = cmd_object("ping");
	cJSON_AddNumberToObject(obj, "ts", (double)server_now_ms(c->server));
	client_send_json(c, obj);
	bufferevent_set_timeouts(c->bev, s->tv_timeout, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	if (what & BEV_EVENT_TIMEOUT && what & BEV_EVENT_READING) {
		if (c->flags & CLIENT_REGISTERED)
			client_heartbeat(c);
		else
			client_close(c, "registration timeout", true);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* A TLS error is not in errno: tls.c logs its reason. */
		log_debug("client %llu: %s", (unsigned long long)c->id,
		    what & BEV_EVENT_EOF ? "end of file" :
		    !(c->flags & CLIENT_DIRECT) ? "transport error" :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		c->flags |= CLIENT_DEAD;
		client_close(c, "connection closed", false);
	}
}

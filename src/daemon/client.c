/* client.c: one connection's life, whatever its face: its bufferevent, input budgets, heartbeats, the
 * output queue and its zero-copy flush, closing (mark now, free later from the loop); it knows no wire
 * format (faces do) and no message type (cmd-*.c do). */

#include <sys/socket.h>
#include <netinet/in.h>

#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>

#include "server.h"
#include "store.h"

static void	client_read_cb(struct bufferevent *, void *);
static void	client_sock_read_cb(evutil_socket_t, short, void *);
static bool	client_sock_hooked(struct bufferevent *);
static void	client_sock_resume(struct bufferevent *);
static void	client_event_cb(struct bufferevent *, short, void *);
static void	client_write_cb(struct bufferevent *, void *);
static void	client_queue_release(struct client *, size_t,
		    struct evbuffer *);
static void	client_detach(struct client *);
static void	client_unhold(struct client *);

/*
 * Whether sa is on the loopback interface (127/8, ::1, or 127/8 mapped).
 * Called by client_new, and by face-http.c for an address a proxy gives.
 */
bool
client_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		return (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127));
	}
	return (false);
}

/*
 * c's address for logs and per-address checks, "local" when sa is none
 * (a fuzzer's pair): an exact copy, not a fixed array, since most are
 * short.  Called by client_new and by face-http.c for the address a proxy
 * gives.  -1 when out of memory (c keeps the one it had).
 */
int
client_set_addr(struct client *c, const struct sockaddr *sa)
{
	char	 buf[INET6_ADDRSTRLEN + 8], *addr;	/* "[...]:65535" */

	if (sa == NULL || addr_format(sa, buf, sizeof buf) != 0)
		snprintf(buf, sizeof buf, "local");
	if ((addr = strdup(buf)) == NULL)
		return (-1);
	free(c->addr);
	c->addr = addr;
	return (0);
}

/*
 * A client on bev, which it owns from now on (a socket from server_accept,
 * or one end of a pair in the fuzzer).
 */
struct client *
client_new(struct server *s, const struct face *face, struct bufferevent *bev,
    const struct sockaddr *sa, bool direct)
{
	struct client	*c;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	c->server = s;
	c->face = face;
	c->bev = bev;
	if (direct)
		c->flags |= CLIENT_WRITEV;
	else if (bufferevent_openssl_get_ssl(bev) != NULL)
		c->flags |= CLIENT_TLS;
	/*
	 * Nobody on the way can read what it sends: TLS (every connection
	 * not direct is, or a fuzzer's pair) or the loopback interface.
	 */
	if (!direct || client_loopback(sa))
		c->flags |= CLIENT_SECURE;
	c->id = ++s->next_client_id;
	if (client_set_addr(c, sa) != 0) {
		bufferevent_free(bev);
		free(c);
		return (NULL);
	}

	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
#if LIBEVENT_VERSION_NUMBER >= 0x02010000 && LIBEVENT_VERSION_NUMBER < 0x02020000
	/*
	 * A plain socket is read by client_sock_read_cb, not libevent's
	 * bufferevent_readcb: the same event (so enabling, disabling,
	 * watermarks and the read timeout work as before), another callback.
	 * Not yet enabled, the event can be assigned again; its argument
	 * stays the bufferevent, which libevent's finalizer expects there.
	 * libevent 2.1 only: the struct is exposed, its use discouraged.
	 */
	if (direct && event_get_version_number() >> 16 == 0x0201)
		event_assign(&bev->ev_read, s->base, bufferevent_getfd(bev),
		    EV_READ | EV_PERSIST | EV_FINALIZE, client_sock_read_cb,
		    bev);
#endif
	/*
	 * A flooder stops being read once a whole largest frame is queued.
	 * client_sock_read_cb keeps that bound itself (the high watermark
	 * alone, without the callback libevent would run on every change
	 * of the input); libevent does for the others.
	 */
	if (client_sock_hooked(bev))
		bev->wm_read.high = FRAME_HEADER + s->config->max_frame;
	else
		bufferevent_setwatermark(c->bev, EV_READ, 0,
		    FRAME_HEADER + s->config->max_frame);
	/*
	 * Output is written by server_flush once per loop pass; libevent's
	 * write event is armed only when the socket pushes back, so a busy
	 * pass costs one writev per client and no epoll_ctl.  Other
	 * bufferevents (TLS, the fuzzer's pairs) leave to libevent what
	 * server_flush could not write (TLS) or all of it (pairs).
	 */
	if (!direct)
		bufferevent_enable(bev, EV_READ | EV_WRITE);
	else {
		bufferevent_disable(bev, EV_WRITE);	/* on by default */
		bufferevent_enable(bev, EV_READ);
	}

	/*
	 * Until hello, the deadline comes from the server's list, not from
	 * the bufferevent's read timeout: a TLS handshake that never ends,
	 * or bytes trickled one by one, would keep putting that off.
	 */
	if (s->config->register_timeout != 0)
		c->register_ms = server_mono_ms() +
		    s->config->register_timeout * 1000LL;
	client_due(c);
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
	if (c->nclaims > 0)
		cluster_client_free(s->cluster, c);
	client_unhold(c);
	if (c->face->free != NULL)
		c->face->free(c);
	log_debug("client %llu freed", (unsigned long long)c->id);
	TAILQ_REMOVE(&s->clients, c, entry);
	s->nclients--;
	if (c->flags & CLIENT_FLUSH)
		TAILQ_REMOVE(&s->touched, c, touched_entry);
	client_queue_release(c, 0, NULL);
	free(c->outq);
	if (!(c->flags & CLIENT_CLOSING))
		s->nactive--;
	if (c->flags & CLIENT_LINGER)
		s->nlinger--;
	if (c->flags & CLIENT_DUE)
		TAILQ_REMOVE(&s->due, c, due_entry);
	limit_ip_remove(s, c);
	bufferevent_free(c->bev);
	free(c->rooms);
	free(c->nick);			/* and fold, in the same allocation */
	free(c->addr);
	free(c->away);
	free(c->node);
	free(c->close_reason);
	free(c);
	server_trim_later(s);
	if (s->stopping && s->nclients == 0)
		event_base_loopexit(s->base, NULL);
}

/*
 * Queue f, past every check: the bye must go out even over the limit.
 * For a writev client the frame is not copied: the client keeps a
 * reference until server_flush hands the queue to one writev (to
 * tls_write for a TLS client, which gathers it into records).  Once the
 * bufferevent holds leftovers, later frames join them there, in order.
 */
static int
client_queue(struct client *c, struct frame *f)
{
	struct server	 *s = c->server;
	struct evbuffer	 *out = bufferevent_get_output(c->bev);
	struct frame	**q;
	size_t		  cap;

	if (!(c->flags & (CLIENT_WRITEV | CLIENT_TLS)) ||
	    evbuffer_get_length(out) != 0) {
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
	if (!(c->flags & CLIENT_FLUSH)) {
		c->flags |= CLIENT_FLUSH;
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

	/* TLS: many frames a record, as OpenSSL takes one buffer a call. */
	if (c->flags & CLIENT_TLS) {
		if (tls_write(bufferevent_openssl_get_ssl(c->bev), c->outq,
		    c->noutq, out) != 0) {
			log_debug("client %llu: TLS write failed",
			    (unsigned long long)c->id);
			c->flags |= CLIENT_DEAD;
		}
		client_queue_release(c, 0, NULL);
		return (c->flags & CLIENT_DEAD ? -1 : 0);
	}
	while (first < c->noutq) {
		cnt = c->noutq - first;
		if (cnt > CLIENT_IOV)
			cnt = CLIENT_IOV;
		for (i = 0, total = 0; i < cnt; i++) {
			iov[i].iov_base = c->outq[first + i]->bytes;
			iov[i].iov_len = c->outq[first + i]->size;
			total += iov[i].iov_len;
		}
		/* One frame, the common case: write(2) needs no vector. */
		n = cnt == 1 ? write(fd, iov[0].iov_base, iov[0].iov_len) :
		    writev(fd, iov, cnt);
		if (n == -1) {
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

	if (c->flags & CLIENT_WRITEV)
		bufferevent_disable(bev, EV_WRITE);
}

/* Bytes queued to c that its socket has not taken yet. */
static size_t
client_queued(struct client *c)
{
	return (evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    c->outq_bytes);
}

/*
 * Queue one frame of c's face (an event's, or one the face made itself: a
 * reply of HTTP, a WebSocket pong).  A closing client gets nothing after its
 * bye; a client whose output would pass max-sendq is dropped, so that a
 * reader that stalls costs the others neither memory nor messages.
 */
void
client_send_frame(struct client *c, struct frame *f)
{
	size_t	max = c->server->config->max_sendq;

	if (c->flags & (CLIENT_CLOSING | CLIENT_DEAD | CLIENT_REMOTE))
		return;
	if (max != 0 && client_queued(c) + f->size > max) {
		/*
		 * What this pass queued has not met the socket yet: one pass
		 * may fan out many senders' frames.  Let the socket take what
		 * it will before calling the reader slow.
		 */
		if (c->noutq != 0 && client_flush(c) != 0) {
			client_lost(c, true);
			return;
		}
		/*
		 * A frame larger than max-sendq alone still goes when it is
		 * all there is (as Redis lets one large reply through): the
		 * limit is on a reader falling behind, not on frame size.
		 */
		if (client_queued(c) != 0 &&
		    client_queued(c) + f->size > max) {
			c->server->stats.drops++;
			client_close(c, "send queue exceeded", true);
			return;
		}
	}
	if (client_queue(c, f) != 0)
		client_close(c, "out of memory", false);
}

/* Hand e to c: its face's rendering, built once for all recipients. */
void
client_send(struct client *c, struct evt *e)
{
	struct frame	*f;

	/* A user of another node: its node has the message its own way. */
	if (c->flags & CLIENT_REMOTE)
		return;
	if (c->face->answer != NULL && evt_alone(e)) {
		c->face->answer(c, e);
		return;
	}
	if ((f = evt_frame(e, c->face)) == NULL) {
		client_close(c, "out of memory", false);
		return;
	}
	/* A face may have nothing to say of an event (IRC of online). */
	if (f->size != 0)
		client_send_frame(c, f);
}

/*
 * Send the error code with its message (errcode.c's own when fmt is NULL)
 * answering the request whose id was re (NULL when none or not known).
 */
void
client_error(struct client *c, enum errcode code, const char *re,
    const char *fmt, ...)
{
	struct evt	e;
	char		msg[512];
	va_list		ap;

	va_start(ap, fmt);
	errcode_vformat(msg, sizeof msg, code, fmt, ap);
	va_end(ap);
	log_debug("client %llu: error %s: %s", (unsigned long long)c->id,
	    errcode_name(code), msg);
	evt_init(&e, EVT_ERROR);
	e.error.code = code;
	e.error.message = msg;
	e.error.re = re;
	client_send(c, &e);
	evt_clear(&e);
}

/*
 * The moment c must be gone unless it registers first: its registration
 * deadline or, for a frame begun, its partial-frame deadline (0: none).
 * Each is fixed when it starts; a reload changes later ones only.
 */
static int64_t
client_due_ms(const struct client *c)
{
	int64_t	due = c->register_ms, partial;

	if (c->flags & (CLIENT_REGISTERED | CLIENT_CLOSING))
		return (0);
	if (c->partial_ms != 0) {
		partial = c->partial_ms + c->server->config->timeout * 1000LL;
		if (due == 0 || partial < due)
			due = partial;
	}
	return (due);
}

/*
 * Put c in its place on the server's list of unregistered clients by
 * deadline (or take it off), and arm the list's one timer for the first.
 * Deadlines are mostly added in order, so the walk from the tail is short.
 */
void
client_due(struct client *c)
{
	struct server	*s = c->server;
	struct client	*prev;
	int64_t		 due = client_due_ms(c);

	if (c->flags & CLIENT_DUE) {
		if (due == c->due_ms)
			return;
		TAILQ_REMOVE(&s->due, c, due_entry);
		c->flags &= ~CLIENT_DUE;
	}
	if ((c->due_ms = due) == 0)
		return;
	prev = TAILQ_LAST(&s->due, clients);
	while (prev != NULL && prev->due_ms > due)
		prev = TAILQ_PREV(prev, clients, due_entry);
	if (prev == NULL)
		TAILQ_INSERT_HEAD(&s->due, c, due_entry);
	else
		TAILQ_INSERT_AFTER(&s->due, prev, c, due_entry);
	c->flags |= CLIENT_DUE;
	if (TAILQ_FIRST(&s->due) == c)
		server_due_arm(s);
}

/*
 * c's deadline has come (server_due_cb, or the fuzzer): close it with the
 * reason that applies.
 */
void
client_expire(struct client *c)
{
	int64_t	timeout = c->server->config->timeout * 1000LL;

	if (c->partial_ms != 0 && server_mono_ms() - c->partial_ms >= timeout)
		client_close(c, "partial frame timeout", true);
	else
		client_close(c, "registration timeout", true);
}

/*
 * c's connection is gone (end of file, a reset, a failed write).  The
 * requests that arrived whole before are its last words, even past one
 * pass's budget: they are all handled (their replies go nowhere), then c
 * closes.  At once, or, when deferred, by the pending pass: a failed write
 * found in the middle of a fan-out must not let c's requests change the
 * room being walked.
 */
void
client_lost(struct client *c, bool deferred)
{
	struct server	*s = c->server;

	if (c->flags & CLIENT_CLOSING)
		return;
	c->flags |= CLIENT_DEAD;
	bufferevent_disable(c->bev, EV_READ);
	if (!deferred) {
		if (c->flags & CLIENT_INPUT_LEFT) {
			TAILQ_REMOVE(&s->pending, c, pending_entry);
			c->flags &= ~CLIENT_INPUT_LEFT;
		}
		client_input(c);
		return;
	}
	if (!(c->flags & CLIENT_INPUT_LEFT)) {
		c->flags |= CLIENT_INPUT_LEFT;
		TAILQ_INSERT_TAIL(&s->pending, c, pending_entry);
	}
	server_resume(s);
}

/*
 * Hold c's input while req waits for a verdict (a password check on the
 * worker, ticket, or a page of history, c->store_ticket): nothing it sends
 * next is looked at before the answer.
 * c keeps req's object (held) and the "re" it will answer with.
 */
void
client_hold(struct client *c, struct request *req, struct auth_ticket *ticket,
    cJSON *held)
{
	(void)cmd_re(req);
	c->held_re = req->re;
	req->re = NULL;
	c->held = held;
	c->auth_ticket = ticket;
	c->flags |= CLIENT_HELD;
}

/*
 * Drop what a held request kept, its check included (closing cancels it:
 * the verdict will never call back a client that is gone).
 */
static void
client_unhold(struct client *c)
{
	if (!(c->flags & CLIENT_HELD))
		return;
	if (c->auth_ticket != NULL)
		auth_cancel(c->auth_ticket);
	c->auth_ticket = NULL;
	store_cancel(c->server->store, c->store_ticket);
	c->store_ticket = NULL;
	cmd_wipe(c->held);
	cJSON_Delete(c->held);
	c->held = NULL;
	cJSON_free(c->held_re);
	c->held_re = NULL;
	c->flags &= ~CLIENT_HELD;
}

/*
 * The held request is answered: take up c's input where it stopped, from
 * the pending pass.  Called by the request's handler after its verdict.
 */
void
client_release(struct client *c)
{
	struct server	*s = c->server;

	if (!(c->flags & CLIENT_HELD))
		return;
	client_unhold(c);
	if (!(c->flags & (CLIENT_CLOSING | CLIENT_INPUT_LEFT)) &&
	    (evbuffer_get_length(bufferevent_get_input(c->bev)) != 0 ||
	    (c->face->buffered != NULL && c->face->buffered(c) != 0))) {
		c->flags |= CLIENT_INPUT_LEFT;
		TAILQ_INSERT_TAIL(&s->pending, c, pending_entry);
		server_resume(s);
	}
}

/* hello accepted (nick.c has the nick): from now on, heartbeats. */
void
client_registered(struct client *c)
{
	c->flags |= CLIENT_REGISTERED;
	client_due(c);
	bufferevent_set_timeouts(c->bev, c->server->tv_heartbeat, NULL);
	log_info("client %llu from %s registered as %s",
	    (unsigned long long)c->id, c->addr, c->nick);
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
	struct evt	 e;

	if (c->flags & CLIENT_CLOSING)
		return;
	/* A user of another node (a kill): its node closes it. */
	if (c->flags & CLIENT_REMOTE) {
		cluster_forward(s->cluster, c, NULL, NULL, NULL, reason);
		return;
	}
	if (bye && !(c->flags & CLIENT_DEAD)) {
		evt_init(&e, EVT_BYE);
		e.bye = reason;
		if ((f = evt_frame(&e, c->face)) != NULL && f->size != 0)
			(void)client_queue(c, f);
		evt_clear(&e);
	}
	/* A face may end its stream its own way: a WebSocket close frame. */
	if (!(c->flags & CLIENT_DEAD) && c->face->end != NULL &&
	    (f = c->face->end(c, reason)) != NULL) {
		(void)client_queue(c, f);
		frame_unref(f);
	}
	client_unhold(c);
	c->flags |= CLIENT_CLOSING;
	c->close_reason = strdup(reason);
	client_due(c);
	/* Lingering to flush a bye, it no longer takes anyone's place. */
	s->nactive--;
	limit_ip_remove(s, c);
	bufferevent_disable(c->bev, EV_READ);
	if (c->flags & CLIENT_INPUT_LEFT) {
		TAILQ_REMOVE(&s->pending, c, pending_entry);
		c->flags &= ~CLIENT_INPUT_LEFT;
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
	c->flags |= CLIENT_DETACHED;
	if (c->server->cluster != NULL && c->flags & CLIENT_REGISTERED)
		cluster_quit(c->server->cluster, c);
	presence_quit(c);
	while (c->nrooms > 0)
		room_part(c->rooms[0], c);
	nick_release(c);
	presence_offline(c);
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

	if (!(c->flags & CLIENT_WRITEV)) {
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
	if (server_mono_ms() > c->linger_ms)
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
	if (c->flags & CLIENT_DEAD || (!(c->flags & CLIENT_WRITEV) &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)) {
		client_free(c);
		return;
	}
	bufferevent_setcb(c->bev, client_linger_read_cb,
	    client_linger_write_cb, client_linger_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	/*
	 * Lingering holds a descriptor outside every limit: a client that
	 * never registered (refused as the server or its address was full)
	 * gets a short linger, and past LINGER_MAX lingering at once, none.
	 */
	if (s->nlinger >= LINGER_MAX) {
		client_free(c);
		return;
	}
	c->flags |= CLIENT_LINGER;
	s->nlinger++;
	if (s->stopping)
		ms = SHUTDOWN_GRACE_MS;
	else
		ms = c->flags & CLIENT_REGISTERED ? CLOSE_LINGER_MS :
		    REFUSED_LINGER_MS;
	c->linger_ms = server_mono_ms() + ms;
	bufferevent_set_timeouts(c->bev, timeval_ms(&tv, ms), &tv);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_linger_write_cb(c->bev, c);
	else
		bufferevent_enable(c->bev, EV_WRITE);
}

/*
 * Read at most room bytes of bev's socket into its input with one read(2),
 * and no FIONREAD (evbuffer_read asks it before every read, to size its
 * buffer): into the stack, then appended, which costs a copy of what came
 * (a message: a few hundred bytes) and spares readv its vector.  Returns
 * what read returned; errno says why on -1.
 */
static ssize_t
client_read(struct bufferevent *bev, size_t room)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		 buf[CLIENT_READ_MAX];
	ssize_t		 n;
	int		 saved;

	if (room > sizeof buf)
		room = sizeof buf;
	if ((n = read(bufferevent_getfd(bev), buf, room)) <= 0)
		return (n);
	saved = errno;
	evbuffer_unfreeze(in, 0);
	if (evbuffer_add(in, buf, n) != 0) {
		n = -1;
		saved = ENOMEM;
	}
	evbuffer_freeze(in, 0);
	errno = saved;
	return (n);
}

/*
 * What a lost plain socket still holds: what the peer sent before its
 * reset or before our write failed is readable until the kernel says
 * otherwise.  Returns the bytes read (0 at the end, or for TLS).
 */
static ssize_t
client_read_rest(struct client *c)
{
	ssize_t	n;

	if (!(c->flags & CLIENT_WRITEV))
		return (0);
	/*
	 * A reset is reported once (the socket's error is then cleared) and
	 * may come before data that is still queued: read on after it.
	 */
	n = client_read(c->bev, CLIENT_READ_MAX);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		n = client_read(c->bev, CLIENT_READ_MAX);
	return (n > 0 ? n : 0);
}

/*
 * Hand c's input to its face, at most FRAMES_PER_PASS requests so that one
 * busy client cannot starve the others; if whole requests remain, c waits
 * its next turn on the server's pending list.  Called when bytes arrive
 * (client_read_cb) and on c's turn in the pending pass (server.c).
 */
void
client_input(struct client *c)
{
	struct server	*s = c->server;
	int64_t		 partial = c->partial_ms;

	if (c->flags & CLIENT_DEAD) {
		/* client_lost's turn: every last word, then the end. */
		do
			(void)c->face->read(c, UINT_MAX);
		while (!(c->flags & CLIENT_CLOSING) && client_read_rest(c) > 0);
		client_close(c, "connection closed", false);
		return;
	}
	if (c->face->read(c, FRAMES_PER_PASS) == FACE_READ_MORE &&
	    !(c->flags & (CLIENT_CLOSING | CLIENT_INPUT_LEFT))) {
		c->flags |= CLIENT_INPUT_LEFT;
		TAILQ_INSERT_TAIL(&s->pending, c, pending_entry);
		server_resume(s);
	}
	if (c->partial_ms != partial)
		client_due(c);
	client_sock_resume(c->bev);
}

/*
 * A plain client's socket is readable, or its read timeout has come (the
 * bufferevent's read event, assigned by client_new): what libevent's
 * bufferevent_readcb does (one read within the high watermark, then the
 * bufferevent's read callback; end of file, an error or the timeout to its
 * event callback, reading off), with client_read: one system call a read
 * where libevent makes two, and up to CLIENT_READ_MAX bytes where it takes
 * 4096.  The callbacks are the bufferevent's own, whichever are set (a
 * client's, or a lingering one's), as libevent would call them.
 */
static void
client_sock_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent	*bev = arg;
	size_t			 high = bev->wm_read.high, len, room;
	short			 ev = BEV_EVENT_READING;
	ssize_t			 n;
	int			 saved;

	/* A callback may free the client and bev: not before we are done. */
	bufferevent_incref(bev);
	if (what == EV_TIMEOUT)
		ev |= BEV_EVENT_TIMEOUT;
	else {
		len = evbuffer_get_length(bufferevent_get_input(bev));
		room = CLIENT_READ_MAX;
		if (high != 0 && (len >= high || high - len < room))
			room = len < high ? high - len : 0;
		/*
		 * At the watermark: no more reading until client_input has
		 * handled enough (client_sock_resume), as libevent suspends.
		 */
		if (room == 0) {
			(void)event_del(&bev->ev_read);
			goto done;
		}
		if ((n = client_read(bev, room)) > 0) {
			if (bev->readcb != NULL)
				bev->readcb(bev, bev->cbarg);
			goto done;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			goto done;
		ev |= n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR;
	}
	saved = errno;
	bufferevent_disable(bev, EV_READ);
	errno = saved;
	if (bev->errorcb != NULL)
		bev->errorcb(bev, ev, bev->cbarg);
done:
	bufferevent_decref(bev);
}

/* Whether bev is read by client_sock_read_cb (client_new decides). */
static bool
client_sock_hooked(struct bufferevent *bev)
{
	return (event_get_callback(&bev->ev_read) == client_sock_read_cb);
}

/*
 * Read again a plain socket whose reading client_sock_read_cb stopped at
 * the watermark, once its input is below it (libevent's own watermark,
 * set again by a reload, resumes itself).  Called by client_input.
 */
static void
client_sock_resume(struct bufferevent *bev)
{
	if (!client_sock_hooked(bev) || !(bev->enabled & EV_READ) ||
	    event_pending(&bev->ev_read, EV_READ, NULL) ||
	    evbuffer_get_length(bufferevent_get_input(bev)) >=
	    bev->wm_read.high)
		return;
	(void)event_add(&bev->ev_read, evutil_timerisset(&bev->timeout_read) ?
	    &bev->timeout_read : NULL);
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
	/* Any inbound byte proves the peer alive: back to the idle period. */
	if (c->flags & CLIENT_PINGED) {
		c->flags &= ~CLIENT_PINGED;
		bufferevent_set_timeouts(bev, c->server->tv_heartbeat, NULL);
	}
	if (c->flags & CLIENT_INPUT_LEFT)
		return;		/* the pending pass keeps the order */
	client_input(c);
	server_flush_due(c->server);
}

/* The read timeout: first silence earns a ping, the second a drop. */
static void
client_heartbeat(struct client *c)
{
	struct server	*s = c->server;
	struct evt	 e;

	if (c->flags & CLIENT_PINGED) {
		client_close(c, c->partial_ms != 0 ? "partial frame timeout" :
		    "ping timeout", true);
		return;
	}
	c->flags |= CLIENT_PINGED;
	evt_init(&e, EVT_PING);
	e.ping = server_now_ms(s);
	client_send(c, &e);
	evt_clear(&e);
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
			client_expire(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* A TLS error is not in errno: tls.c logs its reason. */
		log_debug("client %llu: %s", (unsigned long long)c->id,
		    what & BEV_EVENT_EOF ? "end of file" :
		    !(c->flags & CLIENT_WRITEV) ? "transport error" :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		client_lost(c, false);
	}
}

/* listener.c: evchatd's listening sockets, plain and TLS: opened from the config or taken from systemd
 * socket activation, and reconciled with a reloaded config; accepted connections go to server_accept. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>

#include <openssl/ssl.h>

#include "server.h"

/* Chat lines are small and interactive: do not wait to coalesce. */
static void
listener_nodelay(evutil_socket_t fd, const struct sockaddr *sa)
{
	int	one = 1;

	if (sa->sa_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A connection came in: a shortage of descriptors, if any, is over. */
static void
listener_accepted(struct server *s, evutil_socket_t fd,
    const struct sockaddr *sa)
{
	if (s->accept_failing) {
		s->accept_failing = false;
		log_info("accepting connections again");
	}
	listener_nodelay(fd, sa);
}

static void
listener_accept_cb(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct server		*s = arg;
	struct bufferevent	*bev;

	listener_accepted(s, fd, sa);
	bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		log_warn("cannot accept a client: out of memory");
		return;
	}
	server_accept(s, &face_evchat, bev, sa, true);
}

/*
 * A TLS connection: libevent does the handshake, then reads and writes
 * through OpenSSL, so the server never writes its socket itself.  The
 * context is the one in use now: a reload changes it for the next
 * connections only.
 */
static void
listener_accept_tls_cb(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct server		*s = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	listener_accepted(s, fd, sa);
	if (s->tls_ctx == NULL || (ssl = SSL_new(s->tls_ctx)) == NULL) {
		evutil_closesocket(fd);
		log_warn("cannot accept a TLS client: %s", s->tls_ctx == NULL ?
		    "no certificate" : "out of memory");
		return;
	}
	/* On failure libevent has freed ssl, and closed fd with it. */
	bev = bufferevent_openssl_socket_new(s->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warn("cannot accept a TLS client: out of memory");
		return;
	}
	server_accept(s, &face_evchat, bev, sa, false);
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	size_t		 i;

	for (i = 0; i < s->nlisteners; i++)
		evconnlistener_enable(s->listeners[i].evl);
}

/*
 * Out of descriptors or memory: the listening socket stays readable, so
 * accepting again at once would spin the loop.  Stop for a moment instead.
 */
static void
listener_pause(struct server *s, int err)
{
	struct timeval	tv;
	size_t		i;

	if (s->accept_pause == NULL &&
	    (s->accept_pause = evtimer_new(s->base, listener_resume_cb,
	    s)) == NULL)
		return;
	if (evtimer_pending(s->accept_pause, NULL))
		return;
	/* Once a shortage: the retries that fail again stay quiet. */
	if (!s->accept_failing) {
		s->accept_failing = true;
		log_warn("accept: %s: pausing for %d ms", strerror(err),
		    ACCEPT_PAUSE_MS);
	}
	for (i = 0; i < s->nlisteners; i++)
		evconnlistener_disable(s->listeners[i].evl);
	evtimer_add(s->accept_pause, timeval_ms(&tv, ACCEPT_PAUSE_MS));
}

static void
listener_error_cb(struct evconnlistener *evl, void *arg)
{
	int	err = EVUTIL_SOCKET_ERROR();

	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		listener_pause(arg, err);
		return;
	}
	log_warn("accept: %s", evutil_socket_error_to_string(err));
}

/* "ADDR:PORT" of a bound socket, with the real port when 0 was asked. */
static void
listener_name(evutil_socket_t fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		snprintf(buf, len, "?");
	else if (addr_format((struct sockaddr *)&ss, buf, len) != 0)
		snprintf(buf, len, "fd %d", (int)fd);
}

static int
listener_add(struct server *s, const char *addr, bool tls,
    struct evconnlistener *evl)
{
	struct listener	*l;
	char		 name[ADDR_STRLEN];

	l = reallocarray(s->listeners, s->nlisteners + 1, sizeof *l);
	if (l == NULL) {
		evconnlistener_free(evl);
		return (-1);
	}
	s->listeners = l;
	l = &s->listeners[s->nlisteners++];
	if ((l->addr = strdup(addr)) == NULL) {
		evconnlistener_free(evl);
		s->nlisteners--;
		return (-1);
	}
	l->evl = evl;
	l->tls = tls;
	evconnlistener_set_error_cb(evl, listener_error_cb);
	listener_name(evconnlistener_get_fd(evl), name, sizeof name);
	log_info("listening on %s%s", name, tls ? " (TLS)" : "");
	return (0);
}

/*
 * Bind and listen on addr.  Returns 0, 1 when an IPv6 address is not
 * available on this host (skipped with a warning: a default that lists ::1
 * must still start where IPv6 is off), or -1.
 */
static int
listener_open(struct server *s, const char *addr, bool tls)
{
	struct sockaddr_storage	 ss;
	struct evconnlistener	*evl;
	socklen_t		 sl;
	char			 why[128];
	int			 err;
	unsigned int		 flags;

	/* The config checked it: this is for a config built otherwise. */
	if (addr_parse(addr, &ss, &sl, why, sizeof why) != 0) {
		log_error("listen %s: %s", addr, why);
		return (-1);
	}
	flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE;
	if (ss.ss_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	evl = evconnlistener_new_bind(s->base, tls ? listener_accept_tls_cb :
	    listener_accept_cb, s, flags, -1, (struct sockaddr *)&ss, sl);
	if (evl == NULL) {
		err = errno;
		if (ss.ss_family == AF_INET6 &&
		    (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
			log_warn("listen %s: %s (skipped)", addr, strerror(err));
			return (1);
		}
		log_error("listen %s: %s", addr, strerror(err));
		return (-1);
	}
	return (listener_add(s, addr, tls, evl));
}

/*
 * Adopt the n sockets systemd passed.  Those it names "tls"
 * (FileDescriptorName=tls in the socket unit) speak TLS; names is
 * LISTEN_FDNAMES, which systemd_listen_fds clears, or NULL.
 */
static int
listener_adopt(struct server *s, int n, char *names)
{
	struct evconnlistener	*evl;
	const char		*name;
	bool			 tls;
	int			 fd;

	s->activated = true;
	log_info("using %d socket(s) from systemd", n);
	for (fd = 3; fd < 3 + n; fd++) {
		name = names != NULL ? strsep(&names, ":") : NULL;
		tls = name != NULL && strcmp(name, "tls") == 0;
		if (tls && s->tls_ctx == NULL) {
			log_error("socket %d from systemd is named tls, but "
			    "there is no tls-cert", fd);
			return (-1);
		}
		evutil_make_socket_nonblocking(fd);
		/* Backlog 0: the socket is listening already. */
		evl = evconnlistener_new(s->base, tls ? listener_accept_tls_cb :
		    listener_accept_cb, s,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (evl == NULL || listener_add(s, "systemd", tls, evl) != 0)
			return (-1);
	}
	return (0);
}

/* Load the TLS context, then open the listeners or adopt systemd's. */
int
listener_open_all(struct server *s)
{
	const struct config	*cf = s->config;
	const char		*env;
	char			*names = NULL;
	size_t			 i;
	int			 n, rc;

	if (tls_reload(s, cf) != 0)
		return (-1);
	if ((env = getenv("LISTEN_FDNAMES")) != NULL &&
	    (names = strdup(env)) == NULL)
		return (-1);
	if ((n = systemd_listen_fds()) > 0) {
		rc = listener_adopt(s, n, names);
		free(names);
		return (rc);
	}
	free(names);
	for (i = 0; i < cf->nlisten; i++) {
		if (listener_open(s, cf->listen[i], false) == -1)
			return (-1);
	}
	for (i = 0; i < cf->ntls_listen; i++) {
		if (listener_open(s, cf->tls_listen[i], true) == -1)
			return (-1);
	}
	if (s->nlisteners == 0) {
		log_error("no address to listen on");
		return (-1);
	}
	return (0);
}

/*
 * How many times cf names addr, and how many listeners are open on it: an
 * address with port 0 may be named more than once, for as many ephemeral
 * ports, so a reload matches them by count, not by name alone.
 */
static size_t
listener_wanted(const struct config *cf, const char *addr, bool tls)
{
	char *const	*list = tls ? cf->tls_listen : cf->listen;
	size_t		 n = tls ? cf->ntls_listen : cf->nlisten, i, count = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], addr) == 0)
			count++;
	}
	return (count);
}

static size_t
listener_open_now(const struct server *s, const char *addr, bool tls)
{
	size_t	i, count = 0;

	for (i = 0; i < s->nlisteners; i++) {
		if (s->listeners[i].tls == tls &&
		    strcmp(s->listeners[i].addr, addr) == 0)
			count++;
	}
	return (count);
}

/*
 * Reload the TLS context, close the listeners cf no longer names and open
 * the ones it adds; the others keep their sockets (and their queued
 * connections).
 */
int
listener_reconcile(struct server *s, const struct config *cf)
{
	struct listener	*l;
	size_t		 i;
	int		 rc = 0;

	/* A pair that does not load is logged there, and the old stays. */
	(void)tls_reload(s, cf);
	if (s->activated)
		return (0);	/* systemd owns the sockets */
	for (i = 0; i < s->nlisteners; ) {
		l = &s->listeners[i];
		if (listener_open_now(s, l->addr, l->tls) <=
		    listener_wanted(cf, l->addr, l->tls)) {
			i++;
			continue;
		}
		log_info("no longer listening on %s%s", s->listeners[i].addr,
		    s->listeners[i].tls ? " (TLS)" : "");
		evconnlistener_free(s->listeners[i].evl);
		free(s->listeners[i].addr);
		s->listeners[i] = s->listeners[--s->nlisteners];
	}
	for (i = 0; i < cf->nlisten; i++) {
		if (listener_open_now(s, cf->listen[i], false) <
		    listener_wanted(cf, cf->listen[i], false) &&
		    listener_open(s, cf->listen[i], false) == -1)
			rc = -1;
	}
	for (i = 0; i < cf->ntls_listen; i++) {
		if (listener_open_now(s, cf->tls_listen[i], true) >=
		    listener_wanted(cf, cf->tls_listen[i], true))
			continue;
		if (s->tls_ctx == NULL) {
			log_error("listen %s: no TLS certificate loaded",
			    cf->tls_listen[i]);
			rc = -1;
		} else if (listener_open(s, cf->tls_listen[i], true) == -1)
			rc = -1;
	}
	return (rc);
}

/* Close every listener; the TLS connections keep their own context. */
void
listener_close_all(struct server *s)
{
	size_t	i;

	for (i = 0; i < s->nlisteners; i++) {
		evconnlistener_free(s->listeners[i].evl);
		free(s->listeners[i].addr);
	}
	free(s->listeners);
	s->listeners = NULL;
	s->nlisteners = 0;
	tls_free(s);
}

/* listener.c: evchatd's listening sockets of every kind (evchat or web, plain or TLS): opened from the config
 * or taken from systemd socket activation, reconciled with a reloaded config; connections go to server_accept. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>

#include <openssl/ssl.h>

#include "server.h"

/*
 * A kind of listener: the config key that lists its addresses, whether it
 * speaks TLS, the face its connections start with, and how the log and
 * systemd's FileDescriptorName call it.
 */
struct listener_kind {
	const char		*key;
	size_t			 off;	/* the list in struct config */
	size_t			 noff;	/* its length */
	bool			 tls;
	const struct face	*face;
	const char		*label;	/* after "listening on ADDR" */
	const char		*fdname;
};

static const struct listener_kind listener_kinds[] = {
	{ "listen", offsetof(struct config, listen),
	  offsetof(struct config, nlisten), false, &face_evchat, "", "" },
	{ "tls-listen", offsetof(struct config, tls_listen),
	  offsetof(struct config, ntls_listen), true, &face_evchat, " (TLS)",
	  "tls" },
	{ "web-listen", offsetof(struct config, web_listen),
	  offsetof(struct config, nweb_listen), false, &face_http, " (web)",
	  "web" },
	{ "web-tls-listen", offsetof(struct config, web_tls_listen),
	  offsetof(struct config, nweb_tls_listen), true, &face_http,
	  " (web TLS)", "web-tls" },
	{ "irc-listen", offsetof(struct config, irc_listen),
	  offsetof(struct config, nirc_listen), false, &face_irc[0], " (irc)",
	  "irc" },
	{ "irc-tls-listen", offsetof(struct config, irc_tls_listen),
	  offsetof(struct config, nirc_tls_listen), true, &face_irc[0],
	  " (irc tls)", "irc-tls" },
};

/* The addresses cf lists for kind k. */
static char *const *
listener_list(const struct config *cf, const struct listener_kind *k,
    size_t *n)
{
	*n = *(const size_t *)((const char *)cf + k->noff);
	return (*(char *const *const *)((const char *)cf + k->off));
}

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
	struct listener		*l = arg;
	struct server		*s = l->server;
	struct bufferevent	*bev;

	listener_accepted(s, fd, sa);
	bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		log_warn("cannot accept a client: out of memory");
		return;
	}
	server_accept(s, l->kind->face, bev, sa, true);
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
	struct listener		*l = arg;
	struct server		*s = l->server;
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
	server_accept(s, l->kind->face, bev, sa, false);
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	size_t		 i;

	for (i = 0; i < s->nlisteners; i++)
		evconnlistener_enable(s->listeners[i]->evl);
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
		evconnlistener_disable(s->listeners[i]->evl);
	evtimer_add(s->accept_pause, timeval_ms(&tv, ACCEPT_PAUSE_MS));
}

static void
listener_error_cb(struct evconnlistener *evl, void *arg)
{
	struct listener	*l = arg;
	int		 err = EVUTIL_SOCKET_ERROR();

	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		listener_pause(l->server, err);
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

/* A new listener of kind k on addr, its socket opened by the caller. */
static struct listener *
listener_new(struct server *s, const char *addr,
    const struct listener_kind *k)
{
	struct listener	**ls, *l;

	ls = reallocarray(s->listeners, s->nlisteners + 1, sizeof *ls);
	if (ls == NULL)
		return (NULL);
	s->listeners = ls;
	if ((l = calloc(1, sizeof *l)) == NULL)
		return (NULL);
	if ((l->addr = strdup(addr)) == NULL) {
		free(l);
		return (NULL);
	}
	l->server = s;
	l->kind = k;
	s->listeners[s->nlisteners++] = l;
	return (l);
}

static void
listener_free(struct listener *l)
{
	if (l->evl != NULL)
		evconnlistener_free(l->evl);
	free(l->addr);
	free(l);
}

/* The last listener_new's socket is evl: start accepting on it. */
static void
listener_ready(struct listener *l, struct evconnlistener *evl)
{
	char	name[ADDR_STRLEN];

	l->evl = evl;
	evconnlistener_set_error_cb(evl, listener_error_cb);
	listener_name(evconnlistener_get_fd(evl), name, sizeof name);
	log_info("listening on %s%s", name, l->kind->label);
}

/* Drop the last listener_new'd listener, its socket never opened. */
static void
listener_drop_last(struct server *s)
{
	listener_free(s->listeners[--s->nlisteners]);
}

/*
 * Bind and listen on addr.  Returns 0, 1 when an IPv6 address is not
 * available on this host (skipped with a warning: a default that lists ::1
 * must still start where IPv6 is off), or -1.
 */
static int
listener_open(struct server *s, const char *addr,
    const struct listener_kind *k)
{
	struct sockaddr_storage	 ss;
	struct evconnlistener	*evl;
	struct listener		*l;
	socklen_t		 sl;
	char			 why[128];
	int			 err;
	unsigned int		 flags;

	/* The config checked it: this is for a config built otherwise. */
	if (addr_parse(addr, &ss, &sl, why, sizeof why) != 0) {
		log_error("listen %s: %s", addr, why);
		return (-1);
	}
	if ((l = listener_new(s, addr, k)) == NULL) {
		log_error("listen %s: out of memory", addr);
		return (-1);
	}
	flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE;
	if (ss.ss_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	evl = evconnlistener_new_bind(s->base, k->tls ? listener_accept_tls_cb :
	    listener_accept_cb, l, flags, -1, (struct sockaddr *)&ss, sl);
	if (evl == NULL) {
		err = errno;
		listener_drop_last(s);
		if (ss.ss_family == AF_INET6 &&
		    (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
			log_warn("listen %s: %s (skipped)", addr, strerror(err));
			return (1);
		}
		log_error("listen %s: %s", addr, strerror(err));
		return (-1);
	}
	listener_ready(l, evl);
	return (0);
}

/* The kind systemd's FileDescriptorName names: evchat when none is. */
static const struct listener_kind *
listener_kind_named(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < nitems(listener_kinds); i++) {
		if (strcmp(listener_kinds[i].fdname, name) == 0)
			return (&listener_kinds[i]);
	}
	return (&listener_kinds[0]);
}

/*
 * Adopt the n sockets systemd passed.  Their FileDescriptorName in the
 * socket unit says the kind: tls, web or web-tls (any other name, or
 * none: evchat); names is LISTEN_FDNAMES, which systemd_listen_fds
 * clears, or NULL.
 */
static int
listener_adopt(struct server *s, int n, char *names)
{
	const struct listener_kind	*k;
	struct evconnlistener		*evl;
	struct listener			*l;
	const char			*name;
	int				 fd;

	s->activated = true;
	log_info("using %d socket(s) from systemd", n);
	for (fd = 3; fd < 3 + n; fd++) {
		name = names != NULL ? strsep(&names, ":") : NULL;
		k = listener_kind_named(name);
		if (k->tls && s->tls_ctx == NULL) {
			log_error("socket %d from systemd is named %s, but "
			    "there is no tls-cert", fd, name);
			return (-1);
		}
		evutil_make_socket_nonblocking(fd);
		if ((l = listener_new(s, "systemd", k)) == NULL)
			return (-1);
		/* Backlog 0: the socket is listening already. */
		evl = evconnlistener_new(s->base, k->tls ?
		    listener_accept_tls_cb : listener_accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (evl == NULL) {
			listener_drop_last(s);
			return (-1);
		}
		listener_ready(l, evl);
	}
	return (0);
}

/* Load the TLS context, then open the listeners or adopt systemd's. */
int
listener_open_all(struct server *s)
{
	const struct config	*cf = s->config;
	const struct listener_kind *k;
	const char		*env;
	char *const		*list;
	char			*names = NULL;
	size_t			 i, j, len;
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
	for (i = 0; i < nitems(listener_kinds); i++) {
		k = &listener_kinds[i];
		list = listener_list(cf, k, &len);
		for (j = 0; j < len; j++) {
			if (listener_open(s, list[j], k) == -1)
				return (-1);
		}
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
listener_wanted(const struct config *cf, const char *addr,
    const struct listener_kind *k)
{
	char *const	*list;
	size_t		 n, i, count = 0;

	list = listener_list(cf, k, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i], addr) == 0)
			count++;
	}
	return (count);
}

static size_t
listener_open_now(const struct server *s, const char *addr,
    const struct listener_kind *k)
{
	size_t	i, count = 0;

	for (i = 0; i < s->nlisteners; i++) {
		if (s->listeners[i]->kind == k &&
		    strcmp(s->listeners[i]->addr, addr) == 0)
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
	const struct listener_kind	*k;
	struct listener			*l;
	char *const			*list;
	size_t				 i, j, n;
	int				 rc = 0;

	/* A pair that does not load is logged there, and the old stays. */
	(void)tls_reload(s, cf);
	if (s->activated)
		return (0);	/* systemd owns the sockets */
	for (i = 0; i < s->nlisteners; ) {
		l = s->listeners[i];
		if (listener_open_now(s, l->addr, l->kind) <=
		    listener_wanted(cf, l->addr, l->kind)) {
			i++;
			continue;
		}
		log_info("no longer listening on %s%s", l->addr,
		    l->kind->label);
		listener_free(l);
		s->listeners[i] = s->listeners[--s->nlisteners];
	}
	for (i = 0; i < nitems(listener_kinds); i++) {
		k = &listener_kinds[i];
		list = listener_list(cf, k, &n);
		for (j = 0; j < n; j++) {
			if (listener_open_now(s, list[j], k) >=
			    listener_wanted(cf, list[j], k))
				continue;
			if (k->tls && s->tls_ctx == NULL) {
				log_error("listen %s: no TLS certificate "
				    "loaded", list[j]);
				rc = -1;
			} else if (listener_open(s, list[j], k) == -1)
				rc = -1;
		}
	}
	return (rc);
}

/* Close every listener; the TLS connections keep their own context. */
void
listener_close_all(struct server *s)
{
	size_t	i;

	for (i = 0; i < s->nlisteners; i++)
		listener_free(s->listeners[i]);
	free(s->listeners);
	s->listeners = NULL;
	s->nlisteners = 0;
	tls_free(s);
}

/* listener.c: evchatd's listening sockets: opened from the config or taken from systemd socket
 * activation, and reconciled with a reloaded config; accepted sockets go to server_accept. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "server.h"

static void
listener_accept_cb(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct server		*s = arg;
	struct bufferevent	*bev;
	int			 one = 1;

	/* Chat lines are small and interactive: do not wait to coalesce. */
	if (sa->sa_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		log_warn("cannot accept a client: out of memory");
		return;
	}
	server_accept(s, bev, sa, true);
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	size_t		 i;

	log_info("accepting connections again");
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
	log_warn("accept: %s: pausing for %d ms", strerror(err),
	    ACCEPT_PAUSE_MS);
	for (i = 0; i < s->nlisteners; i++)
		evconnlistener_disable(s->listeners[i].evl);
	tv.tv_sec = ACCEPT_PAUSE_MS / 1000;
	tv.tv_usec = (ACCEPT_PAUSE_MS % 1000) * 1000;
	evtimer_add(s->accept_pause, &tv);
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
	char			 host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		evutil_inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else
		snprintf(buf, len, "fd %d", (int)fd);
}

static int
listener_add(struct server *s, const char *addr, struct evconnlistener *evl)
{
	struct listener	*l;
	char		 name[INET6_ADDRSTRLEN + 16];

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
	evconnlistener_set_error_cb(evl, listener_error_cb);
	listener_name(evconnlistener_get_fd(evl), name, sizeof name);
	log_info("listening on %s", name);
	return (0);
}

/*
 * Parse "ADDR:PORT" or "[ADDR6]:PORT".  libevent's parser refuses port 0,
 * which asks for an ephemeral port, so that one is parsed without its port.
 */
static int
listener_parse(const char *addr, struct sockaddr_storage *ss, int *sl)
{
	char		 host[INET6_ADDRSTRLEN + 3];
	const char	*colon;

	memset(ss, 0, sizeof *ss);
	*sl = sizeof *ss;
	colon = strrchr(addr, ':');
	if (colon == NULL || strcmp(colon, ":0") != 0 ||
	    (size_t)(colon - addr) >= sizeof host)
		return (evutil_parse_sockaddr_port(addr, (struct sockaddr *)ss,
		    sl));
	memcpy(host, addr, colon - addr);
	host[colon - addr] = '\0';
	return (evutil_parse_sockaddr_port(host, (struct sockaddr *)ss, sl));
}

/*
 * Bind and listen on addr.  Returns 0, 1 when an IPv6 address is not
 * available on this host (skipped with a warning: a default that lists ::1
 * must still start where IPv6 is off), or -1.
 */
static int
listener_open(struct server *s, const char *addr)
{
	struct sockaddr_storage	 ss;
	struct evconnlistener	*evl;
	int			 sl, err;
	unsigned int		 flags;

	if (listener_parse(addr, &ss, &sl) != 0) {
		log_error("listen %s: not an ADDR:PORT", addr);
		return (-1);
	}
	flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE;
	if (ss.ss_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	evl = evconnlistener_new_bind(s->base, listener_accept_cb, s, flags,
	    -1, (struct sockaddr *)&ss, sl);
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
	return (listener_add(s, addr, evl));
}

/* Open the configured listeners, or adopt systemd's sockets. */
int
listener_open_all(struct server *s)
{
	struct evconnlistener	*evl;
	size_t			 i;
	int			 n, fd;

	if ((n = systemd_listen_fds()) > 0) {
		s->activated = true;
		log_info("using %d socket(s) from systemd", n);
		for (fd = 3; fd < 3 + n; fd++) {
			evutil_make_socket_nonblocking(fd);
			/* Backlog 0: the socket is listening already. */
			evl = evconnlistener_new(s->base, listener_accept_cb, s,
			    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
			if (evl == NULL || listener_add(s, "systemd", evl) != 0)
				return (-1);
		}
		return (0);
	}
	for (i = 0; i < s->config->nlisten; i++) {
		if (listener_open(s, s->config->listen[i]) == -1)
			return (-1);
	}
	if (s->nlisteners == 0) {
		log_error("no address to listen on");
		return (-1);
	}
	return (0);
}

static bool
listener_configured(const struct config *cf, const char *addr)
{
	size_t	i;

	for (i = 0; i < cf->nlisten; i++) {
		if (strcmp(cf->listen[i], addr) == 0)
			return (true);
	}
	return (false);
}

static bool
listener_open_now(const struct server *s, const char *addr)
{
	size_t	i;

	for (i = 0; i < s->nlisteners; i++) {
		if (strcmp(s->listeners[i].addr, addr) == 0)
			return (true);
	}
	return (false);
}

/*
 * Close the listeners cf no longer names and open the ones it adds; the
 * others keep their sockets (and their queued connections).
 */
int
listener_reconcile(struct server *s, const struct config *cf)
{
	size_t	i;
	int	rc = 0;

	if (s->activated)
		return (0);	/* systemd owns the sockets */
	for (i = 0; i < s->nlisteners; ) {
		if (listener_configured(cf, s->listeners[i].addr)) {
			i++;
			continue;
		}
		log_info("no longer listening on %s", s->listeners[i].addr);
		evconnlistener_free(s->listeners[i].evl);
		free(s->listeners[i].addr);
		s->listeners[i] = s->listeners[--s->nlisteners];
	}
	for (i = 0; i < cf->nlisten; i++) {
		if (!listener_open_now(s, cf->listen[i]) &&
		    listener_open(s, cf->listen[i]) == -1)
			rc = -1;
	}
	return (rc);
}

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
}

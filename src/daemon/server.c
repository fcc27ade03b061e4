/* server.c: the one server struct and its loop: accepting, the reaper and pending passes, signals
 * (stop, reload, counters), systemd notification and the graceful shutdown; message types live in cmd-*.c. */

#include <sys/time.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "server.h"
#include "store.h"

static const struct timeval server_tv_now = { 0, 0 };

/* Every message's msgid: the store keeps them above all it has kept. */
uint64_t
server_msgid(struct server *s)
{
	return (store_msgid(s->store));
}

/* Wall-clock milliseconds, as cached by the loop for this pass. */
int64_t
server_now_ms(struct server *s)
{
	struct timeval	tv;

	if (event_base_gettimeofday_cached(s->base, &tv) != 0)
		evutil_gettimeofday(&tv, NULL);
	return ((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

/*
 * A new connection on bev (owned from here on), speaking face (the
 * listener's kind says which); direct when it is a plain
 * socket that server_flush may write itself.
 */
void
server_accept(struct server *s, const struct face *face,
    struct bufferevent *bev, const struct sockaddr *sa, bool direct)
{
	struct client	*c;
	struct ban	*b;
	unsigned int	 max = s->config->max_clients;

	s->stats.accepted++;
	if ((c = client_new(s, face, bev, sa, direct)) == NULL) {
		log_warn("cannot accept a client: out of memory");
		return;
	}
	if (max != 0 && s->nactive > max) {
		log_info("client %llu from %s refused: server full (%u)",
		    (unsigned long long)c->id, c->addr, max);
		client_error(c, ERR_SERVER_FULL, NULL, NULL);
		client_close(c, "server full", true);
		return;
	}
	if ((b = ban_addr_match(s, sa)) != NULL) {
		log_info("client %llu from %s refused: banned by %s",
		    (unsigned long long)c->id, c->addr, b->by);
		ban_refuse(c, b);
		return;
	}
	/* A trusted proxy speaks for others: face-http.c counts them. */
	if (face == &face_http && limit_cidr_any(s->config->web_proxies,
	    s->config->nweb_proxies, sa))
		return;
	if (!limit_ip_add(s, c, sa)) {
		log_info("client %llu from %s refused: too many connections "
		    "from that address", (unsigned long long)c->id, c->addr);
		client_error(c, ERR_SERVER_FULL, NULL,
		    "too many connections from your address");
		client_close(c, "too many connections from your address", true);
	}
}

/* Free (or start flushing) every client marked closing since last pass. */
static void
server_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct client	*c;

	while ((c = TAILQ_FIRST(&s->closing)) != NULL) {
		TAILQ_REMOVE(&s->closing, c, close_entry);
		client_reap(c);
	}
}

/*
 * Go on with the clients that had more frames than one pass allows.  They
 * stay on the list while waiting their turn, so that one closed meanwhile
 * (by a broadcast to it overflowing) leaves it the usual way; those that
 * still have more go back at the tail, for the next pass.
 */
static void
server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct client	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &s->pending, pending_entry)
		n++;
	while (n-- > 0 && (c = TAILQ_FIRST(&s->pending)) != NULL) {
		TAILQ_REMOVE(&s->pending, c, pending_entry);
		c->flags &= ~CLIENT_INPUT_LEFT;
		client_input(c);
		server_flush_due(s);
	}
}

/* Close the unregistered clients whose deadline has come. */
static void
server_due_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct client	*c;
	int64_t		 now = server_mono_ms();

	while ((c = TAILQ_FIRST(&s->due)) != NULL && c->due_ms <= now)
		client_expire(c);	/* closing takes it off the list */
	server_due_arm(s);
}

/* Arm the deadline timer for the first client on the due list. */
void
server_due_arm(struct server *s)
{
	struct client	*c;
	struct timeval	 tv;
	int64_t		 ms;

	if ((c = TAILQ_FIRST(&s->due)) == NULL) {
		evtimer_del(s->due_timer);
		return;
	}
	ms = c->due_ms - server_mono_ms() + 1;	/* not a hair early */
	evtimer_add(s->due_timer, timeval_ms(&tv, ms < 0 ? 0 : ms));
}

/*
 * Schedule a pending pass.  A zero timer rather than event_active, so the
 * loop polls the sockets in between and every client gets its turn.
 */
void
server_resume(struct server *s)
{
	if (!evtimer_pending(s->resume, NULL))
		evtimer_add(s->resume, &server_tv_now);
}

/*
 * Write out everything queued during the pass that just ended: each client
 * touched gets one writev however many frames it was sent (Redis's
 * beforeSleep).
 */
void
server_flush(struct server *s)
{
	struct client	*c;

	while ((c = TAILQ_FIRST(&s->touched)) != NULL) {
		TAILQ_REMOVE(&s->touched, c, touched_entry);
		c->flags &= ~CLIENT_FLUSH;
		if (c->flags & CLIENT_DEAD)
			continue;
		if (client_flush(c) != 0)
			client_lost(c, false);
	}
	s->flushed_us = server_mono_us();
}

/*
 * Flush before the pass ends when it has run long: with hundreds of
 * sockets ready, answers held back until the last one is read would make
 * every peer wait for the whole pass (and then the server for them).
 */
void
server_flush_due(struct server *s)
{
	if (!TAILQ_EMPTY(&s->touched) &&
	    server_mono_us() - s->flushed_us >= FLUSH_INTERVAL_US)
		server_flush(s);
}

/* Monotonic microseconds, precise (a vDSO call, not a syscall). */
int64_t
server_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

int64_t
server_mono_ms(void)
{
	return (server_mono_us() / 1000);
}

/*
 * glibc keeps the pages a burst of connections freed (their buffers lie
 * below allocations that live on), so a server back to its usual load
 * would keep its peak memory for good.  Hand them back, once a while
 * after clients go.
 */
static void
server_trim_cb(evutil_socket_t fd, short what, void *arg)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

void
server_trim_later(struct server *s)
{
	struct timeval	tv;

	if (s->trim == NULL || evtimer_pending(s->trim, NULL))
		return;
	evtimer_add(s->trim, timeval_ms(&tv, TRIM_DELAY_MS));
}

static void
server_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	log_info("shutdown grace period over, %zu client(s) not flushed",
	    s->nclients);
	event_base_loopexit(s->base, NULL);
}

/* Stop accepting, say bye to everyone and leave the loop once flushed. */
void
server_stop(struct server *s)
{
	struct client	*c;
	struct timeval	 tv;

	if (s->stopping)
		return;
	s->stopping = true;
	systemd_notify("STOPPING=1");
	/* The other nodes hear of this one's users at once, not in a lease. */
	cluster_stop(s->cluster);
	log_info("shutting down, %zu client(s)", s->nclients);
	listener_close_all(s);
	TAILQ_FOREACH(c, &s->clients, entry)
		client_close(c, "server shutting down", true);
	if (s->nclients == 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	evtimer_add(s->grace, timeval_ms(&tv, SHUTDOWN_GRACE_MS));
}

static void
server_signal_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: stopping", (int)sig);
	server_stop(arg);
}

/* Common timeout queues make each client's timer O(1) to re-arm. */
static void
server_set_timeouts(struct server *s)
{
	const struct config	*cf = s->config;
	struct timeval		 tv;

	tv.tv_usec = 0;
	tv.tv_sec = cf->heartbeat;
	s->tv_heartbeat = event_base_init_common_timeout(s->base, &tv);
	tv.tv_sec = cf->timeout - cf->heartbeat;
	s->tv_timeout = event_base_init_common_timeout(s->base, &tv);
}

/*
 * Apply a reloaded config to the clients that are already connected.  New
 * durations apply to the timers armed from now on; the deadlines already
 * running (a heartbeat, an outstanding ping, a registration) keep theirs,
 * or reloads more frequent than a timeout would keep dead clients forever.
 */
static void
server_apply(struct server *s, struct config *cf)
{
	struct client	*c;
	bool		 resized = cf->max_frame != s->config->max_frame;

	config_free(s->config);
	s->config = cf;
	log_set_level(cf->log_level);
	server_set_timeouts(s);
	/*
	 * Setting a watermark re-arms libevent's read timeout, so only a
	 * change of max-frame (which a frame in progress may need to fit)
	 * restarts the clients' idle timers.
	 */
	TAILQ_FOREACH(c, &s->clients, entry) {
		if (resized && !(c->flags & CLIENT_CLOSING))
			bufferevent_setwatermark(c->bev, EV_READ, 0,
			    FRAME_HEADER + cf->max_frame);
	}
}

/* What the web listeners serve, for the operator. */
static void
server_web_log(const struct server *s)
{
	if (s->config->nweb_listen + s->config->nweb_tls_listen == 0 &&
	    !s->activated)
		return;
	log_info("web page: %zu files, %zu bytes, %s", s->web->nfiles,
	    s->web->bytes, s->config->web_root != NULL ? s->config->web_root :
	    "built in");
}

/*
 * The message of the day for IRC clients, read from motd-file at start and
 * at each reload (never per client: no disk on the loop's way).  A file
 * that cannot be read is logged, and the MOTD is then missing (422).
 */
static void
server_motd(struct server *s, const struct config *cf)
{
	char	*text = NULL;
	FILE	*f;
	size_t	 n;

	free(s->motd);
	s->motd = NULL;
	if (cf->motd_file == NULL)
		return;
	if ((f = fopen(cf->motd_file, "r")) == NULL ||
	    (text = malloc(SERVER_MOTD_MAX + 1)) == NULL) {
		log_warn("motd-file %s: %s", cf->motd_file, strerror(errno));
		if (f != NULL)
			fclose(f);
		return;
	}
	n = fread(text, 1, SERVER_MOTD_MAX, f);
	fclose(f);
	text[n] = '\0';
	if (!utf8_valid(text, n)) {
		log_warn("motd-file %s: not UTF-8", cf->motd_file);
		free(text);
		return;
	}
	s->motd = text;
}

static void
server_reload(struct server *s)
{
	struct web	*web;
	struct config	*cf;
	char		 err[512], msg[64];
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	systemd_notify(msg);
	cf = config_from_args(s->argc, s->argv, err, sizeof err);
	if (cf == NULL || (web = web_new(cf, err, sizeof err)) == NULL) {
		log_warn("reload failed, keeping the old configuration: %s",
		    err);
		config_free(cf);
		systemd_notify("READY=1");
		return;
	}
	/* Responses queued already keep their own references. */
	web_free(s->web);
	s->web = web;
	if (listener_reconcile(s, cf) != 0)
		log_warn("reload: some listeners could not be opened");
	server_apply(s, cf);
	server_motd(s, s->config);
	log_info("configuration reloaded");
	server_web_log(s);
	systemd_notify("READY=1");
}

static void
server_signal_hup_cb(evutil_socket_t sig, short what, void *arg)
{
	server_reload(arg);
}

static void
server_signal_usr1_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server	*s = arg;

	log_info("stats: clients %zu rooms %zu frames_in %llu frames_out %llu "
	    "bytes_in %llu bytes_out %llu drops %llu accepted %llu "
	    "uptime %llds", s->nactive, hash_count(s->rooms),
	    (unsigned long long)s->stats.frames_in,
	    (unsigned long long)s->stats.frames_out,
	    (unsigned long long)s->stats.bytes_in,
	    (unsigned long long)s->stats.bytes_out,
	    (unsigned long long)s->stats.drops,
	    (unsigned long long)s->stats.accepted,
	    (long long)(time(NULL) - s->started));
	if (s->cluster != NULL)
		cluster_log_stats(s->cluster);
}

static void
server_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	systemd_notify("WATCHDOG=1");
}

static int
server_watchdog_start(struct server *s)
{
	unsigned long long	usec;
	struct timeval		tv;

	if ((usec = systemd_watchdog_usec()) == 0)
		return (0);
	timeval_us(&tv, usec / 2);
	s->watchdog = event_new(s->base, -1, EV_PERSIST, server_watchdog_cb, s);
	if (s->watchdog == NULL)
		return (-1);
	log_debug("watchdog every %llu us", usec / 2);
	return (event_add(s->watchdog, &tv));
}

/* Every second: history past its limits goes, a few at a time. */
static void
server_prune_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	store_prune(s->store, server_now_ms(s), STORE_PRUNE_STEP);
}

/* store_loader's callbacks at start: the core's tables take what was kept. */
static int
server_load_account(void *arg, const struct store_account *sa)
{
	struct server	*s = arg;

	return (account_load(&s->accounts, sa));
}

static int
server_load_room(void *arg, const struct store_room *sr)
{
	return (room_load(arg, sr));
}

static int
server_load_ban(void *arg, const struct store_ban *sb)
{
	return (ban_load(arg, sb));
}

/*
 * The store of cf: room history and the lasting state (accounts, room
 * owners, bans).  Its backend and limits are read at start only (a reload
 * keeps them); what it kept is loaded into the core's tables now; pruning
 * runs from the loop.  A store that cannot open or load is a configuration
 * error: EX_CONFIG.
 */
static int
server_store_start(struct server *s, int *status)
{
	const struct config	*cf = s->config;
	struct store_limits	 lim;
	struct store_loader	 loader = { server_load_account,
				    server_load_room, server_load_ban, s };
	struct timeval		 tv = { 1, 0 };
	char			 err[512];

	lim.max = cf->history_max;
	lim.max_age_ms = (int64_t)cf->history_max_age * 1000;
	lim.memory = cf->history_memory;
	lim.prefix = cf->cluster_prefix;
	lim.password_file = cf->cluster_password_file;
	/* Replay on join comes from memory: a page at least. */
	lim.cached = cf->history_max_replay > STORE_PAGE_MAX ?
	    cf->history_max_replay : STORE_PAGE_MAX;
	if ((s->store = store_new(cf->store, &lim, s->base, err,
	    sizeof err)) == NULL) {
		log_error("%s", err);
		*status = EX_CONFIG;
		return (-1);
	}
	if (account_table_init(&s->accounts, s->store) != 0)
		return (-1);
	if (store_load(s->store, &loader, err, sizeof err) != 0) {
		log_error("store %s: %s", cf->store, err);
		*status = EX_CONFIG;
		return (-1);
	}
	if (!store_enabled(s->store))
		log_info("room history off (history-max = 0)");
	if (!store_persistent(s->store))
		log_info("%s in memory: they do not survive a restart",
		    store_enabled(s->store) ? "room history, accounts, room "
		    "owners and bans" : "accounts, room owners and bans");
	else
		log_info("history, accounts, room owners and bans in %s, "
		    "msgids from %llu", cf->store,
		    (unsigned long long)s->store->msgid + 1);
	if (!store_enabled(s->store))
		return (0);
	s->prune = event_new(s->base, -1, EV_PERSIST, server_prune_cb, s);
	if (s->prune == NULL)
		return (-1);
	return (event_add(s->prune, &tv));
}

/*
 * Build the server on cf (now owned by it); NULL if it cannot start, with
 * the exit status in *status (sysexits(3)).
 */
struct server *
server_new(struct config *cf, int argc, char **argv, int *status)
{
	struct server		*s;
	char			 err[128];

	*status = 1;		/* evchatd(8): "could not start" */
	if ((s = calloc(1, sizeof *s)) == NULL) {
		config_free(cf);
		return (NULL);
	}
	s->config = cf;
	s->argc = argc;
	s->argv = argv;
	s->started = time(NULL);
	TAILQ_INIT(&s->clients);
	TAILQ_INIT(&s->closing);
	TAILQ_INIT(&s->pending);
	TAILQ_INIT(&s->touched);
	TAILQ_INIT(&s->watchers);
	TAILQ_INIT(&s->due);
	TAILQ_INIT(&s->bans);

	/*
	 * No EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST: a bufferevent closes its
	 * socket before the deferred delete, and an accept that reuses the
	 * number in the same pass would then never be polled.  Output arms no
	 * write events in the common case anyway (server_flush).
	 */
	if ((s->base = event_base_new()) == NULL)
		goto fail;
	if (auth_init(&s->auth, s->base, err, sizeof err) != 0) {
		log_error("%s", err);
		goto fail;
	}
	if ((s->nicks = hash_new()) == NULL ||
	    (s->skels = hash_new()) == NULL ||
	    (s->rooms = hash_new()) == NULL || (s->ips = hash_new()) == NULL)
		goto fail;
	s->reaper = event_new(s->base, -1, 0, server_reap_cb, s);
	s->resume = evtimer_new(s->base, server_resume_cb, s);
	s->grace = evtimer_new(s->base, server_grace_cb, s);
	s->due_timer = evtimer_new(s->base, server_due_cb, s);
	s->trim = evtimer_new(s->base, server_trim_cb, s);
	s->sigterm = evsignal_new(s->base, SIGTERM, server_signal_stop_cb, s);
	s->sigint = evsignal_new(s->base, SIGINT, server_signal_stop_cb, s);
	s->sighup = evsignal_new(s->base, SIGHUP, server_signal_hup_cb, s);
	s->sigusr1 = evsignal_new(s->base, SIGUSR1, server_signal_usr1_cb, s);
	if (s->reaper == NULL || s->resume == NULL || s->grace == NULL ||
	    s->due_timer == NULL ||
	    s->trim == NULL ||
	    s->sigterm == NULL || s->sigint == NULL || s->sighup == NULL ||
	    s->sigusr1 == NULL)
		goto fail;
	if (event_add(s->sigterm, NULL) != 0 ||
	    event_add(s->sigint, NULL) != 0 ||
	    event_add(s->sighup, NULL) != 0 ||
	    event_add(s->sigusr1, NULL) != 0)
		goto fail;
	server_set_timeouts(s);
	if (server_watchdog_start(s) != 0 || server_store_start(s, status) != 0)
		goto fail;
	return (s);
fail:
	server_free(s);
	return (NULL);
}

void
server_free(struct server *s)
{
	struct client	*c;

	if (s == NULL)
		return;
	s->stopping = true;
	while ((c = TAILQ_FIRST(&s->clients)) != NULL)
		client_free(c);
	cluster_free(s->cluster);
	s->cluster = NULL;
	listener_close_all(s);
	web_free(s->web);
	free(s->motd);
	auth_clear(&s->auth);
	if (s->reaper != NULL)
		event_free(s->reaper);
	if (s->resume != NULL)
		event_free(s->resume);
	if (s->grace != NULL)
		event_free(s->grace);
	if (s->due_timer != NULL)
		event_free(s->due_timer);
	if (s->trim != NULL)
		event_free(s->trim);
	if (s->prune != NULL)
		event_free(s->prune);
	account_table_clear(&s->accounts);
	store_free(s->store);
	if (s->watchdog != NULL)
		event_free(s->watchdog);
	if (s->sigterm != NULL)
		event_free(s->sigterm);
	if (s->sigint != NULL)
		event_free(s->sigint);
	if (s->sighup != NULL)
		event_free(s->sighup);
	if (s->sigusr1 != NULL)
		event_free(s->sigusr1);
	hash_free(s->nicks);
	hash_free(s->skels);
	if (s->rooms != NULL)
		room_free_all(s);
	hash_free(s->rooms);
	ban_free_all(s);
	if (s->ips != NULL)
		limit_ip_free_all(s);
	hash_free(s->ips);
	if (s->accept_pause != NULL)
		event_free(s->accept_pause);
	if (s->base != NULL)
		event_base_free(s->base);
	config_free(s->config);
	free(s);
}

/* Serve until stopped; returns the exit status. */
int
server_run(struct server *s)
{
	char	err[PATH_MAX + 128];
	int	rc;

	if ((s->web = web_new(s->config, err, sizeof err)) == NULL) {
		log_error("%s", err);
		return (1);
	}
	if (listener_open_all(s) != 0)
		return (1);
	/* A node is named after its first port: once the listeners are. */
	if (s->config->cluster != NULL &&
	    (s->cluster = cluster_new(s, err, sizeof err)) == NULL) {
		log_error("%s", err);
		return (1);
	}
	server_motd(s, s->config);
	server_web_log(s);
	limit_log_off(s->config);
	systemd_notify("READY=1");
	log_info("%s %s ready", SERVER_NAME, PACKAGE_VERSION);
	/* One pass at a time, so that output is flushed after each. */
	for (;;) {
		rc = event_base_loop(s->base, EVLOOP_ONCE);
		server_flush(s);
		if (rc == -1) {
			log_error("event loop failed");
			return (1);
		}
		if (rc == 1 || event_base_got_exit(s->base) ||
		    event_base_got_break(s->base))
			break;
	}
	log_info("stopped");
	return (0);
}

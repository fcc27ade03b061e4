/* bench.c: evchat-bench's main: options, the loopback-only server address, descriptor limits, the event
 * loop with its deadline, and running the modes in order; it knows no mode's mechanics. */

#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "bench.h"

#define BENCH_EXIT_USAGE	64

enum {
	BENCH_OPT_KILL = 256,
	BENCH_OPT_NO_HEADER,
	BENCH_OPT_SOURCES,
	BENCH_OPT_WS,
	BENCH_OPT_TLS,
	BENCH_OPT_TLS_CA,
	BENCH_OPT_RESUME,
	BENCH_OPT_REDIS,
	BENCH_OPT_MQTT,
	BENCH_OPT_NO_ECHO,
	BENCH_OPT_SETUPS
};

static const struct option bench_long_options[] = {
	{ "server",		required_argument,	NULL, 's' },
	{ "server-pid",		required_argument,	NULL, 'p' },
	{ "duration",		required_argument,	NULL, 'd' },
	{ "rate",		required_argument,	NULL, 'r' },
	{ "subscribers",	required_argument,	NULL, 'S' },
	{ "messages",		required_argument,	NULL, 'm' },
	{ "window",		required_argument,	NULL, 'w' },
	{ "size",		required_argument,	NULL, 'z' },
	{ "connections",	required_argument,	NULL, 'n' },
	{ "room-size",		required_argument,	NULL, 'g' },
	{ "hold",		required_argument,	NULL, 'H' },
	{ "pairs",		required_argument,	NULL, 'P' },
	{ "time",		required_argument,	NULL, 't' },
	{ "clients",		required_argument,	NULL, 'c' },
	{ "fill",		required_argument,	NULL, 'f' },
	{ "rooms",		required_argument,	NULL, 'R' },
	{ "history",		required_argument,	NULL, 'y' },
	{ "inflight",		required_argument,	NULL, 'i' },
	{ "kill-subscriber-after", required_argument,	NULL, BENCH_OPT_KILL },
	{ "no-header",		no_argument,	NULL, BENCH_OPT_NO_HEADER },
	{ "sources",		required_argument,	NULL, BENCH_OPT_SOURCES },
	{ "ws",			required_argument,	NULL, BENCH_OPT_WS },
	{ "tls",		no_argument,		NULL, BENCH_OPT_TLS },
	{ "tls-ca",		required_argument,	NULL, BENCH_OPT_TLS_CA },
	{ "resume",		no_argument,		NULL, BENCH_OPT_RESUME },
	{ "redis",		no_argument,		NULL, BENCH_OPT_REDIS },
	{ "mqtt",		no_argument,		NULL, BENCH_OPT_MQTT },
	{ "no-echo",		no_argument,		NULL, BENCH_OPT_NO_ECHO },
	{ "setups",		required_argument,	NULL, BENCH_OPT_SETUPS },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

#define BENCH_BROKERS	(1 << BENCH_TARGET_REDIS | 1 << BENCH_TARGET_MQTT)

/*
 * ws: the mode puts (some of) its connections on WebSocket under --ws;
 * targets: what it can measure besides evchatd (--redis, --mqtt), as bits
 * of enum bench_target.  join needs history, which no broker keeps.
 */
static const struct {
	const char	*name;
	int		(*run)(struct bench *, struct bench_result *);
	bool		 ws;
	unsigned int	 targets;
} bench_modes[] = {
	{ "broadcast",	bench_broadcast,	true,	BENCH_BROKERS },
	{ "idle",	bench_idle,		true,	BENCH_BROKERS },
	{ "pingpong",	bench_pingpong,		true,	BENCH_BROKERS },
	{ "join",	bench_join,		false,	0 },
	{ "connect",	bench_connect,		false,	BENCH_BROKERS },
};

static const char *const bench_target_names[] = {
	"evchatd", "redis", "mqtt"
};

static void
bench_usage(FILE *f)
{
	fprintf(f,
"usage: evchat-bench [option ...] mode ...\n"
"modes, run in the order given: broadcast, idle, pingpong, join, connect\n"
"  -s, --server ADDR:PORT   loopback server address (default %s); given\n"
"                           again, connections are spread over them\n"
"                           (broadcast's publisher on the first)\n"
"  --tls                    speak TLS 1.3 (TLS_AES_256_GCM_SHA384, X25519)\n"
"  --tls-ca FILE            check the server's chain against FILE (default:\n"
"                           no check, for a loopback bench)\n"
"  --resume                 offer the TLS session of the last connection\n"
"                           set up (connect: resumption measured)\n"
"  --redis                  the servers are Redis: hello is HELLO 3 and a\n"
"                           SUBSCRIBE, messages are PUBLISHes\n"
"  --mqtt                   the servers are MQTT 3.1.1 brokers: hello is\n"
"                           CONNECT and a SUBSCRIBE, messages are QoS 0\n"
"                           PUBLISHes, which nothing echoes\n"
"  --setups N               connect: connections set up (default %u)\n"
"  --ws ADDR:PORT           its web listener: broadcast's subscribers, idle's\n"
"                           connections and pingpong's pairs speak WebSocket\n"
"                           to it (default none: all native)\n"
"  -p, --server-pid PID     measure the server's CPU and RSS from /proc;\n"
"                           given again, CPU and RSS are summed\n"
"  -d, --duration SEC       bound on each run, setup included (default 120)\n"
"  -r, --rate R             fixed offered load: messages or round trips/s;\n"
"                           join: live messages/s in the room (default %d)\n"
"  -S, --subscribers N      broadcast: subscribers (default 100)\n"
"  -m, --messages N         broadcast: messages to send (default 200000)\n"
"  -w, --window N           broadcast: most messages ahead of the slowest\n"
"                           subscriber (default 2000)\n"
"  -z, --size BYTES         text payload size (default %d, at least %d)\n"
"  -n, --connections N      idle: connections (default 10000)\n"
"  -g, --room-size N        idle: connections per room (default 10)\n"
"  -H, --hold SEC           idle: time held idle (default 2)\n"
"  -P, --pairs N            pingpong: pairs (default 500)\n"
"  -t, --time SEC           pingpong: time bouncing (default 10)\n"
"  --no-echo                pingpong: hello with echo false, so that\n"
"                           evchatd sends no copy of a message to its sender\n"
"  -c, --clients N          join: clients joining the room (default %u)\n"
"  -y, --history N          join: messages each asks to be replayed\n"
"                           (default %u)\n"
"  -f, --fill N             join: messages put in each room first\n"
"                           (default %u)\n"
"  -R, --rooms N            join: rooms filled; the clients join the first\n"
"                           (default 1)\n"
"  -i, --inflight N         join: most joins awaiting their replay at once\n"
"                           (default %u)\n"
"  --kill-subscriber-after N  test aid: reset one subscriber after N\n"
"                           messages, which must then be reported lost\n"
"  --no-header              no table header on stderr\n"
"  --sources N              connection i comes from 127.0.0.(i %% N + 1),\n"
"                           N up to 254 (default: from 127.0.0.1, then\n"
"                           .2 and on as each runs out of ports)\n"
"  -h, --help               print this help, then exit\n"
"  -V, --version            print the version, then exit\n",
	    BENCH_SERVER_DEFAULT, BENCH_CONNECTS, BENCH_JOIN_RATE, BENCH_TEXT_DEFAULT,
	    BENCH_TEXT_MIN, BENCH_JOIN_CLIENTS, BENCH_JOIN_HISTORY,
	    BENCH_JOIN_FILL, BENCH_JOIN_INFLIGHT);
}

static int
bench_opt_uint(const char *s, unsigned int min, unsigned int *v)
{
	unsigned long	 n;
	char		*end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    n > UINT_MAX || n < min)
		return (-1);
	*v = (unsigned int)n;
	return (0);
}

static int
bench_opt_double(const char *s, double min, double *v)
{
	char	*end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(*v) ||
	    *v < min)
		return (-1);
	return (0);
}

/* Only 127.0.0.0/8 and ::1: this tool floods whatever it is pointed at. */
static int
bench_opt_addr(struct bench_addr *a, const char *s)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	socklen_t		 len;
	char			 why[128];

	if (addr_parse(s, &ss, &len, why, sizeof why) != 0 ||
	    addr_port((struct sockaddr *)&ss) == 0)
		return (-1);
	if (ss.ss_family == AF_INET) {
		sin = (struct sockaddr_in *)&ss;
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			return (-1);
	} else {
		sin6 = (struct sockaddr_in6 *)&ss;
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return (-1);
	}
	a->ss = ss;
	a->len = len;
	a->name = s;
	return (0);
}

static void
bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof *o);
	bench_opt_addr(&o->servers[0], BENCH_SERVER_DEFAULT);
	o->nservers = 1;
	o->connects = BENCH_CONNECTS;
	o->duration = 120;
	o->subscribers = 100;
	o->messages = 200000;
	o->window = 2000;
	o->size = BENCH_TEXT_DEFAULT;
	o->connections = 10000;
	o->room_size = 10;
	o->hold = 2;
	o->pairs = 500;
	o->time = 10;
	o->clients = BENCH_JOIN_CLIENTS;
	o->history = BENCH_JOIN_HISTORY;
	o->fill = BENCH_JOIN_FILL;
	o->rooms = 1;
	o->inflight = BENCH_JOIN_INFLIGHT;
	o->header = true;
	snprintf(o->prefix, sizeof o->prefix, "b%ld", (long)getpid() % 100000);
}

static int
bench_opts_parse(struct bench_opts *o, int argc, char **argv)
{
	const char		*bad = NULL;
	enum bench_target	 target;
	unsigned int		 pid;
	int			 ch;
	bool			 server_set = false;

	while ((ch = getopt_long(argc, argv, "s:p:d:r:S:m:w:z:n:g:H:P:t:c:y:f:R:i:hV",
	    bench_long_options, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (server_set && o->nservers == BENCH_SERVERS_MAX) {
				bad = "--server (too many)";
				break;
			}
			if (!server_set)
				o->nservers = 0;
			server_set = true;
			/* FALLTHROUGH */
		case BENCH_OPT_WS:
			if (bench_opt_addr(ch == 's' ? &o->servers[o->nservers++] :
			    &o->ws, optarg) != 0) {
				fprintf(stderr, "evchat-bench: %s: not a "
				    "loopback ADDR:PORT (127.0.0.0/8 or "
				    "[::1] only)\n", optarg);
				return (-1);
			}
			break;
		case 'p':
			if (bench_opt_uint(optarg, 1, &pid) != 0 ||
			    o->npids == BENCH_SERVERS_MAX) {
				bad = "--server-pid";
				break;
			}
			if (o->npids == 0)
				o->server_pid = (pid_t)pid;
			o->server_pids[o->npids++] = (pid_t)pid;
			break;
		case BENCH_OPT_TLS:
			o->tls = true;
			break;
		case BENCH_OPT_TLS_CA:
			o->tls = true;
			o->tls_ca = optarg;
			break;
		case BENCH_OPT_RESUME:
			o->resume = true;
			break;
		case BENCH_OPT_REDIS:
		case BENCH_OPT_MQTT:
			target = ch == BENCH_OPT_REDIS ? BENCH_TARGET_REDIS :
			    BENCH_TARGET_MQTT;
			if (o->target != BENCH_TARGET_EVCHATD &&
			    o->target != target) {
				fprintf(stderr, "evchat-bench: --redis and "
				    "--mqtt: choose one\n");
				return (-1);
			}
			o->target = target;
			break;
		case BENCH_OPT_NO_ECHO:
			o->no_echo = true;
			break;
		case BENCH_OPT_SETUPS:
			if (bench_opt_uint(optarg, 1, &o->connects) != 0)
				bad = "--setups";
			break;
		case 'd':
			if (bench_opt_double(optarg, 0.1, &o->duration) != 0)
				bad = "--duration";
			break;
		case 'r':
			if (bench_opt_double(optarg, 0, &o->rate) != 0)
				bad = "--rate";
			o->rate_set = true;
			break;
		case 'S':
			if (bench_opt_uint(optarg, 1, &o->subscribers) != 0)
				bad = "--subscribers";
			break;
		case 'm':
			if (bench_opt_uint(optarg, 1, &o->messages) != 0)
				bad = "--messages";
			break;
		case 'w':
			if (bench_opt_uint(optarg, 1, &o->window) != 0)
				bad = "--window";
			break;
		case 'z':
			if (bench_opt_uint(optarg, BENCH_TEXT_MIN,
			    &o->size) != 0)
				bad = "--size";
			break;
		case 'n':
			if (bench_opt_uint(optarg, 1, &o->connections) != 0)
				bad = "--connections";
			break;
		case 'g':
			if (bench_opt_uint(optarg, 1, &o->room_size) != 0)
				bad = "--room-size";
			break;
		case 'H':
			if (bench_opt_double(optarg, 0, &o->hold) != 0)
				bad = "--hold";
			break;
		case 'P':
			if (bench_opt_uint(optarg, 1, &o->pairs) != 0)
				bad = "--pairs";
			break;
		case 't':
			if (bench_opt_double(optarg, 0.1, &o->time) != 0)
				bad = "--time";
			break;
		case 'c':
			if (bench_opt_uint(optarg, 1, &o->clients) != 0)
				bad = "--clients";
			break;
		case 'y':
			if (bench_opt_uint(optarg, 1, &o->history) != 0)
				bad = "--history";
			break;
		case 'f':
			if (bench_opt_uint(optarg, 1, &o->fill) != 0)
				bad = "--fill";
			break;
		case 'R':
			if (bench_opt_uint(optarg, 1, &o->rooms) != 0)
				bad = "--rooms";
			break;
		case 'i':
			if (bench_opt_uint(optarg, 1, &o->inflight) != 0)
				bad = "--inflight";
			break;
		case BENCH_OPT_KILL:
			if (bench_opt_uint(optarg, 1, &o->kill_after) != 0)
				bad = "--kill-subscriber-after";
			break;
		case BENCH_OPT_NO_HEADER:
			o->header = false;
			break;
		case BENCH_OPT_SOURCES:
			if (bench_opt_uint(optarg, 1, &o->sources) != 0 ||
			    o->sources > BENCH_SRC_MAX)
				bad = "--sources";
			break;
		case 'h':
			bench_usage(stdout);
			exit(0);
		case 'V':
			printf("evchat-bench %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			bench_usage(stderr);
			return (-1);
		}
		if (bad != NULL) {
			fprintf(stderr, "evchat-bench: %s: bad value %s\n",
			    bad, optarg);
			return (-1);
		}
	}
	return (0);
}

/*
 * Every connection is a descriptor: raise the soft limit to the hard one
 * once, and let each mode compare what it needs with the result.
 */
static void
bench_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void
bench_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;

	b->expired = true;
	event_base_loopbreak(b->base);
}

/*
 * Run the loop until a mode calls bench_loop_stop (0) or the clock passes
 * until, a bench_now() value (-1): no phase of any run waits forever.
 */
int
bench_loop(struct bench *b, uint64_t until)
{
	struct timeval	tv;
	uint64_t	now, us;

	/* A timer may fire a little early: go round until it is really late. */
	while ((now = bench_now()) < until) {
		us = (until - now + 999) / 1000;
		b->expired = false;
		evtimer_add(b->deadline, timeval_us(&tv, us));
		event_base_loop(b->base, 0);
		evtimer_del(b->deadline);
		if (!b->expired)
			return (0);
	}
	return (-1);
}

/* The end of a run's time, counted from now: --duration. */
uint64_t
bench_deadline(const struct bench *b)
{
	return (bench_now() + (uint64_t)(b->opts.duration * 1e9));
}

/* Fail r unless n more descriptors fit under RLIMIT_NOFILE. */
int
bench_need_fds(struct bench_result *r, unsigned int n)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)n + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return (0);
	bench_fail(r, "RLIMIT_NOFILE is %llu (hard %llu), %llu needed",
	    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
	    (unsigned long long)need);
	return (-1);
}

void
bench_loop_stop(struct bench *b)
{
	event_base_loopbreak(b->base);
}

static int
bench_init(struct bench *b)
{
	struct event_config	*cfg;

	if ((cfg = event_config_new()) == NULL)
		return (-1);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK |
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST |
	    EVENT_BASE_FLAG_PRECISE_TIMER);
	b->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (b->base == NULL)
		return (-1);
	b->deadline = evtimer_new(b->base, bench_deadline_cb, b);
	return (b->deadline == NULL ? -1 : 0);
}

static void
bench_done(struct bench *b)
{
	bench_tls_session_free(b->tls_session);
	bench_tls_ctx_free(b->tls_ctx);
	if (b->deadline != NULL)
		event_free(b->deadline);
	if (b->base != NULL)
		event_base_free(b->base);
}

int
main(int argc, char **argv)
{
	struct bench		b;
	struct bench_result	r;
	char			 base_prefix[sizeof b.opts.prefix];
	char			 err[256];
	unsigned int		 i, run;
	int			 j, status = 0, rc;

	memset(&b, 0, sizeof b);
	bench_opts_init(&b.opts);
	if (bench_opts_parse(&b.opts, argc, argv) != 0)
		return (BENCH_EXIT_USAGE);
	if (optind == argc) {
		bench_usage(stderr);
		return (BENCH_EXIT_USAGE);
	}
	for (j = optind; j < argc; j++) {
		for (i = 0; i < sizeof bench_modes / sizeof bench_modes[0];
		    i++)
			if (strcmp(argv[j], bench_modes[i].name) == 0)
				break;
		if (i == sizeof bench_modes / sizeof bench_modes[0]) {
			fprintf(stderr, "evchat-bench: unknown mode %s\n",
			    argv[j]);
			return (BENCH_EXIT_USAGE);
		}
		if (b.opts.target != BENCH_TARGET_EVCHATD &&
		    !(bench_modes[i].targets & 1 << b.opts.target)) {
			fprintf(stderr, "evchat-bench: %s has no --%s\n",
			    argv[j], bench_target_names[b.opts.target]);
			return (BENCH_EXIT_USAGE);
		}
		if (b.opts.no_echo && bench_modes[i].run != bench_pingpong) {
			fprintf(stderr, "evchat-bench: --no-echo is "
			    "pingpong's only, not %s's\n", argv[j]);
			return (BENCH_EXIT_USAGE);
		}
	}
	if (b.opts.target != BENCH_TARGET_EVCHATD && (b.opts.ws.name != NULL ||
	    b.opts.no_echo)) {
		fprintf(stderr, "evchat-bench: --%s goes with neither --ws nor "
		    "--no-echo\n", bench_target_names[b.opts.target]);
		return (BENCH_EXIT_USAGE);
	}
	if (b.opts.tls && b.opts.ws.name != NULL) {
		fprintf(stderr, "evchat-bench: --tls is for native, Redis or "
		    "MQTT connections, not --ws\n");
		return (BENCH_EXIT_USAGE);
	}
	if (b.opts.tls && (b.tls_ctx = bench_tls_ctx_new(b.opts.tls_ca,
	    err, sizeof err)) == NULL) {
		fprintf(stderr, "evchat-bench: %s\n", err);
		return (1);
	}
	bench_raise_nofile();
	if (bench_init(&b) != 0) {
		fprintf(stderr, "evchat-bench: cannot create the event base\n");
		bench_done(&b);
		return (1);
	}
	if (b.opts.header)
		bench_report_header();
	memcpy(base_prefix, b.opts.prefix, sizeof base_prefix);
	for (j = optind, run = 0; j < argc; j++, run++) {
		for (i = 0; strcmp(argv[j], bench_modes[i].name) != 0; i++)
			;
		/* Nicks of one run must not meet those of the last. */
		snprintf(b.opts.prefix, sizeof b.opts.prefix, "%.8sr%u",
		    base_prefix, run % 100);
		bench_result_init(&r, bench_modes[i].name);
		if (bench_modes[i].ws)
			cJSON_AddStringToObject(r.json, "transport",
			    b.opts.ws.name != NULL ? "websocket" : "native");
		cJSON_AddStringToObject(r.json, "target",
		    bench_target_names[b.opts.target]);
		cJSON_AddBoolToObject(r.json, "tls", b.opts.tls);
		cJSON_AddNumberToObject(r.json, "servers", b.opts.nservers);
		rc = bench_modes[i].run(&b, &r);
		if (rc != 0)
			bench_fail(&r, "%s", "could not run");
		if (bench_report(&r) != 0)
			status = 1;
		bench_result_free(&r);
	}
	bench_done(&b);
	return (status);
}

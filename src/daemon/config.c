/* config.c: the effective configuration of evchatd, from built-in defaults, the config file and the
 * command line, all driven by one table of keys; it knows nothing of sockets, clients or the loop. */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/util.h>

#include "server.h"
#include "store.h"

#ifndef EVCHATD_CONF
#define EVCHATD_CONF		"/etc/evchatd/evchatd.conf"
#endif

enum config_type {
	CONFIG_LISTEN,		/* char *[]: repeatable ADDR:PORT, or none */
	CONFIG_CIDRS,		/* struct cidr []: ADDR[/BITS],... or none */
	CONFIG_ORIGINS,		/* char *[]: SCHEME://HOST[:PORT],... or none */
	CONFIG_DURATION,	/* unsigned int seconds, s or m suffix */
	CONFIG_AGE,		/* the same, also h or d: long spans */
	CONFIG_SIZE,		/* size_t bytes, K or M suffix */
	CONFIG_COUNT,		/* unsigned int */
	CONFIG_LEVEL,		/* int log level */
	CONFIG_BOOL,		/* bool; a flag on the command line */
	CONFIG_FILE,		/* char *path, or none */
	CONFIG_HASH,		/* char *crypt(3) hash, or none */
	CONFIG_TLS_VERSION,	/* unsigned int minor: 1.2 or 1.3 */
	CONFIG_STORE,		/* char *name of a store backend */
	CONFIG_NAME,		/* char *: printable ASCII, no spaces */
	CONFIG_CLUSTER,		/* char *: a Redis to share, or none */
	CONFIG_NICKS		/* char *[]: nicks, case-folded, or none */
};

/*
 * One entry per key: the same name is the config file key and the long
 * option, and the table also gives the help text and the default.
 */
struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 off;	/* in struct config */
	size_t			 noff;	/* lists: their length */
	int			 flags;
#define CONFIG_F_LIMIT		0x1	/* a defence that 0 switches off */
#define CONFIG_F_TOKEN		0x2	/* a name: no ':' or ',' either */
	unsigned long long	 min;
	unsigned long long	 max;
	unsigned long long	 def;	/* numbers, levels and bools */
	const char		*defs;	/* lists; listen's space-separated */
	const char		*arg;	/* NULL: a flag */
	const char		*help;
};

#define CONFIG_OFF(f)		offsetof(struct config, f)
#define CONFIG_NOFF		0	/* not a list: path comes first */
#define CONFIG_MAXSEC		86400
#define CONFIG_MAXAGE		(3650U * 86400)	/* ten years */
#define CONFIG_MAXN		10000000
#define CONFIG_NAME_MAX		63	/* bytes of server-name, network-name */
/*
 * The largest frame, and so the largest text; media travels in base64 (4
 * bytes for every 3) in a frame, so its largest is three quarters of it,
 * and a max-media of any allowed value always finds a max-frame to fit.
 */
#define CONFIG_FRAME_MAX	(64 << 20)
#define CONFIG_MEDIA_MAX	(CONFIG_FRAME_MAX / 4 * 3)

static const struct config_key config_keys[] = {
	{ .name = "listen", .type = CONFIG_LISTEN,
	  .off = CONFIG_OFF(listen), .noff = CONFIG_OFF(nlisten),
	  .defs = "127.0.0.1:7667 [::1]:7667", .arg = "ADDR:PORT",
	  .help = "repeatable" },
	{ .name = "heartbeat", .type = CONFIG_DURATION,
	  .off = CONFIG_OFF(heartbeat), .min = 1, .max = CONFIG_MAXSEC,
	  .def = 30, .arg = "SEC", .help = "ping a client silent for SEC" },
	{ .name = "timeout", .type = CONFIG_DURATION,
	  .off = CONFIG_OFF(timeout), .min = 2, .max = CONFIG_MAXSEC,
	  .def = 75, .arg = "SEC", .help = "drop a client silent for SEC" },
	{ .name = "register-timeout", .type = CONFIG_DURATION,
	  .off = CONFIG_OFF(register_timeout), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXSEC, .def = 10, .arg = "SEC",
	  .help = "drop a client without hello after SEC" },
	{ .name = "max-frame", .type = CONFIG_SIZE,
	  .off = CONFIG_OFF(max_frame), .min = 1024, .max = CONFIG_FRAME_MAX,
	  .def = FRAME_MAX_DEFAULT, .arg = "BYTES",
	  .help = "largest frame payload" },
	{ .name = "max-text", .type = CONFIG_SIZE,
	  .off = CONFIG_OFF(max_text), .min = 1, .max = CONFIG_FRAME_MAX,
	  .def = TEXT_MAX_DEFAULT, .arg = "BYTES",
	  .help = "largest message text" },
	{ .name = "max-media", .type = CONFIG_SIZE,
	  .off = CONFIG_OFF(max_media), .min = 1, .max = CONFIG_MEDIA_MAX,
	  .def = MEDIA_MAX_DEFAULT, .arg = "BYTES",
	  .help = "largest media file, decoded" },
	{ .name = "max-sendq", .type = CONFIG_SIZE,
	  .off = CONFIG_OFF(max_sendq), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = 1 << 30, .def = 1 << 20, .arg = "BYTES",
	  .help = "most output queued to one client" },
	{ .name = "max-clients", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(max_clients), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 10000, .arg = "N",
	  .help = "most clients at once" },
	{ .name = "max-clients-per-ip", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(max_clients_per_ip), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 50, .arg = "N",
	  .help = "most clients from one address" },
	{ .name = "limit-exempt", .type = CONFIG_CIDRS,
	  .off = CONFIG_OFF(limit_exempt), .noff = CONFIG_OFF(nlimit_exempt),
	  .defs = "127.0.0.0/8,::1", .arg = "LIST",
	  .help = "not counted per address" },
	{ .name = "max-rooms-per-client", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(max_rooms_per_client), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 32, .arg = "N",
	  .help = "most rooms a client is in" },
	{ .name = "max-members-per-room", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(max_members_per_room), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 10000, .arg = "N",
	  .help = "most members of a room" },
	{ .name = "rate", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(rate), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 20, .arg = "N",
	  .help = "frames a client may send a second" },
	{ .name = "burst", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(burst), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 60, .arg = "N",
	  .help = "frames a client may send at once" },
	{ .name = "flood-kick", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(flood_kick), .flags = CONFIG_F_LIMIT,
	  .min = 0, .max = CONFIG_MAXN, .def = 180, .arg = "N",
	  .help = "frames refused in 10s that kick" },
	{ .name = "log-level", .type = CONFIG_LEVEL,
	  .off = CONFIG_OFF(log_level), .def = LOG_LEVEL_INFO, .arg = "LEVEL",
	  .help = "error, warn, info or debug" },
	{ .name = "syslog", .type = CONFIG_BOOL,
	  .off = CONFIG_OFF(syslog), .max = 1, .def = 0,
	  .help = "log to syslog instead of stderr" },
	{ .name = "tls-listen", .type = CONFIG_LISTEN,
	  .off = CONFIG_OFF(tls_listen), .noff = CONFIG_OFF(ntls_listen),
	  .defs = "", .arg = "ADDR:PORT",
	  .help = "repeatable; with TLS (usually port 7697)" },
	{ .name = "tls-cert", .type = CONFIG_FILE,
	  .off = CONFIG_OFF(tls_cert), .arg = "FILE",
	  .help = "TLS certificate chain (PEM)" },
	{ .name = "tls-key", .type = CONFIG_FILE,
	  .off = CONFIG_OFF(tls_key), .arg = "FILE",
	  .help = "TLS key (PEM); none: in tls-cert" },
	{ .name = "tls-min-version", .type = CONFIG_TLS_VERSION,
	  .off = CONFIG_OFF(tls_min_version), .min = 2, .max = 3, .def = 2,
	  .arg = "VER", .help = "oldest TLS version: 1.2 or 1.3" },
	{ .name = "tls-session-tickets", .type = CONFIG_BOOL,
	  .off = CONFIG_OFF(tls_session_tickets), .max = 1, .def = 1,
	  .arg = "BOOL", .help = "resume TLS sessions by ticket" },
	{ .name = "web-listen", .type = CONFIG_LISTEN,
	  .off = CONFIG_OFF(web_listen), .noff = CONFIG_OFF(nweb_listen),
	  .defs = "127.0.0.1:7680 [::1]:7680", .arg = "ADDR:PORT",
	  .help = "repeatable; the web page and WebSocket" },
	{ .name = "web-tls-listen", .type = CONFIG_LISTEN,
	  .off = CONFIG_OFF(web_tls_listen), .noff = CONFIG_OFF(nweb_tls_listen),
	  .defs = "", .arg = "ADDR:PORT",
	  .help = "repeatable; the same over TLS (HTTPS)" },
	{ .name = "web-root", .type = CONFIG_FILE,
	  .off = CONFIG_OFF(web_root), .arg = "DIR",
	  .help = "serve the page from DIR; none: built in" },
	{ .name = "web-origins", .type = CONFIG_ORIGINS,
	  .off = CONFIG_OFF(web_origins), .noff = CONFIG_OFF(nweb_origins),
	  .defs = "none", .arg = "LIST",
	  .help = "other pages that may open /ws" },
	{ .name = "web-trusted-proxies", .type = CONFIG_CIDRS,
	  .off = CONFIG_OFF(web_proxies), .noff = CONFIG_OFF(nweb_proxies),
	  .defs = "none", .arg = "LIST",
	  .help = "whose X-Forwarded-For is believed" },
	{ .name = "irc-listen", .type = CONFIG_LISTEN,
	  .off = CONFIG_OFF(irc_listen), .noff = CONFIG_OFF(nirc_listen),
	  .defs = "127.0.0.1:6667 [::1]:6667", .arg = "ADDR:PORT",
	  .help = "repeatable; IRC clients" },
	{ .name = "irc-tls-listen", .type = CONFIG_LISTEN,
	  .off = CONFIG_OFF(irc_tls_listen), .noff = CONFIG_OFF(nirc_tls_listen),
	  .defs = "", .arg = "ADDR:PORT",
	  .help = "repeatable; IRC over TLS (usually port 6697)" },
	{ .name = "server-name", .type = CONFIG_NAME,
	  .off = CONFIG_OFF(server_name), .flags = CONFIG_F_TOKEN,
	  .max = CONFIG_NAME_MAX, .arg = "NAME",
	  .help = "the server's name to IRC; none: host name" },
	{ .name = "network-name", .type = CONFIG_NAME,
	  .off = CONFIG_OFF(network_name), .flags = CONFIG_F_TOKEN,
	  .max = CONFIG_NAME_MAX, .defs = "evchat", .arg = "NAME",
	  .help = "the network's name to IRC clients" },
	{ .name = "motd-file", .type = CONFIG_FILE,
	  .off = CONFIG_OFF(motd_file), .arg = "FILE",
	  .help = "message of the day for IRC clients" },
	{ .name = "password", .type = CONFIG_HASH,
	  .off = CONFIG_OFF(password), .arg = "HASH",
	  .help = "hash of the server password" },
	{ .name = "password-file", .type = CONFIG_FILE,
	  .off = CONFIG_OFF(password_file), .arg = "FILE",
	  .help = "file holding that hash" },
	{ .name = "store", .type = CONFIG_STORE,
	  .off = CONFIG_OFF(store), .defs = "memory", .arg = "STORE",
	  .help = "history: memory, sqlite:PATH, redis://HOST[:PORT][/DB]" },
	{ .name = "cluster", .type = CONFIG_CLUSTER,
	  .off = CONFIG_OFF(cluster), .arg = "REDIS",
	  .help = "share users and rooms with other nodes: "
	  "redis://HOST[:PORT][/DB] or unix:/PATH" },
	{ .name = "node-name", .type = CONFIG_NAME,
	  .off = CONFIG_OFF(node_name), .max = CONFIG_NAME_MAX,
	  .defs = "none", .arg = "NAME",
	  .help = "this node in the cluster; none: host name:first port" },
	{ .name = "cluster-lease", .type = CONFIG_DURATION,
	  .off = CONFIG_OFF(cluster_lease), .min = 1, .max = 3600,
	  .def = 15, .arg = "SECONDS",
	  .help = "a silent node's users are dropped after it" },
	{ .name = "cluster-prefix", .type = CONFIG_NAME,
	  .off = CONFIG_OFF(cluster_prefix), .max = 64, .defs = STORE_PREFIX,
	  .arg = "PREFIX", .help = "what Redis keys begin with" },
	{ .name = "cluster-password-file", .type = CONFIG_FILE,
	  .off = CONFIG_OFF(cluster_password_file), .arg = "FILE",
	  .help = "file holding Redis's password" },
	{ .name = "history-max", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(history_max), .min = 0, .max = CONFIG_MAXN,
	  .def = 10000, .arg = "N",
	  .help = "messages kept per room; 0: no history" },
	{ .name = "history-max-age", .type = CONFIG_AGE,
	  .off = CONFIG_OFF(history_max_age), .min = 0, .max = CONFIG_MAXAGE,
	  .def = 0, .arg = "AGE", .help = "drop history older; 0: never" },
	{ .name = "history-max-replay", .type = CONFIG_COUNT,
	  .off = CONFIG_OFF(history_max_replay), .min = 0, .max = CONFIG_MAXN,
	  .def = 100, .arg = "N", .help = "most messages a join replays" },
	{ .name = "history-replay-bytes", .type = CONFIG_SIZE,
	  .off = CONFIG_OFF(history_replay_bytes), .min = 1024,
	  .max = CONFIG_FRAME_MAX, .def = 256 << 10, .arg = "BYTES",
	  .help = "most bytes a join replays" },
	{ .name = "history-memory", .type = CONFIG_SIZE,
	  .off = CONFIG_OFF(history_memory), .min = 64 << 10,
	  .max = (size_t)1 << 40, .def = 64 << 20, .arg = "BYTES",
	  .help = "most bytes of history held in memory" },
	{ .name = "guests", .type = CONFIG_BOOL,
	  .off = CONFIG_OFF(guests), .max = 1, .def = 1, .arg = "BOOL",
	  .help = "nicks without an account may hello" },
	{ .name = "operators", .type = CONFIG_NICKS,
	  .off = CONFIG_OFF(operators), .noff = CONFIG_OFF(noperators),
	  .arg = "LIST", .help = "accounts that are server operators" },
};
#define CONFIG_NKEYS	nitems(config_keys)

/* The options that are not keys; of several flags, the first here wins. */
struct config_option {
	char		 letter;	/* short form, or 0 */
	const char	*name;
	const char	*arg;		/* NULL: a flag */
	int		 action;
	const char	*help;
};

static const struct config_option config_options[] = {
	{ 'h', "help", NULL, CONFIG_HELP, "print this help, then exit" },
	{ 'V', "version", NULL, CONFIG_VERSION,
	  "print the version, then exit" },
	{ 0, "check-config", NULL, CONFIG_CHECK,
	  "check the configuration, print it, then exit" },
	{ 0, "hash-password", NULL, CONFIG_HASH_PASSWORD,
	  "hash a password read on stdin for the config, then exit" },
	{ 0, "account", "ACTION", CONFIG_ACCOUNT,
	  "add, passwd or delete NICK, or list, in the store; exit" },
	{ 0, "config", "FILE", CONFIG_RUN,
	  "read FILE (must exist) instead of the default" },
};

/* The command line, sorted out but not yet applied. */
struct config_args {
	const struct config_option *flag;	/* NULL: run */
	const char		 *path;
	const char		 *account;	/* --account's action */
	const char		 *account_nick;	/* and its NICK */
	const struct config_key	**keys;		/* options that set a key */
	const char		**values;
	size_t			  n;
};

/* Where each key was last set, for messages and duplicates. */
struct config_state {
	const char	*file;
	unsigned int	 line[CONFIG_NKEYS];	/* 0: not from the file */
	bool		 seen[CONFIG_NKEYS];	/* by the current source */
	bool		 set[CONFIG_NKEYS];	/* by any: not a default */
	char		*err;
	size_t		 errlen;
};

static void __attribute__((format(printf, 2, 3)))
config_error(struct config_state *st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(st->err, st->errlen, fmt, ap);
	va_end(ap);
}

static void *
config_field(struct config *cf, const struct config_key *k)
{
	return ((char *)cf + k->off);
}

static const void *
config_cfield(const struct config *cf, const struct config_key *k)
{
	return ((const char *)cf + k->off);
}

static const struct config_key *
config_find(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strncmp(config_keys[i].name, name, len) == 0 &&
		    config_keys[i].name[len] == '\0')
			return (&config_keys[i]);
	}
	return (NULL);
}

static size_t *
config_length(struct config *cf, const struct config_key *k)
{
	return ((size_t *)((char *)cf + k->noff));
}

static size_t
config_clength(const struct config *cf, const struct config_key *k)
{
	return (*(const size_t *)((const char *)cf + k->noff));
}

static void
config_list_clear(struct config *cf, const struct config_key *k)
{
	char		***list;
	struct cidr	 **cidrs;
	size_t		  *n = config_length(cf, k), i;

	switch (k->type) {
	case CONFIG_LISTEN:
	case CONFIG_ORIGINS:
	case CONFIG_NICKS:
		list = config_field(cf, k);
		for (i = 0; i < *n; i++)
			free((*list)[i]);
		free(*list);
		*list = NULL;
		break;
	case CONFIG_CIDRS:
		cidrs = config_field(cf, k);
		free(*cidrs);
		*cidrs = NULL;
		break;
	default:
		break;
	}
	*n = 0;
}

/*
 * Whether two valid listen addresses name the same socket, which could not
 * be bound twice.  Port 0 never does: each asks for an ephemeral port of
 * its own.  Parsed, so that 127.0.0.1:80 and 127.0.0.1:080 are the same.
 */
static bool
config_listen_same(const char *a, const char *b)
{
	struct sockaddr_storage	ssa, ssb;
	socklen_t		sla, slb;
	char			why[128];

	if (addr_parse(a, &ssa, &sla, why, sizeof why) != 0 ||
	    addr_parse(b, &ssb, &slb, why, sizeof why) != 0)
		return (false);
	return (addr_port((struct sockaddr *)&ssa) != 0 && sla == slb &&
	    memcmp(&ssa, &ssb, sla) == 0);
}

static char *
config_trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return (s);
}

/*
 * The item of a comma-separated list at p, trimmed, into item (cut when
 * longer than size); *one is it.  Returns its length as written, so that
 * the next item is at p + len + 1 unless p[len] ends the list.
 */
static size_t
config_item(const char *p, char *item, size_t size, char **one)
{
	size_t	len = strcspn(p, ",");

	snprintf(item, size, "%.*s", (int)len, p);
	*one = config_trim(item);
	return (len);
}

/* "none", or ADDR[/BITS] ranges separated by commas, replacing the list. */
static int
config_set_cidrs(struct config *cf, const struct config_key *k,
    const char *s, char *why, size_t whylen)
{
	struct cidr	**list = config_field(cf, k), *l = NULL, *nl;
	char		  item[INET6_ADDRSTRLEN + 8], *one;
	const char	 *p;
	size_t		  n = 0, len;

	if (strcmp(s, "none") == 0)
		goto done;
	for (p = s;; p += len + 1) {
		len = config_item(p, item, sizeof item, &one);
		if ((nl = reallocarray(l, n + 1, sizeof *l)) == NULL) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		l = nl;
		if (len >= sizeof item || limit_cidr_parse(one, &l[n]) != 0) {
			snprintf(why, whylen, "'%.*s' is not ADDR or ADDR/BITS",
			    (int)len, p);
			goto fail;
		}
		n++;
		if (p[len] == '\0')
			break;
	}
done:
	free(*list);
	*list = l;
	*config_length(cf, k) = n;
	return (0);

fail:
	free(l);
	return (-1);
}

/*
 * Whether s is a web origin as a browser sends it: http or https, "://",
 * a host name or [IPv6] and an optional port, nothing after (no path).
 */
static bool
config_origin_valid(const char *s)
{
	const char	*host;
	size_t		 len;

	if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return (false);
	if (*host == '[')
		len = strspn(host + 1, "0123456789abcdefABCDEF:.") + 1;
	else
		len = strspn(host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (len == 0 || (*host == '[' && host[len++] != ']'))
		return (false);
	if (host[len] == ':' && host[len + 1] != '\0') {
		len++;
		len += strspn(host + len, "0123456789");
	}
	return (host[len] == '\0');
}

/* "none", or origins separated by commas, replacing the list. */
static int
config_set_origins(struct config *cf, const struct config_key *k,
    const char *s, char *why, size_t whylen)
{
	char	**l = NULL, **nl, item[256], *one, *c;
	const char *p;
	size_t	  n = 0, len;

	if (strcmp(s, "none") == 0)
		goto done;
	for (p = s;; p += len + 1) {
		len = strcspn(p, ",");
		snprintf(item, sizeof item, "%.*s", (int)len, p);
		one = config_trim(item);
		if (len >= sizeof item || !config_origin_valid(one)) {
			snprintf(why, whylen, "'%.*s' is not an origin "
			    "(http[s]://HOST[:PORT])", (int)len, p);
			goto fail;
		}
		/* Browsers send origins in lower case. */
		for (c = one; *c != '\0'; c++)
			*c = tolower((unsigned char)*c);
		if ((nl = reallocarray(l, n + 1, sizeof *l)) == NULL)
			goto nomem;
		l = nl;
		if ((l[n] = strdup(one)) == NULL)
			goto nomem;
		n++;
		if (p[len] == '\0')
			break;
	}
done:
	config_list_clear(cf, k);
	*(char ***)config_field(cf, k) = l;
	*config_length(cf, k) = n;
	return (0);

nomem:
	snprintf(why, whylen, "out of memory");
fail:
	while (n > 0)
		free(l[--n]);
	free(l);
	return (-1);
}

/*
 * "none", or nicks separated by commas, replacing the list; each is kept
 * case-folded, the form accounts are found by.
 */
static int
config_set_nicks(struct config *cf, const struct config_key *k,
    const char *s, char *why, size_t whylen)
{
	char		***list = config_field(cf, k), **l = NULL, **nl;
	char		  item[NAME_NICK_SIZE + 16], nfc[NAME_NICK_SIZE];
	char		  fold[NAME_FOLD_MAX + 1], *one;
	const char	 *p;
	size_t		  n = 0, len, i;

	if (strcmp(s, "none") == 0)
		goto done;
	for (p = s;; p += len + 1) {
		len = config_item(p, item, sizeof item, &one);
		if (len >= sizeof item || name_nick_norm(one, nfc,
		    sizeof nfc) < 0 || name_casefold(nfc, fold,
		    sizeof fold) < 0) {
			snprintf(why, whylen, "'%.*s' is not a nick", (int)len,
			    p);
			goto fail;
		}
		if ((nl = reallocarray(l, n + 1, sizeof *l)) == NULL)
			goto nomem;
		l = nl;
		if ((l[n] = strdup(fold)) == NULL)
			goto nomem;
		n++;
		if (p[len] == '\0')
			break;
	}
done:
	config_list_clear(cf, k);
	*list = l;
	*config_length(cf, k) = n;
	return (0);

nomem:
	snprintf(why, whylen, "out of memory");
fail:
	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
	return (-1);
}

/* A decimal number with one optional suffix from units (letter, factor). */
static int
config_parse_number(const char *s, const struct config_key *k,
    unsigned long long *out, char *why, size_t whylen)
{
	static const struct {
		enum config_type	 type;
		char			 suffix;
		unsigned long long	 factor;
		const char		*unit;
	} units[] = {
		{ CONFIG_DURATION, 's', 1, "seconds" },
		{ CONFIG_DURATION, 'm', 60, "seconds" },
		{ CONFIG_AGE, 's', 1, "seconds" },
		{ CONFIG_AGE, 'm', 60, "seconds" },
		{ CONFIG_AGE, 'h', 3600, "seconds" },
		{ CONFIG_AGE, 'd', 86400, "seconds" },
		{ CONFIG_SIZE, 'k', 1024, "bytes" },
		{ CONFIG_SIZE, 'm', 1024 * 1024, "bytes" },
	};
	unsigned long long	 v, factor = 1;
	const char		*unit = "";
	char			*end;
	size_t			 i;

	for (i = 0; i < nitems(units); i++) {
		if (units[i].type == k->type)
			unit = units[i].unit;
	}
	/* Past ULLONG_MAX strtoull gives ULLONG_MAX: out of range below. */
	if (!isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 10);
	if (*end != '\0') {
		for (i = 0; i < nitems(units); i++) {
			if (units[i].type == k->type &&
			    units[i].suffix == tolower((unsigned char)*end))
				break;
		}
		if (i == nitems(units) || end[1] != '\0')
			goto bad;
		factor = units[i].factor;
	}
	if (v > k->max / factor || v * factor < k->min) {
		snprintf(why, whylen, "'%s' is out of range (%llu to %llu%s%s)",
		    s, k->min, k->max, *unit != '\0' ? " " : "", unit);
		return (-1);
	}
	*out = v * factor;
	return (0);

bad:
	switch (k->type) {
	case CONFIG_DURATION:
		snprintf(why, whylen, "'%s' is not a duration (SEC, SECs or "
		    "MINm)", s);
		break;
	case CONFIG_AGE:
		snprintf(why, whylen, "'%s' is not an age (SEC, SECs, MINm, "
		    "HOURSh or DAYSd)", s);
		break;
	case CONFIG_SIZE:
		snprintf(why, whylen, "'%s' is not a size (BYTES, KIBk or "
		    "MIBm)", s);
		break;
	default:
		snprintf(why, whylen, "'%s' is not a number", s);
		break;
	}
	return (-1);
}

static int
config_parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
		*out = true;
	else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
		*out = false;
	else
		return (-1);
	return (0);
}

/*
 * A name of key k: printable ASCII without spaces, 1 to k->max bytes; a
 * token (IRC's server and network names) holds no ':' or ',' either, so
 * that a line carries it as one parameter.
 */
static bool
config_name_valid(const char *s, const struct config_key *k)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] <= ' ' || s[n] > '~' || (k->flags & CONFIG_F_TOKEN &&
		    (s[n] == ':' || s[n] == ',')))
			return (false);
	return (n > 0 && n <= k->max);
}

/* server-name's default: the host name, when it makes a valid name. */
static int
config_host_name(const struct config_key *k, char *buf, size_t len)
{
	if (gethostname(buf, len) != 0)
		return (-1);
	buf[len - 1] = '\0';
	return (config_name_valid(buf, k) ? 0 : -1);
}

/*
 * Sets key k from the string s.  A list is replaced by the first value a
 * source gives and grows with the next ones, so that the file replaces the
 * default listeners and the command line replaces the file's.
 */
static int
config_set(struct config *cf, const struct config_key *k, const char *s,
    bool first, char *why, size_t whylen)
{
	struct sockaddr_storage	  ss;
	socklen_t		  sl;
	unsigned long long	  v;
	char			***list, **l, **str;
	size_t			 *n, i;
	bool			  b;
	int			  level;
	char			  host[CONFIG_NAME_MAX + 1];

	switch (k->type) {
	case CONFIG_LISTEN:
		if (strcmp(s, "none") == 0) {
			config_list_clear(cf, k);
			return (0);
		}
		if (addr_parse(s, &ss, &sl, why, whylen) != 0)
			return (-1);
		if (first)
			config_list_clear(cf, k);
		list = config_field(cf, k);
		n = config_length(cf, k);
		for (i = 0; i < *n; i++) {
			if (config_listen_same((*list)[i], s)) {
				snprintf(why, whylen, "'%s' given twice", s);
				return (-1);
			}
		}
		if ((l = reallocarray(*list, *n + 1, sizeof *l)) == NULL)
			goto nomem;
		*list = l;
		if ((l[*n] = strdup(s)) == NULL)
			goto nomem;
		(*n)++;
		return (0);
	case CONFIG_CIDRS:
		return (config_set_cidrs(cf, k, s, why, whylen));
	case CONFIG_ORIGINS:
		return (config_set_origins(cf, k, s, why, whylen));
	case CONFIG_NICKS:
		return (config_set_nicks(cf, k, s, why, whylen));
	case CONFIG_DURATION:
	case CONFIG_AGE:
	case CONFIG_COUNT:
		if (config_parse_number(s, k, &v, why, whylen) != 0)
			return (-1);
		*(unsigned int *)config_field(cf, k) = v;
		return (0);
	case CONFIG_SIZE:
		if (config_parse_number(s, k, &v, why, whylen) != 0)
			return (-1);
		*(size_t *)config_field(cf, k) = v;
		return (0);
	case CONFIG_LEVEL:
		if ((level = log_level_from_string(s)) < 0) {
			snprintf(why, whylen, "'%s' is not error, warn, info "
			    "or debug", s);
			return (-1);
		}
		*(int *)config_field(cf, k) = level;
		return (0);
	case CONFIG_BOOL:
		if (config_parse_bool(s, &b) != 0) {
			snprintf(why, whylen, "'%s' is not yes, no, true or "
			    "false", s);
			return (-1);
		}
		*(bool *)config_field(cf, k) = b;
		return (0);
	case CONFIG_HASH:
		/* Never shown: it may be the password itself, by mistake. */
		if (strcmp(s, "none") != 0 && !auth_hash_valid(s)) {
			snprintf(why, whylen, "not a password hash (make one "
			    "with %s --hash-password)", SERVER_NAME);
			return (-1);
		}
		str = config_field(cf, k);
		free(*str);
		*str = NULL;
		if (strcmp(s, "none") != 0 && (*str = strdup(s)) == NULL)
			goto nomem;
		return (0);
	case CONFIG_TLS_VERSION:
		if (strcmp(s, "1.2") != 0 && strcmp(s, "1.3") != 0) {
			snprintf(why, whylen, "'%s' is not 1.2 or 1.3", s);
			return (-1);
		}
		*(unsigned int *)config_field(cf, k) = s[2] - '0';
		return (0);
	case CONFIG_CLUSTER:
		if (strcmp(s, "none") != 0 && cluster_check(s, why, whylen) !=
		    0)
			return (-1);
		/* FALLTHROUGH */
	case CONFIG_FILE:
		str = config_field(cf, k);
		free(*str);
		*str = NULL;
		if (strcmp(s, "none") != 0 && (*str = strdup(s)) == NULL)
			goto nomem;
		return (0);
	case CONFIG_NAME:
		/* node-name = none: made at start (a port is needed). */
		if (k->defs != NULL && strcmp(k->defs, "none") == 0 &&
		    strcmp(s, "none") == 0) {
			str = config_field(cf, k);
			free(*str);
			*str = NULL;
			return (0);
		}
		/* server-name = none: the host name, its default. */
		if (k->defs == NULL && strcmp(s, "none") == 0 &&
		    config_host_name(k, host, sizeof host) == 0)
			s = host;
		if (!config_name_valid(s, k)) {
			snprintf(why, whylen, "'%s' is not 1 to %llu printable "
			    "ASCII characters without spaces%s", s, k->max,
			    k->flags & CONFIG_F_TOKEN ? ", ':' or ','" : "");
			return (-1);
		}
		/* FALLTHROUGH */
	case CONFIG_STORE:
		if (k->type == CONFIG_STORE && !store_known(s, why, whylen))
			return (-1);
		str = config_field(cf, k);
		free(*str);
		if ((*str = strdup(s)) == NULL)
			goto nomem;
		return (0);
	}
	return (-1);

nomem:
	snprintf(why, whylen, "out of memory");
	return (-1);
}

/* A repeatable key, one line per value. */
static void
config_print_list(const struct config *cf, const struct config_key *k,
    FILE *f)
{
	char *const	*list;
	size_t		 i;

	list = *(char *const *const *)config_cfield(cf, k);
	if (config_clength(cf, k) == 0)
		fprintf(f, "%s = none\n", k->name);
	for (i = 0; i < config_clength(cf, k); i++)
		fprintf(f, "%s = %s\n", k->name, list[i]);
}

/* Prints the value of k as the config file would give it; lists on one line. */
static void
config_print_value(const struct config *cf, const struct config_key *k,
    FILE *f)
{
	char *const		*list;
	const char		*str;
	const struct cidr	*cidr;
	char			 addr[INET6_ADDRSTRLEN];
	size_t			 i, n;

	switch (k->type) {
	case CONFIG_LISTEN:
	case CONFIG_NICKS:
		list = *(char *const *const *)config_cfield(cf, k);
		if ((n = config_clength(cf, k)) == 0)
			fprintf(f, "none");
		for (i = 0; i < n; i++)
			fprintf(f, "%s%s", i == 0 ? "" : k->type ==
			    CONFIG_NICKS ? ", " : " ", list[i]);
		break;
	case CONFIG_ORIGINS:
		list = *(char *const *const *)config_cfield(cf, k);
		if ((n = config_clength(cf, k)) == 0)
			fprintf(f, "none");
		for (i = 0; i < n; i++)
			fprintf(f, "%s%s", i == 0 ? "" : ",", list[i]);
		break;
	case CONFIG_CIDRS:
		cidr = *(const struct cidr *const *)config_cfield(cf, k);
		if ((n = config_clength(cf, k)) == 0)
			fprintf(f, "none");
		for (i = 0; i < n; i++) {
			evutil_inet_ntop(cidr[i].family, cidr[i].addr, addr,
			    sizeof addr);
			fprintf(f, "%s%s", i == 0 ? "" : ",", addr);
			if (cidr[i].bits != (cidr[i].family == AF_INET ?
			    32U : 128U))
				fprintf(f, "/%u", cidr[i].bits);
		}
		break;
	case CONFIG_DURATION:
	case CONFIG_AGE:
	case CONFIG_COUNT:
		fprintf(f, "%u", *(const unsigned int *)config_cfield(cf, k));
		break;
	case CONFIG_SIZE:
		fprintf(f, "%zu", *(const size_t *)config_cfield(cf, k));
		break;
	case CONFIG_LEVEL:
		fprintf(f, "%s",
		    log_level_to_string(*(const int *)config_cfield(cf, k)));
		break;
	case CONFIG_BOOL:
		fprintf(f, "%s",
		    *(const bool *)config_cfield(cf, k) ? "yes" : "no");
		break;
	case CONFIG_FILE:
	case CONFIG_HASH:
	case CONFIG_STORE:
	case CONFIG_NAME:
	case CONFIG_CLUSTER:
		str = *(const char *const *)config_cfield(cf, k);
		fprintf(f, "%s", str != NULL ? str : "none");
		break;
	case CONFIG_TLS_VERSION:
		fprintf(f, "1.%u", *(const unsigned int *)config_cfield(cf, k));
		break;
	}
}

struct config *
config_new(void)
{
	const struct config_key	*k;
	struct config		*cf;
	const char		*s;
	char			 one[64], why[128];
	size_t			 i, len;

	if ((cf = calloc(1, sizeof *cf)) == NULL)
		return (NULL);
	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		switch (k->type) {
		case CONFIG_LISTEN:
			for (s = k->defs; *s != '\0'; s += len) {
				len = strcspn(s, " ");
				snprintf(one, sizeof one, "%.*s", (int)len, s);
				if (config_set(cf, k, one, false, why,
				    sizeof why) != 0) {
					config_free(cf);
					return (NULL);
				}
				len += strspn(s + len, " ");
			}
			break;
		case CONFIG_NAME:
			if (k->defs == NULL && config_host_name(k, one,
			    sizeof one) == 0)
				s = one;
			else
				s = k->defs != NULL ? k->defs : SERVER_NAME;
			if (config_set(cf, k, s, true, why, sizeof why) != 0) {
				config_free(cf);
				return (NULL);
			}
			break;
		case CONFIG_CIDRS:
		case CONFIG_ORIGINS:
		case CONFIG_STORE:
			if (config_set(cf, k, k->defs, true, why,
			    sizeof why) != 0) {
				config_free(cf);
				return (NULL);
			}
			break;
		case CONFIG_DURATION:
		case CONFIG_AGE:
		case CONFIG_COUNT:
		case CONFIG_TLS_VERSION:
			*(unsigned int *)config_field(cf, k) = k->def;
			break;
		case CONFIG_FILE:
		case CONFIG_HASH:
		case CONFIG_NICKS:
		case CONFIG_CLUSTER:
			break;		/* none */
		case CONFIG_SIZE:
			*(size_t *)config_field(cf, k) = k->def;
			break;
		case CONFIG_LEVEL:
			*(int *)config_field(cf, k) = k->def;
			break;
		case CONFIG_BOOL:
			*(bool *)config_field(cf, k) = k->def;
			break;
		}
	}
	return (cf);
}

void
config_free(struct config *cf)
{
	size_t	i;

	if (cf == NULL)
		return;
	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].noff != CONFIG_NOFF)
			config_list_clear(cf, &config_keys[i]);
		if (config_keys[i].type == CONFIG_FILE ||
		    config_keys[i].type == CONFIG_HASH ||
		    config_keys[i].type == CONFIG_STORE ||
		    config_keys[i].type == CONFIG_NAME ||
		    config_keys[i].type == CONFIG_CLUSTER)
			free(*(char **)config_field(cf, &config_keys[i]));
	}
	free(cf->password_hash);
	free(cf->path);
	free(cf);
}

/*
 * The defences that cf switches off, the limit keys set to 0: one name a
 * call, from *pos = 0 on, then NULL.  limit_log_off tells them at start.
 */
const char *
config_limit_off(const struct config *cf, size_t *pos)
{
	const struct config_key	*k;
	bool			 off;

	while (*pos < CONFIG_NKEYS) {
		k = &config_keys[(*pos)++];
		if (!(k->flags & CONFIG_F_LIMIT))
			continue;
		if (k->type == CONFIG_SIZE)
			off = *(const size_t *)config_cfield(cf, k) == 0;
		else
			off = *(const unsigned int *)config_cfield(cf, k) == 0;
		if (off)
			return (k->name);
	}
	return (NULL);
}

void
config_print(const struct config *cf, FILE *f)
{
	const struct config_key	*k;
	size_t			 i;

	if (cf->path != NULL)
		fprintf(f, "# evchatd configuration, read from %s\n", cf->path);
	else
		fprintf(f, "# evchatd configuration, no file read\n");
	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		if (k->type == CONFIG_LISTEN) {
			config_print_list(cf, k, f);
			continue;
		}
		fprintf(f, "%s = ", k->name);
		config_print_value(cf, k, f);
		fputc('\n', f);
	}
}

void
config_usage(FILE *f)
{
	const struct config_option	*o;
	const struct config_key		*k;
	struct config			*cf;
	char			 left[64];
	size_t			 i;

	fprintf(f, "usage: %s [option ...]\n", SERVER_NAME);
	for (i = 0; i < nitems(config_options); i++) {
		o = &config_options[i];
		if (o->letter != 0)
			snprintf(left, sizeof left, "-%c, --%s", o->letter,
			    o->name);
		else
			snprintf(left, sizeof left, "--%s%s%s", o->name,
			    o->arg != NULL ? " " : "",
			    o->arg != NULL ? o->arg : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
	cf = config_new();
	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = &config_keys[i];
		snprintf(left, sizeof left, "--%s%s%s", k->name,
		    k->arg != NULL ? " " : "", k->arg != NULL ? k->arg : "");
		fprintf(f, "  %-24s %s", left, k->help);
		if (k->arg != NULL && cf != NULL) {
			fprintf(f, " (default ");
			config_print_value(cf, k, f);
			fputc(')', f);
		}
		fputc('\n', f);
	}
	config_free(cf);
	fprintf(f, "SEC takes an s or m suffix, AGE also h or d, BYTES K or M; "
	    "a limit of 0\nis no limit.  The default file, read when present, "
	    "is %s.\n", EVCHATD_CONF);
}

static void
config_args_free(struct config_args *ca)
{
	free(ca->keys);
	free(ca->values);
}

static const struct config_option *
config_option_find(char letter, const char *name, size_t len)
{
	const struct config_option	*o;
	size_t				 i;

	for (i = 0; i < nitems(config_options); i++) {
		o = &config_options[i];
		if (letter != 0 ? o->letter == letter :
		    strncmp(o->name, name, len) == 0 && o->name[len] == '\0')
			return (o);
	}
	return (NULL);
}

/*
 * --account ACTION [NICK]: list takes no NICK, the others one, the next
 * word; *i moves past it.  It acts as a flag: the first one given wins.
 */
static int
config_args_account_parse(struct config_args *ca,
    const struct config_option *o, const char *value, int argc, char **argv,
    int *i, char *err, size_t errlen)
{
	static const char *const	 actions[] = { "add", "passwd",
					    "delete", "list" };
	size_t				 j;

	for (j = 0; j < nitems(actions); j++) {
		if (strcmp(actions[j], value) == 0)
			break;
	}
	if (j == nitems(actions)) {
		snprintf(err, errlen, "--account %s: not add, passwd, delete "
		    "or list", value);
		return (-1);
	}
	if (strcmp(value, "list") != 0) {
		if (*i + 1 == argc) {
			snprintf(err, errlen, "--account %s needs a NICK",
			    value);
			return (-1);
		}
		ca->account_nick = argv[++*i];
	}
	ca->account = value;
	if (ca->flag == NULL || o < ca->flag)
		ca->flag = o;
	return (0);
}

/*
 * Sorts the command line out without applying it: the flag, the file and
 * the options that set keys.  Only mistakes of form are found here.
 */
static int
config_args_parse(int argc, char **argv, struct config_args *ca, char *err,
    size_t errlen)
{
	const struct config_option	*o;
	const struct config_key		*k;
	const char			*arg, *value;
	size_t				 len;
	bool				 flag;
	int				 i;

	memset(ca, 0, sizeof *ca);
	ca->keys = calloc(argc + 1, sizeof *ca->keys);
	ca->values = calloc(argc + 1, sizeof *ca->values);
	if (ca->keys == NULL || ca->values == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		k = NULL;
		o = NULL;
		value = NULL;
		if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0') {
			if (arg[2] == '\0')
				o = config_option_find(arg[1], NULL, 0);
			if (o == NULL) {
				snprintf(err, errlen, "unknown option %s", arg);
				goto fail;
			}
			len = strlen(arg);
		} else if (arg[0] == '-' && arg[1] == '-' && arg[2] != '\0') {
			arg += 2;
			len = strcspn(arg, "=");
			if (arg[len] == '=')
				value = arg + len + 1;
			if ((k = config_find(arg, len)) == NULL &&
			    (o = config_option_find(0, arg, len)) == NULL) {
				snprintf(err, errlen, "unknown option --%.*s",
				    (int)len, arg);
				goto fail;
			}
		} else {
			snprintf(err, errlen, "unexpected argument '%s'", arg);
			goto fail;
		}

		flag = (k != NULL ? k->arg : o->arg) == NULL;
		if (flag && value != NULL) {
			snprintf(err, errlen, "option --%.*s takes no value",
			    (int)len, arg);
			goto fail;
		}
		if (!flag && value == NULL) {
			if (i + 1 == argc) {
				snprintf(err, errlen, "option --%s needs a "
				    "value", arg);
				goto fail;
			}
			value = argv[++i];
		}

		if (k != NULL) {
			ca->keys[ca->n] = k;
			ca->values[ca->n++] = flag ? "yes" : value;
		} else if (o->action == CONFIG_ACCOUNT) {
			if (config_args_account_parse(ca, o, value, argc, argv,
			    &i, err, errlen) != 0)
				goto fail;
		} else if (!flag)
			ca->path = value;
		else if (ca->flag == NULL || o < ca->flag)
			ca->flag = o;
	}
	return (0);

fail:
	config_args_free(ca);
	return (-1);
}

int
config_args_action(int argc, char **argv, char *err, size_t errlen)
{
	struct config_args	ca;
	int			action;

	if (config_args_parse(argc, argv, &ca, err, errlen) != 0)
		return (-1);
	action = ca.flag != NULL ? ca.flag->action : CONFIG_RUN;
	config_args_free(&ca);
	return (action);
}

/*
 * The action and NICK (NULL for list) of --account, for evchatd.c once
 * config_args_action said CONFIG_ACCOUNT; pointers into argv.
 */
void
config_args_account(int argc, char **argv, const char **action,
    const char **nick)
{
	struct config_args	ca;
	char			err[128];

	*action = *nick = NULL;
	if (config_args_parse(argc, argv, &ca, err, sizeof err) != 0)
		return;
	*action = ca.account;
	*nick = ca.account_nick;
	config_args_free(&ca);
}

/* Reads the file into cf; a missing file is fine unless required. */
static int
config_load(struct config *cf, const char *path, bool required,
    struct config_state *st)
{
	const struct config_key	*k;
	FILE			*f;
	char			*buf = NULL, *line, *eq, *key, *value;
	char			 why[256];
	size_t			 size = 0, i;
	unsigned int		 lineno = 0;
	int			 rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !required)
			return (0);
		config_error(st, "%s: %s", path, strerror(errno));
		return (-1);
	}
	st->file = path;
	while (getline(&buf, &size, f) != -1) {
		lineno++;
		line = config_trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			config_error(st, "%s:%u: expected 'key = value'",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = config_trim(line);
		value = config_trim(eq + 1);
		if ((k = config_find(key, strlen(key))) == NULL) {
			config_error(st, "%s:%u: unknown key '%s'", path,
			    lineno, key);
			goto out;
		}
		i = k - config_keys;
		if (st->seen[i] && k->type != CONFIG_LISTEN) {
			config_error(st, "%s:%u: duplicate key '%s' (first "
			    "on line %u)", path, lineno, key, st->line[i]);
			goto out;
		}
		if (*value == '\0') {
			config_error(st, "%s:%u: %s: missing value", path,
			    lineno, key);
			goto out;
		}
		if (config_set(cf, k, value, !st->seen[i], why,
		    sizeof why) != 0) {
			config_error(st, "%s:%u: %s: %s", path, lineno, key,
			    why);
			goto out;
		}
		st->seen[i] = true;
		st->set[i] = true;
		st->line[i] = lineno;
	}
	if (ferror(f)) {
		config_error(st, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((cf->path = strdup(path)) == NULL) {
		config_error(st, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(buf);
	fclose(f);
	return (rc);
}

/* "FILE:LINE: " of whichever of two keys the file set last, or "". */
static const char *
config_where(const struct config_state *st, const char *a, const char *b,
    char *buf, size_t len)
{
	unsigned int	la, lb;

	la = st->line[config_find(a, strlen(a)) - config_keys];
	lb = st->line[config_find(b, strlen(b)) - config_keys];
	if (la == 0 && lb == 0)
		return ("");
	snprintf(buf, len, "%s:%u: ", st->file, la > lb ? la : lb);
	return (buf);
}

/* The hash of a line that holds it alone, or as --hash-password prints it. */
static char *
config_hash_line(char *line)
{
	char	*s = config_trim(line);
	size_t	 len = strlen("password");

	if (strncmp(s, "password", len) == 0 &&
	    s[len + strspn(s + len, " \t")] == '=')
		s = config_trim(strchr(s, '=') + 1);
	return (s);
}

/*
 * The hash that password-file holds, on its first line.  The file must be
 * the daemon's alone: one that others may read or write gives them the hash
 * to attack offline, or the server.
 */
static int
config_password_file(struct config *cf, struct config_state *st)
{
	const char	*path = cf->password_file, *where;
	FILE		*f;
	const char	*why;
	char		*line = NULL, buf[PATH_MAX + 32], *hash, reason[128];
	size_t		 size = 0;
	int		 fd, rc = -1;

	where = config_where(st, "password-file", "password-file", buf,
	    sizeof buf);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		config_error(st, "%spassword-file %s: %s", where, path,
		    strerror(errno));
		return (-1);
	}
	if ((why = secret_check(fd, true, reason, sizeof reason)) != NULL) {
		config_error(st, "%spassword-file %s %s", where, path, why);
		close(fd);
		return (-1);
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		config_error(st, "%spassword-file %s: %s", where, path,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (getline(&line, &size, f) == -1 ||
	    !auth_hash_valid(hash = config_hash_line(line)))
		config_error(st, "%spassword-file %s holds no password hash "
		    "(make one with %s --hash-password)", where, path,
		    SERVER_NAME);
	else if ((cf->password_hash = strdup(hash)) == NULL)
		config_error(st, "out of memory");
	else
		rc = 0;
	free(line);
	fclose(f);
	return (rc);
}

/*
 * An address that two listener keys name (port 0 aside): *a and *b are set
 * to the two keys.  NULL when none is.
 */
static const char *
config_listen_twice(const struct config *cf, const struct config_key **a,
    const struct config_key **b)
{
	char *const	*la, *const *lb;
	size_t		 i, j, x, y;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_keys[i].type != CONFIG_LISTEN)
			continue;
		for (j = i; j < CONFIG_NKEYS; j++) {
			if (config_keys[j].type != CONFIG_LISTEN)
				continue;
			*a = &config_keys[i];
			*b = &config_keys[j];
			la = *(char *const *const *)config_cfield(cf, *a);
			lb = *(char *const *const *)config_cfield(cf, *b);
			/* Within one key, config_set refused it already. */
			for (x = 0; i != j && x < config_clength(cf, *a); x++)
				for (y = 0; y < config_clength(cf, *b); y++)
					if (config_listen_same(la[x], lb[y]))
						return (la[x]);
		}
	}
	return (NULL);
}

/* The keys of TLS and the password, with each other. */
static int
config_check_secure(struct config *cf, struct config_state *st)
{
	const struct config_key	*a, *b;
	const char		*addr;
	char			 where[PATH_MAX + 32];

	if (cf->ntls_listen > 0 && cf->tls_cert == NULL) {
		config_error(st, "%stls-listen needs tls-cert", config_where(st,
		    "tls-listen", "tls-cert", where, sizeof where));
		return (-1);
	}
	if (cf->nweb_tls_listen > 0 && cf->tls_cert == NULL) {
		config_error(st, "%sweb-tls-listen needs tls-cert",
		    config_where(st, "web-tls-listen", "tls-cert", where,
		    sizeof where));
		return (-1);
	}
	if (cf->nirc_tls_listen > 0 && cf->tls_cert == NULL) {
		config_error(st, "%sirc-tls-listen needs tls-cert",
		    config_where(st, "irc-tls-listen", "tls-cert", where,
		    sizeof where));
		return (-1);
	}
	if (cf->tls_key != NULL && cf->tls_cert == NULL) {
		config_error(st, "%stls-key needs tls-cert", config_where(st,
		    "tls-key", "tls-cert", where, sizeof where));
		return (-1);
	}
	if ((addr = config_listen_twice(cf, &a, &b)) != NULL) {
		config_error(st, "%s'%s' is in both %s and %s",
		    config_where(st, a->name, b->name, where, sizeof where),
		    addr, a->name, b->name);
		return (-1);
	}
	if (cf->password != NULL && cf->password_file != NULL) {
		config_error(st, "%spassword and password-file exclude each "
		    "other", config_where(st, "password", "password-file",
		    where, sizeof where));
		return (-1);
	}
	if (cf->password_file != NULL)
		return (config_password_file(cf, st));
	if (cf->password != NULL &&
	    (cf->password_hash = strdup(cf->password)) == NULL) {
		config_error(st, "out of memory");
		return (-1);
	}
	return (0);
}

/* Whether key name was set by the file or the command line. */
static bool
config_is_set(const struct config_state *st, const char *name)
{
	return (st->set[config_find(name, strlen(name)) - config_keys]);
}

/*
 * The size limits hold each other up: a text, or media in base64 (4 bytes
 * for every 3), must fit in a frame; the fields around them are not
 * counted, since a request that does not fit is refused as
 * frame_too_large.  A limit left at its default adapts to the ones the
 * operator set, so that setting one never contradicts another's default:
 * max-frame grows to carry the text and media asked for, or else the text
 * and media shrink to what fits in the max-frame asked for.  Only two
 * values given both are checked against each other, in config_check.
 * The send queue does not constrain the frame: a frame larger than
 * max-sendq is sent when it is the only output waiting.
 */
static void
config_adapt(struct config *cf, const struct config_state *st)
{
	size_t	media_frame = base64_encoded_len(cf->max_media), i;
	bool	listeners = false;

	/*
	 * The built-in listeners of every kind go together: one listener
	 * named anywhere replaces them all, so that --listen 127.0.0.1:0
	 * opens that one and nothing that another instance may hold.
	 */
	for (i = 0; i < CONFIG_NKEYS; i++)
		if (config_keys[i].type == CONFIG_LISTEN && st->set[i])
			listeners = true;
	for (i = 0; listeners && i < CONFIG_NKEYS; i++)
		if (config_keys[i].type == CONFIG_LISTEN && !st->set[i])
			config_list_clear(cf, &config_keys[i]);

	if (!config_is_set(st, "max-frame")) {
		if (config_is_set(st, "max-text") &&
		    cf->max_text > cf->max_frame)
			cf->max_frame = cf->max_text;
		if (config_is_set(st, "max-media") &&
		    media_frame > cf->max_frame)
			cf->max_frame = media_frame;
	}
	/*
	 * The heartbeat and the timeout keep the defaults' proportion (30
	 * and 75) when only one is given and the other's default would not
	 * fit: a ping needs time to come back before the drop.
	 */
	if (!config_is_set(st, "timeout") && cf->timeout <= cf->heartbeat)
		cf->timeout = cf->heartbeat / 2 * 5 + cf->heartbeat % 2 * 3;
	if (!config_is_set(st, "heartbeat") && cf->heartbeat >= cf->timeout)
		cf->heartbeat = cf->timeout * 2 / 5 > 0 ?
		    cf->timeout * 2 / 5 : 1;
	if (!config_is_set(st, "max-text") && cf->max_text > cf->max_frame)
		cf->max_text = cf->max_frame;
	if (!config_is_set(st, "max-media") &&
	    base64_encoded_len(cf->max_media) > cf->max_frame)
		cf->max_media = cf->max_frame / 4 * 3;
}

/*
 * A cluster shares its Redis with the store: history, accounts and bans
 * are the cluster's.  Without a store key the store is the cluster's
 * Redis; a store key that names another kind of store contradicts it.
 */
static int
config_check_cluster(struct config *cf, struct config_state *st)
{
	char	where[PATH_MAX + 32], *store;
	size_t	len;

	if (cf->cluster == NULL)
		return (0);
	if (config_is_set(st, "store")) {
		if (strncmp(cf->store, "redis", 5) == 0)
			return (0);
		config_error(st, "%sstore %s contradicts cluster: a cluster's "
		    "store is its Redis (leave store out)", config_where(st,
		    "store", "cluster", where, sizeof where), cf->store);
		return (-1);
	}
	/* "unix:/PATH" is the store's "redis+unix:/PATH". */
	len = strlen(cf->cluster) + sizeof "redis+";
	if ((store = malloc(len)) == NULL) {
		config_error(st, "out of memory");
		return (-1);
	}
	snprintf(store, len, "%s%s", strncmp(cf->cluster, "unix:", 5) == 0 ?
	    "redis+" : "", cf->cluster);
	free(cf->store);
	cf->store = store;
	return (0);
}

/* What keys say of each other, once the defaults have adapted. */
static int
config_check(struct config *cf, struct config_state *st)
{
	char	where[PATH_MAX + 32];

	config_adapt(cf, st);

	if (cf->timeout <= cf->heartbeat) {
		config_error(st, "%stimeout (%u) must be greater than "
		    "heartbeat (%u)", config_where(st, "timeout",
		    "heartbeat", where, sizeof where), cf->timeout,
		    cf->heartbeat);
		return (-1);
	}
	if (cf->max_text > cf->max_frame) {
		config_error(st, "%smax-text (%zu) must not be greater than "
		    "max-frame (%zu)", config_where(st, "max-text",
		    "max-frame", where, sizeof where), cf->max_text,
		    cf->max_frame);
		return (-1);
	}
	if (base64_encoded_len(cf->max_media) > cf->max_frame) {
		config_error(st, "%smax-media (%zu) is %zu bytes in base64, "
		    "more than max-frame (%zu)", config_where(st, "max-media",
		    "max-frame", where, sizeof where), cf->max_media,
		    base64_encoded_len(cf->max_media), cf->max_frame);
		return (-1);
	}
	if (config_check_cluster(cf, st) != 0)
		return (-1);
	return (config_check_secure(cf, st));
}

struct config *
config_from_args(int argc, char **argv, char *err, size_t errlen)
{
	struct config_args	 ca;
	struct config_state	 st;
	struct config		*cf;
	const struct config_key	*k;
	char			 why[256];
	size_t			 i, ki;

	if (config_args_parse(argc, argv, &ca, err, errlen) != 0)
		return (NULL);
	memset(&st, 0, sizeof st);
	st.err = err;
	st.errlen = errlen;
	if ((cf = config_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		config_args_free(&ca);
		return (NULL);
	}
	if (config_load(cf, ca.path != NULL ? ca.path : EVCHATD_CONF,
	    ca.path != NULL, &st) != 0)
		goto fail;
	memset(st.seen, 0, sizeof st.seen);
	for (i = 0; i < ca.n; i++) {
		k = ca.keys[i];
		ki = k - config_keys;
		if (config_set(cf, k, ca.values[i], !st.seen[ki], why,
		    sizeof why) != 0) {
			config_error(&st, "option --%s: %s", k->name, why);
			goto fail;
		}
		st.seen[ki] = true;
		st.set[ki] = true;
		st.line[ki] = 0;
	}
	if (config_check(cf, &st) != 0)
		goto fail;
	config_args_free(&ca);
	return (cf);

fail:
	config_args_free(&ca);
	config_free(cf);
	return (NULL);
}

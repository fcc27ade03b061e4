/* server.h: the structures and functions of evchatd: the one server struct, clients, rooms, the
 * handler table, configuration, logging and systemd glue; the framing library (proto.h) stays below it. */

#ifndef EVCHAT_SERVER_H
#define EVCHAT_SERVER_H

#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "proto.h"

struct bufferevent;
struct evconnlistener;
struct ssl_ctx_st;			/* OpenSSL's SSL_CTX */

#define SERVER_NAME		"evchatd"
#define ACCEPT_PAUSE_MS		1000	/* after running out of fds */
#define SHUTDOWN_GRACE_MS	2000	/* flushing bye at shutdown */
#define CLOSE_LINGER_MS		5000	/* flushing bye to one client */
#define FRAMES_PER_PASS		256	/* fairness: frames per client per pass */
#define CLIENT_IOV		256	/* frames per writev */
#define CLIENT_READ_MIN		4096	/* libevent's read size: more may wait */
#define CLIENT_READ_MAX		65536	/* then read up to this much at once */
#define TRIM_DELAY_MS		1000	/* from a client freed to malloc_trim */
#define FLUSH_INTERVAL_US	200	/* longest a pass holds output back */

/* limit.c: an address range exempt from the per-address limit. */
struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	unsigned int	 bits;
};

/* config.c: the effective configuration, from defaults, file and options. */
struct config {
	char		*path;		/* config file read, or NULL */
	char		**listen;	/* "ADDR:PORT", IPv6 as "[ADDR]:PORT" */
	size_t		 nlisten;
	unsigned int	 heartbeat;	/* seconds of silence before ping */
	unsigned int	 timeout;	/* seconds of silence before drop */
	size_t		 max_frame;
	size_t		 max_text;
	size_t		 max_media;
	unsigned int	 max_clients;	/* 0: no limit, as for all below */
	unsigned int	 max_clients_per_ip;
	unsigned int	 max_rooms_per_client;
	unsigned int	 max_members_per_room;
	size_t		 max_sendq;	/* bytes of output waiting */
	unsigned int	 rate;		/* frames per second */
	unsigned int	 burst;
	unsigned int	 flood_kick;	/* refusals within 10 s */
	unsigned int	 register_timeout; /* seconds to send hello */
	struct cidr	*limit_exempt;	/* not counted per address */
	size_t		 nlimit_exempt;
	int		 log_level;
	bool		 syslog;
	char		**tls_listen;	/* as listen, speaking TLS */
	size_t		 ntls_listen;
	char		*tls_cert;	/* PEM chain, or NULL: no TLS */
	char		*tls_key;	/* PEM key, NULL: in tls_cert */
	unsigned int	 tls_min_version; /* minor: 2 (TLS 1.2) or 3 */
	char		*password;	/* crypt(3) hash, or NULL */
	char		*password_file;	/* holds the hash, or NULL */
	char		*password_hash;	/* in force: one of the two */
};

struct config	*config_new(void);
void		 config_free(struct config *);
struct config	*config_from_args(int, char **, char *, size_t);
void		 config_print(const struct config *, FILE *);

enum config_action {
	CONFIG_RUN,
	CONFIG_CHECK,		/* --check-config */
	CONFIG_HELP,		/* -h, --help */
	CONFIG_VERSION,		/* -V, --version */
	CONFIG_HASH_PASSWORD	/* --hash-password */
};

int		 config_args_action(int, char **, char *, size_t);
void		 config_usage(FILE *);

/* log.c */
enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG };

void		 log_open(int, bool);
void		 log_set_level(int);
int		 log_level_from_string(const char *);
const char	*log_level_to_string(int);
size_t		 log_escape(char *, size_t, const char *);
void		 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void		 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/* hash.c: string-keyed table, keys owned by the caller's values. */
struct hash;
struct hash	*hash_new(void);
void		 hash_free(struct hash *);
#define HASH_FOLD_MAX	(NAME_ROOM_MAX * 4)	/* bytes of the longest name */
void		*hash_find(const struct hash *, const char *);
void		*hash_find_fold(const struct hash *, const char *);
int		 hash_insert(struct hash *, const char *, void *);
void		*hash_remove(struct hash *, const char *);
size_t		 hash_count(const struct hash *);
void		*hash_next(const struct hash *, size_t *);

/* room.c */
struct room {
	char		 *name;		/* case first used */
	char		 *fold;		/* case-folded: the key */
	struct client	**members;
	size_t		  nmembers;
	size_t		  cap;
};

/* client.c */
#define CLIENT_REGISTERED	0x01
#define CLIENT_PRESENCE		0x02	/* wants online/offline of everyone */
#define CLIENT_CLOSING		0x04	/* no more input or output but bye */
#define CLIENT_PINGED		0x08	/* a ping is outstanding */
#define CLIENT_DETACHED		0x10	/* out of rooms and nick table */
#define CLIENT_PENDING		0x20	/* frames left in input */
#define CLIENT_DEAD		0x40	/* socket gone: nothing can be sent */
#define CLIENT_TOUCHED		0x80	/* output queued this pass */
#define CLIENT_DIRECT		0x100	/* plain socket: server_flush writes */

struct client {
	struct server		*server;
	struct bufferevent	*bev;
	struct frame		**outq;		/* queued, not yet written */
	size_t			 noutq;
	size_t			 outcap;
	size_t			 outq_bytes;
	size_t			 inlen;		/* input left by last pass */
	uint64_t		 id;
	char			 addr[64];	/* for logs */
	int			 flags;

	char			*nick;		/* NULL until hello */
	char			*fold;

	struct room		**rooms;
	size_t			  nrooms;
	size_t			  roomcap;

	struct limit_ip		*ip;		/* NULL: not counted */
	double			 tokens;	/* rate limit bucket */
	int64_t			 refill_ms;
	unsigned int		 refused;	/* in the flood window */
	int64_t			 refused_since;
	int64_t			 partial_ms;	/* a frame began, 0: none */

	char			*close_reason;	/* presence reason */
	uint64_t		 mark;		/* dedupes presence */
	int64_t			 deadline_ms;	/* hello, or linger, by then */

	TAILQ_ENTRY(client)	 entry;		/* server->clients */
	TAILQ_ENTRY(client)	 close_entry;	/* server->closing */
	TAILQ_ENTRY(client)	 pending_entry;	/* server->pending */
	TAILQ_ENTRY(client)	 touched_entry;	/* server->touched */
	TAILQ_ENTRY(client)	 presence_entry; /* server->watchers */
};
TAILQ_HEAD(clients, client);

struct client	*client_new(struct server *, struct bufferevent *,
		     const struct sockaddr *, bool);
void		 client_free(struct client *);
void		 client_close(struct client *, const char *, bool);
void		 client_send(struct client *, struct frame *);
void		 client_send_json(struct client *, cJSON *);
void		 client_reply(struct client *, cJSON *, const cJSON *);
void		 client_error(struct client *, enum errcode, const cJSON *,
		     const char *, ...) __attribute__((format(printf, 4, 5)));
void		 client_process(struct client *);
void		 client_reap(struct client *);
int		 client_flush(struct client *);
bool		 client_in_room(const struct client *, const struct room *);
struct frame	*client_presence_frame(const struct client *,
		     const struct room *, const char *, const char *);
int		 client_register(struct client *, const char *, bool);

/* limit.c */
enum limit_verdict { LIMIT_OK, LIMIT_REFUSED, LIMIT_KICK };

int		 limit_cidr_parse(const char *, struct cidr *);
bool		 limit_ip_add(struct server *, struct client *,
		     const struct sockaddr *);
void		 limit_ip_remove(struct server *, struct client *);
void		 limit_ip_free_all(struct server *);
void		 limit_rate_init(struct client *);
enum limit_verdict limit_rate(struct client *);
void		 limit_log_off(const struct config *);

/* room.c */
struct room	*room_find(struct server *, const char *);
struct room	*room_join(struct server *, const char *, struct client *);
void		 room_part(struct room *, struct client *);
void		 room_broadcast(struct room *, struct frame *,
		     const struct client *);
int		 room_cmp(const void *, const void *);
cJSON		*room_nicks(const struct room *);

/* cmd.c: one handler per message type, found through one table. */
struct cmd_entry {
	const char	*type;
	int		 flags;
#define CMD_REGISTERED	0x1	/* only after hello */
	void		(*exec)(struct client *, cJSON *, const cJSON *);
};

void		 cmd_dispatch(struct client *, cJSON *, const char *,
		     const cJSON *);
bool		 cmd_id_valid(const cJSON *);
cJSON		*cmd_object(const char *);
int		 cmd_reason(struct client *, cJSON *, const cJSON *,
		     const char **);
void		 cmd_hello(struct client *, cJSON *, const cJSON *);
void		 cmd_join(struct client *, cJSON *, const cJSON *);
void		 cmd_part(struct client *, cJSON *, const cJSON *);
void		 cmd_msg(struct client *, cJSON *, const cJSON *);
void		 cmd_rooms(struct client *, cJSON *, const cJSON *);
void		 cmd_who(struct client *, cJSON *, const cJSON *);
void		 cmd_ping(struct client *, cJSON *, const cJSON *);
void		 cmd_pong(struct client *, cJSON *, const cJSON *);
void		 cmd_quit(struct client *, cJSON *, const cJSON *);

/* listener.c: the listening sockets, reconciled with the config on reload. */
struct listener {
	char			*addr;		/* as configured */
	struct evconnlistener	*evl;
	bool			 tls;
};

int		 listener_open_all(struct server *);
int		 listener_reconcile(struct server *, const struct config *);
void		 listener_close_all(struct server *);

/*
 * auth.c: the server password.  Checks run on one worker thread and come
 * back to the loop as a callback; wrong ones are answered later and later
 * per address.  Only auth.c looks inside.
 */
#define AUTH_DIGEST_LEN		32
struct auth_worker;
struct auth_peer;
struct auth_ticket;			/* one check under way */
typedef void	auth_done_cb(void *, bool);

struct auth {
	struct event_base		*base;
	struct auth_worker		*worker;	/* shared with the thread */
	struct event			*done;		/* verdicts are in */
	TAILQ_HEAD(, auth_ticket)	 tickets;	/* every check under way */
	struct hash			*peers;		/* address -> auth_peer */
	TAILQ_HEAD(, auth_peer)		 peers_lru;	/* oldest failure first */
	size_t				 npeers;
	unsigned char	 key[AUTH_DIGEST_LEN];	/* random, this process only */
	unsigned char	 hash[AUTH_DIGEST_LEN];	/* of the hash that matched */
	unsigned char	 pass[AUTH_DIGEST_LEN];	/* of the password that did */
	bool		 known;
};

int		 auth_hash(const char *, char *, size_t);
bool		 auth_hash_valid(const char *);
int		 auth_init(struct auth *, struct event_base *, char *, size_t);
void		 auth_clear(struct auth *);
struct auth_ticket *auth_check_start(struct auth *, const char *,
		     const char *, const char *, auth_done_cb *, void *);
void		 auth_cancel(struct auth_ticket *);
bool		 auth_check(struct auth *, const char *, const char *);

/* tls.c: the TLS listeners' context, kept across a bad reload. */
int		 tls_check(const struct config *, char *, size_t);
int		 tls_reload(struct server *, const struct config *);
void		 tls_free(struct server *);

/* server.c: the one server struct. */
struct server_stats {
	uint64_t	 frames_in;
	uint64_t	 frames_out;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 drops;
	uint64_t	 accepted;
};

struct server {
	struct event_base	*base;
	struct config		*config;
	int			 argc;		/* for reload */
	char			**argv;

	struct listener		*listeners;
	size_t			 nlisteners;
	bool			 activated;	/* listeners from systemd */
	struct ssl_ctx_st	*tls_ctx;	/* tls.c: for new TLS clients */
	struct auth		 auth;		/* auth.c: password checks */

	struct hash		*nicks;		/* fold -> client */
	struct hash		*rooms;		/* fold -> room */
	struct hash		*ips;		/* address -> count */
	struct clients		 clients;	/* every connection */
	struct clients		 closing;	/* marked, not yet freed */
	struct clients		 pending;	/* input left over */
	struct clients		 touched;	/* output to flush */
	struct clients		 watchers;	/* presence:true */
	size_t			 nclients;	/* connections */
	size_t			 nactive;	/* of which not closing */

	struct event		*reaper;	/* frees closing clients */
	struct event		*resume;	/* drains pending input */
	struct event		*sigterm;
	struct event		*sigint;
	struct event		*sighup;
	struct event		*sigusr1;
	struct event		*grace;		/* shutdown deadline */
	struct event		*watchdog;
	struct event		*accept_pause;	/* after EMFILE */
	bool			 accept_failing; /* since, no accept worked */
	struct event		*trim;		/* gives freed memory back */

	const struct timeval	*tv_heartbeat;	/* common timeouts */
	const struct timeval	*tv_timeout;	/* timeout - heartbeat */
	const struct timeval	*tv_register;

	int64_t			 flushed_us;	/* last server_flush */
	uint64_t		 next_client_id;
	uint64_t		 mark;		/* last client mark used */
	uint64_t		 next_msgid;
	time_t			 started;
	bool			 stopping;
	struct server_stats	 stats;
};

struct server	*server_new(struct config *, int, char **);
void		 server_free(struct server *);
int		 server_run(struct server *);
void		 server_stop(struct server *);
struct client	*server_find_nick(struct server *, const char *);
void		 server_watchers_send(struct server *, struct frame *,
		     const struct client *);
uint64_t	 server_msgid(struct server *);
void		 server_resume(struct server *);
void		 server_flush(struct server *);
void		 server_flush_due(struct server *);
int64_t		 server_mono_us(void);
int64_t		 server_mono_ms(void);
void		 server_trim_later(struct server *);
int64_t		 server_now_ms(struct server *);
void		 server_accept(struct server *, struct bufferevent *,
		     const struct sockaddr *, bool);

/* systemd.c: the notify and socket-activation protocols, no libsystemd. */
int		 systemd_notify(const char *);
int		 systemd_listen_fds(void);
unsigned long long systemd_watchdog_usec(void);

#endif /* EVCHAT_SERVER_H */

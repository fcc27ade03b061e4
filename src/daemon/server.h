/* server.h: the structures and functions of evchatd: the one server struct, clients and their faces,
 * requests and events, rooms, nicks, presence, configuration, logging and systemd glue; lib/proto.h stays below it. */

/*
 * The path of a request, one way (as Redis's readQueryFromClient ->
 * processInputBuffer -> processCommand):
 *
 *   socket -> client.c      bytes in (client_read_cb), budgets, pending passes
 *          -> face-*.c      the wire protocol turns bytes into a struct request
 *          -> cmd.c         rate limit, checks shared by all, dispatch, and the
 *                           one place a handler's error becomes an error reply
 *          -> cmd-*.c       one message type each: its table entry and handler
 *          -> room.c, nick.c, presence.c: the state every face shares
 *          -> struct evt    what the core tells clients (evt.c): a message, a
 *                           presence change, a reply, an error, a bye, a ping
 *          -> face-*.c      renders an event into bytes once per face in use;
 *                           the frame is shared by reference among recipients
 *          -> client.c      queued per client, one writev per pass (server_flush)
 *
 * A new message type is one cmd-*.c file and a line in cmd.c's list; a new
 * wire protocol (WebSocket, IRC) is one face-*.c file and a listener kind;
 * nothing in the core changes for either.
 */

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

struct account;
struct auth_ticket;
struct bufferevent;
struct evconnlistener;
struct ssl_ctx_st;			/* OpenSSL's SSL_CTX */
struct client;
struct cluster;
struct evt;
struct server;
struct store;

#define SERVER_NAME		"evchatd"
#define ACCEPT_PAUSE_MS		1000	/* after running out of fds */
#define SHUTDOWN_GRACE_MS	2000	/* flushing bye at shutdown */
#define CLOSE_LINGER_MS		5000	/* flushing bye to one client */
#define REFUSED_LINGER_MS	1000	/* the same, never registered */
#define LINGER_MAX		64	/* lingering at once, then none */
#define FRAMES_PER_PASS		256	/* fairness: frames per client per pass */
#define CLIENT_IOV		256	/* frames per writev */
#define SERVER_MOTD_MAX		(64 << 10)	/* bytes of motd-file read */
#define CLIENT_READ_MAX		65536	/* read up to this much at once */
#define TRIM_DELAY_MS		1000	/* from a client freed to malloc_trim */
#define FLUSH_INTERVAL_US	200	/* longest a pass holds output back */

/* limit.c: a token bucket, refilled at config rate up to config burst. */
struct limit_bucket {
	double		 tokens;
	int64_t		 refill_ms;
};

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
	bool		 tls_session_tickets; /* resumption by ticket */
	char		**web_listen;	/* the page and /ws, plain HTTP */
	size_t		 nweb_listen;
	char		**web_tls_listen; /* the same over TLS */
	size_t		 nweb_tls_listen;
	char		*web_root;	/* the page's files, NULL: built in */
	char		**web_origins;	/* "scheme://host[:port]", lower case */
	size_t		 nweb_origins;
	struct cidr	*web_proxies;	/* X-Forwarded-For believed from */
	size_t		 nweb_proxies;
	char		*password;	/* crypt(3) hash, or NULL */
	char		*password_file;	/* holds the hash, or NULL */
	char		*password_hash;	/* in force: one of the two */
	char		**irc_listen;	/* IRC clients, plain */
	size_t		 nirc_listen;
	char		**irc_tls_listen; /* IRC clients over TLS */
	size_t		 nirc_tls_listen;
	char		*server_name;	/* to IRC: prefixes, numerics */
	char		*network_name;	/* to IRC: ISUPPORT NETWORK */
	char		*motd_file;	/* IRC's message of the day */
	char		*store;		/* store.c: a backend's name */
	char		*cluster;	/* cluster.c: a Redis, or NULL */
	char		*node_name;	/* NULL: host name:first port */
	unsigned int	 cluster_lease;	/* seconds */
	char		*cluster_prefix; /* Redis keys begin with it */
	char		*cluster_password_file; /* Redis's, or NULL */
	unsigned int	 history_max;	/* messages per room, 0: none */
	unsigned int	 history_max_age; /* seconds, 0: no limit */
	unsigned int	 history_max_replay; /* messages a join may ask */
	size_t		 history_replay_bytes;
	size_t		 history_memory; /* bytes, the memory store */
	bool		 guests;	/* nicks without an account */
	char		**operators;	/* account folds */
	size_t		 noperators;
};

struct config	*config_new(void);
void		 config_free(struct config *);
struct config	*config_from_args(int, char **, char *, size_t);
void		 config_print(const struct config *, FILE *);
const char	*config_limit_off(const struct config *, size_t *);

enum config_action {
	CONFIG_RUN,
	CONFIG_CHECK,		/* --check-config */
	CONFIG_HELP,		/* -h, --help */
	CONFIG_VERSION,		/* -V, --version */
	CONFIG_HASH_PASSWORD,	/* --hash-password */
	CONFIG_ACCOUNT		/* --account ACTION [NICK] */
};

int		 config_args_action(int, char **, char *, size_t);
void		 config_usage(FILE *);
void		 config_args_account(int, char **, const char **,
		     const char **);

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
void		*hash_find(const struct hash *, const char *);
void		*hash_find_fold(const struct hash *, const char *);
int		 hash_insert(struct hash *, const char *, void *);
void		*hash_remove(struct hash *, const char *);
size_t		 hash_count(const struct hash *);
void		*hash_next(const struct hash *, size_t *);

/*
 * room.c: rooms and their members; a broadcast hands one event to each.
 * A claimed room, or one with a topic, lasts when it empties: that state
 * is written behind to the store (room_keep) and loaded at start.
 */
struct room {
	char		 *name;		/* case first used */
	char		 *fold;		/* case-folded: the key */
	struct client	**members;
	size_t		  nmembers;
	size_t		  cap;
	size_t		  nlocal;	/* members of this node: the first
					   nlocal of members (room_join) */

	char		 *owner;	/* account fold, or NULL */
	char		**moderators;	/* account folds */
	size_t		  nmoderators;
	char		 *topic;	/* or NULL */
	char		 *topic_by;
	int64_t		  topic_ms;
	char		 *first;	/* first account to join: may claim */
	char		**muted;	/* nick folds, until the room empties */
	size_t		  nmuted;
};

struct store_room;
struct room	*room_find(struct server *, const char *);
struct room	*room_join(struct server *, const char *, struct client *);
void		 room_part(struct room *, struct client *);
void		 room_free_all(struct server *);
int		 room_keep(struct server *, struct room *);
int		 room_load(struct server *, const struct store_room *);
bool		 room_listed(char *const *, size_t, const char *);
int		 room_list_set(char ***, size_t *, const char *, bool);
int		 room_set(char **, const char *);
int		 room_fold(const char *, char *, char *);
void		 room_forget_account(struct server *, const char *);
void		 room_first(struct client *);
bool		 room_has(const struct room *, const struct client *);
void		 room_broadcast(struct room *, struct evt *,
		     const struct client *);
int		 room_cmp(const void *, const void *);

/*
 * face-*.c: a wire protocol: what turns a client's bytes into requests
 * (read, called by client.c with the input it has) and events into bytes
 * (render, called by evt_frame once per event and face).  The core never
 * looks at bytes; a face never looks at rooms or nicks but through requests.
 */
enum face_id {
	FACE_EVCHAT,		/* length-prefixed JSON frames */
	FACE_HTTP,		/* a web listener's requests, until /ws */
	FACE_WS,		/* WebSocket text messages of JSON */
	FACE_IRC,		/* IRC lines: one id per set of tags */
	FACE_COUNT = FACE_IRC + 8
};

enum face_read {
	FACE_READ_DONE,		/* no whole request left in the input */
	FACE_READ_MORE,		/* budget spent: whole requests remain */
	FACE_READ_CLOSED	/* the client was closed */
};

struct face {
	const char	*name;
	enum face_id	 id;
	enum face_read	(*read)(struct client *, unsigned int);
	struct frame	*(*render)(const struct face *, struct evt *);
	/*
	 * Optional: an event for c alone (evt_alone: a reply, an error, its
	 * own echo, a replay), which the face renders knowing c, the request
	 * it answers and its state, and sends with client_send_frame.
	 */
	void		 (*answer)(struct client *, struct evt *);
	/*
	 * Optional, for a face that keeps state of its own in
	 * client->face_state: the input it decoded but has not handed on
	 * yet (client_release resumes it), the last bytes of its stream
	 * after the bye (client_close), and the state's end (client_free).
	 */
	size_t		 (*buffered)(const struct client *);
	struct frame	*(*end)(struct client *, const char *);
	void		 (*free)(struct client *);
};

extern const struct face face_evchat;
extern const struct face face_http;
extern const struct face face_ws;
extern const struct face face_irc[FACE_COUNT - FACE_IRC];

/* face-evchat.c: the frame loop, shared with the WebSocket face. */
enum face_read	 face_evchat_frames(struct client *, struct evbuffer *,
		     unsigned int, bool);
/* face-ws.c: the switch from HTTP, once the handshake is answered. */
int		 face_ws_start(struct client *, char *, size_t);

/*
 * evt.c: an event, what the core tells clients.  The core fills one on its
 * stack (strings borrowed for the call) and hands it to every recipient;
 * each recipient's face renders it the first time that face needs it, and
 * the frame is kept here and shared by reference with the others.
 * ("evt" because libevent owns "event".)
 */
enum evt_type {
	EVT_MSG,		/* a room or private message */
	EVT_PRESENCE,		/* join, part, quit, online, offline */
	EVT_REPLY,		/* the answer to a request, as a JSON object */
	EVT_ERROR,		/* a refused request or a protocol error */
	EVT_BYE,		/* the last thing a closing client gets */
	EVT_PING		/* the server's heartbeat */
};

#define EVT_MSG_FIELDS		4	/* kind, mime, name, data */

struct evt_msg {
	uint64_t	 msgid;
	int64_t		 ts;		/* wall-clock milliseconds */
	const char	*from;
	const char	*account;	/* from's, when logged in, or NULL */
	const char	*room;		/* exactly one of room and to */
	const char	*to;
	const char	*field[EVT_MSG_FIELDS];	/* content, in order */
	const char	*value[EVT_MSG_FIELDS];
	size_t		 nfields;
	const char	*re;		/* the sender's id as sent, or NULL */
	bool		 history;	/* a replay: rendered with history:true */
};

struct evt_presence {
	const char	*room;		/* NULL: server-wide */
	const char	*nick;
	const char	*event;
	const char	*reason;	/* or NULL, as the three below */
	const char	*by;		/* the moderator */
	const char	*sanction;	/* a part's: "kick" or "ban" */
	const char	*topic;		/* a topic event's text */
	const char	*newnick;	/* a nick event's new nick */
	bool		 alone;		/* "away" to one writer of an away
					   nick (presence_away_to) */
};

struct evt_error {
	enum errcode	 code;
	const char	*message;
	const char	*re;		/* the request's id as sent, or NULL */
};

struct evt {
	enum evt_type		 type;
	union {
		struct evt_msg		 msg;
		struct evt_presence	 presence;
		cJSON			*reply;	/* owned: evt_clear frees it */
		struct evt_error	 error;
		const char		*bye;	/* the reason */
		int64_t			 ping;	/* wall-clock milliseconds */
	};
	struct frame		*frames[FACE_COUNT];	/* by face id */
};

void		 evt_init(struct evt *, enum evt_type);
void		 evt_clear(struct evt *);
bool		 evt_alone(const struct evt *);

/*
 * The bytes of e for face f: rendered the first time a recipient of that
 * face needs them, then the same frame for every other one (inline: this
 * runs once per delivery).  NULL when out of memory.
 */
static inline struct frame *
evt_frame(struct evt *e, const struct face *f)
{
	if (e->frames[f->id] == NULL)
		e->frames[f->id] = f->render(f, e);
	return (e->frames[f->id]);
}

/* auth.c's callbacks: a check's verdict, a new hash (NULL: none made). */
typedef void	auth_done_cb(void *, bool);
typedef void	auth_hashed_cb(void *, const char *);

/* cmd.c: requests, one dispatcher, one table of message types. */
struct request {
	const char	*text;		/* the JSON as sent, or NULL */
	size_t		 len;
	cJSON		*obj;		/* the request; the face owns it */
	const char	*type;
	const cJSON	*id;		/* to echo as "re", or NULL */
	const char	*bad;		/* why it is not a request, or NULL */
	char		*re;		/* id as sent: cmd_re makes it */

	enum errcode	 code;		/* a handler's refusal: cmd_error */
	char		 message[512];
	const char	*close;		/* and close with this reason */
};

struct cmd_entry {
	const char	*type;
	int		 flags;
#define CMD_REGISTERED	0x1	/* only after hello */
#define CMD_UNLIMITED	0x2	/* our ping's answer: not rate-limited */
#define CMD_PING	0x4	/* limited by the ping budget */
#define CMD_SECRET	0x8	/* carries passwords: cmd_wipe after */
	int		(*exec)(struct client *, struct request *);
};

#define CMD_HELD	1	/* exec's answer comes later: cmd_done then */

void		 cmd_process(struct client *, struct request *);
void		 cmd_done(struct client *, struct request *, int);
int		 cmd_error(struct request *, enum errcode, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
int		 cmd_close(struct request *, enum errcode, const char *);
int		 cmd_get(struct request *, const char *, int, bool,
		     const cJSON **);
int		 cmd_string(struct request *, const char *, bool,
		     const char **);
int		 cmd_number(struct request *, const char *, double, double,
		     uint64_t, uint64_t *);
int		 cmd_room_name(struct request *, const char **);
int		 cmd_reason(struct client *, struct request *, const char **);
const char	*cmd_re(struct request *);
cJSON		*cmd_object(const char *);
void		 cmd_reply(struct client *, struct request *, cJSON *);
void		 cmd_wipe(cJSON *);
cJSON		*cmd_held(struct request *, const char *);
void		 cmd_resume(struct client *, struct request *, const char *);
void		 cmd_resumed(struct client *, struct request *, int);
int		 cmd_hold(struct client *, struct request *,
		     struct auth_ticket *, cJSON *);
int		 cmd_check_password(struct client *, struct request *,
		     const char *, auth_done_cb *);
int		 cmd_check_account(struct client *, struct request *,
		     const char *, const struct account *, auth_done_cb *);
int		 cmd_hash_password(struct client *, struct request *,
		     const char *, auth_hashed_cb *);

/*
 * cmd.c: a list in a reply (rooms, who, joined), cut to a byte budget so
 * that no reply passes max_frame nor half of max-sendq; "more" says it was.
 */
/*
 * The reply around the list, room name and re apart: the longest is
 * {"type":"joined","room":,"members":[],"accounts":[],"roles":{},
 * "more":true,"re":} at 81 bytes.
 */
#define CMD_PAGE_ENVELOPE	84
struct cmd_page {
	size_t		 left;		/* bytes the list may still take */
	size_t		 n;		/* entries taken */
	bool		 more;		/* entries were left out */
};
void		 cmd_page_init(struct cmd_page *, struct client *,
		     struct request *, const char *);
bool		 cmd_page_take(struct cmd_page *, size_t);
void		 cmd_page_end(struct cmd_page *, cJSON *);
/* The lists beside a page of nicks: who is logged in, who moderates. */
struct cmd_who_extra {
	const struct room	*room;	/* whose roles; NULL: none */
	cJSON			*accounts;
	cJSON			*roles;
};
cJSON		*cmd_who_nicks(struct client *const *, size_t, const char *,
		     struct cmd_page *, struct cmd_who_extra *);
void		 cmd_who_extra_init(struct cmd_who_extra *,
		     const struct room *);
void		 cmd_who_extra_end(struct cmd_who_extra *, cJSON *);

extern const struct cmd_entry cmd_hello_entry;
extern const struct cmd_entry cmd_join_entry;
extern const struct cmd_entry cmd_msg_entry;
extern const struct cmd_entry cmd_part_entry;
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_pong_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_rooms_entry;
extern const struct cmd_entry cmd_who_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_register_entry;
extern const struct cmd_entry cmd_passwd_entry;
extern const struct cmd_entry cmd_unregister_entry;
extern const struct cmd_entry cmd_claim_entry;
extern const struct cmd_entry cmd_moderator_entry;
extern const struct cmd_entry cmd_topic_entry;
extern const struct cmd_entry cmd_kick_entry;
extern const struct cmd_entry cmd_ban_entry;
extern const struct cmd_entry cmd_unban_entry;
extern const struct cmd_entry cmd_mute_entry;
extern const struct cmd_entry cmd_unmute_entry;
extern const struct cmd_entry cmd_kill_entry;
extern const struct cmd_entry cmd_nick_entry;
extern const struct cmd_entry cmd_away_entry;
extern const struct cmd_entry cmd_whois_entry;

/* cmd-topic.c and cmd-ban.c: what join and unban share of them. */
void		 cmd_topic_members(const struct room *, cJSON *);
int		 cmd_ban_mask(struct client *, struct request *, struct room **,
		     char *, size_t);

/* cmd-history.c: what join shares of the history request. */
struct store_msg;
void		 cmd_history_replay(struct client *,
		     const struct store_msg *const *, size_t);

/* client.c: one connection, whatever its face. */
#define CLIENT_REGISTERED	0x01	/* hello accepted */
#define CLIENT_WATCHER		0x02	/* wants online/offline of everyone */
#define CLIENT_CLOSING		0x04	/* no more input or output but bye */
#define CLIENT_PINGED		0x08	/* a ping is outstanding */
#define CLIENT_DETACHED		0x10	/* out of rooms and nick table */
#define CLIENT_INPUT_LEFT	0x20	/* on server->pending: whole requests
					   wait in the input */
#define CLIENT_DEAD		0x40	/* socket gone: nothing can be sent */
#define CLIENT_FLUSH		0x80	/* on server->touched: output queued
					   since the last flush */
#define CLIENT_WRITEV		0x100	/* plain socket: client_flush writes
					   the queue with writev, zero copy */
#define CLIENT_DUE		0x200	/* on server->due: a deadline runs */
#define CLIENT_LINGER		0x400	/* counted in server->nlinger */
#define CLIENT_HELD		0x800	/* a request awaits a verdict: no
					   input is looked at until then */
#define CLIENT_SECURE		0x1000	/* TLS or loopback: may send an
					   account password */
#define CLIENT_NO_ECHO		0x2000	/* its own messages are not sent
					   back to it (IRC without
					   echo-message) */
#define CLIENT_EVENT_NICK	0x4000	/* hello events: "nick" presence */
#define CLIENT_EVENT_AWAY	0x8000	/* hello events: "away", "back" */
#define CLIENT_AWAY_REPLY	0x10000	/* told when it writes to an away
					   nick: hello events "away", and
					   IRC always (301 RPL_AWAY) */
#define CLIENT_REMOTE		0x20000	/* a user of another node of the
					   cluster: no connection, nothing
					   is sent to it (cluster-user.c) */
#define CLIENT_SEEN		0x40000	/* cluster-user.c: in a snapshot */
#define CLIENT_TLS		0x80000	/* bufferevent_openssl: client_flush
					   writes the queue with tls_write */

#define CLIENT_AWAY_MAX		300	/* bytes of an away message */

/*
 * A connection.  An idle registered client is this struct, its bufferevent
 * and its names: what only some clients need (an output queue, rooms, an
 * away message) is allocated on first use, and fields are laid out without
 * holes (issue 18: bytes per idle connection).
 */
struct client {
	struct server		*server;
	const struct face	*face;
	struct bufferevent	*bev;
	void			*face_state;	/* the face's own, or NULL */
	struct frame		**outq;		/* queued, not yet written */
	size_t			 noutq;
	size_t			 outcap;
	size_t			 outq_bytes;
	uint64_t		 id;
	char			*addr;		/* for logs: client_set_addr */
	int			 flags;
	unsigned int		 refused;	/* in the flood window */

	char			*nick;		/* NULL until hello; NFC */
	char			*node;		/* CLIENT_REMOTE: its node */
	unsigned int		 nclaims;	/* cluster*.c: claims and joins
					   under way */
	char			*fold;		/* its full case folding, in
						   nick's allocation (nick.c) */
	struct account		*account;	/* logged in to, or NULL */
	struct nick_skel	*skel;		/* nick.c: its skeleton's count */

	struct room		**rooms;	/* NULL until a join */
	unsigned int		  nrooms;
	unsigned int		  roomcap;

	struct limit_ip		*ip;		/* NULL: not counted */
	struct limit_bucket	 rate;		/* frames but pings */
	struct limit_bucket	 ping;		/* pings: a budget of their own */
	int64_t			 refused_since;
	int64_t			 partial_ms;	/* a request began, 0: none */

	struct auth_ticket	*auth_ticket;	/* the held hello's check */
	struct store_ticket	*store_ticket;	/* the held history's page */
	cJSON			*held;		/* the held request, and its re */
	char			*held_re;

	char			*away;		/* away message, NULL: here */
	int64_t			 signon_ms;	/* wall clock of its hello */
	int64_t			 active_ms;	/* monotonic, its last msg */

	char			*close_reason;	/* presence reason */
	uint64_t		 told;		/* presence.c: the generation of
						   the last quit it was told */
	int64_t			 register_ms;	/* hello by then, 0: no limit */
	int64_t			 due_ms;	/* first deadline on server->due */
	int64_t			 linger_ms;	/* linger until */

	TAILQ_ENTRY(client)	 entry;		/* server->clients */
	TAILQ_ENTRY(client)	 pending_entry;	/* server->pending */
	TAILQ_ENTRY(client)	 touched_entry;	/* server->touched */
	TAILQ_ENTRY(client)	 watcher_entry;	/* server->watchers */
	/*
	 * A client is on server->due (unregistered, not closing) or on
	 * server->closing, never both: client_close takes it off the one
	 * (client_due) before it puts it on the other.
	 */
	union {
		TAILQ_ENTRY(client) due_entry;	/* server->due */
		TAILQ_ENTRY(client) close_entry; /* server->closing */
	};
};
TAILQ_HEAD(clients, client);

struct client	*client_new(struct server *, const struct face *,
		     struct bufferevent *, const struct sockaddr *, bool);
void		 client_free(struct client *);
void		 client_close(struct client *, const char *, bool);
void		 client_send(struct client *, struct evt *);
void		 client_send_frame(struct client *, struct frame *);
void		 client_error(struct client *, enum errcode, const char *,
		     const char *, ...) __attribute__((format(printf, 4, 5)));
void		 client_registered(struct client *);
void		 client_reap(struct client *);
void		 client_input(struct client *);
void		 client_lost(struct client *, bool);
void		 client_hold(struct client *, struct request *,
		     struct auth_ticket *, cJSON *);
void		 client_release(struct client *);
bool		 client_loopback(const struct sockaddr *);
int		 client_set_addr(struct client *, const struct sockaddr *);
void		 client_due(struct client *);
void		 client_expire(struct client *);
int		 client_flush(struct client *);

/* nick.c: the tables of registered nicks, by case-folded nick and skeleton. */
struct nick_skel {
	unsigned int	 nascii;	/* ASCII holders */
	bool		 wide;		/* one holder, not all ASCII */
	char		 key[];		/* name_skeleton of the nicks */
};

enum nick_status {
	NICK_OK,
	NICK_INVALID,		/* not a nick by the protocol's rules */
	NICK_TAKEN,		/* in use, in some letter case */
	NICK_CONFUSABLE,	/* looks like one in use */
	NICK_NOMEM
};

struct client	*nick_find(struct server *, const char *);
enum nick_status nick_register(struct client *, const char *);
enum nick_status nick_change(struct client *, const char *, char **);
void		 nick_release(struct client *);

/* cmd-nick.c: what hello shares of it. */
int		 cmd_nick_refused(struct request *, enum nick_status,
		     const char *);
int		 cmd_nick_guest(struct server *, struct request *,
		     const char *);
void		 cmd_nick_login(struct client *, struct account *);

/*
 * account.c: accounts, by case-folded nick; the store is written behind
 * (NULL: not kept anywhere).  A session logged in to one points to it.
 */
#define ACCOUNT_PASSWORD_MIN	8	/* characters */

struct account {
	char		*nick;		/* NFC, as registered */
	char		*fold;		/* the key */
	char		*skel;		/* name_skeleton: its look-alikes */
	char		*hash;		/* yescrypt */
	int64_t		 created_ms;
};

struct account_table {
	struct hash	*byfold;	/* fold -> account */
	struct hash	*byskel;	/* skeleton -> account_skel */
	struct store	*store;
};

struct store_account;
int		 account_table_init(struct account_table *, struct store *);
void		 account_table_clear(struct account_table *);
struct account	*account_find(const struct account_table *, const char *);
bool		 account_confusable(const struct account_table *,
		     const char *);
size_t		 account_count(const struct account_table *);
struct account	*account_next(const struct account_table *, size_t *);
const char	*account_password_weak(const char *);
struct account	*account_add(struct account_table *, const char *,
		     const char *, int64_t, const char **);
int		 account_set_hash(struct account_table *, struct account *,
		     const char *);
void		 account_remove(struct account_table *, struct account *);
int		 account_load(struct account_table *,
		     const struct store_account *);

/*
 * ban.c: bans, of a room (mask: a nick or account, case-folded) or of the
 * whole server (room "", mask: an address range); written behind to the
 * store, loaded at start; an expired one goes when next looked at.
 */
struct ban {
	char			*room;		/* fold, or "": server-wide */
	char			*mask;
	char			*by;
	char			*reason;	/* or NULL */
	int64_t			 set_ms;
	int64_t			 expires_ms;	/* 0: never */
	struct cidr		 range;		/* server-wide: mask parsed */
	TAILQ_ENTRY(ban)	 entry;
};
TAILQ_HEAD(bans, ban);

struct store_ban;
struct ban	*ban_add(struct server *, const char *, const char *,
		     const char *, const char *, int64_t);
bool		 ban_remove(struct server *, const char *, const char *);
struct ban	*ban_room_match(struct server *, const char *,
		     const struct client *);
struct ban	*ban_addr_match(struct server *, const struct sockaddr *);
int		 ban_load(struct server *, const struct store_ban *);
void		 ban_refuse(struct client *, const struct ban *);
void		 ban_free_all(struct server *);

/* role.c: who may moderate: operators, room owners and moderators. */
enum role {
	ROLE_NONE,
	ROLE_MODERATOR,
	ROLE_OWNER,
	ROLE_OPERATOR
};

enum role	 role_of_fold(const struct server *, const struct room *,
		     const char *);
enum role	 role_of(const struct client *, const struct room *);
int		 role_room(struct client *, struct request *, enum role,
		     struct room **);
int		 role_target(struct client *, struct request *, struct room *,
		     struct client **);
void		 role_presence(struct room *, const char *, const char *,
		     const char *, const char *, const char *, const char *);
void		 role_remove(struct room *, struct client *, const char *,
		     const char *, const char *);

/* admin.c: evchatd --account; the callback reads a new password. */
typedef char	*admin_read_cb(void);
int		 admin_account(const struct config *, const char *,
		     const char *, admin_read_cb *, FILE *, char *, size_t);

/* presence.c: who is told when someone comes, goes, joins or parts. */
void		 presence_room(struct client *, struct room *, const char *,
		     const char *);
void		 presence_online(struct client *, bool);
void		 presence_quit(struct client *);
void		 presence_offline(struct client *);
int		 presence_event_flag(const char *);
void		 presence_nick(struct client *, const char *);
void		 presence_away(struct client *);
void		 presence_away_to(struct client *, const struct client *);

/* limit.c */
enum limit_verdict { LIMIT_OK, LIMIT_REFUSED, LIMIT_KICK };

int		 limit_cidr_parse(const char *, struct cidr *);
bool		 limit_cidr_any(const struct cidr *, size_t,
		     const struct sockaddr *);
bool		 limit_ip_add(struct server *, struct client *,
		     const struct sockaddr *);
void		 limit_ip_remove(struct server *, struct client *);
void		 limit_ip_free_all(struct server *);
void		 limit_rate_init(struct client *);
enum limit_verdict limit_rate(struct client *, bool);
void		 limit_log_off(const struct config *);
bool		 limit_cidr_has(const struct cidr *, const struct sockaddr *);

/* listener.c: the listening sockets, reconciled with the config on reload. */
struct listener_kind;
struct listener {
	struct server			*server;
	char				*addr;	/* as configured */
	struct evconnlistener		*evl;
	const struct listener_kind	*kind;
};

int		 listener_open_all(struct server *);
int		 listener_reconcile(struct server *, const struct config *);
void		 listener_close_all(struct server *);

/*
 * auth.c: passwords, the server's and the accounts'.  Checks and new
 * hashes run on one worker thread and come back to the loop as a
 * callback; wrong guesses are answered later and later per address and
 * per account.  Only auth.c looks inside.
 */
#define AUTH_DIGEST_LEN		32
#define AUTH_HASH_MAX		512	/* libxcrypt's hashes take 384 */
struct auth_worker;
struct auth_peer;
struct auth_ticket;			/* one job under way */
struct store_ticket;			/* store.h: a page under way */

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
		     const char *, const char *, const char *, auth_done_cb *,
		     void *);
struct auth_ticket *auth_hash_start(struct auth *, const char *,
		     auth_hashed_cb *, void *);
void		 auth_cancel(struct auth_ticket *);

/*
 * tls.c: the TLS listeners' context, kept across a bad reload, its session
 * ticket keys, and the batched write of a TLS client's queue.
 */
#define TLS_TICKET_ROTATE	3600	/* seconds a ticket key issues */
#define TLS_TICKET_NAME		16
#define TLS_RECORD		16384	/* plaintext bytes of a full record */

struct tls_ticket_key {
	unsigned char	 name[TLS_TICKET_NAME];
	unsigned char	 aes[32];	/* AES-256-CBC */
	unsigned char	 hmac[32];	/* HMAC-SHA256 */
};

/*
 * Random at start, never on disk; the current key issues tickets, the
 * previous one still opens those it issued.  Lives as long as the server:
 * a context of a lingering connection may still look its keys up.
 */
struct tls_tickets {
	struct tls_ticket_key	 key[2];	/* current, previous */
	bool			 ready;
	struct event		*rotate;
};

struct ssl_st;
struct evbuffer;
int		 tls_check(const struct config *, char *, size_t);
int		 tls_reload(struct server *, const struct config *);
void		 tls_free(struct server *);
int		 tls_write(struct ssl_st *, struct frame *const *, size_t,
		     struct evbuffer *);

/*
 * web.c: the web page's files, built in or read from web-root, each with
 * its whole response made once and shared by every request for it.
 */
struct web_file {
	char		*path;		/* as requested: "/index.html" */
	const char	*type;		/* Content-Type */
	char		 etag[20];	/* quoted */
	struct frame	*get;		/* 200: head and body */
	struct frame	*head;		/* 200: head only, for HEAD */
	struct frame	*not_modified;	/* 304 */
};

struct web {
	struct web_file	*files;
	size_t		 nfiles;
	size_t		 bytes;		/* of the files, for the log */
};

/* web-files.c, generated from src/web by web-embed.sh. */
struct web_builtin {
	const char		*path;
	const unsigned char	*bytes;
	size_t			 size;
};
extern const struct web_builtin	web_builtin[];
extern const size_t		web_nbuiltin;

struct web	*web_new(const struct config *, char *, size_t);
void		 web_free(struct web *);
const struct web_file *web_find(const struct web *, const char *, size_t);
struct frame	*web_response(int, const char *, const char *);

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

	struct listener		**listeners;
	size_t			 nlisteners;
	struct web		*web;		/* web.c: the page's files */
	char			*motd;		/* motd-file's text, or NULL */
	bool			 activated;	/* listeners from systemd */
	struct ssl_ctx_st	*tls_ctx;	/* tls.c: for new TLS clients */
	struct tls_tickets	 tls_tickets;	/* tls.c: their ticket keys */
	struct auth		 auth;		/* auth.c: password checks */

	struct account_table	 accounts;	/* account.c */
	struct bans		 bans;		/* ban.c */
	struct hash		*nicks;		/* fold -> client */
	struct hash		*skels;		/* skeleton -> nick_skel */
	struct hash		*rooms;		/* fold -> room */
	struct hash		*ips;		/* address -> count */
	struct clients		 clients;	/* every connection */
	struct clients		 closing;	/* marked, not yet freed */
	struct clients		 pending;	/* input left over */
	struct clients		 touched;	/* output to flush */
	struct clients		 watchers;	/* presence:true */
	struct clients		 due;		/* unregistered, by deadline */
	struct event		*due_timer;	/* for the first of them */
	size_t			 nlinger;	/* closed, flushing their bye */
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
	struct store		*store;		/* store.c: room history */
	struct cluster		*cluster;	/* cluster.c, or NULL */
	struct event		*prune;		/* drops history past its age */

	const struct timeval	*tv_heartbeat;	/* common timeouts */
	const struct timeval	*tv_timeout;	/* timeout - heartbeat */

	int64_t			 flushed_us;	/* last server_flush */
	uint64_t		 next_client_id;
	uint64_t		 told;		/* presence.c: last quit generation */
	time_t			 started;
	bool			 stopping;
	struct server_stats	 stats;
};

struct server	*server_new(struct config *, int, char **, int *);
void		 server_free(struct server *);
int		 server_run(struct server *);
void		 server_stop(struct server *);
uint64_t	 server_msgid(struct server *);
void		 server_resume(struct server *);
void		 server_due_arm(struct server *);
void		 server_flush(struct server *);
void		 server_flush_due(struct server *);
int64_t		 server_mono_us(void);
int64_t		 server_mono_ms(void);
void		 server_trim_later(struct server *);
int64_t		 server_now_ms(struct server *);
void		 server_accept(struct server *, const struct face *,
		     struct bufferevent *, const struct sockaddr *, bool);

/*
 * cluster*.c: several nodes as one server, through Redis (cluster key).
 * With s->cluster NULL nothing of it runs: each call below is made only
 * when there is a cluster.  Users of other nodes are clients with
 * CLIENT_REMOTE: in rooms and the nick table, sent nothing.
 */
int		 cluster_check(const char *, char *, size_t);
struct cluster	*cluster_new(struct server *, char *, size_t);
void		 cluster_stop(struct cluster *);
void		 cluster_free(struct cluster *);
void		 cluster_log_stats(const struct cluster *);
void		 cluster_client_free(struct cluster *, struct client *);
void		 cluster_listen(struct cluster *, const char *, bool);
int		 cluster_claim(struct cluster *, struct client *,
		     const struct account *);
int		 cluster_join(struct cluster *, struct client *,
		     struct request *, const char *, size_t);
void		 cluster_room(struct cluster *, struct client *, struct room *,
		     const char *, const char *, const char *, const char *);
void		 cluster_quit(struct cluster *, struct client *);
void		 cluster_nick(struct cluster *, struct client *, const char *,
		     const char *);
void		 cluster_away(struct cluster *, struct client *);
void		 cluster_mute(struct cluster *, struct room *, struct client *,
		     bool, const char *);
void		 cluster_forward(struct cluster *, struct client *,
		     struct room *, const char *, const char *, const char *);
int		 cluster_msg(struct cluster *, struct client *, struct request *,
		     struct evt *, struct room *, struct client *);

/* cmd-hello.c, cmd-nick.c, cmd-msg.c: what the cluster calls back. */
void		 cmd_hello_claimed(struct client *, const char *);
struct store_msg;
void		 cmd_join_replayed(struct client *, struct store_msg **,
		     size_t);
void		 cmd_nick_claimed(struct client *, const char *, const char *);
void		 cmd_msg_deliver(struct client *, const char *, struct evt *,
		     struct room *, struct client *);
void		 cmd_unregister_sessions(struct server *, const struct account *);

/* systemd.c: the notify and socket-activation protocols, no libsystemd. */
int		 systemd_notify(const char *);
int		 systemd_listen_fds(void);
unsigned long long systemd_watchdog_usec(void);

#endif /* EVCHAT_SERVER_H */

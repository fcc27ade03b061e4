/* store.h: room history and the lasting state (accounts, rooms, bans) behind one interface (store.c)
 * and its backends (store-*.c, a table of hooks each); callers see copies and callbacks, never rows or files. */

#ifndef EVCHAT_STORE_H
#define EVCHAT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

#define STORE_PAGE_MAX		100	/* messages in one fetch */
#define STORE_PRUNE_STEP	256	/* messages pruned per loop pass */
#define STORE_MSGID_BLOCK	65536	/* msgids reserved at a time */

/*
 * A room message as its recipients saw it: copies of its strings, owned by
 * the store.  size is its evchat rendering with "history":true, what a
 * replay spends of its byte budget.  refs counts its holders (the SQLite
 * backend's writer holds one until the row is in), atomically.  Its strings
 * live in the same allocation (store_msg_new).
 */
struct store_msg {
	uint64_t	 msgid;
	int64_t		 ts;
	char		*from;
	char		*room;		/* as the recipients saw it */
	char		*fold;		/* its case folding: the key */
	char		*field[EVT_MSG_FIELDS];
	char		*value[EVT_MSG_FIELDS];
	size_t		 nfields;
	size_t		 size;
	unsigned int	 refs;		/* a backend's thread may hold one */
};

/* What every backend keeps to, from the configuration. */
struct store_limits {
	size_t		 max;		/* messages per room, 0: none kept */
	int64_t		 max_age_ms;	/* 0: kept whatever their age */
	size_t		 memory;	/* bytes in memory, all rooms */
	size_t		 cached;	/* per room in memory, by a backend
					   that lasts (history-max-replay) */
	const char	*prefix;	/* a shared backend's keys, or NULL:
					   STORE_PREFIX (cluster-prefix) */
	const char	*password_file;	/* a shared backend's, or NULL */
};
#define STORE_PREFIX	"evchat:"

/*
 * A fetch: up to limit messages of a room between after and before, in
 * budget: the newest of them, or with oldest the oldest (paging forward,
 * as IRC's CHATHISTORY AFTER does).  at_once asks only for what the
 * backend holds in memory, answered before store_fetch returns: join
 * replays that way, so that no live message of the room can reach the
 * joiner before its replay.
 */
struct store_query {
	const char	*fold;		/* the room, case-folded */
	uint64_t	 before;	/* msgid, 0: from the newest */
	uint64_t	 after;		/* msgid, 0: from the oldest */
	bool		 oldest;	/* the oldest after after, not the
					   newest before before */
	size_t		 limit;		/* 1 to STORE_PAGE_MAX */
	size_t		 budget;	/* bytes of size, 0: no budget */
	bool		 at_once;
};

/*
 * A fetch answered later: store_cancel when its caller goes away.  A
 * backend keeps one in the state of each fetch it answers later, and
 * answers a cancelled one with store_cancelled.
 */
struct store_ticket {
	bool		 cancelled;
};

/*
 * A page of history is ready: n messages, oldest first, valid only for the
 * call; more says others remain on the side the page went (older ones, or
 * newer ones for an oldest query); err is NULL or why the fetch failed
 * (then n is 0).  A backend may call it before store_fetch returns (memory
 * does) or later from the loop (a database will): callers must handle both.
 */
typedef void	store_fetch_cb(void *, const struct store_msg *const *, size_t,
		    bool, const char *);

/*
 * The err of a fetch that store_cancel called off (or that the store's
 * close dropped): cb must free its arg and touch nothing else.
 */
extern const char store_cancelled[];

/*
 * The lasting state.  The core keeps it in memory and is its truth; the
 * store is written behind (each put or del returns at once, never waits
 * on a disk, and copies what it is given: pointers are borrowed for the
 * call) and read once, by load, at start.  Folds are name_casefold forms;
 * times are wall-clock milliseconds.
 */

/* An account: a nick that is someone's. */
struct store_account {
	const char	*nick;		/* NFC, as registered: shown */
	const char	*fold;		/* its case folding: the key */
	const char	*hash;		/* yescrypt crypt(3) string */
	int64_t		 created_ms;	/* registered at */
};

/*
 * What lasts of a room that is claimed or has a topic: owner, moderators
 * and topic.  room_put gives the whole of it after any change; room_del
 * comes when nothing of it lasts any more.
 */
struct store_room {
	const char	*name;		/* NFC, as first used: shown */
	const char	*fold;		/* its case folding: the key */
	const char	*owner;		/* account fold, or NULL: unclaimed */
	const char *const *moderators;	/* account folds, none owner */
	size_t		 nmoderators;
	const char	*topic;		/* or NULL: none */
	const char	*topic_by;	/* nick that set it; NULL: no topic */
	int64_t		 topic_ms;	/* set at; 0: no topic */
};

/*
 * A ban: of a room (room is its fold, mask an account or nick fold) or
 * server-wide (room is "", mask an address range ADDR/BITS).  The key is
 * (room, mask).
 */
struct store_ban {
	const char	*room;		/* fold, or "": server-wide */
	const char	*mask;		/* fold, or ADDR/BITS server-wide */
	const char	*by;		/* nick of the one who banned */
	const char	*reason;	/* or NULL */
	int64_t		 set_ms;
	int64_t		 expires_ms;	/* 0: never */
};

/*
 * What load calls back, once for each thing kept and synchronously,
 * accounts first, then rooms, then bans; pointers valid for the call.
 * A callback returning non-zero stops the load, which fails.
 */
struct store_loader {
	int		(*account)(void *, const struct store_account *);
	int		(*room)(void *, const struct store_room *);
	int		(*ban)(void *, const struct store_ban *);
	void		 *arg;
};

/*
 * A backend's hooks.  put and del return 0 once the change is queued (or
 * kept), -1 when it could not even be queued (out of memory); a write that
 * fails later is the backend's to log.  load returns 0, or -1 with why in
 * err (then the server does not start).
 *
 * open gets the part of the store key after "name:" (NULL when there is
 * none), and the loop, for a backend that works off it; check, when
 * there is one, tells whether that part is well formed (--check-config).
 * msgid, when there is one, gives the msgid after the one given: for a
 * backend whose msgids other processes share, in blocks of its own.
 * seen, when there is one, takes a message another writer (a cluster's
 * script) has already put in the backend: kept in memory only; forget,
 * when there is one, drops what memory holds of a room (NULL: of all),
 * which other writers may have passed by meanwhile.
 */
struct store_backend {
	const char	*name;
	const char	*form;		/* its key as the manual writes it */
	bool		 path;		/* its key is "name:PATH" */
	int		 (*check)(const char *, char *, size_t);
	void		*(*open)(const struct store_limits *, const char *,
			    struct event_base *, char *, size_t);
	void		 (*close)(void *);
	uint64_t	 (*last_msgid)(void *);	/* at open */
	void		 (*reserve)(void *, uint64_t);	/* may be NULL */
	uint64_t	 (*msgid)(void *, uint64_t);	/* may be NULL */
	int		 (*append)(void *, struct store_msg *);	/* owns it */
	int		 (*seen)(void *, struct store_msg *);	/* may be NULL */
	void		 (*forget)(void *, const char *);	/* may be NULL */
	int		 (*fetch)(void *, const struct store_query *,
			    store_fetch_cb *, void *, struct store_ticket **);
	size_t		 (*prune)(void *, int64_t, size_t);
	bool		 persistent;	/* keeps anything across a restart */
	int		 (*account_put)(void *, const struct store_account *);
	int		 (*account_del)(void *, const char *);	/* fold */
	int		 (*room_put)(void *, const struct store_room *);
	int		 (*room_del)(void *, const char *);	/* fold */
	int		 (*ban_put)(void *, const struct store_ban *);
	int		 (*ban_del)(void *, const char *, const char *);
	int		 (*load)(void *, const struct store_loader *, char *,
			    size_t);
};

extern const struct store_backend store_memory;
extern const struct store_backend store_sqlite;
extern const struct store_backend store_redis;
extern const struct store_backend store_redis_unix;

/* The memory backend as another's cache: told when it drops a message. */
typedef void	store_dropped_cb(void *, const char *);
void		 store_memory_watch(void *, store_dropped_cb *, void *);
void		 store_memory_forget(void *, const char *);

/* store-cache.c: the latest of each room before a backend that lasts. */
struct store_cache;
struct store_cache *store_cache_new(const struct store_limits *, bool,
		    char *, size_t);
void		 store_cache_free(struct store_cache *);
size_t		 store_cache_per_room(const struct store_cache *);
void		 store_cache_partial(struct store_cache *, const char *);
int		 store_cache_append(struct store_cache *, struct store_msg *);
void		 store_cache_forget(struct store_cache *, const char *);
int		 store_cache_fetch(struct store_cache *,
		    const struct store_query *, store_fetch_cb *, void *,
		    bool *);
void		 store_cache_answer(const struct store_query *,
		    struct store_msg **, size_t, store_fetch_cb *, void *);
int		 store_cache_take(struct store_cache *, const char *,
		    struct store_msg **, size_t);
int		 store_cache_fill(struct store_cache *);
size_t		 store_cache_prune(struct store_cache *, int64_t, size_t);

/*
 * Told of each change of the lasting state once the backend has it (del:
 * the account's or room's fold, or the ban's room and mask, and the
 * struct NULL): a cluster tells the other nodes, which share the backend.
 */
struct store_watcher {
	void		(*account)(void *, const struct store_account *,
			    const char *);
	void		(*room)(void *, const struct store_room *,
			    const char *);
	void		(*ban)(void *, const struct store_ban *, const char *,
			    const char *);
	void		 *arg;
};

struct store {
	const struct store_backend	*backend;
	struct store_watcher		 watcher;	/* arg NULL: none */
	bool				 mirroring;	/* store_mirror */
	void				*state;
	struct store_limits		 limits;
	uint64_t			 msgid;		/* the last given */
	uint64_t			 reserved;	/* given up to */
};

struct store	*store_new(const char *, const struct store_limits *,
		    struct event_base *, char *, size_t);
void		 store_free(struct store *);
bool		 store_known(const char *, char *, size_t);
bool		 store_enabled(const struct store *);
uint64_t	 store_msgid(struct store *);
size_t		 store_msg_size(const struct evt_msg *);
size_t		 store_evt_size(struct evt *);
struct store_msg *store_msg_new(uint64_t, int64_t, const char *, const char *,
		    const char *, const char *const *, const char *const *,
		    size_t);
struct store_msg *store_msg_ref(struct store_msg *);
void		 store_msg_free(struct store_msg *);
int		 store_append(struct store *, const struct evt_msg *,
		    const char *, size_t);
int		 store_seen(struct store *, const struct evt_msg *,
		    const char *, size_t);
void		 store_forget(struct store *, const char *);
struct store_msg *store_redis_decode(const char *, size_t, const char *);
char		*store_redis_member(uint64_t, int64_t, const char *,
		    const char *, const char *const *, const char *const *,
		    size_t, const char *);
int		 store_fetch(struct store *, const struct store_query *,
		    store_fetch_cb *, void *, struct store_ticket **);
void		 store_cancel(struct store *, struct store_ticket *);
size_t		 store_prune(struct store *, int64_t, size_t);
void		 store_msg_evt(const struct store_msg *, struct evt *);
bool		 store_persistent(const struct store *);
int		 store_account_put(struct store *,
		    const struct store_account *);
int		 store_account_del(struct store *, const char *);
int		 store_room_put(struct store *, const struct store_room *);
int		 store_room_del(struct store *, const char *);
int		 store_ban_put(struct store *, const struct store_ban *);
int		 store_ban_del(struct store *, const char *, const char *);
int		 store_load(struct store *, const struct store_loader *, char *,
		    size_t);
void		 store_watch(struct store *, const struct store_watcher *);
void		 store_mirror(struct store *, bool);

#endif /* EVCHAT_STORE_H */

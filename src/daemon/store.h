/* store.h: room history behind one interface (store.c) and its backends (store-*.c, a table of hooks
 * each, as faces are); callers see kept messages and callbacks, never rows, files or sockets. */

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
 * backend's writer holds one until the row is in), atomically.
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
};

/*
 * A fetch: up to limit messages of a room older than before, in budget.
 * at_once asks only for what the backend holds in memory, answered before
 * store_fetch returns: join replays that way, so that no live message of
 * the room can reach the joiner before its replay.
 */
struct store_query {
	const char	*fold;		/* the room, case-folded */
	uint64_t	 before;	/* msgid, 0: from the newest */
	size_t		 limit;		/* 1 to STORE_PAGE_MAX */
	size_t		 budget;	/* bytes of size, 0: no budget */
	bool		 at_once;
};

/* A fetch answered later: store_cancel when its caller goes away. */
struct store_ticket;

/*
 * A page of history is ready: n messages, oldest first, valid only for the
 * call; more says older ones remain; err is NULL or why the fetch failed
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
 * A backend: open gets the part of the store key after "name:" (NULL when
 * there is none), and the loop, for a backend that works off it.
 */
struct store_backend {
	const char	*name;
	bool		 path;		/* its key is "name:PATH" */
	void		*(*open)(const struct store_limits *, const char *,
			    struct event_base *, char *, size_t);
	void		 (*close)(void *);
	uint64_t	 (*last_msgid)(void *);	/* at open */
	void		 (*reserve)(void *, uint64_t);	/* may be NULL */
	int		 (*append)(void *, struct store_msg *);	/* owns it */
	int		 (*fetch)(void *, const struct store_query *,
			    store_fetch_cb *, void *, struct store_ticket **);
	void		 (*cancel)(void *, struct store_ticket *);
	size_t		 (*prune)(void *, int64_t, size_t);
};

extern const struct store_backend store_memory;
extern const struct store_backend store_sqlite;

/* The memory backend as another's cache: told when it drops a message. */
typedef void	store_dropped_cb(void *, const char *);
void		 store_memory_watch(void *, store_dropped_cb *, void *);

struct store {
	const struct store_backend	*backend;
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
struct store_msg *store_msg_ref(struct store_msg *);
void		 store_msg_free(struct store_msg *);
int		 store_append(struct store *, const struct evt_msg *,
		    const char *, size_t);
int		 store_fetch(struct store *, const struct store_query *,
		    store_fetch_cb *, void *, struct store_ticket **);
void		 store_cancel(struct store *, struct store_ticket *);
size_t		 store_prune(struct store *, int64_t, size_t);
void		 store_msg_evt(const struct store_msg *, struct evt *);

#endif /* EVCHAT_STORE_H */

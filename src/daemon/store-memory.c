/* store-memory.c: the memory backend of the store: per-room rings of the latest messages, all of them
 * on one queue by age under a byte bound; nothing survives a restart.  It knows no rooms, clients or faces. */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "store.h"

struct store_memory_room;

/* One kept message, on its room's ring and on the queue of all. */
struct store_memory_node {
	struct store_msg			*msg;
	struct store_memory_room		*room;
	size_t					 cost;	/* bytes held */
	TAILQ_ENTRY(store_memory_node)		 entry;
};

/* A room's messages, oldest at head; the ring grows up to limits.max. */
struct store_memory_room {
	char				 *fold;
	struct store_memory_node	**ring;
	size_t				  head;
	size_t				  n;
	size_t				  cap;
};

struct store_memory {
	struct store_limits			 limits;
	store_dropped_cb			*dropped;	/* or NULL */
	void					*dropped_arg;
	struct hash				*rooms;	/* fold -> room */
	TAILQ_HEAD(, store_memory_node)		 all;	/* oldest first */
	size_t					 bytes;
};

static void	*store_memory_open(const struct store_limits *, const char *,
		    struct event_base *, char *, size_t);
static void	 store_memory_close(void *);
static uint64_t	 store_memory_last_msgid(void *);
static int	 store_memory_append(void *, struct store_msg *);
static int	 store_memory_fetch(void *, const struct store_query *,
		    store_fetch_cb *, void *, struct store_ticket **);
static size_t	 store_memory_prune(void *, int64_t, size_t);
static int	 store_memory_account_put(void *, const struct store_account *);
static int	 store_memory_room_put(void *, const struct store_room *);
static int	 store_memory_ban_put(void *, const struct store_ban *);
static int	 store_memory_del(void *, const char *);
static int	 store_memory_ban_del(void *, const char *, const char *);
static int	 store_memory_load(void *, const struct store_loader *, char *,
		    size_t);

const struct store_backend store_memory = {
	.name = "memory",
	.form = "memory",
	.open = store_memory_open,
	.close = store_memory_close,
	.last_msgid = store_memory_last_msgid,
	.append = store_memory_append,
	.fetch = store_memory_fetch,
	.prune = store_memory_prune,
	.persistent = false,
	.account_put = store_memory_account_put,
	.account_del = store_memory_del,
	.room_put = store_memory_room_put,
	.room_del = store_memory_del,
	.ban_put = store_memory_ban_put,
	.ban_del = store_memory_ban_del,
	.load = store_memory_load,
};

/*
 * The lasting state: the core's own tables are its truth, and this store
 * has nowhere to keep a copy that would outlive them.  Nothing to do.
 */
static int
store_memory_account_put(void *p, const struct store_account *a)
{
	return (0);
}

static int
store_memory_room_put(void *p, const struct store_room *r)
{
	return (0);
}

static int
store_memory_ban_put(void *p, const struct store_ban *b)
{
	return (0);
}

static int
store_memory_del(void *p, const char *fold)
{
	return (0);
}

static int
store_memory_ban_del(void *p, const char *room, const char *mask)
{
	return (0);
}

/* Nothing was kept by an earlier process: nothing to call back. */
static int
store_memory_load(void *p, const struct store_loader *l, char *err,
    size_t errlen)
{
	return (0);
}

static void *
store_memory_open(const struct store_limits *lim, const char *path,
    struct event_base *base, char *err, size_t errlen)
{
	struct store_memory	*sm;

	if ((sm = calloc(1, sizeof *sm)) == NULL ||
	    (sm->rooms = hash_new()) == NULL) {
		free(sm);
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	(void)path;
	(void)base;
	sm->limits = *lim;
	TAILQ_INIT(&sm->all);
	return (sm);
}

/* Nothing lasts: msgids start again with the process. */
static uint64_t
store_memory_last_msgid(void *p)
{
	(void)p;
	return (0);
}

/*
 * Called by the SQLite backend, which keeps its rooms' latest messages in
 * a memory store: cb hears of each message dropped before its room's end
 * (by count, age or the byte bound), after which that room's cache no
 * longer holds all it has.
 */
void
store_memory_watch(void *p, store_dropped_cb *cb, void *arg)
{
	struct store_memory	*sm = p;

	sm->dropped = cb;
	sm->dropped_arg = arg;
}

/* The i-th oldest message of r. */
static struct store_memory_node *
store_memory_at(const struct store_memory_room *r, size_t i)
{
	return (r->ring[(r->head + i) % r->cap]);
}

/* Drop the oldest message of all: it is the oldest of its room too. */
static void
store_memory_drop_oldest(struct store_memory *sm)
{
	struct store_memory_node	*node = TAILQ_FIRST(&sm->all);
	struct store_memory_room	*r = node->room;

	TAILQ_REMOVE(&sm->all, node, entry);
	sm->bytes -= node->cost;
	if (sm->dropped != NULL)
		sm->dropped(sm->dropped_arg, r->fold);
	r->head = (r->head + 1) % r->cap;
	if (--r->n == 0) {
		/* A room with no history left is forgotten. */
		hash_remove(sm->rooms, r->fold);
		free(r->ring);
		free(r->fold);
		free(r);
	}
	store_msg_free(node->msg);
	free(node);
}

/*
 * Called through the Redis backend's cache when a cluster's node stops
 * hearing a room (fold; NULL: every room): what it kept of the room may
 * miss what other nodes said since, so it keeps nothing of it.
 */
void
store_memory_forget(void *p, const char *fold)
{
	struct store_memory		*sm = p;
	struct store_memory_room	*r;
	struct store_memory_node	*node;

	if (fold == NULL) {
		while (!TAILQ_EMPTY(&sm->all))
			store_memory_drop_oldest(sm);
		return;
	}
	if ((r = hash_find(sm->rooms, fold)) == NULL)
		return;
	hash_remove(sm->rooms, r->fold);
	while (r->n > 0) {
		node = store_memory_at(r, 0);
		TAILQ_REMOVE(&sm->all, node, entry);
		sm->bytes -= node->cost;
		r->head = (r->head + 1) % r->cap;
		r->n--;
		store_msg_free(node->msg);
		free(node);
	}
	free(r->ring);
	free(r->fold);
	free(r);
}

static void
store_memory_close(void *p)
{
	struct store_memory	*sm = p;

	if (sm == NULL)
		return;
	sm->dropped = NULL;
	while (!TAILQ_EMPTY(&sm->all))
		store_memory_drop_oldest(sm);
	hash_free(sm->rooms);
	free(sm);
}

/* Make room in r's ring for one more; the oldest of r goes at the cap. */
static int
store_memory_grow(struct store_memory *sm, struct store_memory_room *r)
{
	struct store_memory_node	**ring;
	size_t				  cap, i;

	if (r->n == sm->limits.max) {
		/* The room's oldest: unlink it from the queue of all. */
		struct store_memory_node *old = store_memory_at(r, 0);

		TAILQ_REMOVE(&sm->all, old, entry);
		sm->bytes -= old->cost;
		if (sm->dropped != NULL)
			sm->dropped(sm->dropped_arg, r->fold);
		r->head = (r->head + 1) % r->cap;
		r->n--;
		store_msg_free(old->msg);
		free(old);
		return (0);
	}
	if (r->n < r->cap)
		return (0);
	cap = r->cap == 0 ? 16 : r->cap * 2;
	if (cap > sm->limits.max)
		cap = sm->limits.max;
	if ((ring = calloc(cap, sizeof *ring)) == NULL)
		return (-1);
	for (i = 0; i < r->n; i++)
		ring[i] = store_memory_at(r, i);
	free(r->ring);
	r->ring = ring;
	r->head = 0;
	r->cap = cap;
	return (0);
}

static int
store_memory_append(void *p, struct store_msg *msg)
{
	struct store_memory		*sm = p;
	struct store_memory_room	*r;
	struct store_memory_node	*node;

	if ((r = hash_find(sm->rooms, msg->fold)) == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return (-1);
		if ((r->fold = strdup(msg->fold)) == NULL ||
		    hash_insert(sm->rooms, r->fold, r) != 0) {
			free(r->fold);
			free(r);
			return (-1);
		}
	}
	if ((node = calloc(1, sizeof *node)) == NULL ||
	    store_memory_grow(sm, r) != 0) {
		free(node);
		if (r->n == 0) {
			hash_remove(sm->rooms, r->fold);
			free(r->fold);
			free(r);
		}
		return (-1);
	}
	node->msg = msg;
	node->room = r;
	node->cost = msg->size + sizeof *node + sizeof *msg;
	r->ring[(r->head + r->n++) % r->cap] = node;
	TAILQ_INSERT_TAIL(&sm->all, node, entry);
	sm->bytes += node->cost;
	/* The bound on all rooms: the oldest anywhere go first. */
	while (sm->limits.memory != 0 && sm->bytes > sm->limits.memory)
		store_memory_drop_oldest(sm);
	return (0);
}

/* How many messages of r are older than msgid (0: all of them). */
static size_t
store_memory_older(const struct store_memory_room *r, uint64_t msgid)
{
	size_t	lo = 0, hi = r->n, mid;

	if (msgid == 0)
		return (r->n);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (store_memory_at(r, mid)->msg->msgid < msgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* Synchronous: cb runs before this returns, and *ticket stays NULL. */
static int
store_memory_fetch(void *p, const struct store_query *q, store_fetch_cb *cb,
    void *arg, struct store_ticket **ticket)
{
	struct store_memory		 *sm = p;
	const struct store_memory_room	 *r;
	const struct store_msg		**page;
	size_t				  lo, hi, end, start, spent = 0, n, i;
	const struct store_msg		 *m;
	bool				  more;

	(void)ticket;
	if ((r = hash_find(sm->rooms, q->fold)) == NULL || q->limit == 0) {
		cb(arg, NULL, 0, false, NULL);
		return (0);
	}
	/* The messages of [lo, hi) are between after and before. */
	lo = store_memory_older(r, q->after + 1);
	hi = store_memory_older(r, q->before);
	if (hi < lo)
		hi = lo;
	if (q->oldest) {
		start = end = lo;
		while (end < hi && end - start < q->limit) {
			m = store_memory_at(r, end)->msg;
			if (q->budget != 0 && spent + m->size > q->budget)
				break;
			spent += m->size;
			end++;
		}
		more = end < hi;
	} else {
		end = start = hi;
		while (start > lo && end - start < q->limit) {
			m = store_memory_at(r, start - 1)->msg;
			if (q->budget != 0 && spent + m->size > q->budget)
				break;
			spent += m->size;
			start--;
		}
		more = start > lo;
	}
	if ((n = end - start) == 0) {
		cb(arg, NULL, 0, more, NULL);
		return (0);
	}
	if ((page = calloc(n, sizeof *page)) == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		page[i] = store_memory_at(r, start + i)->msg;
	cb(arg, page, n, more, NULL);
	free(page);
	return (0);
}

static size_t
store_memory_prune(void *p, int64_t now_ms, size_t budget)
{
	struct store_memory		*sm = p;
	struct store_memory_node	*node;
	size_t				 n = 0;

	if (sm->limits.max_age_ms == 0)
		return (0);
	while (n < budget && (node = TAILQ_FIRST(&sm->all)) != NULL &&
	    node->msg->ts < now_ms - sm->limits.max_age_ms) {
		store_memory_drop_oldest(sm);
		n++;
	}
	return (n);
}

/* store-cache.c: the latest messages of each room in a memory store, in front of a backend that lasts
 * (SQLite, Redis): what it can answer at once, when it must ask further; it knows no file or server. */

#include <stdlib.h>
#include <string.h>

#include "store.h"

/*
 * The memory store and the rooms it no longer holds whole: a room is
 * partial once the cache dropped one of its messages (or was filled with
 * only its latest), and then only the backend can page past the cache.
 * Every room is, when other processes write the backend too.
 */
struct store_cache {
	void			*mem;		/* a memory store */
	struct hash		*partial;	/* folds, cache short */
	bool			 shared;	/* all rooms partial */
	size_t			 per_room;	/* a room's messages, most */
	struct store_msg	**fill;		/* taken, not in yet */
	size_t			 nfill;
	size_t			 capfill;
};

/* The memory store dropped one of fold's messages: it is partial. */
static void
store_cache_dropped(void *arg, const char *fold)
{
	store_cache_partial(arg, fold);
}

/*
 * Called by a backend's open: the latest lim->cached of each room (at
 * most lim->max), all under lim->memory bytes; shared when others write
 * the backend too.  NULL and why in err.
 */
struct store_cache *
store_cache_new(const struct store_limits *lim, bool shared, char *err,
    size_t errlen)
{
	struct store_cache	*c;
	struct store_limits	 cl = *lim;

	cl.max = lim->cached < lim->max ? lim->cached : lim->max;
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->partial = hash_new()) == NULL) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	c->per_room = cl.max;
	c->shared = shared;
	if ((c->mem = store_memory.open(&cl, NULL, NULL, err,
	    errlen)) == NULL) {
		store_cache_free(c);
		return (NULL);
	}
	store_memory_watch(c->mem, store_cache_dropped, c);
	return (c);
}

void
store_cache_free(struct store_cache *c)
{
	size_t	 i = 0;
	void	*t;

	if (c == NULL)
		return;
	store_memory.close(c->mem);
	for (i = 0; i < c->nfill; i++)
		store_msg_free(c->fill[i]);
	free(c->fill);
	/* The table's keys are its values. */
	i = 0;
	while ((t = hash_next(c->partial, &i)) != NULL)
		free(t);
	hash_free(c->partial);
	free(c);
}

/* The most of a room's messages the cache holds: a backend reads that. */
size_t
store_cache_per_room(const struct store_cache *c)
{
	return (c->per_room);
}

/* Whether fold's cache lacks older messages. */
static bool
store_cache_is_partial(const struct store_cache *c, const char *fold)
{
	return (c->shared || hash_find(c->partial, fold) != NULL);
}

/* For older messages of fold than the cache holds, ask the backend. */
void
store_cache_partial(struct store_cache *c, const char *fold)
{
	char	*key;

	if (store_cache_is_partial(c, fold) || (key = strdup(fold)) == NULL)
		return;
	if (hash_insert(c->partial, key, key) != 0)
		free(key);
}

/*
 * Called by a backend's append, msg already on its way to the backend:
 * the cache takes the caller's hold on msg.
 */
int
store_cache_append(struct store_cache *c, struct store_msg *msg)
{
	if (store_memory.append(c->mem, msg) != 0) {
		/* Kept, not in the cache: the cache must not answer. */
		store_cache_partial(c, msg->fold);
		return (-1);
	}
	return (0);
}

/* Called through a backend's forget: the cache drops fold (NULL: all). */
void
store_cache_forget(struct store_cache *c, const char *fold)
{
	store_memory_forget(c->mem, fold);
}

/* What the cache made of a fetch, and whether that was the answer. */
struct store_cache_probe {
	struct store_cache		*c;
	const struct store_query	*q;
	store_fetch_cb			*cb;
	void				*arg;
	bool				 answered;
};

/*
 * The cache's page: the answer when it is full, cut by the budget, or
 * when the cache holds all of the room's history (or must answer at
 * once); else the backend is asked.
 */
static void
store_cache_probe_cb(void *arg, const struct store_msg *const *msgs,
    size_t n, bool more, const char *err)
{
	struct store_cache_probe	*probe = arg;
	bool				 all;

	all = !store_cache_is_partial(probe->c, probe->q->fold);
	/*
	 * The cache holds a room's newest messages: the newest of a range
	 * it cut is the backend's too, but a range's oldest may be older
	 * than anything the cache kept.
	 */
	if (err != NULL || all || probe->q->at_once ||
	    (!probe->q->oldest && (n == probe->q->limit || more))) {
		probe->answered = true;
		probe->cb(probe->arg, msgs, n, more || !all, err);
	}
}

/*
 * Called by a backend's fetch: *answered when cb ran with the cache's
 * page; else the backend must read the page itself.
 */
int
store_cache_fetch(struct store_cache *c, const struct store_query *q,
    store_fetch_cb *cb, void *arg, bool *answered)
{
	struct store_cache_probe	 probe = { c, q, cb, arg, false };
	struct store_ticket		*ticket;

	if (store_memory.fetch(c->mem, q, store_cache_probe_cb, &probe,
	    &ticket) != 0)
		return (-1);
	*answered = probe.answered;
	return (0);
}

/*
 * A page a backend read, newest first (oldest first for an oldest query)
 * and one more than q->limit when it can: the byte budget and the limit
 * cut it as the memory store would, then cb gets it oldest first.  The
 * sizes are set here.
 */
void
store_cache_answer(const struct store_query *q, struct store_msg **msgs,
    size_t nmsgs, store_fetch_cb *cb, void *arg)
{
	const struct store_msg	**page;
	struct evt		  e;
	size_t			  n, spent = 0, i;

	for (n = 0; n < nmsgs && n < q->limit; n++) {
		store_msg_evt(msgs[n], &e);
		msgs[n]->size = store_msg_size(&e.msg);
		evt_clear(&e);
		if (q->budget != 0 && spent + msgs[n]->size > q->budget)
			break;
		spent += msgs[n]->size;
	}
	if ((page = calloc(n + 1, sizeof *page)) == NULL) {
		cb(arg, NULL, 0, false, "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		page[i] = msgs[q->oldest ? i : n - 1 - i];
	cb(arg, page, n, n < nmsgs, NULL);
	free(page);
}

/*
 * At a backend's open, room by room: the latest messages of fold, newest
 * first, up to one more than store_cache_per_room (that one says the room
 * is partial, and is dropped).  The cache takes the holds; they go in at
 * store_cache_fill.
 */
int
store_cache_take(struct store_cache *c, const char *fold,
    struct store_msg **msgs, size_t n)
{
	struct store_msg	**fill;
	size_t			  cap, i;

	if (n > c->per_room) {
		store_cache_partial(c, fold);
		for (i = c->per_room; i < n; i++)
			store_msg_free(msgs[i]);
		n = c->per_room;
	}
	if (c->nfill + n > c->capfill) {
		cap = c->capfill * 2 > c->nfill + n ? c->capfill * 2 :
		    c->nfill + n;
		if ((fill = reallocarray(c->fill, cap, sizeof *fill)) == NULL) {
			for (i = 0; i < n; i++)
				store_msg_free(msgs[i]);
			return (-1);
		}
		c->fill = fill;
		c->capfill = cap;
	}
	for (i = 0; i < n; i++)
		c->fill[c->nfill++] = msgs[i];
	return (0);
}

static int
store_cache_by_msgid(const void *a, const void *b)
{
	const struct store_msg	*x = *(struct store_msg *const *)a;
	const struct store_msg	*y = *(struct store_msg *const *)b;

	return (x->msgid < y->msgid ? -1 : x->msgid > y->msgid);
}

/*
 * What store_cache_take was given, into the cache: all rooms in msgid
 * order, so that the byte bound drops the oldest anywhere.
 */
int
store_cache_fill(struct store_cache *c)
{
	struct evt	 e;
	size_t		 i;
	int		 rc = 0;

	if (c->nfill > 1)
		qsort(c->fill, c->nfill, sizeof *c->fill,
		    store_cache_by_msgid);
	for (i = 0; i < c->nfill; i++) {
		store_msg_evt(c->fill[i], &e);
		c->fill[i]->size = store_msg_size(&e.msg);
		evt_clear(&e);
		/* The cache takes the hold. */
		if (rc == 0 && store_memory.append(c->mem, c->fill[i]) != 0)
			rc = -1;
		if (rc != 0)
			store_msg_free(c->fill[i]);
	}
	free(c->fill);
	c->fill = NULL;
	c->nfill = c->capfill = 0;
	return (rc);
}

/* Called from a backend's prune: what is past its age leaves the cache. */
size_t
store_cache_prune(struct store_cache *c, int64_t now_ms, size_t budget)
{
	return (store_memory.prune(c->mem, now_ms, budget));
}

/* store.c: the room history interface: picks a backend by its configured name, copies a delivered
 * message into a kept one and hands fetches on; it knows no backend's insides, nor rooms or clients. */

#include <stdlib.h>
#include <string.h>

#include "store.h"

const char store_cancelled[] = "cancelled";

/* Every backend, by the name the store key gives it. */
static const struct store_backend *const store_backends[] = {
	&store_memory,
	&store_sqlite,
	&store_redis,
	&store_redis_unix,
};

/*
 * The backend a store key names ("memory", "sqlite:PATH", "redis://..."),
 * and in *path the part after the colon; NULL and the reason in err.
 */
static const struct store_backend *
store_find(const char *key, const char **path, char *err, size_t errlen)
{
	const struct store_backend	*b;
	const char			*colon = strchr(key, ':');
	size_t				 len, i, off;

	len = colon != NULL ? (size_t)(colon - key) : strlen(key);
	*path = colon != NULL ? colon + 1 : NULL;
	for (i = 0; i < nitems(store_backends); i++) {
		b = store_backends[i];
		if (strlen(b->name) != len || strncmp(b->name, key, len) != 0)
			continue;
		/* A backend that checks its path says what it must be. */
		if (b->path && (*path == NULL || **path == '\0')) {
			if (b->check == NULL || b->check("", err, errlen) == 0)
				snprintf(err, errlen, "store %s needs a file: "
				    "%s", b->name, b->form);
			return (NULL);
		}
		if (!b->path && *path != NULL) {
			snprintf(err, errlen, "store %s takes no path",
			    b->name);
			return (NULL);
		}
		if (b->check != NULL && b->check(*path, err, errlen) != 0)
			return (NULL);
		return (b);
	}
	off = (size_t)snprintf(err, errlen, "'%.*s' is not a store of this "
	    "evchatd (", (int)len, key);
	for (i = 0; i < nitems(store_backends) && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s%s",
		    i == 0 ? "" : ", ", store_backends[i]->form);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
	return (NULL);
}

/* Called by config.c: the store key names a backend of this build. */
bool
store_known(const char *key, char *err, size_t errlen)
{
	const char	*path;

	return (store_find(key, &path, err, errlen) != NULL);
}

/*
 * Called by server_new with the store key: the backend opens (a database
 * is read, checked and its recent messages cached before this returns),
 * and msgids go on above every one it has seen.  NULL and the reason in
 * err.
 */
struct store *
store_new(const char *key, const struct store_limits *lim,
    struct event_base *base, char *err, size_t errlen)
{
	const struct store_backend	*b;
	struct store			*st;
	const char			*path;

	if ((b = store_find(key, &path, err, errlen)) == NULL)
		return (NULL);
	if ((st = calloc(1, sizeof *st)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	st->backend = b;
	st->limits = *lim;
	if ((st->state = b->open(lim, path, base, err, errlen)) == NULL) {
		free(st);
		return (NULL);
	}
	st->msgid = st->reserved = b->last_msgid(st->state);
	return (st);
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	st->backend->close(st->state);
	free(st);
}

/*
 * The next msgid, for every message, kept or not (server_msgid).  A
 * backend that lasts is told ahead, a block at a time, how far msgids
 * go, so that after a crash the next process starts above them all; one
 * that processes share hands them out itself, from blocks of its own.
 */
uint64_t
store_msgid(struct store *st)
{
	if (st->backend->msgid != NULL)
		return (st->msgid = st->backend->msgid(st->state, st->msgid));
	if (st->backend->reserve != NULL &&
	    st->msgid + STORE_MSGID_BLOCK / 2 >= st->reserved) {
		st->reserved = st->msgid + STORE_MSGID_BLOCK;
		st->backend->reserve(st->state, st->reserved);
	}
	return (++st->msgid);
}

/* history-max 0 turns history off: nothing is kept, join asks for none. */
bool
store_enabled(const struct store *st)
{
	return (st != NULL && st->limits.max != 0);
}

/* The bytes of m as a replay sends it, "history":true included. */
size_t
store_msg_size(const struct evt_msg *m)
{
	struct evt	 e;
	struct frame	*f;
	size_t		 size;

	evt_init(&e, EVT_MSG);
	e.msg = *m;
	e.msg.re = NULL;
	e.msg.history = true;
	if ((f = evt_frame(&e, &face_evchat)) == NULL)
		return (0);
	size = f->size - FRAME_HEADER;
	evt_clear(&e);
	return (size);
}

/*
 * The same for a live event: from the frame its recipients got when there
 * is one (no re: that is the sender's echo's), rendering nothing again.
 */
#define STORE_HISTORY_MEMBER	",\"history\":true"
size_t
store_evt_size(struct evt *e)
{
	const struct frame	*f = e->frames[FACE_EVCHAT];

	if (f == NULL || e->msg.re != NULL || e->msg.history)
		return (store_msg_size(&e->msg));
	return (f->size - FRAME_HEADER + strlen(STORE_HISTORY_MEMBER));
}

/* Another holder of sm: the SQLite writer, until its row is in. */
struct store_msg *
store_msg_ref(struct store_msg *sm)
{
	__atomic_add_fetch(&sm->refs, 1, __ATOMIC_RELAXED);
	return (sm);
}

/* Drop a hold on sm; the last frees it, on whichever thread that is. */
void
store_msg_free(struct store_msg *sm)
{
	if (sm == NULL || __atomic_sub_fetch(&sm->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(sm);
}

/*
 * A kept message with one hold, its strings copied into the same block:
 * one allocation per message, as the loop makes one for every room message
 * (store_append) and the backends one for every row they read back.
 */
struct store_msg *
store_msg_new(uint64_t msgid, int64_t ts, const char *from, const char *room,
    const char *fold, const char *const *field, const char *const *value,
    size_t nfields)
{
	const char		*src[3 + 2 * EVT_MSG_FIELDS];
	size_t			 len[nitems(src)], n = 0, i, total;
	struct store_msg	*sm;
	char			*p, **dst[nitems(src)];

	if (nfields == 0 || nfields > EVT_MSG_FIELDS)
		return (NULL);
	src[n++] = from;
	src[n++] = room;
	src[n++] = fold;
	for (i = 0; i < nfields; i++) {
		src[n++] = field[i];
		src[n++] = value[i];
	}
	total = sizeof *sm;
	for (i = 0; i < n; i++) {
		if (src[i] == NULL)
			return (NULL);
		len[i] = strlen(src[i]) + 1;
		total += len[i];
	}
	if ((sm = malloc(total)) == NULL)
		return (NULL);
	memset(sm, 0, sizeof *sm);
	sm->refs = 1;
	sm->msgid = msgid;
	sm->ts = ts;
	sm->nfields = nfields;
	n = 0;
	dst[n++] = &sm->from;
	dst[n++] = &sm->room;
	dst[n++] = &sm->fold;
	for (i = 0; i < nfields; i++) {
		dst[n++] = &sm->field[i];
		dst[n++] = &sm->value[i];
	}
	p = (char *)(sm + 1);
	for (i = 0; i < n; i++) {
		*dst[i] = memcpy(p, src[i], len[i]);
		p += len[i];
	}
	return (sm);
}

/*
 * Called by cmd-msg.c once a room message is delivered: a copy of it, as
 * its recipients saw it (no re: that was the sender's), for the room fold;
 * size is store_evt_size's, or 0 to have it rendered here.
 */
static int
store_put(struct store *st, const struct evt_msg *m, const char *fold,
    size_t size, bool seen)
{
	struct store_msg	*sm;
	int			 rc;

	if (!store_enabled(st) || m->room == NULL)
		return (0);
	if ((sm = store_msg_new(m->msgid, m->ts, m->from, m->room, fold,
	    m->field, m->value, m->nfields)) == NULL)
		return (-1);
	sm->size = size != 0 ? size : store_msg_size(m);
	if (sm->size == 0)
		rc = -1;
	else if (seen && st->backend->seen != NULL)
		rc = st->backend->seen(st->state, sm);
	else
		rc = st->backend->append(st->state, sm);
	if (rc != 0) {
		store_msg_free(sm);
		return (-1);
	}
	return (0);
}

int
store_append(struct store *st, const struct evt_msg *m, const char *fold,
    size_t size)
{
	return (store_put(st, m, fold, size, false));
}

/*
 * Called by cluster-msg.c for a room message that the cluster's script
 * has kept in the backend already: the same, but the backend only keeps
 * it where it answers joins from (its cache).
 */
int
store_seen(struct store *st, const struct evt_msg *m, const char *fold,
    size_t size)
{
	return (store_put(st, m, fold, size, true));
}

/*
 * Called by the cluster when this node starts hearing a room again (fold;
 * NULL: every room, after an outage): what memory holds of it may have
 * gaps, so that replays and pages come from the backend, whole.
 */
void
store_forget(struct store *st, const char *fold)
{
	if (st->backend->forget != NULL)
		st->backend->forget(st->state, fold);
}

/*
 * Called by join and history; see store_fetch_cb for when cb runs.  When
 * it will run later, *ticket is set, for store_cancel; else it is NULL.
 */
int
store_fetch(struct store *st, const struct store_query *q,
    store_fetch_cb *cb, void *arg, struct store_ticket **ticket)
{
	*ticket = NULL;
	if (!store_enabled(st)) {
		cb(arg, NULL, 0, false, NULL);
		return (0);
	}
	return (st->backend->fetch(st->state, q, cb, arg, ticket));
}

/*
 * The caller of a fetch answered later goes away: its cb runs once more,
 * with store_cancelled, for it to free its arg.
 */
void
store_cancel(struct store *st, struct store_ticket *ticket)
{
	if (st != NULL && ticket != NULL)
		ticket->cancelled = true;
}

/* Called from the loop: drops at most budget messages past their age. */
size_t
store_prune(struct store *st, int64_t now_ms, size_t budget)
{
	if (!store_enabled(st))
		return (0);
	return (st->backend->prune(st->state, now_ms, budget));
}

/* The event a replay sends for sm: strings borrowed from it. */
void
store_msg_evt(const struct store_msg *sm, struct evt *e)
{
	size_t	i;

	evt_init(e, EVT_MSG);
	e->msg.msgid = sm->msgid;
	e->msg.ts = sm->ts;
	e->msg.from = sm->from;
	e->msg.room = sm->room;
	for (i = 0; i < sm->nfields; i++) {
		e->msg.field[i] = sm->field[i];
		e->msg.value[i] = sm->value[i];
	}
	e->msg.nfields = sm->nfields;
	e->msg.history = true;
}

/*
 * The lasting state, written behind: the core calls these after changing
 * its own tables (account.c, room.c, ban.c), the --account tool after
 * load.  Each returns at once; see struct store_backend.
 */

/* Whether anything given to the store outlives the process. */
bool
store_persistent(const struct store *st)
{
	return (st != NULL && st->backend->persistent);
}

/*
 * The lasting state's changes: to the backend, then to the watcher, but
 * for a change that another node made (store_mirror), which the shared
 * backend has already.
 */
int
store_account_put(struct store *st, const struct store_account *a)
{
	if (st->mirroring)
		return (0);
	if (st->watcher.arg != NULL)
		st->watcher.account(st->watcher.arg, a, NULL);
	return (st->backend->account_put(st->state, a));
}

int
store_account_del(struct store *st, const char *fold)
{
	if (st->mirroring)
		return (0);
	if (st->watcher.arg != NULL)
		st->watcher.account(st->watcher.arg, NULL, fold);
	return (st->backend->account_del(st->state, fold));
}

int
store_room_put(struct store *st, const struct store_room *r)
{
	if (st->mirroring)
		return (0);
	if (st->watcher.arg != NULL)
		st->watcher.room(st->watcher.arg, r, NULL);
	return (st->backend->room_put(st->state, r));
}

int
store_room_del(struct store *st, const char *fold)
{
	if (st->mirroring)
		return (0);
	if (st->watcher.arg != NULL)
		st->watcher.room(st->watcher.arg, NULL, fold);
	return (st->backend->room_del(st->state, fold));
}

int
store_ban_put(struct store *st, const struct store_ban *b)
{
	if (st->mirroring)
		return (0);
	if (st->watcher.arg != NULL)
		st->watcher.ban(st->watcher.arg, b, NULL, NULL);
	return (st->backend->ban_put(st->state, b));
}

/* room is the room's fold, or "" for a server-wide ban. */
int
store_ban_del(struct store *st, const char *room, const char *mask)
{
	if (st->mirroring)
		return (0);
	if (st->watcher.arg != NULL)
		st->watcher.ban(st->watcher.arg, NULL, room, mask);
	return (st->backend->ban_del(st->state, room, mask));
}

/* Called by the cluster at start: w is told of every change from now. */
void
store_watch(struct store *st, const struct store_watcher *w)
{
	st->watcher = *w;
}

/*
 * Called by the cluster around a change another node made, which the
 * shared backend already has: on, the core's tables take it and nothing
 * is written or told.
 */
void
store_mirror(struct store *st, bool on)
{
	st->mirroring = on;
}

/* Called once at start (server_new, the --account tool). */
int
store_load(struct store *st, const struct store_loader *l, char *err,
    size_t errlen)
{
	return (st->backend->load(st->state, l, err, errlen));
}

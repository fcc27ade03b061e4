/* store-sqlite.c: the SQLite backend of the store: messages in one database file (WAL) that a thread of
 * its own writes in batches and reads, each room's latest also in a memory store; it knows no clients. */

#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "store.h"

#define STORE_SQLITE_BATCH_US	2000	/* an append waits this for its batch */
#define STORE_SQLITE_BUSY_MS	5000	/* another process's lock, at most */
#define STORE_SQLITE_PRUNE_MAX	(4 * STORE_PRUNE_STEP)	/* rows a prune job */

/*
 * The schema, version by version: step i takes a database from
 * PRAGMA user_version i to i + 1, in one transaction with the version's
 * update.  A new version appends a step (ALTER TABLE, CREATE ...) and never
 * edits an old one; evchatd(8) says so.  The comments stay in the file,
 * where `sqlite3 evchat.db .schema` shows them.
 */
static const char *const store_sqlite_steps[] = {
	/* 0 -> 1: messages, and what outlives them. */
	"CREATE TABLE messages (\n"
	"  msgid   INTEGER PRIMARY KEY, -- unique, increasing for the file's life\n"
	"  ts      INTEGER NOT NULL,    -- when sent: ms since 1970-01-01 UTC\n"
	"  room    TEXT NOT NULL,       -- the room as its members saw it\n"
	"  fold    TEXT NOT NULL,       -- the room's case folding: its key\n"
	"  sender  TEXT NOT NULL,       -- the nick it came from\n"
	"  content TEXT NOT NULL        -- JSON: text, or sticker, audio, file\n"
	");\n"
	"CREATE INDEX messages_room ON messages (fold, msgid);\n"
	"CREATE TABLE meta (\n"
	"  key   TEXT PRIMARY KEY,      -- msgid_reserved: msgids given up to\n"
	"  value INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n",
	/* 1 -> 2: accounts, and what lasts of rooms: owners, topics, bans. */
	"CREATE TABLE accounts (\n"
	"  fold    TEXT PRIMARY KEY,    -- the nick's case folding: the key\n"
	"  nick    TEXT NOT NULL,       -- as registered\n"
	"  hash    TEXT NOT NULL,       -- yescrypt, as crypt(3) makes it\n"
	"  created INTEGER NOT NULL     -- ms since 1970-01-01 UTC\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE rooms (\n"
	"  fold     TEXT PRIMARY KEY,   -- the room's case folding: the key\n"
	"  name     TEXT NOT NULL,      -- as first used\n"
	"  owner    TEXT,               -- an account's fold, NULL: unclaimed\n"
	"  topic    TEXT,\n"
	"  topic_by TEXT,               -- the nick that set it\n"
	"  topic_ts INTEGER             -- when: ms since 1970-01-01 UTC\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE moderators (\n"
	"  room    TEXT NOT NULL,       -- rooms.fold\n"
	"  account TEXT NOT NULL,       -- accounts.fold\n"
	"  PRIMARY KEY (room, account)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE bans (\n"
	"  room    TEXT NOT NULL,       -- a room's fold, '': server-wide\n"
	"  mask    TEXT NOT NULL,       -- a nick's fold, or ADDR/BITS\n"
	"  by      TEXT NOT NULL,       -- the nick that banned\n"
	"  reason  TEXT,\n"
	"  set_ts  INTEGER NOT NULL,    -- ms since 1970-01-01 UTC\n"
	"  expires INTEGER NOT NULL,    -- ms since 1970-01-01 UTC, 0: never\n"
	"  PRIMARY KEY (room, mask)\n"
	") WITHOUT ROWID;\n",
};
#define STORE_SQLITE_VERSION	((int)nitems(store_sqlite_steps))

/* The statements the worker runs, prepared once. */
enum store_sqlite_sql {
	STORE_SQLITE_BEGIN,
	STORE_SQLITE_COMMIT,
	STORE_SQLITE_ROLLBACK,
	STORE_SQLITE_INSERT,
	STORE_SQLITE_PAGE,
	STORE_SQLITE_PAGE_UP,
	STORE_SQLITE_RESERVE,
	STORE_SQLITE_PRUNE_AGE,
	STORE_SQLITE_PRUNE_ROOM,
	STORE_SQLITE_ACCOUNT_PUT,
	STORE_SQLITE_ACCOUNT_DEL,
	STORE_SQLITE_ROOM_PUT,
	STORE_SQLITE_ROOM_DEL,
	STORE_SQLITE_MOD_CLEAR,
	STORE_SQLITE_MOD_ADD,
	STORE_SQLITE_BAN_PUT,
	STORE_SQLITE_BAN_DEL,
	STORE_SQLITE_NSQL
};

static const char *const store_sqlite_sql[STORE_SQLITE_NSQL] = {
	[STORE_SQLITE_BEGIN] = "BEGIN IMMEDIATE",
	[STORE_SQLITE_COMMIT] = "COMMIT",
	[STORE_SQLITE_ROLLBACK] = "ROLLBACK",
	[STORE_SQLITE_INSERT] =
	    "INSERT INTO messages (msgid, ts, room, fold, sender, content) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/*
	 * A page, newest first: older than ?2, not past the age ?3, among the
	 * room's newest ?4 (history-max holds even before a prune runs).
	 */
	[STORE_SQLITE_PAGE] =
	    "SELECT msgid, ts, room, sender, content FROM messages "
	    "WHERE fold = ?1 AND msgid < ?2 AND ts >= ?3 AND msgid >= "
	    "coalesce((SELECT msgid FROM messages WHERE fold = ?1 "
	    "ORDER BY msgid DESC LIMIT 1 OFFSET ?4 - 1), 0) "
	    "AND msgid > ?6 ORDER BY msgid DESC LIMIT ?5",
	/* The same page from its oldest end: paging forward. */
	[STORE_SQLITE_PAGE_UP] =
	    "SELECT msgid, ts, room, sender, content FROM messages "
	    "WHERE fold = ?1 AND msgid < ?2 AND ts >= ?3 AND msgid >= "
	    "coalesce((SELECT msgid FROM messages WHERE fold = ?1 "
	    "ORDER BY msgid DESC LIMIT 1 OFFSET ?4 - 1), 0) "
	    "AND msgid > ?6 ORDER BY msgid LIMIT ?5",
	[STORE_SQLITE_RESERVE] =
	    "INSERT INTO meta (key, value) VALUES ('msgid_reserved', ?1) "
	    "ON CONFLICT (key) DO UPDATE SET value = max(value, ?1)",
	/* The oldest first: msgids rise with time. */
	[STORE_SQLITE_PRUNE_AGE] =
	    "DELETE FROM messages WHERE msgid IN (SELECT msgid FROM messages "
	    "WHERE ts < ?1 ORDER BY msgid LIMIT ?2)",
	[STORE_SQLITE_PRUNE_ROOM] =
	    "DELETE FROM messages WHERE msgid IN (SELECT msgid FROM messages "
	    "WHERE fold = ?1 AND msgid < (SELECT msgid FROM messages "
	    "WHERE fold = ?1 ORDER BY msgid DESC LIMIT 1 OFFSET ?3 - 1) "
	    "ORDER BY msgid LIMIT ?2)",
	[STORE_SQLITE_ACCOUNT_PUT] =
	    "INSERT OR REPLACE INTO accounts (fold, nick, hash, created) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[STORE_SQLITE_ACCOUNT_DEL] = "DELETE FROM accounts WHERE fold = ?1",
	[STORE_SQLITE_ROOM_PUT] =
	    "INSERT OR REPLACE INTO rooms (fold, name, owner, topic, "
	    "topic_by, topic_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STORE_SQLITE_ROOM_DEL] = "DELETE FROM rooms WHERE fold = ?1",
	[STORE_SQLITE_MOD_CLEAR] = "DELETE FROM moderators WHERE room = ?1",
	[STORE_SQLITE_MOD_ADD] =
	    "INSERT OR IGNORE INTO moderators (room, account) VALUES (?1, ?2)",
	[STORE_SQLITE_BAN_PUT] =
	    "INSERT OR REPLACE INTO bans (room, mask, by, reason, set_ts, "
	    "expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STORE_SQLITE_BAN_DEL] =
	    "DELETE FROM bans WHERE room = ?1 AND mask = ?2",
};

/*
 * One statement of a change to the lasting state, with its values copied:
 * the thread runs it after what was queued before.  A NULL text binds NULL.
 */
#define STORE_SQLITE_ARGS	6
struct store_sqlite_step {
	enum store_sqlite_sql	 sql;
	size_t			 n;
	char			*text[STORE_SQLITE_ARGS];
	int64_t			 num[STORE_SQLITE_ARGS];
	bool			 is_num[STORE_SQLITE_ARGS];
};

enum store_sqlite_op {
	STORE_SQLITE_APPEND,	/* write a batch of messages */
	STORE_SQLITE_FETCH,	/* read a page the cache cannot give */
	STORE_SQLITE_PRUNE,	/* drop what is past the limits, a step */
	STORE_SQLITE_MSGIDS,	/* reserve msgids up to msgid */
	STORE_SQLITE_STATE	/* accounts, rooms, bans: steps */
};

/*
 * One piece of work for the thread, from the loop and back; a fetch's
 * holds the ticket its caller may cancel.
 */
struct store_sqlite_job {
	enum store_sqlite_op		 op;
	struct store_msg		**msgs;	/* the batch; a page, newest first */
	size_t				 n;
	size_t				 cap;
	struct store_query		 q;	/* FETCH, its fold our own */
	store_fetch_cb			*cb;	/* FETCH */
	void				*arg;
	struct store_ticket		 ticket;	/* FETCH */
	int64_t				 now_ms; /* FETCH, PRUNE: for the age */
	uint64_t			 msgid;	/* MSGIDS */
	bool				 more;	/* PRUNE: a step was not enough */
	struct store_sqlite_step	*steps;	/* STATE */
	size_t				 nsteps;
	char				 err[256];
	TAILQ_ENTRY(store_sqlite_job)	 entry;
};
TAILQ_HEAD(store_sqlite_jobs, store_sqlite_job);

/* A room's appends since the thread last pruned it. */
struct store_sqlite_touched {
	size_t	 n;
	char	 fold[];
};

/*
 * The loop's part, the part under lock, and the thread's part: the loop
 * hands jobs over and takes them back, the thread alone uses db.  The
 * thread wakes the loop through efd, as the password worker does.
 */
struct store_sqlite {
	struct store_limits		 limits;
	char				*path;
	struct store_cache		*cache;		/* the latest */
	struct store_sqlite_job		*batch;		/* not handed over */
	struct event			*handoff;
	struct event			*answers;
	bool				 pruning;	/* a job is out */
	bool				 failing;	/* writes fail: logged */
	int64_t				 now_ms;	/* the last prune's clock */
	uint64_t			 last_msgid;

	pthread_t			 thread;
	pthread_mutex_t			 lock;
	pthread_cond_t			 wake;
	struct store_sqlite_jobs	 todo;
	struct store_sqlite_jobs	 done;
	int				 efd;
	bool				 stop;
	bool				 running;

	sqlite3				*db;
	sqlite3_stmt			*sql[STORE_SQLITE_NSQL];
	struct hash			*touched;
};

static void	*store_sqlite_open(const struct store_limits *, const char *,
		    struct event_base *, char *, size_t);
static void	 store_sqlite_close(void *);
static uint64_t	 store_sqlite_last_msgid(void *);
static void	 store_sqlite_reserve(void *, uint64_t);
static int	 store_sqlite_append(void *, struct store_msg *);
static int	 store_sqlite_fetch(void *, const struct store_query *,
		    store_fetch_cb *, void *, struct store_ticket **);
static size_t	 store_sqlite_prune(void *, int64_t, size_t);
static int	 store_sqlite_account_put(void *, const struct store_account *);
static int	 store_sqlite_account_del(void *, const char *);
static int	 store_sqlite_room_put(void *, const struct store_room *);
static int	 store_sqlite_room_del(void *, const char *);
static int	 store_sqlite_ban_put(void *, const struct store_ban *);
static int	 store_sqlite_ban_del(void *, const char *, const char *);
static int	 store_sqlite_load_state(void *, const struct store_loader *,
		    char *, size_t);

const struct store_backend store_sqlite = {
	.name = "sqlite",
	.form = "sqlite:PATH",
	.path = true,
	.open = store_sqlite_open,
	.close = store_sqlite_close,
	.last_msgid = store_sqlite_last_msgid,
	.reserve = store_sqlite_reserve,
	.append = store_sqlite_append,
	.fetch = store_sqlite_fetch,
	.prune = store_sqlite_prune,
	.persistent = true,
	.account_put = store_sqlite_account_put,
	.account_del = store_sqlite_account_del,
	.room_put = store_sqlite_room_put,
	.room_del = store_sqlite_room_del,
	.ban_put = store_sqlite_ban_put,
	.ban_del = store_sqlite_ban_del,
	.load = store_sqlite_load_state,
};

/* The wall clock, as message times are kept: for history-max-age. */
static int64_t
store_sqlite_now_ms(void)
{
	struct timeval	tv;

	evutil_gettimeofday(&tv, NULL);
	return ((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

static struct store_sqlite_job *
store_sqlite_job_new(enum store_sqlite_op op)
{
	struct store_sqlite_job	*job;

	if ((job = calloc(1, sizeof *job)) != NULL)
		job->op = op;
	return (job);
}

static void
store_sqlite_job_free(struct store_sqlite_job *job)
{
	size_t	i, k;

	for (i = 0; i < job->n; i++)
		store_msg_free(job->msgs[i]);
	free(job->msgs);
	for (i = 0; i < job->nsteps; i++) {
		for (k = 0; k < job->steps[i].n; k++)
			free(job->steps[i].text[k]);
	}
	free(job->steps);
	free((char *)job->q.fold);
	free(job);
}

/* Room in job for one more message. */
static int
store_sqlite_job_grow(struct store_sqlite_job *job)
{
	struct store_msg	**msgs;
	size_t			  cap;

	if (job->n < job->cap)
		return (0);
	cap = job->cap == 0 ? 64 : job->cap * 2;
	if ((msgs = reallocarray(job->msgs, cap, sizeof *msgs)) == NULL)
		return (-1);
	job->msgs = msgs;
	job->cap = cap;
	return (0);
}

/* Called by the loop: the thread takes job after what is queued. */
static void
store_sqlite_submit(struct store_sqlite *ss, struct store_sqlite_job *job)
{
	pthread_mutex_lock(&ss->lock);
	TAILQ_INSERT_TAIL(&ss->todo, job, entry);
	pthread_cond_signal(&ss->wake);
	pthread_mutex_unlock(&ss->lock);
}

/* The appends so far go to the thread, ahead of what comes next. */
static void
store_sqlite_hand_over(struct store_sqlite *ss)
{
	if (ss->batch == NULL)
		return;
	store_sqlite_submit(ss, ss->batch);
	ss->batch = NULL;
	evtimer_del(ss->handoff);
}

static void
store_sqlite_handoff_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_sqlite_hand_over(arg);
}

/*
 * The reason of the last failure on db, with the file's name: what the
 * log and the start's error show an operator.
 */
static void
store_sqlite_err(struct store_sqlite *ss, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", ss->path, what,
	    ss->db != NULL ? sqlite3_errmsg(ss->db) : "out of memory");
}

/* The worker: a row of a page into a kept message (fold is the page's). */
static struct store_msg *
store_sqlite_row(sqlite3_stmt *st, const char *fold)
{
	struct store_msg	*sm;
	cJSON			*content, *item;
	const char		*room, *sender, *text;
	const char		*field[EVT_MSG_FIELDS], *value[EVT_MSG_FIELDS];
	size_t			 n = 0;

	room = (const char *)sqlite3_column_text(st, 2);
	sender = (const char *)sqlite3_column_text(st, 3);
	text = (const char *)sqlite3_column_text(st, 4);
	if (room == NULL || sender == NULL || text == NULL ||
	    (content = cJSON_Parse(text)) == NULL)
		return (NULL);
	cJSON_ArrayForEach(item, content) {
		if (!cJSON_IsString(item) || n == EVT_MSG_FIELDS)
			break;
		field[n] = item->string;
		value[n++] = item->valuestring;
	}
	sm = item != NULL ? NULL : store_msg_new(
	    (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
	    sender, room, fold, field, value, n);
	cJSON_Delete(content);
	return (sm);
}

/*
 * The worker, or the loop at open: up to limit rows of fold older than
 * before and newer than job->q.after, newest first (oldest first for an
 * oldest query), into job; -1 with job->err set.
 */
static int
store_sqlite_read(struct store_sqlite *ss, struct store_sqlite_job *job,
    uint64_t before, size_t limit)
{
	sqlite3_stmt		*st = ss->sql[job->q.oldest ?
				    STORE_SQLITE_PAGE_UP : STORE_SQLITE_PAGE];
	struct store_msg	*sm;
	int64_t			 oldest = INT64_MIN;
	int			 rc;

	if (ss->limits.max_age_ms != 0)
		oldest = job->now_ms - ss->limits.max_age_ms;
	sqlite3_bind_text(st, 1, job->q.fold, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before != 0 && before <= INT64_MAX ?
	    (int64_t)before : INT64_MAX);
	sqlite3_bind_int64(st, 3, oldest);
	sqlite3_bind_int64(st, 4, (int64_t)ss->limits.max);
	sqlite3_bind_int64(st, 5, (int64_t)limit);
	sqlite3_bind_int64(st, 6, job->q.after <= INT64_MAX ?
	    (int64_t)job->q.after : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_sqlite_job_grow(job) != 0 ||
		    (sm = store_sqlite_row(st, job->q.fold)) == NULL) {
			snprintf(job->err, sizeof job->err, "%s: message %lld "
			    "of %s cannot be read", ss->path,
			    (long long)sqlite3_column_int64(st, 0), job->q.fold);
			rc = SQLITE_ERROR;
			break;
		}
		job->msgs[job->n++] = sm;
	}
	if (rc != SQLITE_DONE && job->err[0] == '\0')
		store_sqlite_err(ss, "reading history", job->err,
		    sizeof job->err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The worker: one message as its row; the content as a JSON object. */
static int
store_sqlite_insert(struct store_sqlite *ss, const struct store_msg *sm)
{
	sqlite3_stmt	*st = ss->sql[STORE_SQLITE_INSERT];
	cJSON		*content;
	char		*text = NULL;
	size_t		 i;
	int		 rc;

	if ((content = cJSON_CreateObject()) == NULL)
		return (SQLITE_NOMEM);
	for (i = 0; i < sm->nfields; i++) {
		if (cJSON_AddStringToObject(content, sm->field[i],
		    sm->value[i]) == NULL)
			break;
	}
	if (i == sm->nfields)
		text = cJSON_PrintUnformatted(content);
	cJSON_Delete(content);
	if (text == NULL)
		return (SQLITE_NOMEM);
	sqlite3_bind_int64(st, 1, (int64_t)sm->msgid);
	sqlite3_bind_int64(st, 2, sm->ts);
	sqlite3_bind_text(st, 3, sm->room, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sm->fold, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sm->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	cJSON_free(text);
	return (rc == SQLITE_DONE ? SQLITE_OK : rc);
}

/* The worker: note one more message of fold, for the count's prune. */
static void
store_sqlite_touch(struct store_sqlite *ss, const char *fold, size_t n)
{
	struct store_sqlite_touched	*t;
	size_t				 len = strlen(fold);

	if ((t = hash_find(ss->touched, fold)) == NULL) {
		if ((t = malloc(sizeof *t + len + 1)) == NULL)
			return;
		t->n = 0;
		memcpy(t->fold, fold, len + 1);
		if (hash_insert(ss->touched, t->fold, t) != 0) {
			free(t);
			return;
		}
	}
	t->n += n;
}

/* The worker: run one statement of one step; the rows it changed, or -1. */
static int
store_sqlite_delete(struct store_sqlite *ss, enum store_sqlite_sql which,
    const char *fold, int64_t arg)
{
	sqlite3_stmt	*st = ss->sql[which];
	int		 rc;

	if (fold != NULL)
		sqlite3_bind_text(st, 1, fold, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, arg);
	sqlite3_bind_int64(st, 2, STORE_PRUNE_STEP);
	if (fold != NULL)
		sqlite3_bind_int64(st, 3, arg);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc == SQLITE_DONE ? sqlite3_changes(ss->db) : -1);
}

/*
 * The worker: drop a few hundred rows past history-max-age, then past
 * history-max in the rooms written to since; job->more when some are left.
 */
static void
store_sqlite_prune_step(struct store_sqlite *ss, struct store_sqlite_job *job)
{
	struct store_sqlite_touched	*t;
	size_t				 i = 0, gone = 0;
	int				 n;

	if (ss->limits.max_age_ms != 0) {
		while ((n = store_sqlite_delete(ss, STORE_SQLITE_PRUNE_AGE,
		    NULL, job->now_ms - ss->limits.max_age_ms)) > 0 &&
		    (gone += n) < STORE_SQLITE_PRUNE_MAX)
			;
		if (n < 0)
			goto fail;
		if (gone >= STORE_SQLITE_PRUNE_MAX) {
			job->more = true;
			return;
		}
	}
	/* A room is counted again once it has had a step's worth more. */
	while ((t = hash_next(ss->touched, &i)) != NULL) {
		if (t->n < STORE_PRUNE_STEP)
			continue;
		n = store_sqlite_delete(ss, STORE_SQLITE_PRUNE_ROOM, t->fold,
		    (int64_t)ss->limits.max);
		if (n < 0)
			goto fail;
		if (n == STORE_PRUNE_STEP)
			job->more = true;
		else
			t->n = 0;
		if ((gone += n) >= STORE_SQLITE_PRUNE_MAX) {
			job->more = true;
			return;
		}
	}
	return;
fail:
	store_sqlite_err(ss, "pruning history", job->err, sizeof job->err);
}

/* The worker: one step of a change to the lasting state. */
static int
store_sqlite_step_run(struct store_sqlite *ss,
    const struct store_sqlite_step *step)
{
	sqlite3_stmt	*st = ss->sql[step->sql];
	size_t		 i;
	int		 rc;

	for (i = 0; i < step->n; i++) {
		if (step->is_num[i])
			sqlite3_bind_int64(st, (int)i + 1, step->num[i]);
		else if (step->text[i] != NULL)
			sqlite3_bind_text(st, (int)i + 1, step->text[i], -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(st, (int)i + 1);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The worker: one statement without rows, such as BEGIN. */
static int
store_sqlite_exec(struct store_sqlite *ss, enum store_sqlite_sql which)
{
	int	rc;

	rc = sqlite3_step(ss->sql[which]);
	sqlite3_reset(ss->sql[which]);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * The worker: what one wake-up found, in one transaction (the batches of
 * a busy loop pile up while it commits, so that one commit carries many).
 * A failed transaction is told to every job of it.
 */
static void
store_sqlite_run(struct store_sqlite *ss, struct store_sqlite_jobs *work)
{
	struct store_sqlite_job	*job;
	char			 err[256];
	size_t			 i;
	int			 rc;

	err[0] = '\0';
	if (store_sqlite_exec(ss, STORE_SQLITE_BEGIN) != 0) {
		store_sqlite_err(ss, "starting a transaction", err, sizeof err);
		goto out;
	}
	TAILQ_FOREACH(job, work, entry) {
		switch (job->op) {
		case STORE_SQLITE_APPEND:
			for (i = 0; i < job->n && err[0] == '\0'; i++) {
				rc = store_sqlite_insert(ss, job->msgs[i]);
				if (rc != SQLITE_OK)
					store_sqlite_err(ss, "writing history",
					    err, sizeof err);
				else
					store_sqlite_touch(ss,
					    job->msgs[i]->fold, 1);
			}
			break;
		case STORE_SQLITE_FETCH:
			/* One more than asked says whether more are left. */
			if (!job->ticket.cancelled)
				(void)store_sqlite_read(ss, job, job->q.before,
				    job->q.limit + 1);
			break;
		case STORE_SQLITE_PRUNE:
			store_sqlite_prune_step(ss, job);
			break;
		case STORE_SQLITE_MSGIDS:
			sqlite3_bind_int64(ss->sql[STORE_SQLITE_RESERVE], 1,
			    (int64_t)job->msgid);
			if (store_sqlite_exec(ss, STORE_SQLITE_RESERVE) != 0)
				store_sqlite_err(ss, "reserving msgids", err,
				    sizeof err);
			break;
		case STORE_SQLITE_STATE:
			for (i = 0; i < job->nsteps && err[0] == '\0'; i++) {
				if (store_sqlite_step_run(ss, &job->steps[i]) !=
				    0)
					store_sqlite_err(ss, "writing accounts, "
					    "rooms or bans", err, sizeof err);
			}
			break;
		}
		if (err[0] != '\0')
			break;
	}
	if (err[0] == '\0' && store_sqlite_exec(ss, STORE_SQLITE_COMMIT) != 0)
		store_sqlite_err(ss, "committing", err, sizeof err);
	if (err[0] != '\0')
		(void)store_sqlite_exec(ss, STORE_SQLITE_ROLLBACK);
out:
	if (err[0] == '\0')
		return;
	TAILQ_FOREACH(job, work, entry) {
		if (job->op != STORE_SQLITE_FETCH || job->err[0] == '\0')
			snprintf(job->err, sizeof job->err, "%s", err);
	}
}

/* The worker thread: run what is queued, hand it back, until stopped. */
static void *
store_sqlite_main(void *arg)
{
	struct store_sqlite		*ss = arg;
	struct store_sqlite_jobs	 work = TAILQ_HEAD_INITIALIZER(work);
	uint64_t			 one = 1;

	pthread_mutex_lock(&ss->lock);
	for (;;) {
		while (TAILQ_EMPTY(&ss->todo) && !ss->stop)
			pthread_cond_wait(&ss->wake, &ss->lock);
		/* Stopping, it writes what it was given first. */
		if (TAILQ_EMPTY(&ss->todo))
			break;
		TAILQ_CONCAT(&work, &ss->todo, entry);
		pthread_mutex_unlock(&ss->lock);

		store_sqlite_run(ss, &work);

		pthread_mutex_lock(&ss->lock);
		TAILQ_CONCAT(&ss->done, &work, entry);
		/* The counter cannot overflow: the loop reads it to 0. */
		(void)write(ss->efd, &one, sizeof one);
	}
	pthread_mutex_unlock(&ss->lock);
	return (NULL);
}

/* The thread wrote to the eventfd: take back every job it has done. */
static void
store_sqlite_answers_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store_sqlite		*ss = arg;
	struct store_sqlite_jobs	 done = TAILQ_HEAD_INITIALIZER(done);
	struct store_sqlite_job		*job;
	uint64_t			 n;

	(void)fd;
	(void)what;
	(void)read(ss->efd, &n, sizeof n);
	pthread_mutex_lock(&ss->lock);
	TAILQ_CONCAT(&done, &ss->done, entry);
	pthread_mutex_unlock(&ss->lock);
	while ((job = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, job, entry);
		switch (job->op) {
		case STORE_SQLITE_FETCH:
			if (job->ticket.cancelled || ss->stop)
				job->cb(job->arg, NULL, 0, false,
				    store_cancelled);
			else if (job->err[0] != '\0')
				job->cb(job->arg, NULL, 0, false, job->err);
			else
				store_cache_answer(&job->q, job->msgs,
				    job->n, job->cb, job->arg);
			break;
		case STORE_SQLITE_PRUNE:
			ss->pruning = false;
			if (job->err[0] == '\0' && job->more) {
				/* The rest after what is queued: not a stall. */
				job->more = false;
				ss->pruning = true;
				store_sqlite_submit(ss, job);
				continue;
			}
			/* FALLTHROUGH */
		case STORE_SQLITE_APPEND:
		case STORE_SQLITE_MSGIDS:
		case STORE_SQLITE_STATE:
			/* One line for a run of failures, one for the end. */
			if (job->err[0] != '\0') {
				if (!ss->failing)
					log_error("%s (the latest history "
					    "stays in memory meanwhile)",
					    job->err);
				ss->failing = true;
			} else if (ss->failing &&
			    job->op == STORE_SQLITE_APPEND) {
				log_info("%s: writing history again",
				    ss->path);
				ss->failing = false;
			}
			break;
		}
		store_sqlite_job_free(job);
	}
}

/*
 * At open, on the loop: the msgid to go on from, above every message and
 * every reservation (a crash may have used msgids it never wrote).
 */
static int
store_sqlite_load_msgid(struct store_sqlite *ss, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	rc = sqlite3_prepare_v2(ss->db, "SELECT max(coalesce((SELECT max(msgid) "
	    "FROM messages), 0), coalesce((SELECT value FROM meta WHERE "
	    "key = 'msgid_reserved'), 0))", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_sqlite_err(ss, "reading msgids", err, errlen);
		return (-1);
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ss->last_msgid = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		store_sqlite_err(ss, "reading msgids", err, errlen);
		return (-1);
	}
	/* Written now, so that a file the loop cannot write stops the start. */
	sqlite3_bind_int64(ss->sql[STORE_SQLITE_RESERVE], 1,
	    (int64_t)(ss->last_msgid + STORE_MSGID_BLOCK));
	if (store_sqlite_exec(ss, STORE_SQLITE_RESERVE) != 0) {
		store_sqlite_err(ss, "writing", err, errlen);
		return (-1);
	}
	return (0);
}

/*
 * At open, on the loop: each room's latest messages into the cache (a
 * room with more in the file than that is partial).  Every room is
 * counted once for the prune, history-max may have been lowered.
 */
static int
store_sqlite_load(struct store_sqlite *ss, int64_t now_ms, char *err,
    size_t errlen)
{
	struct store_sqlite_job	*room;
	sqlite3_stmt		*st;
	const char		*fold;
	int			 rc;

	if (store_sqlite_load_msgid(ss, err, errlen) != 0)
		return (-1);
	/* History off, or only the --account tool: nothing to cache. */
	if (ss->limits.cached == 0 || ss->limits.max == 0)
		return (0);
	/* Skip from room to room on the index: one probe each. */
	rc = sqlite3_prepare_v2(ss->db, "WITH RECURSIVE r(fold) AS ("
	    "SELECT min(fold) FROM messages UNION ALL SELECT (SELECT "
	    "min(fold) FROM messages WHERE fold > r.fold) FROM r WHERE "
	    "r.fold IS NOT NULL) SELECT fold FROM r WHERE fold IS NOT NULL",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_sqlite_err(ss, "reading rooms", err, errlen);
		return (-1);
	}
	if ((room = store_sqlite_job_new(STORE_SQLITE_FETCH)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	room->now_ms = now_ms;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fold = (const char *)sqlite3_column_text(st, 0);
		if (fold == NULL || (room->q.fold = strdup(fold)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		store_sqlite_touch(ss, fold, STORE_PRUNE_STEP);
		if (store_sqlite_read(ss, room, 0, ss->limits.cached + 1) != 0) {
			snprintf(err, errlen, "%s", room->err);
			goto fail;
		}
		/* The cache takes the job's holds. */
		rc = store_cache_take(ss->cache, fold, room->msgs, room->n);
		room->n = 0;
		if (rc != 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		free((char *)room->q.fold);
		room->q.fold = NULL;
	}
	if (rc != SQLITE_DONE) {
		store_sqlite_err(ss, "reading rooms", err, errlen);
		goto fail;
	}
	sqlite3_finalize(st);
	store_sqlite_job_free(room);
	if (store_cache_fill(ss->cache) != 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
fail:
	sqlite3_finalize(st);
	if (room != NULL)
		store_sqlite_job_free(room);
	return (-1);
}

/* PRAGMA user_version, or -1 when the file is no database at all. */
static int
store_sqlite_version(struct store_sqlite *ss, int *version, int *tables)
{
	sqlite3_stmt	*st;
	int		 rc;

	rc = sqlite3_prepare_v2(ss->db, "SELECT (SELECT user_version FROM "
	    "pragma_user_version), (SELECT count(*) FROM sqlite_master)", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		*tables = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 0 : -1);
}

/*
 * Bring the file to this evchatd's schema, step by step, in one
 * transaction; a newer or a foreign database is refused untouched.
 */
static int
store_sqlite_migrate(struct store_sqlite *ss, char *err, size_t errlen)
{
	char	 sql[64];
	int	 version, tables, v;

	if (store_sqlite_version(ss, &version, &tables) != 0) {
		store_sqlite_err(ss, "cannot be read", err, errlen);
		return (-1);
	}
	if (version > STORE_SQLITE_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than "
		    "this evchatd's (%d): use a newer evchatd", ss->path,
		    version, STORE_SQLITE_VERSION);
		return (-1);
	}
	if (version == 0 && tables != 0) {
		snprintf(err, errlen, "%s: not an evchat database (it has "
		    "tables but no schema version)", ss->path);
		return (-1);
	}
	if (sqlite3_db_readonly(ss->db, "main") == 1) {
		snprintf(err, errlen, "%s: read-only: evchatd must be able "
		    "to write it", ss->path);
		return (-1);
	}
	if (version == STORE_SQLITE_VERSION)
		return (0);
	if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_sqlite_err(ss, "cannot be written", err, errlen);
		return (-1);
	}
	for (v = version; v < STORE_SQLITE_VERSION; v++) {
		if (sqlite3_exec(ss->db, store_sqlite_steps[v], NULL, NULL,
		    NULL) != SQLITE_OK)
			break;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
	    STORE_SQLITE_VERSION);
	if (v < STORE_SQLITE_VERSION ||
	    sqlite3_exec(ss->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_sqlite_err(ss, "cannot be brought to the schema", err,
		    errlen);
		(void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
		return (-1);
	}
	if (version != 0)
		log_info("%s: schema version %d brought to %d", ss->path,
		    version, STORE_SQLITE_VERSION);
	return (0);
}

/*
 * Open and check the file: a database of this schema (created when the
 * file is new or empty), in WAL mode, writable; the statements prepared.
 * The version is read before anything is written.
 */
static int
store_sqlite_db_open(struct store_sqlite *ss, char *err, size_t errlen)
{
	int	i;

	/* The loop reads the lasting state at start beside the thread. */
	if (sqlite3_threadsafe() == 0) {
		snprintf(err, errlen, "%s: this SQLite is built without "
		    "threads", ss->path);
		return (-1);
	}
	if (sqlite3_open_v2(ss->path, &ss->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		store_sqlite_err(ss, "cannot open", err, errlen);
		return (-1);
	}
	sqlite3_busy_timeout(ss->db, STORE_SQLITE_BUSY_MS);
	if (store_sqlite_migrate(ss, err, errlen) != 0)
		return (-1);
	/*
	 * WAL: readers never block the writer; NORMAL: a commit is not
	 * synced, a checkpoint is, so a crash of the process loses nothing
	 * committed and one of the machine at most the last commits.
	 */
	if (sqlite3_exec(ss->db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		store_sqlite_err(ss, "cannot use WAL mode", err, errlen);
		return (-1);
	}
	for (i = 0; i < STORE_SQLITE_NSQL; i++) {
		if (sqlite3_prepare_v3(ss->db, store_sqlite_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &ss->sql[i], NULL) != SQLITE_OK) {
			store_sqlite_err(ss, "does not fit this evchatd",
			    err, errlen);
			return (-1);
		}
	}
	return (0);
}

/*
 * Called through store_new at start, on the loop: the file is opened,
 * checked and brought to the schema, the latest messages of each room
 * cached, then the writer thread starts.  NULL and why in err, naming
 * the file; nothing is written to a file that is refused.
 */
static void *
store_sqlite_open(const struct store_limits *lim, const char *path,
    struct event_base *base, char *err, size_t errlen)
{
	struct store_sqlite	*ss;

	if ((ss = calloc(1, sizeof *ss)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	ss->limits = *lim;
	ss->efd = -1;
	TAILQ_INIT(&ss->todo);
	TAILQ_INIT(&ss->done);
	pthread_mutex_init(&ss->lock, NULL);
	pthread_cond_init(&ss->wake, NULL);
	if ((ss->path = strdup(path)) == NULL ||
	    (ss->touched = hash_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* The cache: the latest of each room, under the same byte bound. */
	if ((ss->cache = store_cache_new(lim, false, err, errlen)) == NULL)
		goto fail;
	ss->limits.cached = store_cache_per_room(ss->cache);
	ss->now_ms = store_sqlite_now_ms();
	if (store_sqlite_db_open(ss, err, errlen) != 0 ||
	    store_sqlite_load(ss, ss->now_ms, err, errlen) != 0)
		goto fail;
	if ((ss->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	ss->handoff = evtimer_new(base, store_sqlite_handoff_cb, ss);
	ss->answers = event_new(base, ss->efd, EV_READ | EV_PERSIST,
	    store_sqlite_answers_cb, ss);
	if (ss->handoff == NULL || ss->answers == NULL ||
	    event_add(ss->answers, NULL) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((errno = pthread_create(&ss->thread, NULL, store_sqlite_main,
	    ss)) != 0) {
		snprintf(err, errlen, "store thread: %s", strerror(errno));
		goto fail;
	}
	ss->running = true;
	return (ss);
fail:
	store_sqlite_close(ss);
	return (NULL);
}

/*
 * Called by store_free at exit, on the loop: what was appended is handed
 * over and written before the thread ends; fetches still out are dropped
 * (their callers are gone).  Closing the last connection checkpoints the
 * WAL into the file.
 */
static void
store_sqlite_close(void *p)
{
	struct store_sqlite	*ss = p;
	struct store_sqlite_job	*job;
	size_t			 i = 0;
	void			*t;
	int			 k;

	if (ss == NULL)
		return;
	if (ss->running) {
		store_sqlite_hand_over(ss);
		pthread_mutex_lock(&ss->lock);
		ss->stop = true;
		pthread_cond_signal(&ss->wake);
		pthread_mutex_unlock(&ss->lock);
		pthread_join(ss->thread, NULL);
		store_sqlite_answers_cb(ss->efd, EV_READ, ss);
	}
	while ((job = TAILQ_FIRST(&ss->todo)) != NULL) {
		TAILQ_REMOVE(&ss->todo, job, entry);
		store_sqlite_job_free(job);
	}
	if (ss->batch != NULL)
		store_sqlite_job_free(ss->batch);
	if (ss->handoff != NULL)
		event_free(ss->handoff);
	if (ss->answers != NULL)
		event_free(ss->answers);
	if (ss->efd != -1)
		close(ss->efd);
	for (k = 0; k < STORE_SQLITE_NSQL; k++)
		sqlite3_finalize(ss->sql[k]);
	sqlite3_close(ss->db);
	store_cache_free(ss->cache);
	/* The table's keys live in its values: free those last. */
	while (ss->touched != NULL && (t = hash_next(ss->touched, &i)) != NULL)
		free(t);
	hash_free(ss->touched);
	pthread_cond_destroy(&ss->wake);
	pthread_mutex_destroy(&ss->lock);
	free(ss->path);
	free(ss);
}

static uint64_t
store_sqlite_last_msgid(void *p)
{
	struct store_sqlite	*ss = p;

	return (ss->last_msgid);
}

/* Called by store_msgid half a block ahead: msgids up to upto are taken. */
static void
store_sqlite_reserve(void *p, uint64_t upto)
{
	struct store_sqlite	*ss = p;
	struct store_sqlite_job	*job;

	if ((job = store_sqlite_job_new(STORE_SQLITE_MSGIDS)) == NULL) {
		log_error("%s: out of memory reserving msgids", ss->path);
		return;
	}
	job->msgid = upto;
	store_sqlite_submit(ss, job);
}

/*
 * Called through store_append for each room message: the cache takes the
 * caller's hold on msg, the batch one of its own; the batch goes to the
 * thread within STORE_SQLITE_BATCH_US, or sooner with a fetch.
 */
static int
store_sqlite_append(void *p, struct store_msg *msg)
{
	static const struct timeval	 tv = { 0, STORE_SQLITE_BATCH_US };
	struct store_sqlite		*ss = p;

	if (ss->batch == NULL &&
	    (ss->batch = store_sqlite_job_new(STORE_SQLITE_APPEND)) == NULL)
		return (-1);
	if (store_sqlite_job_grow(ss->batch) != 0)
		return (-1);
	ss->batch->msgs[ss->batch->n++] = store_msg_ref(msg);
	if (!evtimer_pending(ss->handoff, NULL))
		evtimer_add(ss->handoff, &tv);
	return (store_cache_append(ss->cache, msg));
}

/* Called through store_fetch: the cache answers at once, or the thread. */
static int
store_sqlite_fetch(void *p, const struct store_query *q, store_fetch_cb *cb,
    void *arg, struct store_ticket **ticket)
{
	struct store_sqlite		*ss = p;
	struct store_sqlite_job		*job;
	bool				 answered;

	if (store_cache_fetch(ss->cache, q, cb, arg, &answered) != 0)
		return (-1);
	if (answered)
		return (0);
	if ((job = store_sqlite_job_new(STORE_SQLITE_FETCH)) == NULL ||
	    (job->q.fold = strdup(q->fold)) == NULL) {
		free(job);
		return (-1);
	}
	job->q.before = q->before;
	job->q.after = q->after;
	job->q.oldest = q->oldest;
	job->q.limit = q->limit;
	job->q.budget = q->budget;
	job->cb = cb;
	job->arg = arg;
	/* Past history-max-age by the loop's clock, as the cache is. */
	job->now_ms = ss->now_ms;
	/* The file must have every message the cache was given. */
	store_sqlite_hand_over(ss);
	store_sqlite_submit(ss, job);
	*ticket = &job->ticket;
	return (0);
}

/*
 * Called from the loop every second: the cache drops what is past its age
 * at once; the file a step at a time on the thread, one job out at most.
 */
static size_t
store_sqlite_prune(void *p, int64_t now_ms, size_t budget)
{
	struct store_sqlite	*ss = p;
	struct store_sqlite_job	*job;
	size_t			 n;

	ss->now_ms = now_ms;
	n = store_cache_prune(ss->cache, now_ms, budget);
	if (ss->pruning ||
	    (job = store_sqlite_job_new(STORE_SQLITE_PRUNE)) == NULL)
		return (n);
	job->now_ms = now_ms;
	ss->pruning = true;
	store_sqlite_submit(ss, job);
	return (n);
}

/*
 * The lasting state, written behind: each change is a job of steps with
 * its values copied, run by the thread in order after what came before.
 */
static struct store_sqlite_step *
store_sqlite_step(struct store_sqlite_job *job, enum store_sqlite_sql sql)
{
	struct store_sqlite_step	*steps;

	steps = reallocarray(job->steps, job->nsteps + 1, sizeof *steps);
	if (steps == NULL)
		return (NULL);
	job->steps = steps;
	memset(&steps[job->nsteps], 0, sizeof *steps);
	steps[job->nsteps].sql = sql;
	return (&steps[job->nsteps++]);
}

/* A text value of step (NULL binds NULL); -1 when out of memory. */
static int
store_sqlite_text(struct store_sqlite_step *step, const char *text)
{
	size_t	i = step->n++;

	return (text != NULL && (step->text[i] = strdup(text)) == NULL ?
	    -1 : 0);
}

static void
store_sqlite_num(struct store_sqlite_step *step, int64_t num)
{
	step->is_num[step->n] = true;
	step->num[step->n++] = num;
}

/* A job of steps is complete: to the thread, or dropped when it is not. */
static int
store_sqlite_state(struct store_sqlite *ss, struct store_sqlite_job *job,
    int rc)
{
	if (rc != 0) {
		store_sqlite_job_free(job);
		return (-1);
	}
	store_sqlite_submit(ss, job);
	return (0);
}

static int
store_sqlite_account_put(void *p, const struct store_account *a)
{
	struct store_sqlite_job		*job;
	struct store_sqlite_step	*st;
	int				 rc = -1;

	if ((job = store_sqlite_job_new(STORE_SQLITE_STATE)) == NULL)
		return (-1);
	if ((st = store_sqlite_step(job, STORE_SQLITE_ACCOUNT_PUT)) != NULL) {
		rc = store_sqlite_text(st, a->fold) | store_sqlite_text(st,
		    a->nick) | store_sqlite_text(st, a->hash);
		store_sqlite_num(st, a->created_ms);
	}
	return (store_sqlite_state(p, job, rc));
}

/* A deletion by one key: an account, or a room with its moderators. */
static int
store_sqlite_del(void *p, enum store_sqlite_sql sql, const char *fold)
{
	struct store_sqlite_job		*job;
	struct store_sqlite_step	*st;
	int				 rc = -1;

	if ((job = store_sqlite_job_new(STORE_SQLITE_STATE)) == NULL)
		return (-1);
	if ((st = store_sqlite_step(job, sql)) != NULL)
		rc = store_sqlite_text(st, fold);
	if (rc == 0 && sql == STORE_SQLITE_ROOM_DEL)
		rc = (st = store_sqlite_step(job, STORE_SQLITE_MOD_CLEAR)) ==
		    NULL ? -1 : store_sqlite_text(st, fold);
	return (store_sqlite_state(p, job, rc));
}

static int
store_sqlite_account_del(void *p, const char *fold)
{
	return (store_sqlite_del(p, STORE_SQLITE_ACCOUNT_DEL, fold));
}

static int
store_sqlite_room_del(void *p, const char *fold)
{
	return (store_sqlite_del(p, STORE_SQLITE_ROOM_DEL, fold));
}

/* The whole of a room's lasting state: its row, then its moderators. */
static int
store_sqlite_room_put(void *p, const struct store_room *r)
{
	struct store_sqlite_job		*job;
	struct store_sqlite_step	*st;
	size_t				 i;
	int				 rc = -1;

	if ((job = store_sqlite_job_new(STORE_SQLITE_STATE)) == NULL)
		return (-1);
	if ((st = store_sqlite_step(job, STORE_SQLITE_ROOM_PUT)) == NULL)
		goto out;
	rc = store_sqlite_text(st, r->fold) | store_sqlite_text(st, r->name) |
	    store_sqlite_text(st, r->owner) | store_sqlite_text(st, r->topic) |
	    store_sqlite_text(st, r->topic_by);
	store_sqlite_num(st, r->topic_ms);
	if (rc != 0 || (st = store_sqlite_step(job,
	    STORE_SQLITE_MOD_CLEAR)) == NULL ||
	    (rc = store_sqlite_text(st, r->fold)) != 0)
		goto out;
	for (i = 0; i < r->nmoderators && rc == 0; i++) {
		if ((st = store_sqlite_step(job, STORE_SQLITE_MOD_ADD)) == NULL)
			rc = -1;
		else
			rc = store_sqlite_text(st, r->fold) |
			    store_sqlite_text(st, r->moderators[i]);
	}
out:
	return (store_sqlite_state(p, job, st == NULL ? -1 : rc));
}

static int
store_sqlite_ban_put(void *p, const struct store_ban *b)
{
	struct store_sqlite_job		*job;
	struct store_sqlite_step	*st;
	int				 rc = -1;

	if ((job = store_sqlite_job_new(STORE_SQLITE_STATE)) == NULL)
		return (-1);
	if ((st = store_sqlite_step(job, STORE_SQLITE_BAN_PUT)) != NULL) {
		rc = store_sqlite_text(st, b->room) | store_sqlite_text(st,
		    b->mask) | store_sqlite_text(st, b->by) |
		    store_sqlite_text(st, b->reason);
		store_sqlite_num(st, b->set_ms);
		store_sqlite_num(st, b->expires_ms);
	}
	return (store_sqlite_state(p, job, rc));
}

static int
store_sqlite_ban_del(void *p, const char *room, const char *mask)
{
	struct store_sqlite_job		*job;
	struct store_sqlite_step	*st;
	int				 rc = -1;

	if ((job = store_sqlite_job_new(STORE_SQLITE_STATE)) == NULL)
		return (-1);
	if ((st = store_sqlite_step(job, STORE_SQLITE_BAN_DEL)) != NULL)
		rc = store_sqlite_text(st, room) | store_sqlite_text(st, mask);
	return (store_sqlite_state(p, job, rc));
}

/* Column i of a row as text, NULL when NULL. */
static const char *
store_sqlite_col(sqlite3_stmt *st, int i)
{
	return ((const char *)sqlite3_column_text(st, i));
}

/* Each moderator of fold, into a list for its room's callback. */
static int
store_sqlite_load_mods(struct store_sqlite *ss, const char *fold,
    char ***mods, size_t *n)
{
	sqlite3_stmt	*st;
	char		**l;
	int		  rc;

	if (sqlite3_prepare_v2(ss->db, "SELECT account FROM moderators "
	    "WHERE room = ?1 ORDER BY account", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, fold, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((l = reallocarray(*mods, *n + 1, sizeof *l)) == NULL)
			break;
		*mods = l;
		if ((l[*n] = strdup(store_sqlite_col(st, 0))) == NULL)
			break;
		(*n)++;
	}
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * Called once at start, on the loop (the thread is idle: nothing has been
 * queued yet): every account, room and ban to the loader.
 */
static int
store_sqlite_load_state(void *p, const struct store_loader *l, char *err,
    size_t errlen)
{
	struct store_sqlite	*ss = p;
	sqlite3_stmt		*st = NULL;
	struct store_account	 a;
	struct store_room	 r;
	struct store_ban	 b;
	char			**mods = NULL;
	size_t			  nmods = 0, i;
	int			  rc, stop = 0;

	if (sqlite3_prepare_v2(ss->db, "SELECT fold, nick, hash, created "
	    "FROM accounts ORDER BY fold", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.fold = store_sqlite_col(st, 0);
		a.nick = store_sqlite_col(st, 1);
		a.hash = store_sqlite_col(st, 2);
		a.created_ms = sqlite3_column_int64(st, 3);
		stop = l->account(l->arg, &a);
	}
	if (stop == 0 && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (stop != 0 || sqlite3_prepare_v2(ss->db, "SELECT fold, name, owner, "
	    "topic, topic_by, topic_ts FROM rooms ORDER BY fold", -1, &st,
	    NULL) != SQLITE_OK)
		goto refused;
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.fold = store_sqlite_col(st, 0);
		r.name = store_sqlite_col(st, 1);
		r.owner = store_sqlite_col(st, 2);
		r.topic = store_sqlite_col(st, 3);
		r.topic_by = store_sqlite_col(st, 4);
		r.topic_ms = sqlite3_column_int64(st, 5);
		if (store_sqlite_load_mods(ss, r.fold, &mods, &nmods) != 0)
			goto fail;
		r.moderators = (const char *const *)mods;
		r.nmoderators = nmods;
		stop = l->room(l->arg, &r);
		for (i = 0; i < nmods; i++)
			free(mods[i]);
		free(mods);
		mods = NULL;
		nmods = 0;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (stop != 0 || sqlite3_prepare_v2(ss->db, "SELECT room, mask, by, "
	    "reason, set_ts, expires FROM bans ORDER BY room, mask", -1, &st,
	    NULL) != SQLITE_OK)
		goto refused;
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		b.room = store_sqlite_col(st, 0);
		b.mask = store_sqlite_col(st, 1);
		b.by = store_sqlite_col(st, 2);
		b.reason = store_sqlite_col(st, 3);
		b.set_ms = sqlite3_column_int64(st, 4);
		b.expires_ms = sqlite3_column_int64(st, 5);
		stop = l->ban(l->arg, &b);
	}
	if (stop == 0 && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (stop != 0)
		goto refused;
	return (0);
fail:
	store_sqlite_err(ss, "reading accounts, rooms and bans", err, errlen);
	sqlite3_finalize(st);
	for (i = 0; i < nmods; i++)
		free(mods[i]);
	free(mods);
	return (-1);
refused:
	if (stop != 0)
		snprintf(err, errlen, "%s: an account, room or ban it holds "
		    "was refused", ss->path);
	else
		store_sqlite_err(ss, "reading accounts, rooms and bans", err,
		    errlen);
	return (-1);
}

/* test-store.c: unit tests of the store interface (store.h): paging, the byte budget, retention, msgids,
 * the lasting state; the same cases on every backend, redis on a loopback redis-server of the test's own. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include "unit.h"
#include "store.h"

/*
 * The backend the shared cases run against, set by each group's setup: a
 * new backend adds a group.  A file backend gets a fresh file per store.
 */
static const char		*test_store_backend;
static char			 test_store_dir[] = "/tmp/test-store.XXXXXX";
static char			 test_store_key[320];
static struct event_base	*test_store_base;
static pid_t			 test_store_redis_pid;	/* the redis group's */
static int			 test_store_redis_port;
static char			 test_store_redis_sock[64];

/* What one fetch handed its callback. */
struct test_store_page {
	int		 calls;
	size_t		 n;
	bool		 more;
	uint64_t	 msgid[STORE_PAGE_MAX];
	char		 text[STORE_PAGE_MAX][32];
};

static void
test_store_cb(void *arg, const struct store_msg *const *msgs, size_t n,
    bool more, const char *err)
{
	struct test_store_page	*pg = arg;
	size_t			 i;

	assert_null(err);
	assert_true(n <= STORE_PAGE_MAX);
	pg->calls++;
	pg->n = n;
	pg->more = more;
	for (i = 0; i < n; i++) {
		pg->msgid[i] = msgs[i]->msgid;
		assert_int_equal(msgs[i]->nfields, 1);
		snprintf(pg->text[i], sizeof pg->text[i], "%s",
		    msgs[i]->value[0]);
	}
}

/* The database file of the sqlite group, removed with its WAL. */
static const char *
test_store_file(bool fresh)
{
	static char	 path[256];
	char		 side[300];

	snprintf(path, sizeof path, "%s/evchat.db", test_store_dir);
	if (fresh) {
		unlink(path);
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
	}
	return (path);
}

/* A command to the group's Redis, on a connection of the test's own. */
static redisReply *
test_store_redis(const char *cmd)
{
	redisContext	*c;
	redisReply	*r;

	c = redisConnect("127.0.0.1", test_store_redis_port);
	assert_true(c != NULL && c->err == 0);
	assert_non_null(r = redisCommand(c, cmd));
	redisFree(c);
	return (r);
}

/* The redis group's store key; fresh empties its Redis. */
static void
test_store_redis_key(bool fresh)
{
	snprintf(test_store_key, sizeof test_store_key,
	    "redis://127.0.0.1:%d", test_store_redis_port);
	if (fresh)
		freeReplyObject(test_store_redis("FLUSHALL"));
}

static struct store *
test_store_reopen(size_t max, int64_t age_ms, size_t memory, size_t cached,
    bool fresh)
{
	struct store_limits	 lim = { max, age_ms, memory, cached, NULL,
				    NULL };
	struct store		*st;
	char			 err[512];

	if (strcmp(test_store_backend, "sqlite") == 0)
		snprintf(test_store_key, sizeof test_store_key, "sqlite:%s",
		    test_store_file(fresh));
	else if (strcmp(test_store_backend, "redis") == 0)
		test_store_redis_key(fresh);
	else
		snprintf(test_store_key, sizeof test_store_key, "%s",
		    test_store_backend);
	st = store_new(test_store_key, &lim, test_store_base, err,
	    sizeof err);
	if (st == NULL)
		fail_msg("%s", err);
	return (st);
}

static struct store *
test_store_open(size_t max, int64_t age_ms, size_t memory)
{
	return (test_store_reopen(max, age_ms, memory, 100, true));
}

static bool
test_store_is(const char *backend)
{
	return (strcmp(test_store_backend, backend) == 0);
}

/* Message msgid of room, from alice, its text "m<msgid>", at ts. */
static void
test_store_add(struct store *st, const char *room, uint64_t msgid,
    int64_t ts)
{
	struct evt_msg	 m;
	char		 text[32];

	memset(&m, 0, sizeof m);
	snprintf(text, sizeof text, "m%llu", (unsigned long long)msgid);
	m.msgid = msgid;
	m.ts = ts;
	m.from = "alice";
	m.room = room;
	m.field[0] = "text";
	m.value[0] = text;
	m.nfields = 1;
	assert_int_equal(store_append(st, &m, room, 0), 0);
}

/*
 * The page a query asks for.  The callback may run later for some
 * backends: the test waits for it by asking that it ran.
 */
static void
test_store_query(struct store *st, const struct store_query *q,
    struct test_store_page *pg)
{
	struct store_ticket	*ticket;

	memset(pg, 0, sizeof *pg);
	assert_int_equal(store_fetch(st, q, test_store_cb, pg, &ticket), 0);
	assert_true(ticket != NULL || pg->calls == 1);
	while (pg->calls == 0)
		assert_int_equal(event_base_loop(test_store_base,
		    EVLOOP_ONCE), 0);
	assert_int_equal(pg->calls, 1);
}

/* The page of room before msgid, limit and budget. */
static void
test_store_get(struct store *st, const char *room, uint64_t before,
    size_t limit, size_t budget, struct test_store_page *pg)
{
	struct store_query	 q = { .fold = room, .before = before,
				     .limit = limit, .budget = budget };

	test_store_query(st, &q, pg);
}

/* Paging forward: the oldest after a msgid, up to before if given. */
static void
test_store_after(void **state)
{
	struct store		*st = test_store_open(1000, 0, 0);
	struct test_store_page	 pg;
	struct store_query	 q = { .fold = "r", .limit = 3, .oldest = true };
	uint64_t		 id;

	for (id = 1; id <= 10; id++)
		test_store_add(st, "r", id, 1000);
	q.after = 4;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[0], 5);
	assert_int_equal(pg.msgid[2], 7);
	assert_true(pg.more);
	q.after = 7;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[0], 8);
	assert_false(pg.more);
	/* Between two msgids, from either end. */
	q.after = 2;
	q.before = 9;
	q.limit = 100;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 6);
	assert_int_equal(pg.msgid[0], 3);
	assert_int_equal(pg.msgid[5], 8);
	assert_false(pg.more);
	q.oldest = false;
	q.limit = 2;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 2);
	assert_int_equal(pg.msgid[0], 7);
	assert_int_equal(pg.msgid[1], 8);
	assert_true(pg.more);
	q.after = 10;
	q.before = 0;
	q.oldest = true;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 0);
	assert_false(pg.more);
	if (!test_store_is("sqlite")) {
		store_free(st);
		return;
	}
	/* A file whose cache holds 8 to 10 only: the rest from disk. */
	store_free(st);
	st = test_store_reopen(1000, 0, 0, 3, false);
	q.after = 2;
	q.limit = 3;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[0], 3);
	assert_int_equal(pg.msgid[2], 5);
	assert_true(pg.more);
	q.before = 9;
	q.oldest = false;
	q.limit = 2;
	test_store_query(st, &q, &pg);
	assert_int_equal(pg.n, 2);
	assert_int_equal(pg.msgid[0], 7);
	assert_int_equal(pg.msgid[1], 8);
	store_free(st);
}

static void
test_store_fetch(void **state)
{
	struct store		*st = test_store_open(1000, 0, 0);
	struct test_store_page	 pg;
	uint64_t		 id;

	for (id = 1; id <= 10; id++)
		test_store_add(st, id % 2 ? "odd" : "even", id, 1000);
	/* The newest, oldest first, and of that room only. */
	test_store_get(st, "odd", 0, 3, 0, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[0], 5);
	assert_int_equal(pg.msgid[1], 7);
	assert_int_equal(pg.msgid[2], 9);
	assert_string_equal(pg.text[2], "m9");
	assert_true(pg.more);
	/* Paging back from the oldest seen, to the beginning. */
	test_store_get(st, "odd", 5, 3, 0, &pg);
	assert_int_equal(pg.n, 2);
	assert_int_equal(pg.msgid[0], 1);
	assert_int_equal(pg.msgid[1], 3);
	assert_false(pg.more);
	/* A before that is no msgid of the room still splits it. */
	test_store_get(st, "even", 7, 100, 0, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[2], 6);
	assert_false(pg.more);
	test_store_get(st, "even", 2, 100, 0, &pg);
	assert_int_equal(pg.n, 0);
	assert_false(pg.more);
	test_store_get(st, "none", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 0);
	store_free(st);
}

/* The budget stops a page at the last message that fits whole. */
static void
test_store_budget(void **state)
{
	struct store		*st = test_store_open(1000, 0, 0);
	struct test_store_page	 pg;
	struct evt_msg		 m;
	size_t			 size;
	uint64_t		 id;

	for (id = 10; id < 20; id++)
		test_store_add(st, "r", id, 1000);
	memset(&m, 0, sizeof m);
	m.msgid = 10;
	m.ts = 1000;
	m.from = "alice";
	m.room = "r";
	m.field[0] = "text";
	m.value[0] = "m10";
	m.nfields = 1;
	/* Every message renders to the same size here. */
	size = store_msg_size(&m);
	assert_true(size > 0);
	test_store_get(st, "r", 0, 100, 3 * size + size / 2, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[0], 17);
	assert_true(pg.more);
	test_store_get(st, "r", 0, 100, size - 1, &pg);
	assert_int_equal(pg.n, 0);
	assert_true(pg.more);
	store_free(st);
}

/* Only the latest max of each room are kept; max 0 keeps none. */
static void
test_store_count(void **state)
{
	struct store		*st = test_store_open(5, 0, 0);
	struct test_store_page	 pg;
	uint64_t		 id;

	for (id = 1; id <= 50; id++)
		test_store_add(st, id <= 40 ? "a" : "b", id, 1000);
	test_store_get(st, "a", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 5);
	assert_int_equal(pg.msgid[0], 36);
	assert_int_equal(pg.msgid[4], 40);
	assert_false(pg.more);
	test_store_get(st, "b", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 5);
	assert_int_equal(pg.msgid[0], 46);
	store_free(st);

	st = test_store_open(0, 0, 0);
	assert_false(store_enabled(st));
	test_store_add(st, "a", 1, 1000);
	test_store_get(st, "a", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 0);
	store_free(st);
}

/* Pruning by age, with the clock passed in, at most budget a step. */
static void
test_store_age(void **state)
{
	struct store		*st = test_store_open(1000, 60000, 0);
	struct test_store_page	 pg;
	uint64_t		 id;

	for (id = 1; id <= 10; id++)
		test_store_add(st, "r", id, (int64_t)id * 1000);
	/* At 66 s, messages of 1 to 5 s are older than a minute. */
	assert_int_equal(store_prune(st, 66000, 2), 2);
	assert_int_equal(store_prune(st, 66000, 100), 3);
	assert_int_equal(store_prune(st, 66000, 100), 0);
	test_store_get(st, "r", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 5);
	assert_int_equal(pg.msgid[0], 6);
	assert_int_equal(store_prune(st, 1000000, 100), 5);
	test_store_get(st, "r", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 0);
	/* The room is gone and comes back with its next message. */
	test_store_add(st, "r", 11, 1000000);
	test_store_get(st, "r", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 1);
	store_free(st);

	/* Age 0 keeps messages whatever their age. */
	st = test_store_open(1000, 0, 0);
	test_store_add(st, "r", 1, 0);
	assert_int_equal(store_prune(st, INT64_MAX / 2, 100), 0);
	store_free(st);
}

/* The memory bound drops the oldest of all rooms first. */
static void
test_store_memory(void **state)
{
	struct store		*st = test_store_open(1000, 0, 20000);
	struct test_store_page	 pg;
	uint64_t		 id;
	size_t			 na, nb;

	for (id = 1; id <= 1000; id++)
		test_store_add(st, id % 2 ? "a" : "b", id, 1000);
	test_store_get(st, "a", 0, 100, 0, &pg);
	na = pg.n;
	assert_int_equal(pg.msgid[pg.n - 1], 999);
	test_store_get(st, "b", 0, 100, 0, &pg);
	nb = pg.n;
	assert_int_equal(pg.msgid[pg.n - 1], 1000);
	if (!test_store_is("memory")) {
		/* The bound is the cache's: the file keeps every message. */
		assert_int_equal(na, 100);
		assert_int_equal(nb, 100);
		test_store_get(st, "a", 3, 100, 0, &pg);
		assert_int_equal(pg.n, 1);
		assert_int_equal(pg.msgid[0], 1);
		store_free(st);
		return;
	}
	/* Some kept, far from all, and what is kept is the newest. */
	assert_true(na > 10 && na < 100);
	assert_true(nb >= na - 1 && nb <= na + 1);
	assert_true(pg.msgid[0] > 1000 - 2 * nb - 2);
	store_free(st);
}

/* The size of a delivered frame, reused, is the size rendered afresh. */
static void
test_store_evt_size(void **state)
{
	struct evt	 e;
	size_t		 size;

	evt_init(&e, EVT_MSG);
	e.msg.msgid = 12345;
	e.msg.ts = 1700000000000;
	e.msg.from = "al\"ice";
	e.msg.room = "Hall";
	e.msg.field[0] = "text";
	e.msg.value[0] = "caf\xc3\xa9 \x01";
	e.msg.nfields = 1;
	size = store_msg_size(&e.msg);
	assert_int_equal(store_evt_size(&e), size);
	assert_non_null(evt_frame(&e, &face_evchat));
	assert_int_equal(store_evt_size(&e), size);
	assert_int_equal(e.frames[FACE_EVCHAT]->size - FRAME_HEADER +
	    strlen(",\"history\":true"), size);
	evt_clear(&e);
}

static void
test_store_unknown(void **state)
{
	struct store_limits	 lim = { 10, 0, 0, 10, NULL, NULL };
	char			 err[256];

	assert_null(store_new("sqlite", &lim, NULL, err, sizeof err));
	assert_non_null(strstr(err, "sqlite:PATH"));
	assert_null(store_new("memory:/x", &lim, NULL, err, sizeof err));
	assert_null(store_new("nosuch", &lim, NULL, err, sizeof err));
	assert_non_null(strstr(err, "nosuch"));
	assert_true(store_known("sqlite:/x", err, sizeof err));
	store_free(NULL);
}

/* msgids go on above what the store has seen, also across a reopen. */
static void
test_store_msgid(void **state)
{
	struct store		*st = test_store_open(1000, 0, 0);
	uint64_t		 a, b;

	a = store_msgid(st);
	b = store_msgid(st);
	assert_true(b > a);
	test_store_add(st, "r", b, 1000);
	store_free(st);
	st = test_store_reopen(1000, 0, 0, 100, false);
	if (test_store_is("memory"))
		assert_int_equal(store_msgid(st), 1);
	else
		assert_true(store_msgid(st) > b);
	store_free(st);
}

/* sqlite, redis: what was written is there after a reopen, cached or not. */
static void
test_store_lasting_reopen(void **state)
{
	struct store		*st = test_store_reopen(1000, 0, 0, 3, true);
	struct test_store_page	 pg;
	uint64_t		 id;

	for (id = 1; id <= 10; id++)
		test_store_add(st, id % 2 ? "odd" : "even", id, 1000);
	store_free(st);
	st = test_store_reopen(1000, 0, 0, 3, false);
	/* From the cache: the latest three. */
	test_store_get(st, "odd", 0, 3, 0, &pg);
	assert_int_equal(pg.n, 3);
	assert_int_equal(pg.msgid[0], 5);
	assert_true(pg.more);
	/* From the file: past what the cache holds. */
	test_store_get(st, "odd", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 5);
	assert_int_equal(pg.msgid[0], 1);
	assert_int_equal(pg.msgid[4], 9);
	assert_string_equal(pg.text[0], "m1");
	assert_false(pg.more);
	test_store_get(st, "even", 6, 1, 0, &pg);
	assert_int_equal(pg.n, 1);
	assert_int_equal(pg.msgid[0], 4);
	assert_true(pg.more);
	/* New messages join the old in the same room. */
	test_store_add(st, "odd", 11, 1000);
	test_store_get(st, "odd", 0, 100, 0, &pg);
	assert_int_equal(pg.n, 6);
	assert_int_equal(pg.msgid[5], 11);
	store_free(st);
}

/* What a load handed back, as one line to compare. */
struct test_store_loaded {
	char	 text[1024];
};

static void
test_store_cat(struct test_store_loaded *l, const char *fmt, ...)
{
	size_t	 len = strlen(l->text);
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(l->text + len, sizeof l->text - len, fmt, ap);
	va_end(ap);
}

static int
test_store_load_account(void *arg, const struct store_account *a)
{
	test_store_cat(arg, "account %s %s %s %lld;", a->fold, a->nick,
	    a->hash, (long long)a->created_ms);
	return (0);
}

static int
test_store_load_room(void *arg, const struct store_room *r)
{
	size_t	i;

	test_store_cat(arg, "room %s %s %s %s %s %lld", r->fold, r->name,
	    r->owner != NULL ? r->owner : "-", r->topic != NULL ? r->topic :
	    "-", r->topic_by != NULL ? r->topic_by : "-",
	    (long long)r->topic_ms);
	for (i = 0; i < r->nmoderators; i++)
		test_store_cat(arg, " +%s", r->moderators[i]);
	test_store_cat(arg, ";");
	return (0);
}

static int
test_store_load_ban(void *arg, const struct store_ban *b)
{
	test_store_cat(arg, "ban '%s' %s %s %s %lld %lld;", b->room, b->mask,
	    b->by, b->reason != NULL ? b->reason : "-", (long long)b->set_ms,
	    (long long)b->expires_ms);
	return (0);
}

/* sqlite, redis: accounts, rooms and bans put and deleted, then loaded. */
static void
test_store_lasting_state(void **state)
{
	struct store		*st = test_store_reopen(1000, 0, 0, 100, true);
	struct test_store_loaded loaded;
	struct store_loader	 l = { test_store_load_account,
				    test_store_load_room, test_store_load_ban,
				    &loaded };
	const char		*mods[] = { "bob", "dave" };
	struct store_account	 alice = { "Alice", "alice", "$y$j9T$a$b",
				    1234 };
	struct store_account	 bob = { "Bob", "bob", "$y$j9T$c$d", 5 };
	struct store_room	 hall = { "Hall", "hall", "alice", mods, 2,
				    "a \"topic\"", "Alice", 99 };
	struct store_room	 empty = { "Empty", "empty", NULL, NULL, 0,
				    NULL, NULL, 0 };
	struct store_ban	 spam = { "hall", "carol", "Alice", "spam", 5,
				    0 };
	struct store_ban	 net = { "", "10.0.0.0/8", "Alice", NULL, 6,
				    7 };
	char			 err[256];

	assert_true(store_persistent(st));
	assert_int_equal(store_account_put(st, &alice), 0);
	assert_int_equal(store_account_put(st, &bob), 0);
	assert_int_equal(store_room_put(st, &empty), 0);
	mods[1] = "carol";
	hall.nmoderators = 1;
	assert_int_equal(store_room_put(st, &hall), 0);
	assert_int_equal(store_ban_put(st, &spam), 0);
	assert_int_equal(store_ban_put(st, &net), 0);
	assert_int_equal(store_account_del(st, "bob"), 0);
	assert_int_equal(store_room_del(st, "empty"), 0);
	assert_int_equal(store_ban_del(st, "", "10.0.0.0/8"), 0);
	store_free(st);

	st = test_store_reopen(1000, 0, 0, 100, false);
	memset(&loaded, 0, sizeof loaded);
	assert_int_equal(store_load(st, &l, err, sizeof err), 0);
	assert_string_equal(loaded.text, "account alice Alice $y$j9T$a$b 1234;"
	    "room hall Hall alice a \"topic\" Alice 99 +bob;"
	    "ban 'hall' carol Alice spam 5 0;");
	store_free(st);
}

/* sqlite: a file that is no database of ours is refused, untouched. */
static void
test_store_sqlite_refused(void **state)
{
	struct store_limits	 lim = { 10, 0, 0, 10, NULL, NULL };
	const char		*path = test_store_file(true);
	char			 key[300], err[512], buf[64];
	struct stat		 sb;
	FILE			*f;
	struct store		*st;
	sqlite3			*db;

	snprintf(key, sizeof key, "sqlite:%s", path);
	/* Not a database at all. */
	assert_non_null(f = fopen(path, "w"));
	fputs("this is not a database, and it is long enough to look "
	    "like a header of one, or more than that\n", f);
	fclose(f);
	assert_null(store_new(key, &lim, test_store_base, err, sizeof err));
	assert_non_null(strstr(err, path));
	assert_int_equal(stat(path, &sb), 0);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_int_equal(strncmp(buf, "this is not", 11), 0);
	/* A newer schema. */
	st = test_store_reopen(10, 0, 0, 10, true);
	store_free(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_new(key, &lim, test_store_base, err, sizeof err));
	assert_non_null(strstr(err, "newer"));
	/* A directory where the file should be. */
	snprintf(key, sizeof key, "sqlite:%s", test_store_dir);
	assert_null(store_new(key, &lim, test_store_base, err, sizeof err));
	assert_non_null(strstr(err, test_store_dir));
}

/* sqlite: a file of an older schema is brought up to date, kept whole. */
static void
test_store_sqlite_migrate(void **state)
{
	struct store		*st = test_store_reopen(1000, 0, 0, 100, true);
	struct test_store_page	 pg;
	sqlite3			*db;
	sqlite3_stmt		*q;

	test_store_add(st, "r", 7, 1000);
	store_free(st);
	/* Back to version 1: what it had before accounts. */
	assert_int_equal(sqlite3_open(test_store_file(false), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE accounts; DROP TABLE "
	    "rooms; DROP TABLE moderators; DROP TABLE bans; "
	    "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = test_store_reopen(1000, 0, 0, 100, false);
	test_store_get(st, "r", 0, 10, 0, &pg);
	assert_int_equal(pg.n, 1);
	assert_int_equal(pg.msgid[0], 7);
	store_free(st);
	assert_int_equal(sqlite3_open(test_store_file(false), &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT user_version "
	    "FROM pragma_user_version), (SELECT count(*) FROM accounts)", -1,
	    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 2);
	assert_int_equal(sqlite3_column_int(q, 1), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* A loopback port nothing listens on now. */
static int
test_store_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

/* A redis-server of the group's own on its port, keeping nothing on disk. */
static int
test_store_redis_start(void)
{
	redisContext	*c = NULL;
	char		 port[16];
	int		 tries;

	snprintf(port, sizeof port, "%d", test_store_redis_port);
	snprintf(test_store_redis_sock, sizeof test_store_redis_sock,
	    "/tmp/test-store-redis.%d.sock", test_store_redis_port);
	if ((test_store_redis_pid = fork()) == -1)
		return (-1);
	if (test_store_redis_pid == 0) {
		/* Its banner and warnings are not the test's. */
		(void)freopen("/dev/null", "w", stdout);
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--unixsocket", test_store_redis_sock,
		    "--save", "", "--appendonly", "no", "--loglevel", "warning",
		    (char *)NULL);
		_exit(127);
	}
	/* Until it answers: it starts in a few milliseconds. */
	for (tries = 0; tries < 1000; tries++) {
		if ((c = redisConnect("127.0.0.1", test_store_redis_port)) !=
		    NULL && c->err == 0)
			break;
		redisFree(c);
		c = NULL;
		usleep(10000);
	}
	redisFree(c);
	return (tries < 1000 ? 0 : -1);
}

static void
test_store_redis_stop(void)
{
	if (test_store_redis_pid <= 0)
		return;
	kill(test_store_redis_pid, SIGKILL);
	waitpid(test_store_redis_pid, NULL, 0);
	test_store_redis_pid = 0;
	unlink(test_store_redis_sock);
}

/* The number a command to the group's Redis answers. */
static long long
test_store_redis_int(const char *cmd)
{
	redisReply	*r = test_store_redis(cmd);
	long long	 n;

	n = r->type == REDIS_REPLY_INTEGER ? r->integer :
	    r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
	freeReplyObject(r);
	return (n);
}

/*
 * Run the loop until cmd answers want: what the store sent has been
 * done.  Bounded, so that a store that never writes fails, not hangs.
 */
static void
test_store_redis_until(const char *cmd, long long want)
{
	int	tries;

	for (tries = 0; tries < 3000; tries++) {
		event_base_loop(test_store_base, EVLOOP_NONBLOCK);
		if (test_store_redis_int(cmd) == want)
			return;
		usleep(5000);
	}
	fail_msg("%s never answered %lld", cmd, want);
}

/*
 * redis: two nodes on one Redis get msgid blocks of their own, the next
 * reserved ahead without waiting; a node started again goes above all.
 */
static void
test_store_redis_nodes(void **state)
{
	struct store	*a = test_store_reopen(1000, 0, 0, 100, true);
	struct store	*b = test_store_reopen(1000, 0, 0, 100, false);
	uint64_t	 id, na, nb, last = 0, i;

	/* Each asks for its next block with its first msgid. */
	assert_int_equal(store_msgid(a), 1);
	assert_int_equal(store_msgid(b), STORE_MSGID_BLOCK + 1);
	/*
	 * Redis has answered both once the counter shows it: the answers
	 * are on their way, in the same pass of Redis's as the GET's (it
	 * may write the GET's first); the loop reads them.
	 */
	test_store_redis_until("GET evchat:msgid", 4 * STORE_MSGID_BLOCK);
	for (i = 0; i < 100; i++) {
		event_base_loop(test_store_base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	for (i = 2; i <= STORE_MSGID_BLOCK; i++) {
		assert_int_equal(store_msgid(a), i);
		assert_int_equal(store_msgid(b), STORE_MSGID_BLOCK + i);
	}
	/* Past their blocks, each jumps to a block of its own. */
	na = store_msgid(a);
	nb = store_msgid(b);
	assert_true((na == 2 * STORE_MSGID_BLOCK + 1 &&
	    nb == 3 * STORE_MSGID_BLOCK + 1) ||
	    (nb == 2 * STORE_MSGID_BLOCK + 1 &&
	    na == 3 * STORE_MSGID_BLOCK + 1));
	store_free(a);
	a = test_store_reopen(1000, 0, 0, 100, false);
	assert_true(store_msgid(a) > 4 * STORE_MSGID_BLOCK);
	for (i = 0; i < 1000; i++) {
		id = store_msgid(b);
		assert_true(id > last && id > nb);
		last = id;
	}
	store_free(a);
	store_free(b);
}

/*
 * redis: retention in Redis itself, not only in the cache: history-max at
 * each write, history-max-age by the script, an emptied room forgotten.
 */
static void
test_store_redis_retention(void **state)
{
	struct store	*st = test_store_reopen(5, 60000, 0, 100, true);
	uint64_t	 id;

	for (id = 1; id <= 10; id++)
		test_store_add(st, "r", id, (int64_t)id * 1000);
	for (id = 11; id <= 13; id++)
		test_store_add(st, "s", id, 1000);
	test_store_redis_until("ZCARD evchat:history:s", 3);
	assert_int_equal(test_store_redis_int("ZCARD evchat:history:r"), 5);
	assert_int_equal(test_store_redis_int("SCARD evchat:history-rooms"),
	    2);
	/* At 68 s, r's messages of 6 and 7 s are past a minute; all of s. */
	store_prune(st, 68000, 100);
	test_store_redis_until("SCARD evchat:history-rooms", 1);
	assert_int_equal(test_store_redis_int("ZCARD evchat:history:r"), 3);
	assert_int_equal(test_store_redis_int("EXISTS evchat:history:s"), 0);
	store_free(st);
}

/* redis: the same Redis through its unix socket. */
static void
test_store_redis_unix(void **state)
{
	struct store_limits	 lim = { 1000, 0, 0, 100, "unix:", NULL };
	struct store		*st;
	char			 key[128], err[512];

	snprintf(key, sizeof key, "redis+unix:%s", test_store_redis_sock);
	test_store_redis_key(true);
	assert_non_null(st = store_new(key, &lim, test_store_base, err,
	    sizeof err));
	test_store_add(st, "r", store_msgid(st), 1000);
	test_store_redis_until("ZCARD unix:history:r", 1);
	store_free(st);
}

/* redis: key forms, and a Redis that is not there or refuses us. */
static void
test_store_redis_refused(void **state)
{
	struct store_limits	 lim = { 10, 0, 0, 10, NULL, NULL };
	char			 key[300], err[512], file[] =
				    "/tmp/test-store-pw.XXXXXX";
	int			 fd;

	assert_true(store_known("redis://127.0.0.1", err, sizeof err));
	assert_true(store_known("redis://[::1]:6380/2", err, sizeof err));
	assert_true(store_known("redis+unix:/run/redis.sock", err,
	    sizeof err));
	assert_false(store_known("redis://127.0.0.1:99999", err, sizeof err));
	assert_non_null(strstr(err, "redis://HOST[:PORT][/DB]"));
	assert_false(store_known("redis:127.0.0.1", err, sizeof err));
	assert_false(store_known("redis://h/x", err, sizeof err));
	assert_false(store_known("redis+unix:run/redis.sock", err,
	    sizeof err));
	assert_false(store_known("redis", err, sizeof err));
	/* Nothing listens: no start, the key named. */
	snprintf(key, sizeof key, "redis://127.0.0.1:%d",
	    test_store_free_port());
	assert_null(store_new(key, &lim, test_store_base, err, sizeof err));
	assert_non_null(strstr(err, key));
	assert_non_null(strstr(err, "cannot connect"));
	/* A password this Redis does not have, and a missing file. */
	assert_true((fd = mkstemp(file)) != -1);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	close(fd);
	test_store_redis_key(true);
	lim.password_file = file;
	assert_null(store_new(test_store_key, &lim, test_store_base, err,
	    sizeof err));
	assert_non_null(strstr(err, test_store_key));
	assert_non_null(strstr(err, "AUTH"));
	unlink(file);
	assert_null(store_new(test_store_key, &lim, test_store_base, err,
	    sizeof err));
	assert_non_null(strstr(err, file));
}

/* A fetch that must fail: its reason. */
static void
test_store_away_cb(void *arg, const struct store_msg *const *msgs, size_t n,
    bool more, const char *err)
{
	assert_int_equal(n, 0);
	*(const char **)arg = err;
}

/*
 * redis: Redis gone and back (a restart that kept nothing): the cache
 * answers meanwhile, appends wait, and are written once it is back.
 */
static void
test_store_redis_away(void **state)
{
	struct store		*st = test_store_reopen(1000, 0, 0, 100, true);
	struct store_query	 replay = { .fold = "r", .limit = 100,
				     .at_once = true };
	struct store_query	 older = { .fold = "r", .limit = 100 };
	struct store_ticket	*ticket;
	struct test_store_page	 pg;
	const char		*err = NULL;
	redisReply		*r;
	uint64_t		 id;

	for (id = 1; id <= 3; id++)
		test_store_add(st, "r", id, 1000);
	test_store_redis_until("ZCARD evchat:history:r", 3);
	test_store_redis_stop();
	for (id = 4; id <= 6; id++)
		test_store_add(st, "r", id, 1000);
	event_base_loop(test_store_base, EVLOOP_NONBLOCK);
	/* A join's replay comes from memory; an older page needs Redis. */
	memset(&pg, 0, sizeof pg);
	assert_int_equal(store_fetch(st, &replay, test_store_cb, &pg,
	    &ticket), 0);
	assert_null(ticket);
	assert_int_equal(pg.n, 6);
	assert_int_equal(pg.msgid[5], 6);
	assert_true(pg.more);
	assert_int_equal(store_fetch(st, &older, test_store_away_cb, &err,
	    &ticket), 0);
	assert_null(ticket);
	assert_non_null(err);
	assert_int_equal(test_store_redis_start(), 0);
	test_store_redis_until("ZCARD evchat:history:r", 3);
	/* What a sysadmin reads with redis-cli. */
	r = test_store_redis("ZRANGE evchat:history:r 0 -1");
	assert_int_equal(r->elements, 3);
	assert_string_equal(r->element[0]->str, "{\"msgid\":4,\"ts\":1000,"
	    "\"room\":\"r\",\"from\":\"alice\",\"content\":{\"text\":"
	    "\"m4\"}}");
	freeReplyObject(r);
	store_free(st);
}

static int
test_store_memory_setup(void **state)
{
	test_store_backend = "memory";
	return ((test_store_base = event_base_new()) == NULL);
}

static int
test_store_sqlite_setup(void **state)
{
	test_store_backend = "sqlite";
	if (mkdtemp(test_store_dir) == NULL)
		return (-1);
	return ((test_store_base = event_base_new()) == NULL);
}

/* The redis group: on a redis-server of its own, started here. */
static int
test_store_redis_setup(void **state)
{
	test_store_backend = "redis";
	test_store_redis_port = test_store_free_port();
	if (test_store_redis_start() != 0)
		return (-1);
	return ((test_store_base = event_base_new()) == NULL);
}

static int
test_store_teardown(void **state)
{
	char	cmd[300];

	if (test_store_is("sqlite")) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", test_store_dir);
		(void)system(cmd);
	}
	test_store_redis_stop();
	event_base_free(test_store_base);
	return (0);
}

int
main(void)
{
	/* The cases every backend passes alike. */
#define TEST_STORE_SHARED						\
		cmocka_unit_test(test_store_fetch),			\
		cmocka_unit_test(test_store_after),			\
		cmocka_unit_test(test_store_budget),			\
		cmocka_unit_test(test_store_count),			\
		cmocka_unit_test(test_store_age),			\
		cmocka_unit_test(test_store_memory),			\
		cmocka_unit_test(test_store_msgid)
	const struct CMUnitTest memory[] = {
		TEST_STORE_SHARED,
		cmocka_unit_test(test_store_evt_size),
		cmocka_unit_test(test_store_unknown),
	};
	const struct CMUnitTest sqlite[] = {
		TEST_STORE_SHARED,
		cmocka_unit_test(test_store_lasting_reopen),
		cmocka_unit_test(test_store_lasting_state),
		cmocka_unit_test(test_store_sqlite_refused),
		cmocka_unit_test(test_store_sqlite_migrate),
	};
	const struct CMUnitTest redis[] = {
		TEST_STORE_SHARED,
		cmocka_unit_test(test_store_lasting_reopen),
		cmocka_unit_test(test_store_lasting_state),
		cmocka_unit_test(test_store_redis_nodes),
		cmocka_unit_test(test_store_redis_retention),
		cmocka_unit_test(test_store_redis_unix),
		cmocka_unit_test(test_store_redis_refused),
		cmocka_unit_test(test_store_redis_away),
	};
	int	rc;

	rc = cmocka_run_group_tests_name("memory", memory,
	    test_store_memory_setup, test_store_teardown);
	rc += cmocka_run_group_tests_name("sqlite", sqlite,
	    test_store_sqlite_setup, test_store_teardown);
	/* Without a redis-server to start, the redis group is skipped. */
	if (system("command -v redis-server >/dev/null 2>&1") != 0) {
		fprintf(stderr, "redis-server not installed: the redis "
		    "group is skipped\n");
		return (rc != 0 ? rc : 77);
	}
	return (rc + cmocka_run_group_tests_name("redis", redis,
	    test_store_redis_setup, test_store_teardown));
}

/* test-store.c: unit tests of the room history interface (store.h): append, fetch, paging by before
 * and limit, the byte budget, retention by count, age and memory; each case takes the backend's name. */

#include <stdio.h>

#include "unit.h"
#include "store.h"

/* The backend every case runs against; a new backend adds its name. */
#define TEST_STORE_BACKEND	"memory"

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

static struct store *
test_store_open(size_t max, int64_t age_ms, size_t memory)
{
	struct store_limits	 lim = { max, age_ms, memory };
	struct store		*st;
	char			 err[128];

	st = store_new(TEST_STORE_BACKEND, &lim, err, sizeof err);
	assert_non_null(st);
	return (st);
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
 * The page of room before msgid, limit and budget.  The callback may run
 * later for some backends: the test waits for it by asking that it ran.
 */
static void
test_store_get(struct store *st, const char *room, uint64_t before,
    size_t limit, size_t budget, struct test_store_page *pg)
{
	struct store_query	 q = { room, before, limit, budget };

	memset(pg, 0, sizeof *pg);
	assert_int_equal(store_fetch(st, &q, test_store_cb, pg), 0);
	assert_int_equal(pg->calls, 1);
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
	struct store_limits	 lim = { 10, 0, 0 };
	char			 err[128];

	assert_null(store_new("sqlite", &lim, err, sizeof err));
	assert_non_null(strstr(err, "sqlite"));
	store_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_fetch),
		cmocka_unit_test(test_store_budget),
		cmocka_unit_test(test_store_count),
		cmocka_unit_test(test_store_age),
		cmocka_unit_test(test_store_memory),
		cmocka_unit_test(test_store_evt_size),
		cmocka_unit_test(test_store_unknown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* test-nick.c: unit tests of nick.c's tables through a nick change: a refused change leaves the nick,
 * its fold and its skeleton where they were, an accepted one frees them; no socket, no event loop. */

#include "unit.h"
#include "server.h"

struct test_nick {
	struct server	 s;
	struct client	 c[3];
};

static int
test_nick_setup(void **state)
{
	struct test_nick	*t;
	size_t			 i;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return (-1);
	t->s.nicks = hash_new();
	t->s.skels = hash_new();
	for (i = 0; i < nitems(t->c); i++)
		t->c[i].server = &t->s;
	*state = t;
	return (t->s.nicks == NULL || t->s.skels == NULL ? -1 : 0);
}

static int
test_nick_teardown(void **state)
{
	struct test_nick	*t = *state;
	size_t			 i;

	for (i = 0; i < nitems(t->c); i++) {
		nick_release(&t->c[i]);
		free(t->c[i].nick);	/* fold is in nick's allocation */
	}
	assert_int_equal(hash_count(t->s.nicks), 0);
	assert_int_equal(hash_count(t->s.skels), 0);
	hash_free(t->s.nicks);
	hash_free(t->s.skels);
	free(t);
	return (0);
}

/* c changes to nick, refused with want: it keeps old, found under it. */
static void
test_nick_refused(struct client *c, const char *nick, enum nick_status want,
    const char *old)
{
	char	*prev = NULL;

	assert_int_equal(nick_change(c, nick, &prev), want);
	assert_null(prev);
	assert_string_equal(c->nick, old);
	assert_ptr_equal(nick_find(c->server, old), c);
}

/* c changes to nick: accepted, old is free and returned. */
static void
test_nick_changed(struct client *c, const char *nick, const char *old)
{
	char	*prev = NULL;

	assert_int_equal(nick_change(c, nick, &prev), NICK_OK);
	assert_string_equal(prev, old);
	free(prev);
	assert_string_equal(c->nick, nick);
	assert_ptr_equal(nick_find(c->server, nick), c);
}

static void
test_nick_change(void **state)
{
	struct test_nick	*t = *state;
	struct client		*a = &t->c[0], *b = &t->c[1], *x = &t->c[2];

	assert_int_equal(nick_register(a, "alice"), NICK_OK);
	assert_int_equal(nick_register(b, "b\xd0\xbe" "b"), NICK_OK);
	test_nick_changed(a, "alice2", "alice");
	assert_null(nick_find(&t->s, "alice"));
	test_nick_refused(a, "B\xd0\x9e" "B", NICK_TAKEN, "alice2");
	test_nick_refused(a, "bob", NICK_CONFUSABLE, "alice2");
	test_nick_refused(a, "bad nick", NICK_INVALID, "alice2");
	/* Its skeleton is still held: a look-alike of alice2 is refused. */
	assert_int_equal(nick_register(x, "\xd0\xb0lice2"), NICK_CONFUSABLE);
	assert_null(x->nick);
	/* Its own look-alike and letter case are a's to take. */
	test_nick_changed(a, "\xd0\xb0lice2", "alice2");
	test_nick_changed(a, "\xd0\x90LICE2", "\xd0\xb0lice2");
	test_nick_changed(a, "alice2", "\xd0\x90LICE2");
	assert_int_equal(hash_count(t->s.nicks), 2);
	assert_int_equal(hash_count(t->s.skels), 2);
	/* The old skeleton is free once left: b's goes with its change. */
	test_nick_changed(b, "carol", "b\xd0\xbe" "b");
	assert_int_equal(nick_register(x, "bob"), NICK_OK);
	assert_int_equal(hash_count(t->s.skels), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nick_change,
		    test_nick_setup, test_nick_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

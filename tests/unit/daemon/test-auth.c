/* test-auth.c: unit tests of the password checker (auth.c) on a real event loop and worker thread:
 * verdicts, cancelling, the per-address delay and the cache of a known password; it knows no client. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"

#define TEST_CHECKS	8

struct test_auth {
	struct event_base	*base;
	struct auth		 auth;
	char			 hash[256];
	int			 order[TEST_CHECKS];	/* check numbers */
	bool			 ok[TEST_CHECKS];
	int64_t			 at_ms[TEST_CHECKS];
	int			 ndone;
	int			 want;			/* then stop */
};

struct test_check {
	struct test_auth	*ta;
	int			 n;
};

static struct test_check	test_checks[TEST_CHECKS];

static int
test_auth_setup(void **state)
{
	static struct test_auth	 ta;
	char			 err[128];

	memset(&ta, 0, sizeof ta);
	ta.base = event_base_new();
	assert_non_null(ta.base);
	assert_int_equal(auth_init(&ta.auth, ta.base, err, sizeof err), 0);
	assert_int_equal(auth_hash("secret", ta.hash, sizeof ta.hash), 0);
	*state = &ta;
	return (0);
}

static int
test_auth_teardown(void **state)
{
	struct test_auth	*ta = *state;

	auth_clear(&ta->auth);
	event_base_free(ta->base);
	return (0);
}

static void
test_auth_done(void *arg, bool ok)
{
	struct test_check	*tc = arg;
	struct test_auth	*ta = tc->ta;

	assert_true(ta->ndone < TEST_CHECKS);
	ta->order[ta->ndone] = tc->n;
	ta->ok[ta->ndone] = ok;
	ta->at_ms[ta->ndone] = server_mono_ms();
	if (++ta->ndone == ta->want)
		event_base_loopbreak(ta->base);
}

/* Check number n of password from addr. */
static struct auth_ticket *
test_auth_start(struct test_auth *ta, int n, const char *password,
    const char *addr)
{
	struct auth_ticket	*t;

	test_checks[n].ta = ta;
	test_checks[n].n = n;
	t = auth_check_start(&ta->auth, ta->hash, password, addr, NULL,
	    test_auth_done, &test_checks[n]);
	assert_non_null(t);
	return (t);
}

/* Run the loop until want verdicts in all have come. */
static void
test_auth_wait(struct test_auth *ta, int want)
{
	ta->want = want;
	if (ta->ndone < want)
		assert_int_equal(event_base_dispatch(ta->base), 0);
	assert_int_equal(ta->ndone, want);
}

/* The verdicts come from the loop, never from auth_check_start. */
static void
test_auth_verdicts(void **state)
{
	struct test_auth	*ta = *state;

	test_auth_start(ta, 0, "secret", "127.0.0.1:1000");
	test_auth_start(ta, 1, "Secret", "127.0.0.2:1000");
	assert_int_equal(ta->ndone, 0);
	test_auth_wait(ta, 2);
	assert_int_equal(ta->order[0], 0);
	assert_true(ta->ok[0]);
	assert_int_equal(ta->order[1], 1);
	assert_false(ta->ok[1]);
}

/*
 * A cancelled check is never answered, whether it was running or waiting
 * for its address's turn; the address's next check still comes after it.
 */
static void
test_auth_cancel(void **state)
{
	struct test_auth	*ta = *state;
	struct auth_ticket	*running, *queued;

	running = test_auth_start(ta, 0, "wrong", "127.0.0.1:1000");
	queued = test_auth_start(ta, 1, "wrong", "127.0.0.1:1001");
	test_auth_start(ta, 2, "secret", "127.0.0.1:1002");
	auth_cancel(queued);
	auth_cancel(running);
	test_auth_wait(ta, 1);
	assert_int_equal(ta->order[0], 2);
	assert_true(ta->ok[0]);
}

/*
 * Two wrong passwords from an address are answered at once, the third a
 * second later; IPv6 addresses count by /64.  Other addresses keep their
 * own count.
 */
static void
test_auth_throttle(void **state)
{
	struct test_auth	*ta = *state;
	int64_t			 second = 0, third = 0;
	int			 i;

	test_auth_start(ta, 0, "wrong", "[2001:db8::1]:1000");
	test_auth_start(ta, 1, "wrong", "[2001:db8::2]:1000");
	test_auth_start(ta, 2, "wrong", "[2001:db8::3]:1000");
	test_auth_wait(ta, 2);
	test_auth_start(ta, 3, "wrong", "[2001:db8:0:1::1]:1000");
	test_auth_start(ta, 4, "secret", "127.0.0.1:1000");
	test_auth_wait(ta, 5);
	assert_int_equal(ta->order[0], 0);
	assert_int_equal(ta->order[1], 1);
	for (i = 0; i < 5; i++) {
		assert_int_equal(ta->ok[i], ta->order[i] == 4);
		if (ta->order[i] == 1)
			second = ta->at_ms[i];
		else if (ta->order[i] == 2)
			third = ta->at_ms[i];
	}
	/* Held back by a timer: never less than the delay. */
	assert_true(third - second >= 950);
}

/*
 * Once a password has matched, it is answered without the worker, so
 * ahead of a check started before it; a wrong one still goes the slow way.
 */
static void
test_auth_known(void **state)
{
	struct test_auth	*ta = *state;

	test_auth_start(ta, 0, "secret", "127.0.0.1:1000");
	test_auth_wait(ta, 1);
	test_auth_start(ta, 1, "wrong", "127.0.0.2:1000");
	test_auth_start(ta, 2, "secret", "127.0.0.3:1000");
	test_auth_wait(ta, 3);
	assert_int_equal(ta->order[1], 2);
	assert_true(ta->ok[1]);
	assert_int_equal(ta->order[2], 1);
	assert_false(ta->ok[2]);
}

/* Clearing with checks under way calls nobody back and leaks nothing. */
static void
test_auth_clear_pending(void **state)
{
	struct test_auth	*ta = *state;

	test_auth_start(ta, 0, "wrong", "127.0.0.1:1000");
	test_auth_start(ta, 1, "wrong", "127.0.0.1:1001");
	test_auth_start(ta, 2, "secret", "127.0.0.2:1000");
	auth_clear(&ta->auth);
	assert_int_equal(ta->ndone, 0);
	memset(&ta->auth, 0, sizeof ta->auth);	/* teardown clears again */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auth_verdicts,
		    test_auth_setup, test_auth_teardown),
		cmocka_unit_test_setup_teardown(test_auth_cancel,
		    test_auth_setup, test_auth_teardown),
		cmocka_unit_test_setup_teardown(test_auth_throttle,
		    test_auth_setup, test_auth_teardown),
		cmocka_unit_test_setup_teardown(test_auth_known,
		    test_auth_setup, test_auth_teardown),
		cmocka_unit_test_setup_teardown(test_auth_clear_pending,
		    test_auth_setup, test_auth_teardown),
	};

	log_open(LOG_LEVEL_ERROR, false);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

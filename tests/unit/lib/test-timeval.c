/* test-timeval.c: unit tests of durations as timevals (timeval.c): whole seconds, the remainder in
 * microseconds, zero and large values; it knows nothing of timers. */

#include <sys/time.h>

#include "unit.h"

static void
test_timeval_ms(void **state)
{
	static const struct {
		uint64_t	ms;
		long		sec;
		long		usec;
	} cases[] = {
		{ 0, 0, 0 },
		{ 1, 0, 1000 },
		{ 999, 0, 999000 },
		{ 1000, 1, 0 },
		{ 1500, 1, 500000 },
		{ 5000, 5, 0 },
		{ 86400000, 86400, 0 },
	};
	struct timeval	tv;
	size_t		i;

	for (i = 0; i < nitems(cases); i++) {
		assert_ptr_equal(timeval_ms(&tv, cases[i].ms), &tv);
		assert_int_equal(tv.tv_sec, cases[i].sec);
		assert_int_equal(tv.tv_usec, cases[i].usec);
	}
}

static void
test_timeval_us(void **state)
{
	struct timeval	tv;

	assert_ptr_equal(timeval_us(&tv, 999999), &tv);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 999999);
	timeval_us(&tv, 1000001);
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 1);
	timeval_us(&tv, 30000000000ULL);
	assert_int_equal(tv.tv_sec, 30000);
	assert_int_equal(tv.tv_usec, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeval_ms),
		cmocka_unit_test(test_timeval_us),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

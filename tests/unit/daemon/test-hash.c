/* test-hash.c: unit tests of the daemon's string-keyed table (hash.c): insert, find, remove with the
 * backward shift, growth and shrinking through thousands of keys, the walk and folded lookups. */

#include <stdio.h>

#include "unit.h"
#include "server.h"

#define TEST_HASH_N	5000

/* Keys owned by the test, as the table expects of its values. */
static char	test_hash_keys[TEST_HASH_N][16];

static void
test_hash_basic(void **state)
{
	struct hash	*h;
	int		 a, b;

	assert_non_null(h = hash_new());
	assert_int_equal(hash_count(h), 0);
	assert_null(hash_find(h, "alice"));
	assert_int_equal(hash_insert(h, "alice", &a), 0);
	assert_int_equal(hash_insert(h, "bob", &b), 0);
	/* A key already there is refused, the first value stays. */
	assert_int_equal(hash_insert(h, "alice", &b), -1);
	assert_int_equal(hash_count(h), 2);
	assert_ptr_equal(hash_find(h, "alice"), &a);
	assert_ptr_equal(hash_find(h, "bob"), &b);
	assert_null(hash_find(h, "alic"));
	assert_null(hash_find(h, ""));
	assert_ptr_equal(hash_remove(h, "alice"), &a);
	assert_null(hash_remove(h, "alice"));
	assert_null(hash_find(h, "alice"));
	assert_ptr_equal(hash_find(h, "bob"), &b);
	assert_int_equal(hash_count(h), 1);
	hash_free(h);
	hash_free(NULL);
}

/* Every key of [0, n) present with its index as value, others absent. */
static void
test_hash_check(struct hash *h, const bool *in)
{
	size_t	i;

	for (i = 0; i < TEST_HASH_N; i++) {
		if (in[i])
			assert_ptr_equal(hash_find(h, test_hash_keys[i]),
			    &test_hash_keys[i]);
		else
			assert_null(hash_find(h, test_hash_keys[i]));
	}
}

/*
 * Thousands of keys in, then out in a scrambled order, so that the table
 * grows and shrinks and deletions shift runs back: every key stays
 * findable after every step of the way.
 */
static void
test_hash_many(void **state)
{
	struct hash	*h;
	bool		 in[TEST_HASH_N];
	uint32_t	 seed = 12345;
	size_t		 i, j, count;

	for (i = 0; i < TEST_HASH_N; i++)
		snprintf(test_hash_keys[i], sizeof test_hash_keys[i], "k%zu",
		    i);
	assert_non_null(h = hash_new());
	memset(in, 0, sizeof in);
	for (i = 0; i < TEST_HASH_N; i++) {
		assert_int_equal(hash_insert(h, test_hash_keys[i],
		    &test_hash_keys[i]), 0);
		in[i] = true;
	}
	assert_int_equal(hash_count(h), TEST_HASH_N);
	test_hash_check(h, in);
	for (count = TEST_HASH_N; count > 0; count--) {
		j = unit_random(&seed) % TEST_HASH_N;
		while (!in[j])
			j = (j + 1) % TEST_HASH_N;
		assert_ptr_equal(hash_remove(h, test_hash_keys[j]),
		    &test_hash_keys[j]);
		in[j] = false;
		assert_int_equal(hash_count(h), count - 1);
		if (count % 500 == 0)
			test_hash_check(h, in);
	}
	test_hash_check(h, in);
	/* Shrunk all the way, it still takes keys. */
	assert_int_equal(hash_insert(h, "again", &in[0]), 0);
	assert_ptr_equal(hash_find(h, "again"), &in[0]);
	hash_free(h);
}

static void
test_hash_walk(void **state)
{
	struct hash	*h;
	unsigned int	 seen[100];
	char		 keys[100][8];
	void		*v;
	size_t		 i, pos = 0, n = 0;

	assert_non_null(h = hash_new());
	memset(seen, 0, sizeof seen);
	assert_null(hash_next(h, &pos));
	for (i = 0; i < nitems(keys); i++) {
		snprintf(keys[i], sizeof keys[i], "w%zu", i);
		assert_int_equal(hash_insert(h, keys[i], &seen[i]), 0);
	}
	pos = 0;
	while ((v = hash_next(h, &pos)) != NULL) {
		(*(unsigned int *)v)++;
		n++;
	}
	assert_int_equal(n, nitems(keys));
	for (i = 0; i < nitems(seen); i++)
		assert_int_equal(seen[i], 1);
	hash_free(h);
}

/* Nicks and rooms are kept folded and found by any case. */
static void
test_hash_fold(void **state)
{
	struct hash	*h;
	char		 fold[NAME_FOLD_MAX + 1], *long_name;
	int		 v;

	assert_non_null(h = hash_new());
	assert_int_equal(name_casefold("Alice", fold, sizeof fold), 5);
	assert_int_equal(hash_insert(h, fold, &v), 0);
	assert_ptr_equal(hash_find_fold(h, "ALICE"), &v);
	assert_ptr_equal(hash_find_fold(h, "alice"), &v);
	assert_null(hash_find(h, "Alice"));
	assert_null(hash_find_fold(h, "alicia"));
	/* Longer than any valid name: not found, and no overflow. */
	long_name = malloc(NAME_FOLD_MAX + 2);
	assert_non_null(long_name);
	memset(long_name, 'a', NAME_FOLD_MAX + 1);
	long_name[NAME_FOLD_MAX + 1] = '\0';
	assert_null(hash_find_fold(h, long_name));
	free(long_name);
	hash_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_basic),
		cmocka_unit_test(test_hash_many),
		cmocka_unit_test(test_hash_walk),
		cmocka_unit_test(test_hash_fold),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* test-secret.c: unit tests of the secret-file check (secret.c) on real files in a scratch directory:
 * mode 600 and 400 pass, any group or other bit fails with the mode, a pipe passes unless a file is due. */

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "unit.h"

/* A scratch file of mode mode, open for reading. */
static int
test_secret_file(char *path, size_t len, mode_t mode)
{
	int	fd;

	snprintf(path, len, "%s/evchat-secret-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	return (fd);
}

static void
test_secret_modes(void **state)
{
	static const struct {
		mode_t		 mode;
		const char	*why;	/* NULL: fine */
	} cases[] = {
		{ 0600, NULL },
		{ 0400, NULL },
		{ 0700, NULL },
		{ 0640, "is open to others (mode 0640): chmod 600 it" },
		{ 0604, "is open to others (mode 0604): chmod 600 it" },
		{ 0620, "is open to others (mode 0620): chmod 600 it" },
		{ 0602, "is open to others (mode 0602): chmod 600 it" },
		{ 0610, "is open to others (mode 0610): chmod 600 it" },
		{ 0644, "is open to others (mode 0644): chmod 600 it" },
	};
	char		 path[256], buf[128];
	const char	*why;
	size_t		 i;
	int		 fd;

	for (i = 0; i < nitems(cases); i++) {
		fd = test_secret_file(path, sizeof path, cases[i].mode);
		why = secret_check(fd, true, buf, sizeof buf);
		if (cases[i].why == NULL)
			assert_null(why);
		else {
			assert_ptr_equal(why, buf);
			assert_string_equal(why, cases[i].why);
		}
		/* The same verdict when a pipe would do. */
		assert_true((secret_check(fd, false, buf, sizeof buf) ==
		    NULL) == (cases[i].why == NULL));
		close(fd);
		unlink(path);
	}
}

static void
test_secret_pipe(void **state)
{
	char	buf[128];
	int	p[2];

	assert_int_equal(pipe(p), 0);
	assert_null(secret_check(p[0], false, buf, sizeof buf));
	assert_string_equal(secret_check(p[0], true, buf, sizeof buf),
	    "is not a regular file");
	close(p[0]);
	close(p[1]);
	/* A descriptor that is not open cannot be checked. */
	assert_non_null(secret_check(p[0], false, buf, sizeof buf));
	assert_true(strncmp(buf, "cannot be checked: ", 19) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_modes),
		cmocka_unit_test(test_secret_pipe),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

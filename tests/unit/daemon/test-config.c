/* test-config.c: unit tests of evchatd's configuration (config.c) through config_from_args, with argv
 * arrays and files in a scratch directory: defaults, errors with FILE:LINE, defaults that adapt. */

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "unit.h"
#include "server.h"

static char	test_config_dir[] = "/tmp/evchat-config-XXXXXX";
static char	test_config_err[512];

/* dir/name holding text, with mode; the path is the caller's to free. */
static char *
test_config_file(const char *name, const char *text, mode_t mode)
{
	char	*path;
	FILE	*f;

	assert_non_null(path = malloc(PATH_MAX));
	snprintf(path, PATH_MAX, "%s/%s", test_config_dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return (path);
}

/*
 * config_from_args on "evchatd --config FILE args..." where FILE holds
 * text: the default file of the host is never read.
 */
static struct config *
test_config_run(const char *text, const char *const *args)
{
	struct config	*cf;
	char		*argv[32], *path;
	int		 argc = 0;

	path = test_config_file("test.conf", text, 0600);
	argv[argc++] = "evchatd";
	argv[argc++] = "--config";
	argv[argc++] = path;
	while (args != NULL && *args != NULL && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	test_config_err[0] = '\0';
	cf = config_from_args(argc, argv, test_config_err,
	    sizeof test_config_err);
	unlink(path);
	free(path);
	return (cf);
}

/* The error of a config that must be refused, after "FILE:" if any. */
static const char *
test_config_fails(const char *text, const char *const *args)
{
	const char	*err = test_config_err;
	size_t		 len = strlen(test_config_dir);

	assert_null(test_config_run(text, args));
	assert_true(*err != '\0');
	if (strncmp(err, test_config_dir, len) == 0 &&
	    strncmp(err + len, "/test.conf:", 11) == 0)
		err += len + 11;
	return (err);
}

static int
test_config_setup(void **state)
{
	return (mkdtemp(test_config_dir) == NULL ? -1 : 0);
}

static int
test_config_teardown(void **state)
{
	return (rmdir(test_config_dir));
}

static void
test_config_defaults(void **state)
{
	struct config	*cf;

	assert_non_null(cf = test_config_run("", NULL));
	assert_int_equal(cf->nlisten, 2);
	assert_string_equal(cf->listen[0], "127.0.0.1:7667");
	assert_string_equal(cf->listen[1], "[::1]:7667");
	assert_int_equal(cf->ntls_listen, 0);
	assert_int_equal(cf->heartbeat, 30);
	assert_int_equal(cf->timeout, 75);
	assert_int_equal(cf->register_timeout, 10);
	assert_int_equal(cf->max_frame, FRAME_MAX_DEFAULT);
	assert_int_equal(cf->max_text, TEXT_MAX_DEFAULT);
	assert_int_equal(cf->max_media, MEDIA_MAX_DEFAULT);
	assert_int_equal(cf->max_sendq, 1 << 20);
	assert_int_equal(cf->max_clients, 10000);
	assert_int_equal(cf->max_clients_per_ip, 50);
	assert_int_equal(cf->nlimit_exempt, 2);
	assert_int_equal(cf->rate, 20);
	assert_int_equal(cf->burst, 60);
	assert_int_equal(cf->flood_kick, 180);
	assert_int_equal(cf->log_level, LOG_LEVEL_INFO);
	assert_false(cf->syslog);
	assert_int_equal(cf->tls_min_version, 2);
	assert_null(cf->tls_cert);
	assert_null(cf->password_hash);
	assert_non_null(cf->path);
	config_free(cf);
}

static void
test_config_sources(void **state)
{
	static const char *const	 args[] = { "--heartbeat", "5",
	    "--listen", "127.0.0.1:0", "--max-frame=1m", "--syslog", NULL };
	struct config			*cf;

	assert_non_null(cf = test_config_run("# comment\n\n"
	    "  heartbeat = 10s \ntimeout = 2m\nlisten = [::1]:7000\n"
	    "listen = 127.0.0.1:7000\nmax-text = 8k\n", args));
	/* The command line over the file, the file over the defaults. */
	assert_int_equal(cf->heartbeat, 5);
	assert_int_equal(cf->timeout, 120);
	assert_int_equal(cf->nlisten, 1);
	assert_string_equal(cf->listen[0], "127.0.0.1:0");
	assert_int_equal(cf->max_frame, 1 << 20);
	assert_int_equal(cf->max_text, 8192);
	assert_true(cf->syslog);
	config_free(cf);
}

static void
test_config_file_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} cases[] = {
		{ "heartbeat 5\n", "1: expected 'key = value'" },
		{ "\nhartbeat = 5\n", "2: unknown key 'hartbeat'" },
		{ "heartbeat = 5\nheartbeat = 6\n",
		  "2: duplicate key 'heartbeat' (first on line 1)" },
		{ "heartbeat =\n", "1: heartbeat: missing value" },
		{ "heartbeat = 0\n",
		  "1: heartbeat: '0' is out of range (1 to 86400 seconds)" },
		{ "heartbeat = 5h\n", "1: heartbeat: '5h' is not a duration "
		  "(SEC, SECs or MINm)" },
		{ "max-frame = 1K1\n", "1: max-frame: '1K1' is not a size "
		  "(BYTES, KIBk or MIBm)" },
		{ "max-media = 49m\n", "1: max-media: '49m' is out of range "
		  "(1 to 50331648 bytes)" },
		{ "rate = many\n", "1: rate: 'many' is not a number" },
		{ "syslog = 1\n", "1: syslog: '1' is not yes, no, true or "
		  "false" },
		{ "listen = ::1:80\n", "1: listen: '::1:80' is not ADDR:PORT "
		  "(write IPv6 as [ADDR]:PORT)" },
		{ "listen = 127.0.0.1:80\nlisten = 127.0.0.1:80\n",
		  "2: listen: '127.0.0.1:80' given twice" },
		{ "limit-exempt = 10.0.0.0/33\n", "1: limit-exempt: "
		  "'10.0.0.0/33' is not ADDR or ADDR/BITS" },
		/* Keys against each other: the later line of the two. */
		{ "timeout = 20\n\nheartbeat = 20\n",
		  "3: timeout (20) must be greater than heartbeat (20)" },
		{ "max-frame = 2048\nmax-text = 4096\n",
		  "2: max-text (4096) must not be greater than max-frame "
		  "(2048)" },
		{ "max-media = 1537\nmax-frame = 2048\n",
		  "2: max-media (1537) is 2052 bytes in base64, more than "
		  "max-frame (2048)" },
		{ "tls-listen = 127.0.0.1:7697\n",
		  "1: tls-listen needs tls-cert" },
	};
	size_t	i;

	for (i = 0; i < nitems(cases); i++)
		assert_string_equal(test_config_fails(cases[i].text, NULL),
		    cases[i].err);
}

static void
test_config_option_errors(void **state)
{
	static const char *const	 bad[] = { "--heartbeat", "x", NULL };
	static const char *const	 unknown[] = { "--bogus", NULL };
	static const char *const	 novalue[] = { "--listen", NULL };
	static const char *const	 twice[] = { "--listen", "[::1]:80",
	    "--listen", "[0::1]:80", NULL };
	static const char *const	 both[] = { "--listen", "127.0.0.1:80",
	    "--tls-listen", "127.0.0.1:80", "--tls-cert", "/dev/null", NULL };

	assert_string_equal(test_config_fails("", bad),
	    "option --heartbeat: 'x' is not a duration (SEC, SECs or MINm)");
	assert_string_equal(test_config_fails("", unknown),
	    "unknown option --bogus");
	assert_string_equal(test_config_fails("", novalue),
	    "option --listen needs a value");
	/* The same address written two ways is still the same. */
	assert_string_equal(test_config_fails("", twice),
	    "option --listen: '[0::1]:80' given twice");
	assert_string_equal(test_config_fails("", both),
	    "'127.0.0.1:80' is in both listen and tls-listen");
}

/* Port 0 is an ephemeral port each time: never a duplicate. */
static void
test_config_port_zero(void **state)
{
	static const char *const	 args[] = { "--listen", "127.0.0.1:0",
	    "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0",
	    "--tls-cert", "/dev/null", NULL };
	struct config			*cf;

	assert_non_null(cf = test_config_run("", args));
	assert_int_equal(cf->nlisten, 2);
	assert_int_equal(cf->ntls_listen, 1);
	config_free(cf);
}

/* One size limit set alone never meets another's default. */
static void
test_config_adapt(void **state)
{
	static const struct {
		const char	*args[5];
		size_t		 frame, text, media, sendq;
	} cases[] = {
		{ { "--max-frame", "2048" }, 2048, 2048, 1536, 1 << 20 },
		{ { "--max-frame", "1025" }, 1025, 1025, 768, 1 << 20 },
		{ { "--max-sendq", "65536" }, FRAME_MAX_DEFAULT,
		  TEXT_MAX_DEFAULT, MEDIA_MAX_DEFAULT, 65536 },
		{ { "--max-sendq", "1024", "--max-frame", "1m" }, 1 << 20,
		  TEXT_MAX_DEFAULT, MEDIA_MAX_DEFAULT, 1024 },
		{ { "--max-text", "300k" }, 307200, 307200, MEDIA_MAX_DEFAULT,
		  1 << 20 },
		{ { "--max-media", "1m" }, 1398104, TEXT_MAX_DEFAULT,
		  1 << 20, 1 << 20 },
		{ { "--max-text", "100", "--max-frame", "2048" }, 2048, 100,
		  1536, 1 << 20 },
	};
	struct config	*cf;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		if ((cf = test_config_run("", cases[i].args)) == NULL)
			fail_msg("%s %s: %s", cases[i].args[0],
			    cases[i].args[1], test_config_err);
		assert_int_equal(cf->max_frame, cases[i].frame);
		assert_int_equal(cf->max_text, cases[i].text);
		assert_int_equal(cf->max_media, cases[i].media);
		assert_int_equal(cf->max_sendq, cases[i].sendq);
		assert_true(base64_encoded_len(cf->max_media) <= cf->max_frame);
		config_free(cf);
	}
	/* From the file as from the command line. */
	assert_non_null(cf = test_config_run("max-frame = 4k\n", NULL));
	assert_int_equal(cf->max_text, 4096);
	assert_int_equal(cf->max_media, 3072);
	config_free(cf);
}

static void
test_config_limit_off(void **state)
{
	static const char *const	 args[] = { "--rate", "0",
	    "--max-sendq", "0", "--register-timeout", "0", NULL };
	struct config			*cf;
	size_t				 pos = 0;

	assert_non_null(cf = test_config_run("", NULL));
	assert_null(config_limit_off(cf, &pos));
	config_free(cf);
	pos = 0;
	assert_non_null(cf = test_config_run("", args));
	/* In the order of the keys. */
	assert_string_equal(config_limit_off(cf, &pos), "register-timeout");
	assert_string_equal(config_limit_off(cf, &pos), "max-sendq");
	assert_string_equal(config_limit_off(cf, &pos), "rate");
	assert_null(config_limit_off(cf, &pos));
	assert_null(config_limit_off(cf, &pos));
	config_free(cf);
}

static void
test_config_password_file(void **state)
{
	static const char	 hash[] =
	    "$y$j9T$abcdefghijklmnopqrstu.$"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	const char		*args[] = { "--password-file", NULL, NULL };
	struct config		*cf;
	char			*path, want[PATH_MAX + 128], line[256];

	snprintf(line, sizeof line, "%s\n", hash);
	path = test_config_file("hash", line, 0640);
	args[1] = path;
	snprintf(want, sizeof want, "password-file %s is open to others "
	    "(mode 0640): chmod 600 it", path);
	assert_string_equal(test_config_fails("", args), want);
	assert_int_equal(chmod(path, 0600), 0);
	if ((cf = test_config_run("", args)) == NULL)
		fail_msg("%s", test_config_err);
	assert_string_equal(cf->password_hash, hash);
	config_free(cf);
	args[1] = test_config_dir;
	snprintf(want, sizeof want, "password-file %s is not a regular file",
	    test_config_dir);
	assert_string_equal(test_config_fails("", args), want);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_sources),
		cmocka_unit_test(test_config_file_errors),
		cmocka_unit_test(test_config_option_errors),
		cmocka_unit_test(test_config_port_zero),
		cmocka_unit_test(test_config_adapt),
		cmocka_unit_test(test_config_limit_off),
		cmocka_unit_test(test_config_password_file),
	};

	return (cmocka_run_group_tests(tests, test_config_setup,
	    test_config_teardown));
}

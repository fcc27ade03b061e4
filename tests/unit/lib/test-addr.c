/* test-addr.c: unit tests of addresses as text (addr.c): splitting host and port, parsing numeric
 * ADDR:PORT with port 0 and every refusal, and formatting back; it knows no program that uses them. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "unit.h"

static void
test_addr_split(void **state)
{
	static const struct {
		const char	*in;
		const char	*host;	/* NULL: refused */
		const char	*port;	/* NULL: none */
	} cases[] = {
		{ "host:7667", "host", "7667" },
		{ "127.0.0.1:0", "127.0.0.1", "0" },
		{ "[::1]:7667", "::1", "7667" },
		{ "[::1]", "::1", NULL },
		{ "host", "host", NULL },
		{ "::1", "::1", NULL },
		{ "2001:db8::1", "2001:db8::1", NULL },
		{ "", NULL, NULL },
		{ ":7667", NULL, NULL },
		{ "host:", NULL, NULL },
		{ "[]:7667", NULL, NULL },
		{ "[::1", NULL, NULL },
		{ "[::1]:", NULL, NULL },
		{ "[::1]x", NULL, NULL },
	};
	char		 host[64];
	const char	*port;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		if (cases[i].host == NULL) {
			assert_int_equal(addr_split(cases[i].in, host,
			    sizeof host, &port), -1);
			continue;
		}
		assert_int_equal(addr_split(cases[i].in, host, sizeof host,
		    &port), 0);
		assert_string_equal(host, cases[i].host);
		if (cases[i].port == NULL)
			assert_null(port);
		else
			assert_string_equal(port, cases[i].port);
	}
	/* The host must fit, with its NUL. */
	assert_int_equal(addr_split("abcd:1", host, 4, &port), -1);
	assert_int_equal(addr_split("abc:1", host, 4, &port), 0);
}

static void
test_addr_parse(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	char			 why[128];

	assert_int_equal(addr_parse("127.0.0.2:7667", &ss, &sl, why,
	    sizeof why), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(sl, sizeof *sin);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000002);
	assert_int_equal(addr_port((struct sockaddr *)&ss), 7667);

	assert_int_equal(addr_parse("[::1]:0", &ss, &sl, why, sizeof why), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(sl, sizeof *sin6);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	assert_int_equal(addr_port((struct sockaddr *)&ss), 0);

	assert_int_equal(addr_parse("0.0.0.0:65535", &ss, &sl, why,
	    sizeof why), 0);
	assert_int_equal(addr_port((struct sockaddr *)&ss), 65535);
}

static void
test_addr_parse_errors(void **state)
{
	static const struct {
		const char	*in;
		const char	*why;
	} cases[] = {
		{ "127.0.0.1", "'127.0.0.1' is not ADDR:PORT" },
		{ "::1:7667", "'::1:7667' is not ADDR:PORT (write IPv6 as "
		  "[ADDR]:PORT)" },
		{ "[::1]", "'[::1]' is not [ADDR]:PORT" },
		{ "[::1:7667", "'[::1:7667' is not [ADDR]:PORT" },
		{ "localhost:7667", "'localhost' is not an IPv4 address" },
		{ "[127.0.0.1]:7667", "'127.0.0.1' is not an IPv6 address" },
		{ "127.0.0.1:65536", "'65536' is not a port (0 to 65535)" },
		{ "127.0.0.1:000001", "'000001' is not a port (0 to 65535)" },
		{ "127.0.0.1:-1", "'-1' is not a port (0 to 65535)" },
		{ "127.0.0.1:80x", "'80x' is not a port (0 to 65535)" },
		{ "127.0.0.1: 80", "' 80' is not a port (0 to 65535)" },
	};
	struct sockaddr_storage	ss;
	socklen_t		sl;
	char			why[128];
	size_t			i;

	for (i = 0; i < nitems(cases); i++) {
		assert_int_equal(addr_parse(cases[i].in, &ss, &sl, why,
		    sizeof why), -1);
		assert_string_equal(why, cases[i].why);
	}
}

static void
test_addr_format(void **state)
{
	static const char	*round[] = { "127.0.0.1:7667", "[::1]:0",
	    "[2001:db8::1]:65535", "0.0.0.0:1" };
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 buf[ADDR_STRLEN], why[128];
	size_t			 i;

	for (i = 0; i < nitems(round); i++) {
		assert_int_equal(addr_parse(round[i], &ss, &sl, why,
		    sizeof why), 0);
		assert_int_equal(addr_format((struct sockaddr *)&ss, buf,
		    sizeof buf), 0);
		assert_string_equal(buf, round[i]);
	}
	/* A long address and port fit in ADDR_STRLEN. */
	assert_int_equal(addr_parse("[ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff:ffff]:65535", &ss, &sl, why, sizeof why), 0);
	assert_int_equal(addr_format((struct sockaddr *)&ss, buf,
	    sizeof buf), 0);
	assert_string_equal(buf,
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	/* A family without a port leaves the caller's buffer alone. */
	memset(&ss, 0, sizeof ss);
	ss.ss_family = AF_UNIX;
	strcpy(buf, "unchanged");
	assert_int_equal(addr_format((struct sockaddr *)&ss, buf,
	    sizeof buf), -1);
	assert_string_equal(buf, "unchanged");
	assert_int_equal(addr_port((struct sockaddr *)&ss), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_split),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_parse_errors),
		cmocka_unit_test(test_addr_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* test-limit.c: unit tests of the defences (limit.c): ADDR[/BITS] parsing, exempt ranges matched through
 * the per-address count, that count itself, and the token bucket with its flood kick, on a real config. */

#include <sys/socket.h>
#include <netinet/in.h>

#include "unit.h"
#include "server.h"

/* A server with just what limit.c reads: the config and the address table. */
static int
test_limit_setup(void **state)
{
	struct server	*s;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->config = config_new()) == NULL ||
	    (s->ips = hash_new()) == NULL)
		return (-1);
	*state = s;
	return (0);
}

static int
test_limit_teardown(void **state)
{
	struct server	*s = *state;

	limit_ip_free_all(s);
	hash_free(s->ips);
	config_free(s->config);
	free(s);
	return (0);
}

static void
test_limit_cidr_parse(void **state)
{
	static const struct {
		const char	*in;
		int		 family;	/* 0: refused */
		unsigned int	 bits;
	} cases[] = {
		{ "10.0.0.0/8", AF_INET, 8 },
		{ "192.0.2.1", AF_INET, 32 },
		{ "0.0.0.0/0", AF_INET, 0 },
		{ "::1", AF_INET6, 128 },
		{ "2001:db8::/32", AF_INET6, 32 },
		{ "::/0", AF_INET6, 0 },
		{ "", 0, 0 },
		{ "/8", 0, 0 },
		{ "10.0.0.0/", 0, 0 },
		{ "10.0.0.0/33", 0, 0 },
		{ "::1/129", 0, 0 },
		{ "10.0.0.0/8x", 0, 0 },
		{ "10.0.0.0/-1", 0, 0 },
		{ "10.0.0/8", 0, 0 },
		{ "localhost", 0, 0 },
		{ "[::1]", 0, 0 },
	};
	struct cidr	c;
	size_t		i;

	for (i = 0; i < nitems(cases); i++) {
		if (cases[i].family == 0) {
			assert_int_equal(limit_cidr_parse(cases[i].in, &c), -1);
			continue;
		}
		assert_int_equal(limit_cidr_parse(cases[i].in, &c), 0);
		assert_int_equal(c.family, cases[i].family);
		assert_int_equal(c.bits, cases[i].bits);
	}
	assert_int_equal(limit_cidr_parse("192.0.2.1/24", &c), 0);
	assert_memory_equal(c.addr, "\xc0\x00\x02\x01", 4);
}

/* Connect a client from addr ("ADDR:PORT") to the per-address count. */
static bool
test_limit_add(struct server *s, struct client *c, const char *addr)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	char			why[128];

	assert_int_equal(addr_parse(addr, &ss, &sl, why, sizeof why), 0);
	memset(c, 0, sizeof *c);
	c->server = s;
	return (limit_ip_add(s, c, (struct sockaddr *)&ss));
}

/* With one connection an address, an exempt one takes any number. */
static bool
test_limit_exempt(struct server *s, const char *addr)
{
	struct client	a, b;
	bool		exempt;

	assert_true(test_limit_add(s, &a, addr));
	exempt = test_limit_add(s, &b, addr);
	if (exempt) {
		assert_null(a.ip);
		assert_null(b.ip);
	} else
		assert_non_null(a.ip);
	limit_ip_remove(s, &a);
	limit_ip_remove(s, &b);
	assert_int_equal(hash_count(s->ips), 0);
	return (exempt);
}

static void
test_limit_cidr_match(void **state)
{
	static const struct {
		const char	*range;
		const char	*addr;
		bool		 exempt;
	} cases[] = {
		{ "10.0.0.0/8", "10.1.2.3:1", true },
		{ "10.0.0.0/8", "11.0.0.0:1", false },
		{ "10.0.0.0/12", "10.15.255.255:1", true },
		{ "10.0.0.0/12", "10.16.0.0:1", false },
		{ "192.0.2.1", "192.0.2.1:1", true },
		{ "192.0.2.1", "192.0.2.2:1", false },
		{ "0.0.0.0/0", "203.0.113.9:1", true },
		{ "0.0.0.0/0", "[2001:db8::1]:1", false },
		{ "2001:db8::/32", "[2001:db8:ffff::1]:1", true },
		{ "2001:db8::/33", "[2001:db8:8000::1]:1", false },
		{ "::1", "[::1]:1", true },
		{ "::1", "[::2]:1", false },
		/* A mapped IPv4 address is its IPv4 self. */
		{ "10.0.0.0/8", "[::ffff:10.1.2.3]:1", true },
		{ "::ffff:0:0/96", "[::ffff:10.1.2.3]:1", false },
	};
	struct server	*s = *state;
	struct config	*cf = s->config;
	size_t		 i;

	cf->max_clients_per_ip = 1;
	for (i = 0; i < nitems(cases); i++) {
		free(cf->limit_exempt);
		cf->limit_exempt = calloc(1, sizeof *cf->limit_exempt);
		assert_non_null(cf->limit_exempt);
		cf->nlimit_exempt = 1;
		assert_int_equal(limit_cidr_parse(cases[i].range,
		    cf->limit_exempt), 0);
		if (test_limit_exempt(s, cases[i].addr) != cases[i].exempt)
			fail_msg("%s in %s: want %s", cases[i].addr,
			    cases[i].range, cases[i].exempt ? "exempt" :
			    "counted");
	}
}

static void
test_limit_ip_count(void **state)
{
	struct server	*s = *state;
	struct client	 c[4];

	s->config->max_clients_per_ip = 2;
	s->config->nlimit_exempt = 0;
	assert_true(test_limit_add(s, &c[0], "192.0.2.1:1000"));
	/* Another port of the same address counts the same. */
	assert_true(test_limit_add(s, &c[1], "192.0.2.1:1001"));
	assert_false(test_limit_add(s, &c[2], "192.0.2.1:1002"));
	assert_null(c[2].ip);
	assert_true(test_limit_add(s, &c[3], "192.0.2.2:1000"));
	assert_int_equal(hash_count(s->ips), 2);
	limit_ip_remove(s, &c[0]);
	assert_null(c[0].ip);
	assert_true(test_limit_add(s, &c[2], "192.0.2.1:1003"));
	limit_ip_remove(s, &c[1]);
	limit_ip_remove(s, &c[2]);
	limit_ip_remove(s, &c[3]);
	assert_int_equal(hash_count(s->ips), 0);
	/* 0 is no limit: nothing is counted. */
	s->config->max_clients_per_ip = 0;
	assert_true(test_limit_add(s, &c[0], "192.0.2.1:1000"));
	assert_null(c[0].ip);
	assert_int_equal(hash_count(s->ips), 0);
}

/*
 * The bucket at 1 token a second: between two calls here far less than a
 * second passes, so no token comes back unless the test moves the last
 * refill into the past.
 */
static void
test_limit_rate(void **state)
{
	struct server	*s = *state;
	struct config	*cf = s->config;
	struct client	 c;
	int		 i;

	cf->rate = 1;
	cf->burst = 3;
	cf->flood_kick = 2;
	memset(&c, 0, sizeof c);
	c.server = s;
	limit_rate_init(&c);
	for (i = 0; i < 3; i++)
		assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	assert_int_equal(limit_rate(&c, false), LIMIT_REFUSED);
	/* Refusals long ago no longer count towards the kick. */
	c.refused_since -= 20000;
	assert_int_equal(limit_rate(&c, false), LIMIT_REFUSED);
	assert_int_equal(limit_rate(&c, false), LIMIT_KICK);
	/* Two seconds give two tokens back... */
	c.rate.refill_ms -= 2000;
	assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	assert_int_equal(limit_rate(&c, false), LIMIT_KICK);
	/* ...and a long silence no more than the burst. */
	c.rate.refill_ms -= 100000;
	for (i = 0; i < 3; i++)
		assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	assert_int_equal(limit_rate(&c, false), LIMIT_KICK);
	/* Without flood-kick, refusals never kick. */
	cf->flood_kick = 0;
	for (i = 0; i < 10; i++)
		assert_int_equal(limit_rate(&c, false), LIMIT_REFUSED);
	/* rate or burst 0 switch the bucket off. */
	cf->rate = 0;
	assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	cf->rate = 1;
	cf->burst = 0;
	assert_int_equal(limit_rate(&c, false), LIMIT_OK);
}

/*
 * Pings draw on a bucket of their own (50 at once): a client that spent
 * its message tokens may still ping, and pings leave its messages alone;
 * past the ping budget they are refused and count towards the kick.
 */
static void
test_limit_ping(void **state)
{
	struct server	*s = *state;
	struct config	*cf = s->config;
	struct client	 c;
	int		 i;

	cf->rate = 1;
	cf->burst = 2;
	cf->flood_kick = 3;
	memset(&c, 0, sizeof c);
	c.server = s;
	limit_rate_init(&c);
	for (i = 0; i < 2; i++)
		assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	assert_int_equal(limit_rate(&c, false), LIMIT_REFUSED);
	for (i = 0; i < 50; i++)
		assert_int_equal(limit_rate(&c, true), LIMIT_OK);
	assert_int_equal(limit_rate(&c, true), LIMIT_REFUSED);
	assert_int_equal(limit_rate(&c, true), LIMIT_KICK);
	/* Pings gave nothing back to messages, nor took from them. */
	c.rate.refill_ms -= 1000;
	assert_int_equal(limit_rate(&c, false), LIMIT_OK);
	/* With the rate limit off, pings are not limited either. */
	cf->rate = 0;
	for (i = 0; i < 100; i++)
		assert_int_equal(limit_rate(&c, true), LIMIT_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_cidr_parse),
		cmocka_unit_test_setup_teardown(test_limit_cidr_match,
		    test_limit_setup, test_limit_teardown),
		cmocka_unit_test_setup_teardown(test_limit_ip_count,
		    test_limit_setup, test_limit_teardown),
		cmocka_unit_test_setup_teardown(test_limit_rate,
		    test_limit_setup, test_limit_teardown),
		cmocka_unit_test_setup_teardown(test_limit_ping,
		    test_limit_setup, test_limit_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

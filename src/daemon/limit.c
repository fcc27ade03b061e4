/* limit.c: the defences that keep one client from harming the others: the per-client token bucket and
 * flood kick, connections per address and the exempt ranges; it decides, the callers act on the verdict. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define LIMIT_FLOOD_WINDOW_MS	10000
#define LIMIT_PING_RATE		10	/* pings a second, on average */
#define LIMIT_PING_BURST	50	/* pings at once */

struct limit_ip {
	char		key[INET6_ADDRSTRLEN];
	unsigned int	n;
};

/* "ADDR/BITS" or a bare address (all bits) into *c; 0 or -1. */
int
limit_cidr_parse(const char *s, struct cidr *c)
{
	char		 host[INET6_ADDRSTRLEN];
	const char	*slash;
	char		*end;
	unsigned long	 bits;
	size_t		 len;

	memset(c, 0, sizeof *c);
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof host)
		return (-1);
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else
		return (-1);
	if (slash == NULL)
		return (0);
	bits = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || bits > c->bits)
		return (-1);
	c->bits = bits;
	return (0);
}

/* The address bytes of sa, with IPv4-mapped IPv6 taken as IPv4. */
static int
limit_addr(const struct sockaddr *sa, unsigned char *addr)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET) {
		memcpy(addr, &sin->sin_addr, 4);
		return (AF_INET);
	}
	if (sa->sa_family != AF_INET6)
		return (-1);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(addr, &sin6->sin6_addr.s6_addr[12], 4);
		return (AF_INET);
	}
	memcpy(addr, &sin6->sin6_addr, 16);
	return (AF_INET6);
}

static bool
limit_cidr_match(const struct cidr *c, int family, const unsigned char *addr)
{
	unsigned int	full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family)
		return (false);
	if (memcmp(c->addr, addr, full) != 0)
		return (false);
	if (rest == 0)
		return (true);
	return (((c->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0);
}

/* Whether sa is in one of the n ranges of list (web-trusted-proxies). */
bool
limit_cidr_any(const struct cidr *list, size_t n, const struct sockaddr *sa)
{
	unsigned char	addr[16];
	size_t		i;
	int		family;

	if ((family = limit_addr(sa, addr)) == -1)
		return (false);
	for (i = 0; i < n; i++) {
		if (limit_cidr_match(&list[i], family, addr))
			return (true);
	}
	return (false);
}

/* Whether sa is in the range c (ban.c's server-wide bans). */
bool
limit_cidr_has(const struct cidr *c, const struct sockaddr *sa)
{
	return (limit_cidr_any(c, 1, sa));
}

/*
 * Count a new connection from sa against max-clients-per-ip.  Returns false
 * when the address is over its limit (nothing counted then).
 */
bool
limit_ip_add(struct server *s, struct client *c, const struct sockaddr *sa)
{
	const struct config	*cf = s->config;
	struct limit_ip		*ip;
	unsigned char		 addr[16];
	char			 key[INET6_ADDRSTRLEN];
	int			 family;

	if (cf->max_clients_per_ip == 0)
		return (true);
	if ((family = limit_addr(sa, addr)) == -1)
		return (true);	/* a local socket */
	if (limit_cidr_any(cf->limit_exempt, cf->nlimit_exempt, sa))
		return (true);
	inet_ntop(family, addr, key, sizeof key);
	if ((ip = hash_find(s->ips, key)) == NULL) {
		if ((ip = calloc(1, sizeof *ip)) == NULL)
			return (false);
		memcpy(ip->key, key, sizeof ip->key);
		if (hash_insert(s->ips, ip->key, ip) != 0) {
			free(ip);
			return (false);
		}
	}
	if (ip->n >= cf->max_clients_per_ip) {
		if (ip->n == 0) {
			hash_remove(s->ips, ip->key);
			free(ip);
		}
		return (false);
	}
	ip->n++;
	c->ip = ip;
	return (true);
}

/* Forget c's connection in its address's count. */
void
limit_ip_remove(struct server *s, struct client *c)
{
	struct limit_ip	*ip = c->ip;

	if (ip == NULL)
		return;
	c->ip = NULL;
	if (--ip->n == 0) {
		hash_remove(s->ips, ip->key);
		free(ip);
	}
}

void
limit_ip_free_all(struct server *s)
{
	struct limit_ip	*ip;
	size_t		 pos = 0;

	while ((ip = hash_next(s->ips, &pos)) != NULL)
		free(ip);
}

void
limit_rate_init(struct client *c)
{
	c->rate.tokens = c->server->config->burst;
	c->ping.tokens = LIMIT_PING_BURST;
	c->rate.refill_ms = c->ping.refill_ms = server_mono_ms();
}

/* Take a token from b, refilled at rate a second up to burst. */
static bool
limit_take(struct limit_bucket *b, unsigned int rate, unsigned int burst,
    int64_t now)
{
	b->tokens += (double)(now - b->refill_ms) * rate / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->refill_ms = now;
	if (b->tokens < 1.0)
		return (false);
	b->tokens -= 1.0;
	return (true);
}

/*
 * Take a token for one frame: from the ping bucket for a ping, so that
 * liveness checks never eat into what a client may say (nor the reverse),
 * from the rate bucket for anything else.  The ping budget is fixed and
 * generous (LIMIT_PING_RATE, LIMIT_PING_BURST: evchat-protocol(7)); it
 * exists because a pong echoes the ping, and is off with the rate limit.  Returns LIMIT_OK, LIMIT_REFUSED
 * (the frame is dropped with rate_limited) or LIMIT_KICK (too many
 * refusals of either kind lately).
 */
enum limit_verdict
limit_rate(struct client *c, bool ping)
{
	const struct config	*cf = c->server->config;
	int64_t			 now;

	if (cf->rate == 0 || cf->burst == 0)
		return (LIMIT_OK);
	now = server_mono_ms();
	if (ping ? limit_take(&c->ping, LIMIT_PING_RATE, LIMIT_PING_BURST, now) :
	    limit_take(&c->rate, cf->rate, cf->burst, now))
		return (LIMIT_OK);
	if (now - c->refused_since > LIMIT_FLOOD_WINDOW_MS) {
		c->refused_since = now;
		c->refused = 0;
	}
	c->refused++;
	if (cf->flood_kick != 0 && c->refused >= cf->flood_kick)
		return (LIMIT_KICK);
	return (LIMIT_REFUSED);
}

/* Log, at start, the defences a config switches off. */
void
limit_log_off(const struct config *cf)
{
	const char	*name;
	size_t		 pos = 0;

	while ((name = config_limit_off(cf, &pos)) != NULL)
		log_info("limit %s is off", name);
}

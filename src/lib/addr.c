/* addr.c: numeric socket addresses as text: "ADDR:PORT" and "[ADDR6]:PORT" split, parsed and formatted
 * for the daemon's listeners, the client's server and the bench's target; it never resolves or connects. */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/*
 * Split "HOST:PORT", "[ADDR]:PORT", "[ADDR]", "HOST" or a bare IPv6
 * address into host (a copy, brackets off) and *port, which points into s
 * or is NULL when s names no port.  Nothing is checked but the form: the
 * client resolves the host, addr_parse wants numbers.  0 or -1.
 */
int
addr_split(const char *s, char *host, size_t hostlen, const char **port)
{
	const char	*end, *colon;
	size_t		 len;

	*port = NULL;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end == s + 1)
			return (-1);
		if (end[1] != '\0' && (end[1] != ':' || end[2] == '\0'))
			return (-1);
		s++;
		len = end - s;
		if (end[1] != '\0')
			*port = end + 2;
	} else if ((colon = strchr(s, ':')) == NULL ||
	    strchr(colon + 1, ':') != NULL)
		len = strlen(s);	/* no port, or a bare IPv6 address */
	else {
		if (colon[1] == '\0')
			return (-1);
		len = colon - s;
		*port = colon + 1;
	}
	if (len == 0 || len >= hostlen)
		return (-1);
	memcpy(host, s, len);
	host[len] = '\0';
	return (0);
}

/*
 * "ADDR:PORT" with a numeric IPv4 address or "[ADDR]:PORT" with an IPv6
 * one into *ss and *sl.  Port 0, an ephemeral port, is allowed: libevent's
 * evutil_parse_sockaddr_port refuses it.  On error why says what is wrong.
 */
int
addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *sl,
    char *why, size_t whylen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN];
	const char		*port, *p;
	unsigned long		 n;
	int			 af = *s == '[' ? AF_INET6 : AF_INET, rc;

	memset(ss, 0, sizeof *ss);
	if (addr_split(s, host, sizeof host, &port) != 0 || port == NULL) {
		snprintf(why, whylen, "'%s' is not %s%s", s,
		    af == AF_INET6 ? "[ADDR]:PORT" : "ADDR:PORT",
		    af == AF_INET && strchr(s, ':') != strrchr(s, ':') ?
		    " (write IPv6 as [ADDR]:PORT)" : "");
		return (-1);
	}
	if (af == AF_INET6)
		rc = inet_pton(AF_INET6, host, &sin6->sin6_addr);
	else
		rc = inet_pton(AF_INET, host, &sin->sin_addr);
	if (rc != 1) {
		snprintf(why, whylen, "'%s' is not an IPv%d address", host,
		    af == AF_INET ? 4 : 6);
		return (-1);
	}
	for (p = port; isdigit((unsigned char)*p); p++)
		;
	n = strtoul(port, NULL, 10);
	if (*p != '\0' || p - port > 5 || n > 65535) {
		snprintf(why, whylen, "'%s' is not a port (0 to 65535)", port);
		return (-1);
	}
	if (af == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(n);
		*sl = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(n);
		*sl = sizeof *sin;
	}
	return (0);
}

/* The port of an IPv4 or IPv6 address, in host order; -1 for others. */
int
addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohs(((const struct sockaddr_in *)sa)->sin_port));
	if (sa->sa_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	return (-1);
}

/*
 * "ADDR:PORT", or "[ADDR]:PORT" for IPv6, of sa into buf (ADDR_STRLEN
 * bytes hold any); -1 and buf untouched for a family without a port, for
 * which each caller has its own word.
 */
int
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;
	char				 host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host) != NULL)
		snprintf(buf, len, "[%s]:%d", host, addr_port(sa));
	else if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host) != NULL)
		snprintf(buf, len, "%s:%d", host, addr_port(sa));
	else
		return (-1);
	return (0);
}

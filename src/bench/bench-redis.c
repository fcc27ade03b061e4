/* bench-redis.c: evchat-bench's Redis transport (--redis), for measuring Redis's pub/sub side by side: hello
 * is HELLO 3 and a SUBSCRIBE of the connection's nick (and room), a msg is a PUBLISH to its room or to the
 * nick it is for, a pushed message is handed to the mode as a msg; it knows RESP3, not the modes. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "bench.h"

#define BENCH_REDIS_DEPTH	8	/* nesting of a reply we skip */

/* One RESP string: what a reply element is, for the few we look at. */
struct bench_redis_str {
	const char	*p;
	size_t		 len;
};

/* Queue one command of n arguments. */
static int
bench_redis_command(struct bench_conn *c, unsigned int n,
    const struct bench_redis_str *arg)
{
	unsigned int	i;

	if (evbuffer_add_printf(c->out, "*%u\r\n", n) < 0)
		return (-1);
	for (i = 0; i < n; i++)
		if (evbuffer_add_printf(c->out, "$%zu\r\n", arg[i].len) < 0 ||
		    evbuffer_add(c->out, arg[i].p, arg[i].len) != 0 ||
		    evbuffer_add(c->out, "\r\n", 2) != 0)
			return (-1);
	return (0);
}

static struct bench_redis_str
bench_redis_s(const char *s)
{
	struct bench_redis_str	str = { s, strlen(s) };

	return (str);
}

/*
 * Called by bench_conn_start instead of the native hello: RESP3 (a
 * subscriber may then PUBLISH too), then a subscription to the nick (its
 * private messages) and the room: the nick's confirmation is the welcome,
 * the room's the joined.
 */
int
bench_redis_hello(struct bench_conn *c)
{
	struct bench_redis_str	a[3];

	a[0] = bench_redis_s("HELLO");
	a[1] = bench_redis_s("3");
	if (bench_redis_command(c, 2, a) != 0)
		return (-1);
	a[0] = bench_redis_s("SUBSCRIBE");
	a[1] = bench_redis_s(c->nick);
	a[2] = bench_redis_s(c->room);
	return (bench_redis_command(c, c->room[0] != '\0' ? 3 : 2, a));
}

/* bench_conn_join's: the room's subscription. */
int
bench_redis_join(struct bench_conn *c, const char *room)
{
	struct bench_redis_str	a[2];

	snprintf(c->room, sizeof c->room, "%s", room);
	a[0] = bench_redis_s("SUBSCRIBE");
	a[1] = bench_redis_s(room);
	return (bench_redis_command(c, 2, a));
}

/*
 * bench_conn_send's: a mode's msg request (the JSON of a template, its
 * room or its recipient and its text) becomes a PUBLISH.  Parsing it is
 * the generator's cost, not the server's.
 */
int
bench_redis_send(struct bench_conn *c, const void *payload, size_t len)
{
	struct bench_redis_str	 a[3];
	cJSON			*o;
	const char		*to, *text;
	int			 rc;

	if (bench_scan_request(payload, len, &o, &to, &text) != 0)
		return (-1);
	a[0] = bench_redis_s("PUBLISH");
	a[1] = bench_redis_s(to);
	a[2] = bench_redis_s(text);
	rc = bench_redis_command(c, 3, a);
	cJSON_Delete(o);
	return (rc);
}

/*
 * The value at p (len bytes): its length, 0 when it is not all there, -1
 * when it is not RESP.  A string's bytes go to str when not NULL.
 */
static ssize_t
bench_redis_value(const char *p, size_t len, struct bench_redis_str *str,
    int depth)
{
	const char	*nl;
	char		*end;
	long long	 n;
	ssize_t		 line, off, r;
	long long	 i, count;

	if (len == 0)
		return (0);
	if ((nl = memchr(p, '\n', len)) == NULL)
		return (0);
	if (nl == p || nl[-1] != '\r' || depth > BENCH_REDIS_DEPTH)
		return (-1);
	line = nl - p + 1;
	switch (p[0]) {
	case '+': case '-': case ':': case '_': case '#': case ',': case '(':
		if (str != NULL) {
			str->p = p + 1;
			str->len = (size_t)line - 3;
		}
		return (line);
	}
	n = strtoll(p + 1, &end, 10);
	if (end != nl - 1)
		return (-1);
	switch (p[0]) {
	case '$': case '=': case '!':
		if (n < 0)
			return (line);
		if (len < (size_t)line + (size_t)n + 2)
			return (0);
		if (str != NULL) {
			str->p = p + line;
			str->len = (size_t)n;
		}
		return (line + (ssize_t)n + 2);
	case '*': case '>': case '~': case '%': case '|':
		count = p[0] == '%' || p[0] == '|' ? 2 * n : n;
		for (i = 0, off = line; i < count; i++, off += r)
			if ((r = bench_redis_value(p + off, len - (size_t)off,
			    NULL, depth + 1)) <= 0)
				return (r);
		/* An attribute comes before the value it describes. */
		if (p[0] == '|') {
			if ((r = bench_redis_value(p + off, len - (size_t)off,
			    str, depth + 1)) <= 0)
				return (r);
			off += r;
		}
		return (off);
	}
	return (-1);
}

static bool
bench_redis_is(const struct bench_redis_str *s, const char *what)
{
	return (s->len == strlen(what) && memcmp(s->p, what, s->len) == 0);
}

/* A push (">3" and three strings): a message, or a subscription's answer. */
static void
bench_redis_push(struct bench_conn *c, const struct bench_redis_str *el,
    uint64_t now)
{
	struct bench_scan	sc;
	int			flags = c->flags;

	if (bench_redis_is(&el[0], "message")) {
		memset(&sc, 0, sizeof sc);
		sc.type = "msg";
		sc.typelen = 3;
		sc.text = el[2].p;
		sc.textlen = el[2].len;
		if (c->ops->msg != NULL)
			c->ops->msg(c, &sc, now);
		return;
	}
	if (!bench_redis_is(&el[0], "subscribe"))
		return;
	if (bench_redis_is(&el[1], c->nick))
		c->flags |= BENCH_CONN_WELCOMED;
	else if (c->room[0] != '\0' && bench_redis_is(&el[1], c->room))
		c->flags |= BENCH_CONN_JOINED;
	if (flags != c->flags && c->ops->state != NULL)
		c->ops->state(c);
}

/*
 * Every whole reply in c->in: pushes go to bench_redis_push, errors are
 * counted, the rest (HELLO's map, PUBLISH's count: the echo of Redis)
 * dropped.  -1 when the stream is not RESP (the connection is then lost).
 */
int
bench_redis_read(struct bench_conn *c, uint64_t now)
{
	struct bench_redis_str	 el[3], err;
	const char		*p;
	char			 msg[104];
	size_t			 len, off = 0;
	ssize_t			 r, line, e;
	int			 i;

	len = evbuffer_get_length(c->in);
	if ((p = (const char *)evbuffer_pullup(c->in, -1)) == NULL)
		return (len == 0 ? 0 : -1);
	while (off < len && !(c->flags & BENCH_CONN_CLOSED)) {
		if ((r = bench_redis_value(p + off, len - off, &err, 0)) == 0)
			break;
		if (r < 0) {
			c->bad++;
			bench_conn_note(c, "%s", "not RESP from the server");
			return (-1);
		}
		if (p[off] == '-') {
			c->errors++;
			snprintf(msg, sizeof msg, "%.*s", (int)(err.len < 100 ?
			    err.len : 100), err.p);
			bench_conn_note(c, "error %s", msg);
			if (c->ops->state != NULL)
				c->ops->state(c);
		} else if (r > 4 && memcmp(p + off, ">3\r\n", 4) == 0) {
			/* Whole (r says so): its three values are there. */
			for (i = 0, line = 4; i < 3; i++, line += e)
				if ((e = bench_redis_value(p + off + line,
				    len - off - (size_t)line, &el[i], 1)) <= 0)
					break;
			if (i == 3)
				bench_redis_push(c, el, now);
		}
		off += (size_t)r;
	}
	evbuffer_drain(c->in, off);
	return (0);
}

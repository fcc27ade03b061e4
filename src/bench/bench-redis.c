/* bench-redis.c: evchat-bench's Redis transport for one connection (pingpong --redis, the comparison):
 * RESP3 so that one connection both subscribes and publishes; it knows no mode and nothing of evchatd. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "bench.h"

#define BENCH_REDIS_DEPTH	8	/* nesting of a reply we skip */

/*
 * The connection's own channel, its nick: a peer PUBLISHes to it what
 * evchat would send as a private message to that nick.  HELLO 3 lets a
 * subscribed connection publish too; messages then come as push frames
 * among the replies (every PUBLISH is answered with an integer, as every
 * evchat msg is echoed).
 */
struct bench_redis {
	struct bench_conn	*c;
};

struct bench_redis *
bench_redis_new(struct bench_conn *c)
{
	struct bench_redis	*r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return (NULL);
	r->c = c;
	return (r);
}

void
bench_redis_free(struct bench_redis *r)
{
	free(r);
}

/* Append one command of RESP bulk strings to out. */
static int
bench_redis_command(struct evbuffer *out, const char *const *argv, int argc)
{
	int	i;

	if (evbuffer_add_printf(out, "*%d\r\n", argc) < 0)
		return (-1);
	for (i = 0; i < argc; i++)
		if (evbuffer_add_printf(out, "$%zu\r\n%s\r\n", strlen(argv[i]),
		    argv[i]) < 0)
			return (-1);
	return (0);
}

/* Queue HELLO 3 and SUBSCRIBE to the own channel: the "hello" of Redis. */
int
bench_redis_request(struct bench_redis *r)
{
	const char *const	hello[] = { "HELLO", "3" };
	const char *const	sub[] = { "SUBSCRIBE", r->c->nick };

	if (bench_redis_command(r->c->out, hello, 2) != 0 ||
	    bench_redis_command(r->c->out, sub, 2) != 0)
		return (-1);
	return (0);
}

/*
 * A PUBLISH of a timed text of size bytes to channel, as a template whose
 * text bench_tmpl_fill stamps.
 */
int
bench_redis_tmpl(struct bench_tmpl *t, const char *channel, size_t size)
{
	char	head[128];
	int	n;

	memset(t, 0, sizeof *t);
	n = snprintf(head, sizeof head, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n"
	    "$%zu\r\n", strlen(channel), channel, size);
	if (n < 0 || (size_t)n >= sizeof head)
		return (-1);
	t->len = (size_t)n + size + 2;
	if ((t->buf = malloc(t->len)) == NULL)
		return (-1);
	memcpy(t->buf, head, n);
	memset(t->buf + n, BENCH_TEXT_PAD[0], size);
	memcpy(t->buf + n + size, "\r\n", 2);
	t->text_off = n;
	t->text_len = size;
	return (0);
}

/* The number after a type byte, up to its CRLF at end; -2: not one. */
static long long
bench_redis_number(const char *p, const char *end)
{
	long long	n = 0;
	bool		neg = false;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p == end)
		return (-2);
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || n > (1LL << 40))
			return (-2);
		n = n * 10 + (*p - '0');
	}
	return (neg ? -n : n);
}

/*
 * The size of the whole value at p (len bytes there): 1 and *used when it
 * is all there, 0 when more must come, -1 when it is not RESP3.
 */
static int
bench_redis_skip(const char *p, size_t len, size_t *used, int depth)
{
	const char	*crlf;
	long long	 n, i;
	size_t		 off, sub;
	int		 rc;

	if (len < 3)
		return (0);
	if ((crlf = memmem(p, len, "\r\n", 2)) == NULL)
		return (0);
	off = (size_t)(crlf - p) + 2;
	switch (p[0]) {
	case '+': case '-': case ':': case '_': case '#': case ',': case '(':
		*used = off;
		return (1);
	case '$': case '=': case '!':
		if ((n = bench_redis_number(p + 1, crlf)) == -1) {
			*used = off;
			return (1);
		}
		if (n < 0)
			return (-1);
		if (len < off + (size_t)n + 2)
			return (0);
		*used = off + (size_t)n + 2;
		return (1);
	case '*': case '~': case '>': case '%': case '|':
		if ((n = bench_redis_number(p + 1, crlf)) == -1) {
			*used = off;
			return (1);
		}
		if (n < 0 || depth >= BENCH_REDIS_DEPTH)
			return (-1);
		if (p[0] == '%' || p[0] == '|')
			n *= 2;
		for (i = 0; i < n; i++) {
			if ((rc = bench_redis_skip(p + off, len - off, &sub,
			    depth + 1)) != 1)
				return (rc);
			off += sub;
		}
		*used = off;
		return (1);
	}
	return (-1);
}

/* The bulk string at *p (whole: checked by bench_redis_skip). */
static int
bench_redis_bulk(const char **p, const char *end, const char **s,
    size_t *slen)
{
	const char	*crlf;
	long long	 n;

	if (*p >= end || **p != '$' ||
	    (crlf = memmem(*p, end - *p, "\r\n", 2)) == NULL ||
	    (n = bench_redis_number(*p + 1, crlf)) < 0)
		return (-1);
	*s = crlf + 2;
	*slen = (size_t)n;
	*p = crlf + 2 + n + 2;
	return (0);
}

/*
 * One whole top-level value: a push of a message (the mode's msg) or of
 * our subscription (the connection is set up), an error; the replies to
 * HELLO and PUBLISH say nothing we count.
 */
static void
bench_redis_value(struct bench_redis *r, const char *p, size_t len,
    uint64_t now)
{
	struct bench_conn	*c = r->c;
	struct bench_scan	 sc;
	const char		*end = p + len, *kind, *chan, *text;
	size_t			 kindlen, chanlen, textlen;
	char			 buf[100];

	if (p[0] == '-') {
		c->errors++;
		snprintf(buf, sizeof buf, "%.*s", (int)(len - 3), p + 1);
		bench_conn_note(c, "redis: %s", buf);
		if (c->ops->state != NULL)
			c->ops->state(c);
		return;
	}
	if (p[0] != '>' || memcmp(p, ">3\r\n", 4) != 0)
		return;
	p += 4;
	if (bench_redis_bulk(&p, end, &kind, &kindlen) != 0 ||
	    bench_redis_bulk(&p, end, &chan, &chanlen) != 0)
		return;
	if (bench_scan_is(kind, kindlen, "subscribe")) {
		c->flags |= BENCH_CONN_WELCOMED;
		if (c->ops->state != NULL)
			c->ops->state(c);
		return;
	}
	if (!bench_scan_is(kind, kindlen, "message") ||
	    bench_redis_bulk(&p, end, &text, &textlen) != 0)
		return;
	memset(&sc, 0, sizeof sc);
	sc.type = "msg";
	sc.typelen = 3;
	sc.text = text;
	sc.textlen = textlen;
	if (c->ops->msg != NULL)
		c->ops->msg(c, &sc, now);
}

/*
 * Every whole value in the connection's input, stamped now; -1 and err
 * when the server's bytes are not RESP3.
 */
int
bench_redis_read(struct bench_redis *r, uint64_t now, char *err,
    size_t errlen)
{
	struct bench_conn	*c = r->c;
	const char		*p;
	size_t			 len, used;
	int			 rc;

	while ((c->flags & BENCH_CONN_CLOSED) == 0 &&
	    (len = evbuffer_get_length(c->in)) != 0) {
		if ((p = (const char *)evbuffer_pullup(c->in, -1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		if ((rc = bench_redis_skip(p, len, &used, 0)) == 0)
			break;
		if (rc < 0) {
			c->bad++;
			snprintf(err, errlen, "unreadable reply from Redis");
			return (-1);
		}
		bench_redis_value(r, p, used, now);
		evbuffer_drain(c->in, used);
	}
	return (0);
}

/* bench-connect.c: evchat-bench's connect mode (W4): N connections set up one after another, BENCH_SETUP_INFLIGHT
 * at a time, each connected (over --tls, a handshake; with --resume, offering the last session set up),
 * answered (welcome) and closed; setups per second and the server's CPU per setup; it knows no socket calls. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_cx {
	struct bench		*b;
	struct bench_result	*r;
	struct bench_setup	 setup;
	struct bench_conn	**conns;
	unsigned int		 n;
	uint64_t		 resumed;	/* TLS sessions resumed */
};

static void	bench_cx_state(struct bench_conn *);

static const struct bench_conn_ops bench_cx_ops = {
	NULL,
	bench_cx_state,
	NULL
};

/*
 * Welcomed: count it, keep its session for the next ones (with --resume;
 * a TLS 1.3 ticket comes before the welcome), close it.
 */
static void
bench_cx_state(struct bench_conn *c)
{
	struct bench_cx		*cx = c->arg;
	struct bench		*b = cx->b;
	struct ssl_session_st	*session;
	bool			 welcomed;

	welcomed = !(c->flags & (BENCH_CONN_READY | BENCH_CONN_CLOSED)) &&
	    c->errors == 0 && (c->flags & BENCH_CONN_WELCOMED);
	if (welcomed && c->ssl != NULL) {
		if (bench_tls_resumed(c))
			cx->resumed++;
		if (b->opts.resume && (session = bench_tls_session(c)) !=
		    NULL) {
			bench_tls_session_free(b->tls_session);
			b->tls_session = session;
		}
	}
	if (bench_setup_state(b, &cx->setup, c)) {
		if (welcomed)
			bench_conn_close(c, false);
		return;
	}
	if (c->errors > 0)
		bench_fail(cx->r, "%s: %s", c->nick, c->error);
}

static int
bench_cx_new(struct bench_cx *cx, unsigned int n, const char *tag)
{
	const struct bench_opts	*o = &cx->b->opts;
	char			 nick[BENCH_NICK_MAX + 1];
	unsigned int		 i;

	cx->n = n;
	if ((cx->conns = calloc(n, sizeof *cx->conns)) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		snprintf(nick, sizeof nick, "%s%s%u", o->prefix, tag, i);
		cx->conns[i] = bench_conn_new(cx->b, &bench_cx_ops, cx, i,
		    nick, NULL);
		if (cx->conns[i] == NULL)
			return (-1);
	}
	return (0);
}

static void
bench_cx_free(struct bench_cx *cx)
{
	unsigned int	i;

	for (i = 0; cx->conns != NULL && i < cx->n; i++)
		bench_conn_free(cx->conns[i]);
	free(cx->conns);
	cx->conns = NULL;
}

/* n connections set up before until; 0 when all were. */
static int
bench_cx_run(struct bench_cx *cx, unsigned int n, const char *tag,
    uint64_t until)
{
	int	rc;

	if (bench_cx_new(cx, n, tag) != 0) {
		bench_fail(cx->r, "%s", "out of memory");
		return (-1);
	}
	bench_setup_init(&cx->setup, cx->conns, n, BENCH_CONN_WELCOMED);
	if ((rc = bench_setup_run(cx->b, &cx->setup, until)) != 0)
		bench_fail(cx->r, "setup: %s", cx->setup.error);
	return (rc);
}

int
bench_connect(struct bench *b, struct bench_result *r)
{
	const struct bench_opts	*o = &b->opts;
	struct bench_cx		 cx;
	uint64_t		 until;

	memset(&cx, 0, sizeof cx);
	cx.b = b;
	cx.r = r;
	r->clients = o->connects;
	r->ops_name = "setups";
	if (bench_need_fds(r, BENCH_SETUP_INFLIGHT) != 0)
		return (0);
	until = bench_deadline(b);
	/* One first, unmeasured: with --resume, the session to offer. */
	if (bench_cx_run(&cx, 1, "w", until) != 0)
		goto out;
	bench_cx_free(&cx);
	cx.resumed = 0;

	bench_meter_start(b, &r->meter);
	(void)bench_cx_run(&cx, o->connects, "c", until);
	bench_meter_stop(b, &r->meter);
	r->ops = cx.setup.ready;
	r->deliveries = cx.setup.ready;
	r->closed = cx.setup.failed;
	r->complete = cx.setup.ready == o->connects;
	cJSON_AddNumberToObject(r->json, "connections", o->connects);
	cJSON_AddBoolToObject(r->json, "tls", b->tls_ctx != NULL);
	cJSON_AddBoolToObject(r->json, "resume", o->resume);
	cJSON_AddNumberToObject(r->json, "resumed", (double)cx.resumed);
	if (b->tls_ctx != NULL)
		snprintf(r->note, sizeof r->note, "TLS sessions resumed: "
		    "%llu of %u%s", (unsigned long long)cx.resumed,
		    cx.setup.ready, o->resume ? "" : " (--resume not given)");
out:
	bench_cx_free(&cx);
	bench_tls_session_free(b->tls_session);
	b->tls_session = NULL;
	return (0);
}

/* bench-pingpong.c: evchat-bench's pingpong mode: P pairs bouncing private messages for T seconds,
 * closed loop (one in flight per pair) or at a fixed --rate, with or without evchatd's echo (--no-echo);
 * round trips per second, RTT percentiles and exactly-once accounting of the replies; it knows no socket
 * calls. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define BENCH_PP_TICK_US	1000	/* --rate clock */
#define BENCH_PP_DRAIN_NS	2000000000ULL

/* conns[2i] asks ('p'), conns[2i + 1] answers ('q') with the same text. */
struct bench_pp {
	struct bench		*b;
	struct bench_result	*r;
	struct bench_setup	 setup;
	struct bench_conn	**conns;
	struct bench_tmpl	*tmpls;		/* each one's msg to its peer */
	struct bench_seq	*seqs;		/* replies, per pair */
	uint64_t		*sent;		/* requests, per pair */
	unsigned int		 pairs;
	struct event		*tick;
	bool			 running;
	uint64_t		 t0;
	uint64_t		 outstanding;
	uint64_t		 bogus;
};

static void	bench_pp_msg(struct bench_conn *, const struct bench_scan *,
		    uint64_t);
static void	bench_pp_state(struct bench_conn *);

static const struct bench_conn_ops bench_pp_ops = {
	bench_pp_msg,
	bench_pp_state,
	NULL
};

static void
bench_pp_send(struct bench_pp *pp, unsigned int pair, uint64_t at)
{
	struct bench_tmpl	*t = &pp->tmpls[2 * pair];

	bench_tmpl_fill(t, 'p', pp->sent[pair], at);
	if (bench_conn_send(pp->conns[2 * pair], t->buf, t->len) != 0)
		return;
	pp->sent[pair]++;
	pp->outstanding++;
}

/*
 * --rate: pair i sends its k-th request at t0 + (k + i / P) / (R / P), so
 * the pairs interleave evenly; the text carries that intended time, and
 * the RTT is counted from it (a late send is the server's delay too).
 */
static void
bench_pp_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench_pp		*pp = arg;
	const struct bench_opts	*o = &pp->b->opts;
	double			 per = o->rate / pp->pairs, off;
	uint64_t		 now = bench_now(), due;
	unsigned int		 i;

	if (!pp->running)
		return;
	for (i = 0; i < pp->pairs; i++) {
		off = (double)i / pp->pairs;
		due = (uint64_t)((double)(now - pp->t0) / 1e9 * per + 1 - off);
		while (pp->sent[i] < due)
			bench_pp_send(pp, i, pp->t0 + (uint64_t)(((double)
			    pp->sent[i] + off) / per * 1e9));
		bench_conn_flush(pp->conns[2 * i]);
	}
}

static void
bench_pp_msg(struct bench_conn *c, const struct bench_scan *sc,
    uint64_t now)
{
	struct bench_pp		*pp = c->arg;
	const struct bench_opts	*o = &pp->b->opts;
	unsigned int		 pair = c->index / 2;
	struct bench_tmpl	*t;
	uint64_t		 seq, at;
	char			 kind;

	if (bench_text_parse(sc->text, sc->textlen, o->size, &kind, &seq,
	    &at) != 0 || (kind != 'p' && kind != 'q') ||
	    seq >= pp->sent[pair]) {
		pp->bogus++;
		return;
	}
	if (c->index % 2 == 1) {
		if (kind == 'q') {
			/* Our own echo: wrong when asked not to be echoed. */
			if (o->no_echo)
				pp->bogus++;
			return;
		}
		t = &pp->tmpls[c->index];
		bench_tmpl_fill(t, 'q', seq, at);
		bench_conn_send(c, t->buf, t->len);
		return;
	}
	if (kind == 'p') {
		if (o->no_echo)
			pp->bogus++;
		return;
	}
	if (bench_seq_add(&pp->seqs[pair], seq) != 0) {
		pp->bogus++;
		return;
	}
	if (pp->outstanding > 0)
		pp->outstanding--;
	bench_hist_add(&pp->r->hist, now > at ? now - at : 0);
	if (pp->running) {
		pp->r->ops++;
		if (o->rate == 0)
			bench_pp_send(pp, pair, now);
	} else if (pp->outstanding == 0)
		bench_loop_stop(pp->b);
}

static void
bench_pp_state(struct bench_conn *c)
{
	struct bench_pp	*pp = c->arg;

	if (bench_setup_state(pp->b, &pp->setup, c))
		return;
	if (c->errors > 0)
		bench_fail(pp->r, "%s: %s", c->nick, c->error);
	if (c->flags & BENCH_CONN_CLOSED) {
		pp->r->closed++;
		bench_fail(pp->r, "%s: %s", c->nick, c->error);
	}
}

static int
bench_pp_new(struct bench_pp *pp)
{
	const struct bench_opts	*o = &pp->b->opts;
	char			 nick[BENCH_NICK_MAX + 1];
	cJSON			*req;
	unsigned int		 i, n;
	int			 rc;

	pp->pairs = o->pairs;
	n = 2 * pp->pairs;
	pp->conns = calloc(n, sizeof *pp->conns);
	pp->tmpls = calloc(n, sizeof *pp->tmpls);
	pp->seqs = calloc(pp->pairs, sizeof *pp->seqs);
	pp->sent = calloc(pp->pairs, sizeof *pp->sent);
	if (pp->conns == NULL || pp->tmpls == NULL || pp->seqs == NULL ||
	    pp->sent == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		snprintf(nick, sizeof nick, "%s%c%u", o->prefix,
		    i % 2 ? 'b' : 'a', i / 2);
		pp->conns[i] = bench_conn_new(pp->b, &bench_pp_ops, pp, i,
		    nick, NULL);
		if (pp->conns[i] == NULL || (o->ws.name != NULL &&
		    bench_conn_websocket(pp->conns[i]) != 0))
			return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((req = cJSON_CreateObject()) == NULL)
			return (-1);
		rc = -1;
		if (cJSON_AddStringToObject(req, "type", "msg") != NULL &&
		    cJSON_AddStringToObject(req, "to",
		    pp->conns[i ^ 1]->nick) != NULL)
			rc = bench_tmpl_init(&pp->tmpls[i], req, o->size);
		cJSON_Delete(req);
		if (rc != 0)
			return (-1);
	}
	if (o->rate > 0) {
		pp->tick = event_new(pp->b->base, -1, EV_PERSIST, bench_pp_tick,
		    pp);
		if (pp->tick == NULL)
			return (-1);
	}
	return (0);
}

static void
bench_pp_free(struct bench_pp *pp)
{
	unsigned int	i;

	if (pp->tick != NULL)
		event_free(pp->tick);
	for (i = 0; pp->conns != NULL && i < 2 * pp->pairs; i++) {
		bench_conn_free(pp->conns[i]);
		bench_tmpl_free(&pp->tmpls[i]);
	}
	for (i = 0; pp->seqs != NULL && i < pp->pairs; i++)
		bench_seq_free(&pp->seqs[i]);
	free(pp->conns);
	free(pp->tmpls);
	free(pp->seqs);
	free(pp->sent);
}

static void
bench_pp_account(struct bench_pp *pp)
{
	struct bench_result	*r = pp->r;
	const struct bench_seq	*s;
	struct bench_conn	*c;
	uint64_t		 sent = 0;
	unsigned int		 i;
	bool			 echo;

	for (i = 0; i < pp->pairs; i++) {
		s = &pp->seqs[i];
		sent += pp->sent[i];
		r->lost += bench_seq_lost(s, pp->sent[i]);
		r->duplicated += s->duplicated;
		r->out_of_order += s->out_of_order;
	}
	for (i = 0; i < 2 * pp->pairs; i++) {
		c = pp->conns[i];
		r->errors += c->errors + c->bad;
	}
	r->errors += pp->bogus;
	/*
	 * Request, its echo, reply, its echo: four frames out per trip (from
	 * Redis, two messages and two replies to PUBLISH); two without the
	 * echo, as from an MQTT broker, which answers no QoS 0 PUBLISH.
	 */
	echo = !pp->b->opts.no_echo &&
	    pp->b->opts.target != BENCH_TARGET_MQTT;
	r->deliveries = (echo ? 4 : 2) * r->ops;
	cJSON_AddBoolToObject(r->json, "echo", echo);
	cJSON_AddNumberToObject(r->json, "pairs", pp->pairs);
	cJSON_AddNumberToObject(r->json, "time", pp->b->opts.time);
	cJSON_AddNumberToObject(r->json, "rate", pp->b->opts.rate);
	cJSON_AddNumberToObject(r->json, "size", pp->b->opts.size);
	cJSON_AddNumberToObject(r->json, "requests", (double)sent);
	cJSON_AddNumberToObject(r->json, "bogus", (double)pp->bogus);
}

int
bench_pingpong(struct bench *b, struct bench_result *r)
{
	const struct bench_opts	*o = &b->opts;
	struct bench_pp		 pp;
	struct timeval		 tv = { 0, BENCH_PP_TICK_US };
	uint64_t		 until, end;
	unsigned int		 i;
	int			 rc = -1;

	memset(&pp, 0, sizeof pp);
	pp.b = b;
	pp.r = r;
	r->clients = 2 * o->pairs;
	r->ops_name = "trips";
	r->timed = true;
	if (bench_need_fds(r, 2 * o->pairs) != 0)
		return (0);
	until = bench_deadline(b);
	if (bench_pp_new(&pp) != 0)
		goto out;
	bench_setup_init(&pp.setup, pp.conns, 2 * pp.pairs,
	    BENCH_CONN_WELCOMED);
	if (bench_setup_run(b, &pp.setup, until) != 0) {
		bench_fail(r, "setup: %s", pp.setup.error);
		rc = 0;
		goto out;
	}

	bench_meter_start(b, &r->meter);
	pp.t0 = r->meter.t0;
	pp.running = true;
	if (pp.tick != NULL)
		event_add(pp.tick, &tv);
	else {
		for (i = 0; i < pp.pairs; i++) {
			bench_pp_send(&pp, i, pp.t0);
			bench_conn_flush(pp.conns[2 * i]);
		}
	}
	end = pp.t0 + (uint64_t)(o->time * 1e9);
	while (bench_now() < end && bench_now() < until &&
	    bench_loop(b, end < until ? end : until) == 0)
		;
	pp.running = false;
	bench_meter_stop(b, &r->meter);
	r->complete = bench_now() >= end;
	if (!r->complete)
		bench_fail(r, "%s", "deadline before the end of the time");

	/* Let the requests in flight come back, for the accounting. */
	end = bench_now() + BENCH_PP_DRAIN_NS;
	if (pp.outstanding > 0 && bench_loop(b, end < until ? end : until) !=
	    0 && pp.outstanding > 0)
		bench_fail(r, "%llu replies missing after the drain",
		    (unsigned long long)pp.outstanding);
	bench_pp_account(&pp);
	rc = 0;
out:
	bench_pp_free(&pp);
	return (rc);
}

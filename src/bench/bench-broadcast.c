/* bench-broadcast.c: evchat-bench's broadcast mode: S subscribers and one publisher in a room, the
 * publisher never more than W messages ahead of the slowest subscriber, every delivery timed and
 * accounted for (lost, duplicated, out of order); it knows no socket calls. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define BENCH_BCAST_BATCH	256	/* messages per write */
#define BENCH_BCAST_TICK_US	1000	/* --rate clock */

struct bench_bcast {
	struct bench		*b;
	struct bench_result	*r;
	struct bench_setup	 setup;
	struct bench_conn	**conns;	/* subscribers, publisher */
	struct bench_conn	*pub;
	struct bench_seq	*seqs;		/* one per subscriber */
	bool			*finished;	/* saw the last, or gone */
	unsigned int		 nsubs;
	unsigned int		 done;		/* finished subscribers */
	struct bench_tmpl	 tmpl;
	struct event		*pump;
	struct event		*tick;
	bool			 running;
	bool			 blocked;	/* by the window */
	uint64_t		 sent;
	uint64_t		 slowest;	/* least progress, live ones */
	uint64_t		 t0;		/* first send */
	uint64_t		 last;		/* last delivery */
	uint64_t		 bogus;		/* texts we never sent */
};

static void	bench_bcast_msg(struct bench_conn *, const struct bench_scan *,
		    uint64_t);
static void	bench_bcast_state(struct bench_conn *);
static void	bench_bcast_drained(struct bench_conn *);

static const struct bench_conn_ops bench_bcast_ops = {
	bench_bcast_msg,
	bench_bcast_state,
	bench_bcast_drained
};

static void
bench_bcast_check(struct bench_bcast *bc)
{
	if (bc->done == bc->nsubs && bc->sent == bc->b->opts.messages)
		bench_loop_stop(bc->b);
}

/*
 * Subscriber i expects nothing more: it saw the last message (TCP keeps
 * order, so anything missing by then is lost) or its connection is gone.
 */
static void
bench_bcast_finish(struct bench_bcast *bc, unsigned int i)
{
	if (bc->finished[i])
		return;
	bc->finished[i] = true;
	bc->done++;
	bench_bcast_check(bc);
}

/* The window is measured against the live subscriber furthest behind. */
static void
bench_bcast_slowest(struct bench_bcast *bc)
{
	unsigned int	i;
	uint64_t	min = bc->sent;

	for (i = 0; i < bc->nsubs; i++) {
		if (!bc->finished[i] && bc->seqs[i].next < min)
			min = bc->seqs[i].next;
	}
	bc->slowest = min;
}

/*
 * Send what the window (and --rate) allows, one write per batch.  It runs
 * as an event activated from the subscribers' reads, queued behind the
 * reads of the same loop pass: one write per pass, not one per delivery.
 */
static void
bench_bcast_pump(evutil_socket_t fd, short what, void *arg)
{
	struct bench_bcast	*bc = arg;
	const struct bench_opts	*o = &bc->b->opts;
	uint64_t		 n, room, now, due, at;

	if (!bc->running || bc->sent == o->messages ||
	    (bc->pub->flags & BENCH_CONN_CLOSED) ||
	    bench_conn_pending(bc->pub) > 0)
		return;
	if (bc->sent - bc->slowest >= o->window)
		bench_bcast_slowest(bc);
	if (bc->sent - bc->slowest >= o->window) {
		bc->blocked = true;
		return;
	}
	bc->blocked = false;
	room = o->window - (bc->sent - bc->slowest);
	n = o->messages - bc->sent;
	if (n > room)
		n = room;
	if (n > BENCH_BCAST_BATCH)
		n = BENCH_BCAST_BATCH;
	now = bench_now();
	if (o->rate > 0) {
		due = (uint64_t)((double)(now - bc->t0) * o->rate / 1e9) + 1;
		if (due <= bc->sent)
			return;
		if (n > due - bc->sent)
			n = due - bc->sent;
	}
	while (n-- > 0) {
		/* Under --rate, time from when it should have left. */
		at = o->rate > 0 ? bc->t0 + (uint64_t)((double)bc->sent *
		    1e9 / o->rate) : now;
		bench_tmpl_fill(&bc->tmpl, 'b', bc->sent, at);
		if (bench_conn_send(bc->pub, bc->tmpl.buf, bc->tmpl.len) != 0)
			break;
		bc->sent++;
	}
	bench_conn_flush(bc->pub);
	if (o->rate == 0 && bench_conn_pending(bc->pub) == 0)
		event_active(bc->pump, EV_TIMEOUT, 0);
	bench_bcast_check(bc);
}

static void
bench_bcast_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench_bcast	*bc = arg;

	event_active(bc->pump, EV_TIMEOUT, 0);
}

static void
bench_bcast_drained(struct bench_conn *c)
{
	struct bench_bcast	*bc = c->arg;

	if (c == bc->pub)
		event_active(bc->pump, EV_TIMEOUT, 0);
}

/* The hot path: one call per delivery. */
static void
bench_bcast_msg(struct bench_conn *c, const struct bench_scan *sc,
    uint64_t now)
{
	struct bench_bcast	*bc = c->arg;
	const struct bench_opts	*o = &bc->b->opts;
	struct bench_seq	*s;
	uint64_t		 seq, t;
	char			 kind;

	if (c == bc->pub)
		return;		/* the echo of its own message */
	if (bench_text_parse(sc->text, sc->textlen, o->size, &kind, &seq,
	    &t) != 0 || kind != 'b' || seq >= bc->sent) {
		bc->bogus++;
		return;
	}
	s = &bc->seqs[c->index];
	if (bench_seq_add(s, seq) != 0) {
		bc->bogus++;
		return;
	}
	bench_hist_add(&bc->r->hist, now > t ? now - t : 0);
	bc->last = now;
	if (o->kill_after > 0 && c->index == 0 &&
	    s->received == o->kill_after) {
		bench_conn_close(c, true);
		bc->r->closed++;
		bench_bcast_finish(bc, c->index);
	} else if (s->next == o->messages)
		bench_bcast_finish(bc, c->index);
	if (bc->blocked)
		event_active(bc->pump, EV_TIMEOUT, 0);
}

static void
bench_bcast_state(struct bench_conn *c)
{
	struct bench_bcast	*bc = c->arg;

	if (bench_setup_state(bc->b, &bc->setup, c))
		return;
	if (c->errors > 0)
		bench_fail(bc->r, "%s: %s", c->nick, c->error);
	if ((c->flags & BENCH_CONN_CLOSED) == 0)
		return;
	bc->r->closed++;
	bench_fail(bc->r, "%s: %s", c->nick, c->error);
	if (c == bc->pub) {
		/* Nothing more will be sent: the run is over. */
		bench_loop_stop(bc->b);
		return;
	}
	bench_bcast_finish(bc, c->index);
	if (bc->blocked)
		event_active(bc->pump, EV_TIMEOUT, 0);
}

static int
bench_bcast_new(struct bench_bcast *bc)
{
	struct bench		*b = bc->b;
	const struct bench_opts	*o = &b->opts;
	char			 nick[BENCH_NICK_MAX + 1];
	cJSON			*req;
	unsigned int		 i;
	int			 rc;

	bc->nsubs = o->subscribers;
	bc->conns = calloc(bc->nsubs + 1, sizeof *bc->conns);
	bc->seqs = calloc(bc->nsubs, sizeof *bc->seqs);
	bc->finished = calloc(bc->nsubs, sizeof *bc->finished);
	if (bc->conns == NULL || bc->seqs == NULL || bc->finished == NULL)
		return (-1);
	for (i = 0; i <= bc->nsubs; i++) {
		if (i < bc->nsubs)
			snprintf(nick, sizeof nick, "%ss%u", o->prefix, i);
		else
			snprintf(nick, sizeof nick, "%sp", o->prefix);
		bc->conns[i] = bench_conn_new(b, &bench_bcast_ops, bc, i,
		    nick, o->prefix);
		if (bc->conns[i] == NULL)
			return (-1);
		/* The publisher stays native: only deliveries change. */
		if (i < bc->nsubs && o->ws.name != NULL &&
		    bench_conn_websocket(bc->conns[i]) != 0)
			return (-1);
	}
	bc->pub = bc->conns[bc->nsubs];
	/* Several servers: the publisher on the first, subscribers dealt. */
	bc->pub->server = 0;
	if ((req = cJSON_CreateObject()) == NULL)
		return (-1);
	rc = -1;
	if (cJSON_AddStringToObject(req, "type", "msg") != NULL &&
	    cJSON_AddStringToObject(req, "room", o->prefix) != NULL)
		rc = bench_tmpl_init(&bc->tmpl, req, o->size);
	cJSON_Delete(req);
	if (rc != 0)
		return (-1);
	bc->pump = event_new(b->base, -1, 0, bench_bcast_pump, bc);
	if (bc->pump == NULL)
		return (-1);
	if (o->rate > 0) {
		bc->tick = event_new(b->base, -1, EV_PERSIST, bench_bcast_tick,
		    bc);
		if (bc->tick == NULL)
			return (-1);
	}
	return (0);
}

static void
bench_bcast_free(struct bench_bcast *bc)
{
	unsigned int	i;

	if (bc->tick != NULL)
		event_free(bc->tick);
	if (bc->pump != NULL)
		event_free(bc->pump);
	for (i = 0; bc->conns != NULL && i <= bc->nsubs; i++)
		bench_conn_free(bc->conns[i]);
	for (i = 0; bc->seqs != NULL && i < bc->nsubs; i++)
		bench_seq_free(&bc->seqs[i]);
	free(bc->conns);
	free(bc->seqs);
	free(bc->finished);
	bench_tmpl_free(&bc->tmpl);
}

/* Sum the accounting into r, per subscriber into its JSON. */
static void
bench_bcast_account(struct bench_bcast *bc)
{
	struct bench_result	*r = bc->r;
	const struct bench_opts	*o = &bc->b->opts;
	const struct bench_seq	*s;
	struct bench_conn	*c;
	cJSON			*j = r->json, *a, *e;
	unsigned int		 i;

	cJSON_AddNumberToObject(j, "subscribers", bc->nsubs);
	cJSON_AddNumberToObject(j, "messages", o->messages);
	cJSON_AddNumberToObject(j, "sent", (double)bc->sent);
	cJSON_AddNumberToObject(j, "window", o->window);
	cJSON_AddNumberToObject(j, "size", o->size);
	cJSON_AddNumberToObject(j, "rate", o->rate);
	cJSON_AddNumberToObject(j, "bogus", (double)bc->bogus);
	a = cJSON_AddArrayToObject(j, "per_subscriber");
	for (i = 0; i < bc->nsubs; i++) {
		s = &bc->seqs[i];
		r->ops += s->received;
		r->lost += bench_seq_lost(s, bc->sent);
		r->duplicated += s->duplicated;
		r->out_of_order += s->out_of_order;
		if (a == NULL || (e = cJSON_CreateObject()) == NULL)
			continue;
		cJSON_AddNumberToObject(e, "received", (double)s->received);
		cJSON_AddNumberToObject(e, "lost",
		    (double)bench_seq_lost(s, bc->sent));
		cJSON_AddNumberToObject(e, "duplicated", (double)s->duplicated);
		cJSON_AddNumberToObject(e, "out_of_order",
		    (double)s->out_of_order);
		cJSON_AddItemToArray(a, e);
	}
	for (i = 0; i <= bc->nsubs; i++) {
		c = bc->conns[i];
		r->errors += c->errors + c->bad;
	}
	r->errors += bc->bogus;
	r->deliveries = r->ops;
}

int
bench_broadcast(struct bench *b, struct bench_result *r)
{
	const struct bench_opts	*o = &b->opts;
	struct bench_bcast	 bc;
	struct timeval		 tv = { 0, BENCH_BCAST_TICK_US };
	uint64_t		 until;
	int			 rc = -1;

	memset(&bc, 0, sizeof bc);
	bc.b = b;
	bc.r = r;
	r->clients = o->subscribers + 1;
	r->ops_name = "deliveries";
	r->timed = true;
	if (bench_need_fds(r, o->subscribers + 1) != 0)
		return (0);
	until = bench_deadline(b);
	if (bench_bcast_new(&bc) != 0)
		goto out;
	bench_setup_init(&bc.setup, bc.conns, bc.nsubs + 1,
	    BENCH_CONN_WELCOMED | BENCH_CONN_JOINED);
	if (bench_setup_run(b, &bc.setup, until) != 0) {
		bench_fail(r, "setup: %s", bc.setup.error);
		rc = 0;
		goto out;
	}
	cJSON_AddNumberToObject(r->json, "setup_s",
	    (double)(bc.setup.t1 - bc.setup.t0) / 1e9);

	bench_meter_start(b, &r->meter);
	bc.t0 = r->meter.t0;
	bc.running = true;
	if (bc.tick != NULL)
		event_add(bc.tick, &tv);
	event_active(bc.pump, EV_TIMEOUT, 0);
	rc = bench_loop(b, until);
	bench_meter_stop(b, &r->meter);
	if (bc.last > r->meter.t0)
		r->meter.t1 = bc.last;
	r->complete = rc == 0 && bc.sent == o->messages &&
	    bc.done == bc.nsubs;
	if (!r->complete)
		bench_fail(r, "deadline: %llu of %u messages sent, %u of %u "
		    "subscribers finished", (unsigned long long)bc.sent,
		    o->messages, bc.done, bc.nsubs);
	bench_bcast_account(&bc);
	rc = 0;
out:
	bench_bcast_free(&bc);
	return (rc);
}

/* bench-join.c: evchat-bench's join mode: rooms filled with history (each checked to still hold its first
 * message; the server's RSS before and after), then clients joining the first room, busy with live
 * messages, each asking for a replay: the latency from join to the last replayed message, and whether the
 * replay is exact, oldest first and ahead of any live message; it knows no socket calls nor any store. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define BENCH_JOIN_WINDOW	64	/* fill messages unechoed, per room */
#define BENCH_JOIN_TICK_US	1000	/* --rate clock */

enum bench_join_phase {
	BENCH_PHASE_FILL,	/* every room gets --fill messages */
	BENCH_PHASE_CHECK,	/* every room still holds its first one */
	BENCH_PHASE_SETUP,	/* the clients connect, in no room */
	BENCH_PHASE_RUN,		/* they join; the first room is busy */
	BENCH_PHASE_DRAIN	/* every client gets the last live message */
};

/* The one connection of a room: it fills it, then (room 0) keeps it busy. */
struct bench_join_room {
	uint64_t	 sent;
	uint64_t	 echoed;
	uint64_t	 first_msgid;	/* of its first message */
	bool		 held;		/* history gave that one back */
};

/* A client, from its join to the end of the live messages. */
struct bench_joiner {
	uint64_t	 t_join;	/* join sent */
	uint64_t	 got;		/* replayed messages */
	uint64_t	 live;		/* live messages */
	uint64_t	 first;		/* sequence number of the first one */
	uint64_t	 next;		/* highest seen + 1; 0: none yet */
	bool		 joined;	/* its joined came */
	bool		 done;		/* its replay is over */
	bool		 drained;	/* it got the last live message */
};

struct bench_join {
	struct bench		*b;
	struct bench_result	*r;
	enum bench_join_phase	 phase;
	struct bench_setup	 rsetup;	/* the rooms' connections */
	struct bench_setup	 csetup;	/* the clients' */
	struct bench_conn	**conns;	/* rooms, then clients */
	struct bench_join_room	*rooms;
	struct bench_joiner	*joiners;
	struct bench_tmpl	*tmpls;		/* one msg per room */
	unsigned int		 nrooms;
	unsigned int		 nclients;
	unsigned int		 filled;	/* rooms done with the fill */
	unsigned int		 checked;	/* rooms whose check came */
	unsigned int		 started;	/* joins sent */
	unsigned int		 replayed;	/* replays over */
	unsigned int		 drained;	/* clients that got the last */
	double			 rate;		/* live messages/s */
	struct event		*tick;
	uint64_t		 t0;		/* start of the joins */
	uint64_t		 replay_min;
	uint64_t		 replay_max;
	uint64_t		 early;		/* live before the replay ended */
	uint64_t		 stray;		/* replayed outside a replay */
	uint64_t		 bogus;		/* texts we never sent */
};

static void	bench_join_msg(struct bench_conn *, const struct bench_scan *,
		    uint64_t);
static void	bench_join_state(struct bench_conn *);

static const struct bench_conn_ops bench_join_ops = {
	bench_join_msg,
	bench_join_state,
	NULL
};

/* Queue the next message of room i, for the caller's flush; -1 if gone. */
static int
bench_join_send(struct bench_join *j, unsigned int i, uint64_t now)
{
	struct bench_join_room	*rm = &j->rooms[i];

	bench_tmpl_fill(&j->tmpls[i], 'f', rm->sent, now);
	if (bench_conn_send(j->conns[i], j->tmpls[i].buf,
	    j->tmpls[i].len) != 0)
		return (-1);
	rm->sent++;
	return (0);
}

/* Send joins while fewer than --inflight replays are under way. */
static void
bench_join_next(struct bench_join *j)
{
	const struct bench_opts	*o = &j->b->opts;
	struct bench_conn	*c;

	while (j->started < j->nclients &&
	    j->started - j->replayed < o->inflight) {
		c = j->conns[j->nrooms + j->started];
		j->joiners[j->started++].t_join = bench_now();
		if (bench_conn_join(c, j->conns[0]->room, o->history) != 0)
			bench_fail(j->r, "%s: cannot queue join", c->nick);
		bench_conn_flush(c);
	}
}

/*
 * In the drain, whether client jn has got the last message sent; one that
 * got nothing at all has nothing to wait for.  The run ends with the last.
 */
static void
bench_join_drained(struct bench_join *j, struct bench_joiner *jn)
{
	if (jn->drained || (jn->next != j->rooms[0].sent && jn->next != 0))
		return;
	jn->drained = true;
	if (++j->drained == j->nclients)
		bench_loop_stop(j->b);
}

/*
 * The joins are over: stop the live messages and the meter, then wait for
 * every client to get the last one, so that the accounting is complete.
 */
static void
bench_join_drain(struct bench_join *j)
{
	unsigned int	i;

	bench_meter_stop(j->b, &j->r->meter);
	j->phase = BENCH_PHASE_DRAIN;
	if (j->tick != NULL)
		event_del(j->tick);
	for (i = 0; i < j->nclients; i++)
		bench_join_drained(j, &j->joiners[i]);
}

/* Client jn's replay is complete: time it, and send the next join. */
static void
bench_join_done(struct bench_join *j, struct bench_joiner *jn, uint64_t now)
{
	jn->done = true;
	j->replayed++;
	bench_hist_add(&j->r->hist, now > jn->t_join ? now - jn->t_join : 0);
	if (j->replayed == j->nclients)
		bench_join_drain(j);
	else
		bench_join_next(j);
}

/*
 * What a client gets of the room, replay and live messages together, must
 * be one run of consecutive numbers: a gap is lost, a number seen again a
 * duplicate, one older than the first an out-of-order message.
 */
static void
bench_join_seq(struct bench_join *j, struct bench_joiner *jn, uint64_t seq)
{
	struct bench_result	*r = j->r;

	if (jn->next == 0)
		jn->first = seq;
	else if (seq < jn->first)
		r->out_of_order++;
	else if (seq < jn->next)
		r->duplicated++;
	else
		r->lost += seq - jn->next;
	if (seq + 1 > jn->next)
		jn->next = seq + 1;
}

/* A frame of room i's own connection: its echoes and its check. */
static void
bench_join_room_msg(struct bench_join *j, unsigned int i,
    const struct bench_scan *sc, uint64_t seq)
{
	const struct bench_opts	*o = &j->b->opts;
	struct bench_join_room	*rm = &j->rooms[i];

	if (sc->history) {
		if (j->phase == BENCH_PHASE_CHECK && seq == 0 && !rm->held)
			rm->held = true;
		else
			j->stray++;
		return;
	}
	if (seq != rm->echoed) {
		j->bogus++;
		return;
	}
	if (rm->echoed++ == 0)
		rm->first_msgid = sc->msgid;
	if (j->phase != BENCH_PHASE_FILL || rm->echoed > o->fill)
		return;
	if (rm->sent < o->fill)
		bench_join_send(j, i, bench_now());
	else if (rm->echoed == o->fill && ++j->filled == j->nrooms)
		bench_loop_stop(j->b);
}

static void
bench_join_msg(struct bench_conn *c, const struct bench_scan *sc,
    uint64_t now)
{
	struct bench_join	*j = c->arg;
	const struct bench_opts	*o = &j->b->opts;
	struct bench_joiner	*jn;
	uint64_t		 seq, t;
	char			 kind;
	unsigned int		 room;

	room = c->index < j->nrooms ? c->index : 0;
	if (bench_text_parse(sc->text, sc->textlen, o->size, &kind, &seq,
	    &t) != 0 || kind != 'f' || seq >= j->rooms[room].sent) {
		j->bogus++;
		return;
	}
	if (c->index < j->nrooms) {
		bench_join_room_msg(j, c->index, sc, seq);
		return;
	}
	jn = &j->joiners[c->index - j->nrooms];
	/* Either way it is a message of the room, for the accounting. */
	bench_join_seq(j, jn, seq);
	if (!sc->history) {
		if (!jn->done)
			j->early++;
		jn->live++;
	} else if (!jn->joined || jn->done)
		j->stray++;
	else if (++jn->got == (uint64_t)c->replay)
		bench_join_done(j, jn, now);
	if (j->phase == BENCH_PHASE_DRAIN)
		bench_join_drained(j, jn);
}

/* A room's check came back: it must have given its first message. */
static void
bench_join_checked(struct bench_join *j, struct bench_conn *c)
{
	if (c->paged != 1 || !j->rooms[c->index].held)
		bench_fail(j->r, "room %s no longer holds its first message "
		    "(history-max or the store's memory below --fill?)",
		    c->room);
	if (++j->checked == j->nrooms)
		bench_loop_stop(j->b);
}

/* Client c's joined came: it says how many replayed messages follow. */
static void
bench_join_joined(struct bench_join *j, struct bench_conn *c)
{
	struct bench_joiner	*jn = &j->joiners[c->index - j->nrooms];

	jn->joined = true;
	if (c->replay < 0) {
		bench_fail(j->r, "%s: joined without history: a server "
		    "without room history?", c->nick);
		c->replay = 0;
	} else if ((uint64_t)c->replay > j->b->opts.history)
		bench_fail(j->r, "%s: %lld replayed, %u asked", c->nick,
		    (long long)c->replay, j->b->opts.history);
	if ((uint64_t)c->replay < j->replay_min)
		j->replay_min = (uint64_t)c->replay;
	if ((uint64_t)c->replay > j->replay_max)
		j->replay_max = (uint64_t)c->replay;
	if (c->replay == 0)
		bench_join_done(j, jn, bench_now());
}

static void
bench_join_state(struct bench_conn *c)
{
	struct bench_join	*j = c->arg;
	bool			 room = c->index < j->nrooms;

	if (bench_setup_state(j->b, room ? &j->rsetup : &j->csetup, c))
		return;
	if (c->flags & BENCH_CONN_CLOSED)
		j->r->closed++;
	/*
	 * A refused request or a lost connection: what it waited for will not
	 * come, so the run ends here rather than at the deadline.
	 */
	if (c->errors > 0 || (c->flags & BENCH_CONN_CLOSED)) {
		bench_fail(j->r, "%s: %s", c->nick, c->error);
		bench_loop_stop(j->b);
		return;
	}
	if (room && (c->flags & BENCH_CONN_PAGED) &&
	    j->phase == BENCH_PHASE_CHECK)
		bench_join_checked(j, c);
	else if (!room && (c->flags & BENCH_CONN_JOINED) &&
	    !j->joiners[c->index - j->nrooms].joined)
		bench_join_joined(j, c);
}

/* --rate: room 0 gets the live messages it is due since the joins began. */
static void
bench_join_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench_join	*j = arg;
	const struct bench_opts	*o = &j->b->opts;
	uint64_t		 now = bench_now(), due;

	due = o->fill + (uint64_t)((double)(now - j->t0) * j->rate / 1e9) + 1;
	while (j->rooms[0].sent < due && bench_join_send(j, 0, now) == 0)
		;
	bench_conn_flush(j->conns[0]);
}

static int
bench_join_new(struct bench_join *j)
{
	struct bench		*b = j->b;
	const struct bench_opts	*o = &b->opts;
	char			 nick[BENCH_NICK_MAX + 1];
	char			 room[BENCH_ROOM_MAX + 1];
	cJSON			*req;
	unsigned int		 i, n;
	int			 rc;

	j->nrooms = o->rooms;
	j->nclients = o->clients;
	j->rate = o->rate_set ? o->rate : BENCH_JOIN_RATE;
	j->replay_min = UINT64_MAX;
	n = j->nrooms + j->nclients;
	j->conns = calloc(n, sizeof *j->conns);
	j->rooms = calloc(j->nrooms, sizeof *j->rooms);
	j->tmpls = calloc(j->nrooms, sizeof *j->tmpls);
	j->joiners = calloc(j->nclients, sizeof *j->joiners);
	if (j->conns == NULL || j->rooms == NULL || j->tmpls == NULL ||
	    j->joiners == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (i < j->nrooms) {
			snprintf(nick, sizeof nick, "%sf%u", o->prefix, i);
			snprintf(room, sizeof room, "%s-%u", o->prefix, i);
		} else
			snprintf(nick, sizeof nick, "%sj%u", o->prefix,
			    i - j->nrooms);
		j->conns[i] = bench_conn_new(b, &bench_join_ops, j, i, nick,
		    i < j->nrooms ? room : NULL);
		if (j->conns[i] == NULL)
			return (-1);
	}
	for (i = 0; i < j->nrooms; i++) {
		if ((req = cJSON_CreateObject()) == NULL)
			return (-1);
		rc = -1;
		if (cJSON_AddStringToObject(req, "type", "msg") != NULL &&
		    cJSON_AddStringToObject(req, "room",
		    j->conns[i]->room) != NULL)
			rc = bench_tmpl_init(&j->tmpls[i], req, o->size);
		cJSON_Delete(req);
		if (rc != 0)
			return (-1);
	}
	if (j->rate > 0) {
		j->tick = event_new(b->base, -1, EV_PERSIST, bench_join_tick,
		    j);
		if (j->tick == NULL)
			return (-1);
	}
	return (0);
}

static void
bench_join_free(struct bench_join *j)
{
	unsigned int	i;

	if (j->tick != NULL)
		event_free(j->tick);
	for (i = 0; j->conns != NULL && i < j->nrooms + j->nclients; i++)
		bench_conn_free(j->conns[i]);
	for (i = 0; j->tmpls != NULL && i < j->nrooms; i++)
		bench_tmpl_free(&j->tmpls[i]);
	free(j->conns);
	free(j->rooms);
	free(j->tmpls);
	free(j->joiners);
}

/*
 * Fill every room, each with at most BENCH_JOIN_WINDOW messages unechoed,
 * then ask each for its oldest message back: a room that lost it to
 * retention does not hold --fill.  The server's RSS is read around both.
 */
static int
bench_join_fill(struct bench_join *j, uint64_t until)
{
	struct bench		*b = j->b;
	const struct bench_opts	*o = &b->opts;
	struct bench_result	*r = j->r;
	struct bench_meter	 m;
	cJSON			*f;
	double			 secs, srv, msgs, rss;
	unsigned int		 i, k;

	bench_meter_start(b, &m);
	for (i = 0; i < j->nrooms; i++) {
		for (k = 0; k < BENCH_JOIN_WINDOW && k < o->fill; k++)
			bench_join_send(j, i, m.t0);
		bench_conn_flush(j->conns[i]);
	}
	if (bench_loop(b, until) != 0 || j->filled < j->nrooms) {
		bench_fail(r, "fill: %u of %u rooms filled", j->filled,
		    j->nrooms);
		return (-1);
	}
	bench_meter_stop(b, &m);
	j->phase = BENCH_PHASE_CHECK;
	for (i = 0; i < j->nrooms; i++) {
		bench_conn_history(j->conns[i], j->conns[i]->room,
		    j->rooms[i].first_msgid + 1, 1);
		bench_conn_flush(j->conns[i]);
	}
	if (bench_loop(b, until) != 0 || j->checked < j->nrooms) {
		bench_fail(r, "fill: %u of %u rooms checked", j->checked,
		    j->nrooms);
		return (-1);
	}
	bench_proc_read(o->server_pid, &m.srv1);

	msgs = (double)j->nrooms * o->fill;
	secs = (double)(m.t1 - m.t0) / 1e9;
	if ((f = cJSON_AddObjectToObject(r->json, "fill")) == NULL)
		return (-1);
	cJSON_AddNumberToObject(f, "messages", msgs);
	cJSON_AddNumberToObject(f, "seconds", secs);
	cJSON_AddNumberToObject(f, "per_s", secs > 0 ? msgs / secs : 0);
	snprintf(r->note, sizeof r->note, "fill: %u room(s) x %u messages of "
	    "%u B, %.0f/s", j->nrooms, o->fill, o->size,
	    secs > 0 ? msgs / secs : 0);
	if (!m.srv0.ok || !m.srv1.ok)
		return (0);
	srv = (double)(m.srv1.cpu_ns - m.srv0.cpu_ns);
	rss = m.srv1.rss_kb < m.srv0.rss_kb ? 0 :
	    (double)(m.srv1.rss_kb - m.srv0.rss_kb) * 1024 / msgs;
	cJSON_AddNumberToObject(f, "server_ns_per_msg", srv / msgs);
	cJSON_AddNumberToObject(f, "rss_kb_before", (double)m.srv0.rss_kb);
	cJSON_AddNumberToObject(f, "rss_kb_after", (double)m.srv1.rss_kb);
	cJSON_AddNumberToObject(f, "rss_per_msg", rss);
	snprintf(r->note + strlen(r->note), sizeof r->note - strlen(r->note),
	    ", server %.0f ns each; server RSS %.1f -> %.1f MiB, %.0f B a "
	    "message", srv / msgs, (double)m.srv0.rss_kb / 1024,
	    (double)m.srv1.rss_kb / 1024, rss);
	return (0);
}

/* Sum the clients' accounting into r and the mode's members. */
static void
bench_join_account(struct bench_join *j)
{
	struct bench_result	*r = j->r;
	const struct bench_opts	*o = &j->b->opts;
	const struct bench_joiner *jn;
	struct bench_conn	*c;
	cJSON			*js = r->json;
	uint64_t		 last = j->rooms[0].sent, shortfall = 0;
	unsigned int		 i;

	for (i = 0; i < j->nclients; i++) {
		jn = &j->joiners[i];
		c = j->conns[j->nrooms + i];
		r->deliveries += jn->got + jn->live;
		if (!jn->done)
			continue;
		r->ops++;
		if (jn->got != (uint64_t)c->replay)
			shortfall++;
		if (jn->next < last && jn->next > 0)
			r->lost += last - jn->next;
	}
	for (i = 0; i < j->nrooms + j->nclients; i++) {
		c = j->conns[i];
		r->errors += c->errors + c->bad;
	}
	r->errors += j->bogus + j->stray + j->early + shortfall;
	if (j->stray > 0)
		bench_fail(r, "%llu replayed messages outside a replay",
		    (unsigned long long)j->stray);
	if (j->early > 0)
		bench_fail(r, "%llu live messages before the end of a replay",
		    (unsigned long long)j->early);
	cJSON_AddNumberToObject(js, "rooms", j->nrooms);
	cJSON_AddNumberToObject(js, "fill_per_room", o->fill);
	cJSON_AddNumberToObject(js, "history", o->history);
	cJSON_AddNumberToObject(js, "inflight", o->inflight);
	cJSON_AddNumberToObject(js, "rate", j->rate);
	cJSON_AddNumberToObject(js, "size", o->size);
	cJSON_AddNumberToObject(js, "replay_min", j->replay_min == UINT64_MAX ?
	    0 : (double)j->replay_min);
	cJSON_AddNumberToObject(js, "replay_max", (double)j->replay_max);
	cJSON_AddNumberToObject(js, "live_sent", (double)(last - o->fill));
	cJSON_AddNumberToObject(js, "replay_short", (double)shortfall);
	cJSON_AddNumberToObject(js, "live_early", (double)j->early);
	cJSON_AddNumberToObject(js, "stray", (double)j->stray);
	cJSON_AddNumberToObject(js, "bogus", (double)j->bogus);
}

int
bench_join(struct bench *b, struct bench_result *r)
{
	const struct bench_opts	*o = &b->opts;
	struct bench_join	 j;
	struct bench_proc	 p;
	struct timeval		 tv = { 0, BENCH_JOIN_TICK_US };
	uint64_t		 until;
	int			 rc = -1;

	memset(&j, 0, sizeof j);
	j.b = b;
	j.r = r;
	r->clients = o->clients;
	r->ops_name = "joins";
	r->timed = true;
	if (bench_need_fds(r, o->rooms + o->clients) != 0)
		return (0);
	until = bench_deadline(b);
	if (bench_join_new(&j) != 0)
		goto out;
	rc = 0;
	bench_setup_init(&j.rsetup, j.conns, j.nrooms,
	    BENCH_CONN_WELCOMED | BENCH_CONN_JOINED);
	if (bench_setup_run(b, &j.rsetup, until) != 0) {
		bench_fail(r, "setup: %s", j.rsetup.error);
		goto out;
	}
	if (bench_join_fill(&j, until) != 0)
		goto out;

	j.phase = BENCH_PHASE_SETUP;
	bench_proc_read(o->server_pid, &p);
	bench_setup_init(&j.csetup, j.conns + j.nrooms, j.nclients,
	    BENCH_CONN_WELCOMED);
	if (bench_setup_run(b, &j.csetup, until) != 0) {
		bench_fail(r, "setup: %s", j.csetup.error);
		goto out;
	}

	j.phase = BENCH_PHASE_RUN;
	bench_meter_start(b, &r->meter);
	j.t0 = r->meter.t0;
	if (j.tick != NULL)
		event_add(j.tick, &tv);
	bench_join_next(&j);
	bench_loop(b, until);
	if (j.phase != BENCH_PHASE_DRAIN) {
		bench_meter_stop(b, &r->meter);
		bench_fail(r, "deadline: %u of %u replays over", j.replayed,
		    j.nclients);
	} else if (j.drained < j.nclients)
		bench_fail(r, "deadline: %u of %u clients got the last live "
		    "message", j.drained, j.nclients);
	else
		r->complete = true;
	if (p.ok && r->meter.srv1.ok)
		r->rss_per_conn = r->meter.srv1.rss_kb < p.rss_kb ? 0 :
		    (double)(r->meter.srv1.rss_kb - p.rss_kb) * 1024 /
		    j.nclients;
	bench_join_account(&j);
out:
	bench_join_free(&j);
	return (rc);
}

/* bench-idle.c: evchat-bench's idle mode: N connections registered and joined (rooms of --room-size),
 * then held idle: the connection setup rate, the server's RSS per connection and its CPU while idle;
 * it knows no socket calls. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_idle {
	struct bench		*b;
	struct bench_result	*r;
	struct bench_setup	 setup;
	struct bench_conn	**conns;
	unsigned int		 n;
	uint64_t		 msgs;		/* none expected */
};

static void	bench_idle_msg(struct bench_conn *, const struct bench_scan *,
		    uint64_t);
static void	bench_idle_state(struct bench_conn *);

static const struct bench_conn_ops bench_idle_ops = {
	bench_idle_msg,
	bench_idle_state,
	NULL
};

static void
bench_idle_msg(struct bench_conn *c, const struct bench_scan *sc,
    uint64_t now)
{
	struct bench_idle	*bi = c->arg;

	bi->msgs++;
}

static void
bench_idle_state(struct bench_conn *c)
{
	struct bench_idle	*bi = c->arg;

	if (bench_setup_state(bi->b, &bi->setup, c))
		return;
	if (c->errors > 0)
		bench_fail(bi->r, "%s: %s", c->nick, c->error);
	if (c->flags & BENCH_CONN_CLOSED) {
		bi->r->closed++;
		bench_fail(bi->r, "%s: %s", c->nick, c->error);
	}
}

static int
bench_idle_new(struct bench_idle *bi)
{
	const struct bench_opts	*o = &bi->b->opts;
	char			 nick[BENCH_NICK_MAX + 1];
	char			 room[BENCH_ROOM_MAX + 1];
	unsigned int		 i;

	bi->n = o->connections;
	if ((bi->conns = calloc(bi->n, sizeof *bi->conns)) == NULL)
		return (-1);
	for (i = 0; i < bi->n; i++) {
		snprintf(nick, sizeof nick, "%si%u", o->prefix, i);
		snprintf(room, sizeof room, "%s-%u", o->prefix,
		    i / o->room_size);
		bi->conns[i] = bench_conn_new(bi->b, &bench_idle_ops, bi, i,
		    nick, room);
		if (bi->conns[i] == NULL || (o->ws.name != NULL &&
		    bench_conn_websocket(bi->conns[i]) != 0))
			return (-1);
	}
	return (0);
}

static void
bench_idle_free(struct bench_idle *bi)
{
	unsigned int	i;

	for (i = 0; bi->conns != NULL && i < bi->n; i++)
		bench_conn_free(bi->conns[i]);
	free(bi->conns);
}

/*
 * The measured phase is the setup (rate: connections per second); the
 * hold that follows gives the server's RSS with every connection idle and
 * what its timers cost meanwhile.
 */
int
bench_idle(struct bench *b, struct bench_result *r)
{
	const struct bench_opts	*o = &b->opts;
	struct bench_idle	 bi;
	struct bench_proc	 p0, p1;
	uint64_t		 until, t0, t1, hold;
	cJSON			*j = r->json;
	int			 rc = -1;

	memset(&bi, 0, sizeof bi);
	bi.b = b;
	bi.r = r;
	r->clients = o->connections;
	r->ops_name = "conns";
	if (bench_need_fds(r, o->connections) != 0)
		return (0);
	until = bench_deadline(b);
	if (bench_idle_new(&bi) != 0)
		goto out;
	bench_setup_init(&bi.setup, bi.conns, bi.n,
	    BENCH_CONN_WELCOMED | BENCH_CONN_JOINED);
	bench_meter_start(b, &r->meter);
	rc = bench_setup_run(b, &bi.setup, until);
	bench_meter_stop(b, &r->meter);
	if (bi.setup.t1 > r->meter.t0)
		r->meter.t1 = bi.setup.t1;
	r->ops = bi.setup.ready;
	cJSON_AddNumberToObject(j, "connections", bi.n);
	cJSON_AddNumberToObject(j, "room_size", o->room_size);
	cJSON_AddNumberToObject(j, "source_addrs", b->src_used + 1);
	if (rc != 0) {
		bench_fail(r, "setup: %s", bi.setup.error);
		rc = 0;
		goto out;
	}

	/*
	 * Said at once, before the hold: a script that holds these
	 * connections while another run measures (bench.sh scale) waits
	 * for this line, and has the setup rate even if it ends the hold.
	 */
	fprintf(stderr, "# idle: %u connections set up in %.3f s (%.0f/s), "
	    "held %.0f s\n", bi.n, (double)(bi.setup.t1 - bi.setup.t0) / 1e9,
	    bi.setup.t1 > bi.setup.t0 ? bi.n * 1e9 /
	    (double)(bi.setup.t1 - bi.setup.t0) : 0.0, o->hold);
	fflush(stderr);
	hold = (uint64_t)(o->hold * 1e9);
	bench_proc_read(o->server_pid, &p0);
	t0 = bench_now();
	if (t0 + hold < until)
		until = t0 + hold;
	while (bench_now() < until && bench_loop(b, until) == 0)
		;
	if (bench_now() < t0 + hold)
		bench_fail(r, "%s", "deadline before the end of the hold");
	t1 = bench_now();
	bench_proc_read(o->server_pid, &p1);
	r->complete = true;
	cJSON_AddNumberToObject(j, "hold_s", (double)(t1 - t0) / 1e9);
	cJSON_AddNumberToObject(j, "unexpected_msgs", (double)bi.msgs);
	if (p0.ok && p1.ok) {
		r->rss_per_conn = p1.rss_kb < r->meter.srv0.rss_kb ? 0 :
		    (double)(p1.rss_kb - r->meter.srv0.rss_kb) * 1024 / bi.n;
		cJSON_AddNumberToObject(j, "rss_kb_idle", (double)p1.rss_kb);
		/* The heap's part, without library pages read once. */
		if (p1.anon_kb != 0 && r->meter.srv0.anon_kb != 0)
			cJSON_AddNumberToObject(j, "server_anon_per_conn",
			    p1.anon_kb < r->meter.srv0.anon_kb ? 0 :
			    (double)(p1.anon_kb - r->meter.srv0.anon_kb) *
			    1024 / bi.n);
		cJSON_AddNumberToObject(j, "idle_server_cpu_s",
		    (double)(p1.cpu_ns - p0.cpu_ns) / 1e9);
		cJSON_AddNumberToObject(j, "idle_server_cpu_pct",
		    100.0 * (double)(p1.cpu_ns - p0.cpu_ns) /
		    (double)(t1 - t0));
	}
	rc = 0;
out:
	bench_idle_free(&bi);
	return (rc);
}

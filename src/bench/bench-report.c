/* bench-report.c: evchat-bench's measurements of a phase (wall clock, own CPU, the server's CPU and RSS)
 * and its results: one table row on stderr, one JSON object on stdout; it knows no mode's mechanics. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void
bench_meter_start(struct bench *b, struct bench_meter *m)
{
	memset(m, 0, sizeof *m);
	bench_proc_read_all(b, &m->srv0);
	m->self0 = bench_proc_self_ns();
	m->t0 = bench_now();
}

void
bench_meter_stop(struct bench *b, struct bench_meter *m)
{
	m->t1 = bench_now();
	m->self1 = bench_proc_self_ns();
	bench_proc_read_all(b, &m->srv1);
}

static double
bench_meter_seconds(const struct bench_meter *m)
{
	return (m->t1 > m->t0 ? (double)(m->t1 - m->t0) / 1e9 : 0);
}

/* The server's CPU seconds over the phase; < 0 when it was not sampled. */
static double
bench_meter_server(const struct bench_meter *m)
{
	if (!m->srv0.ok || !m->srv1.ok || m->srv1.cpu_ns < m->srv0.cpu_ns)
		return (-1);
	return ((double)(m->srv1.cpu_ns - m->srv0.cpu_ns) / 1e9);
}

static double
bench_meter_self(const struct bench_meter *m)
{
	return ((double)(m->self1 - m->self0) / 1e9);
}

void
bench_result_init(struct bench_result *r, const char *mode)
{
	memset(r, 0, sizeof *r);
	r->mode = mode;
	r->rss_per_conn = -1;
	bench_hist_init(&r->hist);
	r->json = cJSON_CreateObject();
}

void
bench_result_free(struct bench_result *r)
{
	cJSON_Delete(r->json);
	r->json = NULL;
}

/* Remember the first reason a run failed. */
void
bench_fail(struct bench_result *r, const char *fmt, ...)
{
	va_list	ap;

	if (r->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

bool
bench_result_ok(const struct bench_result *r)
{
	return (r->complete && r->why[0] == '\0' && r->lost == 0 &&
	    r->duplicated == 0 && r->out_of_order == 0 && r->errors == 0 &&
	    r->closed == 0);
}

void
bench_report_header(void)
{
	fprintf(stderr, "%-9s %6s %11s %-10s %8s %8s %8s %8s %8s %6s %6s "
	    "%8s  %s\n", "mode", "conns", "rate/s", "of", "p50us", "p99us",
	    "p99.9us", "maxus", "srv-ns", "srv%", "gen%", "rss/conn",
	    "result");
}

static void
bench_report_cell(char *buf, size_t len, double v, const char *fmt)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static void
bench_report_row(const struct bench_result *r, double secs, double srv,
    double self)
{
	const struct bench_hist	*h = r->timed ? &r->hist : NULL;
	char			 q[4][16], ns[16], sp[16], gp[16], rss[16];
	char			 res[320];
	double			 qs[4] = { 0.5, 0.99, 0.999, 1 };
	unsigned int		 i;

	for (i = 0; i < 4; i++) {
		bench_report_cell(q[i], sizeof q[i], h == NULL || h->n == 0 ?
		    -1 : (double)bench_hist_quantile(h, qs[i]) / 1e3, "%.1f");
	}
	bench_report_cell(ns, sizeof ns, srv < 0 || r->ops == 0 ? -1 :
	    srv * 1e9 / (double)r->ops, "%.0f");
	bench_report_cell(sp, sizeof sp, srv < 0 || secs <= 0 ? -1 :
	    100 * srv / secs, "%.0f");
	bench_report_cell(gp, sizeof gp, secs <= 0 ? -1 :
	    100 * self / secs, "%.0f");
	bench_report_cell(rss, sizeof rss, r->rss_per_conn, "%.0f");
	if (bench_result_ok(r))
		snprintf(res, sizeof res, "ok");
	else
		snprintf(res, sizeof res, "FAIL lost %llu dup %llu ooo %llu "
		    "errors %llu closed %llu%s%s",
		    (unsigned long long)r->lost,
		    (unsigned long long)r->duplicated,
		    (unsigned long long)r->out_of_order,
		    (unsigned long long)r->errors,
		    (unsigned long long)r->closed, r->why[0] ? ": " : "",
		    r->why);
	fprintf(stderr, "%-9s %6u %11.0f %-10s %8s %8s %8s %8s %8s %6s %6s "
	    "%8s  %s\n", r->mode, r->clients, secs > 0 ? (double)r->ops / secs :
	    0, r->ops_name, q[0], q[1], q[2], q[3], ns, sp, gp, rss, res);
}

static void
bench_report_latency(cJSON *o, const struct bench_hist *h)
{
	cJSON	*l;

	if (h == NULL || h->n == 0 ||
	    (l = cJSON_AddObjectToObject(o, "latency_us")) == NULL)
		return;
	cJSON_AddNumberToObject(l, "n", (double)h->n);
	cJSON_AddNumberToObject(l, "min", (double)h->min / 1e3);
	cJSON_AddNumberToObject(l, "mean", bench_hist_mean(h) / 1e3);
	cJSON_AddNumberToObject(l, "p50",
	    (double)bench_hist_quantile(h, 0.5) / 1e3);
	cJSON_AddNumberToObject(l, "p90",
	    (double)bench_hist_quantile(h, 0.9) / 1e3);
	cJSON_AddNumberToObject(l, "p99",
	    (double)bench_hist_quantile(h, 0.99) / 1e3);
	cJSON_AddNumberToObject(l, "p99.9",
	    (double)bench_hist_quantile(h, 0.999) / 1e3);
	cJSON_AddNumberToObject(l, "max", (double)h->max / 1e3);
}

static void
bench_report_server(cJSON *o, const struct bench_result *r, double secs,
    double srv)
{
	const struct bench_meter	*m = &r->meter;
	cJSON				*s;

	if (srv < 0 || (s = cJSON_AddObjectToObject(o, "server")) == NULL)
		return;
	cJSON_AddNumberToObject(s, "cpu_s", srv);
	if (secs > 0)
		cJSON_AddNumberToObject(s, "cpu_pct", 100 * srv / secs);
	if (r->ops > 0)
		cJSON_AddNumberToObject(s, "ns_per_op",
		    srv * 1e9 / (double)r->ops);
	if (r->deliveries > 0)
		cJSON_AddNumberToObject(s, "ns_per_delivery",
		    srv * 1e9 / (double)r->deliveries);
	cJSON_AddNumberToObject(s, "rss_kb_before", (double)m->srv0.rss_kb);
	cJSON_AddNumberToObject(s, "rss_kb_after", (double)m->srv1.rss_kb);
}

/* Print r: its row on stderr, its JSON line on stdout.  0, or -1 if not ok. */
int
bench_report(const struct bench_result *r)
{
	double	 secs, srv, self;
	cJSON	*o, *g, *it;
	char	*s;

	secs = bench_meter_seconds(&r->meter);
	srv = bench_meter_server(&r->meter);
	self = bench_meter_self(&r->meter);
	bench_report_row(r, secs, srv, self);
	if (r->note[0] != '\0')
		fprintf(stderr, "  %s\n", r->note);
	fflush(stderr);

	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	cJSON_AddStringToObject(o, "mode", r->mode);
	cJSON_AddBoolToObject(o, "ok", bench_result_ok(r));
	cJSON_AddBoolToObject(o, "complete", r->complete);
	if (r->why[0] != '\0')
		cJSON_AddStringToObject(o, "why", r->why);
	cJSON_AddNumberToObject(o, "clients", r->clients);
	cJSON_AddNumberToObject(o, "seconds", secs);
	cJSON_AddStringToObject(o, "ops_name", r->ops_name);
	cJSON_AddNumberToObject(o, "ops", (double)r->ops);
	cJSON_AddNumberToObject(o, "ops_per_s", secs > 0 ?
	    (double)r->ops / secs : 0);
	if (r->deliveries > 0)
		cJSON_AddNumberToObject(o, "deliveries",
		    (double)r->deliveries);
	cJSON_AddNumberToObject(o, "lost", (double)r->lost);
	cJSON_AddNumberToObject(o, "duplicated", (double)r->duplicated);
	cJSON_AddNumberToObject(o, "out_of_order", (double)r->out_of_order);
	cJSON_AddNumberToObject(o, "errors", (double)r->errors);
	cJSON_AddNumberToObject(o, "closed", (double)r->closed);
	if (r->timed)
		bench_report_latency(o, &r->hist);
	if (r->rss_per_conn >= 0)
		cJSON_AddNumberToObject(o, "server_rss_per_conn",
		    r->rss_per_conn);
	bench_report_server(o, r, secs, srv);
	if ((g = cJSON_AddObjectToObject(o, "generator")) != NULL) {
		cJSON_AddNumberToObject(g, "cpu_s", self);
		if (secs > 0)
			cJSON_AddNumberToObject(g, "cpu_pct",
			    100 * self / secs);
	}
	/* The mode's own fields, by reference: r keeps ownership. */
	cJSON_ArrayForEach(it, r->json)
		cJSON_AddItemReferenceToObject(o, it->string, it);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return (-1);
	printf("%s\n", s);
	fflush(stdout);
	cJSON_free(s);
	return (bench_result_ok(r) ? 0 : -1);
}

/* bench-hist.c: the log-bucketed latency histogram of evchat-bench (32 buckets per power of two, so a
 * reported percentile is within ~3% of the truth); it knows nanoseconds, not what was timed. */

#include <string.h>

#include "bench.h"

void
bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

/* Values below 2 * BENCH_HIST_SUB have a bucket each; above, 32 per octave. */
static unsigned int
bench_hist_index(uint64_t v)
{
	unsigned int	e;

	if (v < BENCH_HIST_SUB)
		return ((unsigned int)v);
	e = 63 - __builtin_clzll(v);
	return ((e - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB +
	    ((v >> (e - BENCH_HIST_SUB_BITS)) & (BENCH_HIST_SUB - 1)));
}

/* The highest value that falls in bucket i. */
static uint64_t
bench_hist_upper(unsigned int i)
{
	unsigned int	e, sub;

	if (i < 2 * BENCH_HIST_SUB)
		return (i);
	e = i / BENCH_HIST_SUB + BENCH_HIST_SUB_BITS - 1;
	sub = i % BENCH_HIST_SUB;
	return ((((uint64_t)BENCH_HIST_SUB + sub + 1) <<
	    (e - BENCH_HIST_SUB_BITS)) - 1);
}

void
bench_hist_add(struct bench_hist *h, uint64_t v)
{
	h->count[bench_hist_index(v)]++;
	h->n++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/*
 * The value at quantile q (0..1): the top of the bucket holding it, never
 * above the largest value seen, so p100 is the exact maximum.
 */
uint64_t
bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t	want, seen = 0, v;
	unsigned int	i;

	if (h->n == 0)
		return (0);
	want = (uint64_t)(q * (double)h->n + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want) {
			v = bench_hist_upper(i);
			return (v > h->max ? h->max : v);
		}
	}
	return (h->max);
}

double
bench_hist_mean(const struct bench_hist *h)
{
	if (h->n == 0)
		return (0);
	return (h->sum / (double)h->n);
}

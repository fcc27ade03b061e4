/* bench-seq.c: evchat-bench's exactly-once, in-order accounting of one stream of sequence numbers (lost,
 * duplicated, out of order); it knows numbers, not connections or frames. */

#include <stdlib.h>
#include <string.h>

#include "bench.h"

void
bench_seq_init(struct bench_seq *s)
{
	memset(s, 0, sizeof *s);
}

void
bench_seq_free(struct bench_seq *s)
{
	free(s->seen);
	memset(s, 0, sizeof *s);
}

/* Room for sequence number seq in the bitmap, doubling so growth is rare. */
static int
bench_seq_grow(struct bench_seq *s, uint64_t seq)
{
	unsigned char	*p;
	uint64_t	 cap;

	cap = s->cap == 0 ? 4096 : s->cap;
	while (cap <= seq)
		cap *= 2;
	if ((p = realloc(s->seen, cap / 8)) == NULL)
		return (-1);
	memset(p + s->cap / 8, 0, (cap - s->cap) / 8);
	s->seen = p;
	s->cap = cap;
	return (0);
}

/*
 * Count one arrival.  A number already seen is a duplicate; a first arrival
 * below the highest seen is out of order (TCP never reorders, so this is
 * the server's doing).  The caller has checked that seq was ever sent.
 */
int
bench_seq_add(struct bench_seq *s, uint64_t seq)
{
	unsigned char	bit;

	if (seq >= s->cap && bench_seq_grow(s, seq) != 0)
		return (-1);
	s->received++;
	bit = 1U << (seq & 7);
	if (s->seen[seq / 8] & bit) {
		s->duplicated++;
		return (0);
	}
	s->seen[seq / 8] |= bit;
	s->unique++;
	if (seq < s->next)
		s->out_of_order++;
	else
		s->next = seq + 1;
	return (0);
}

/* Of sent numbers 0 .. sent - 1, how many never arrived. */
uint64_t
bench_seq_lost(const struct bench_seq *s, uint64_t sent)
{
	return (sent > s->unique ? sent - s->unique : 0);
}

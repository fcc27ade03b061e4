/* timeval.c: durations into the struct timeval that libevent's timers take, for every program's
 * timeouts; it knows nothing of what is timed. */

#include <sys/time.h>

#include "proto.h"

/* us microseconds as a timeval; returns tv, to pass it on at once. */
struct timeval *
timeval_us(struct timeval *tv, uint64_t us)
{
	tv->tv_sec = us / 1000000;
	tv->tv_usec = us % 1000000;
	return (tv);
}

/* ms milliseconds as a timeval; returns tv. */
struct timeval *
timeval_ms(struct timeval *tv, uint64_t ms)
{
	return (timeval_us(tv, ms * 1000));
}

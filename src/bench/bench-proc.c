/* bench-proc.c: what evchat-bench measures of processes: the server's CPU time and RSS from /proc/PID,
 * its own CPU from getrusage, and the monotonic clock; it knows nothing of sockets or the protocol. */

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Our own user + system CPU time. */
uint64_t
bench_proc_self_ns(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return (0);
	return ((uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000ULL + (uint64_t)(ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) * 1000ULL);
}

/*
 * utime and stime (fields 14 and 15 of /proc/PID/stat) in clock ticks.  The
 * command name (field 2) may hold spaces and parentheses, so the count
 * starts after its last ')'.
 */
static int
bench_proc_stat(pid_t pid, uint64_t *cpu_ns)
{
	char			 path[64], buf[1024], *p, *end;
	unsigned long long	 utime, stime;
	long			 tck;
	FILE			*f;
	size_t			 n;
	int			 field;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	/* p + 2 is field 3 (state); walk to field 14. */
	p += 2;
	for (field = 3; field < 14; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return (-1);
		p++;
	}
	utime = strtoull(p, &end, 10);
	if (end == p || *end != ' ')
		return (-1);
	p = end + 1;
	stime = strtoull(p, &end, 10);
	if (end == p)
		return (-1);
	if ((tck = sysconf(_SC_CLK_TCK)) <= 0)
		return (-1);
	*cpu_ns = (utime + stime) * (1000000000ULL / (unsigned long long)tck);
	return (0);
}

/*
 * VmRSS of /proc/PID/status, in kB, and RssAnon, its anonymous part (the
 * heap: VmRSS also counts library pages read the first time, a fixed
 * cost).  RssAnon is 0 on kernels before 4.5, which lack it.
 */
static int
bench_proc_rss(pid_t pid, uint64_t *rss_kb, uint64_t *anon_kb)
{
	char			 path[64], line[256];
	unsigned long long	 kb;
	FILE			*f;
	int			 rc = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) {
			*rss_kb = kb;
			rc = 0;
		} else if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
			*anon_kb = kb;
	}
	fclose(f);
	return (rc);
}

/* Sample the server; p->ok says whether it could be read at all. */
int
bench_proc_read(pid_t pid, struct bench_proc *p)
{
	memset(p, 0, sizeof *p);
	if (pid <= 0)
		return (-1);
	if (bench_proc_stat(pid, &p->cpu_ns) != 0 ||
	    bench_proc_rss(pid, &p->rss_kb, &p->anon_kb) != 0)
		return (-1);
	p->ok = true;
	return (0);
}

/*
 * Sample every --server-pid, summed (several nodes and their Redis are
 * one server to a client); p->ok only when each could be read.
 */
int
bench_proc_read_all(const struct bench *b, struct bench_proc *p)
{
	struct bench_proc	one;
	unsigned int		i;

	if (b->opts.npids <= 1)
		return (bench_proc_read(b->opts.server_pid, p));
	memset(p, 0, sizeof *p);
	for (i = 0; i < b->opts.npids; i++) {
		if (bench_proc_read(b->opts.server_pids[i], &one) != 0)
			return (-1);
		p->cpu_ns += one.cpu_ns;
		p->rss_kb += one.rss_kb;
	}
	p->ok = true;
	return (0);
}

/* log.c: evchatd's log lines, one per event, to stderr (journald adds the time) or to syslog,
 * filtered by level; it knows nothing of clients or the protocol. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "server.h"

/* The one state outside struct server: logging outlives it. */
static struct {
	int	level;
	bool	syslog;
	bool	journal;	/* stderr goes to journald */
} log_state = { LOG_LEVEL_INFO, false, false };

static const char *log_names[] = { "error", "warn", "info", "debug" };

void
log_open(int level, bool use_syslog)
{
	log_state.level = level;
	log_state.syslog = use_syslog;
	log_state.journal = getenv("JOURNAL_STREAM") != NULL;
	if (use_syslog)
		openlog(SERVER_NAME, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	log_state.level = level;
}

int
log_level_from_string(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcmp(s, log_names[i]) == 0)
			return ((int)i);
	}
	return (-1);
}

const char *
log_level_to_string(int level)
{
	if (level < 0 || level > LOG_LEVEL_DEBUG)
		return ("unknown");
	return (log_names[level]);
}

static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	static const int	 prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
				     LOG_DEBUG };
	char			 line[1024], stamp[32];
	struct tm		 tm;
	time_t			 now;

	if (level > log_state.level)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (log_state.syslog) {
		syslog(prio[level], "%s", line);
		return;
	}
	/* journald stamps lines itself and files <N> under that priority. */
	if (log_state.journal) {
		fprintf(stderr, "<%d>%s: %s\n", prio[level], log_names[level],
		    line);
		return;
	}
	now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S",
	    localtime_r(&now, &tm));
	fprintf(stderr, "%s %s: %s: %s\n", stamp, SERVER_NAME,
	    log_names[level], line);
}

#define LOG_FUNCTION(name, level)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	log_vwrite(level, fmt, ap);					\
	va_end(ap);							\
}

LOG_FUNCTION(log_error, LOG_LEVEL_ERROR)
LOG_FUNCTION(log_warn, LOG_LEVEL_WARN)
LOG_FUNCTION(log_info, LOG_LEVEL_INFO)
LOG_FUNCTION(log_debug, LOG_LEVEL_DEBUG)

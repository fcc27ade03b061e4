/* log.c: evchatd's log lines, one per event, to stderr (journald adds the time) or to syslog,
 * filtered by level and escaped so that no string in them can forge a line; it knows nothing of clients. */

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

#define LOG_LINE_MAX	1024		/* a line before escaping */
#define LOG_ESCAPED_MAX	(4 * LOG_LINE_MAX) /* \xNN for every byte */

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

/* Whether cp reorders the text around it (the Trojan Source controls). */
static bool
log_bidi(uint32_t cp)
{
	return ((cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069));
}

/*
 * Copy the NUL-terminated in to out (outlen bytes, at least 1) so that it
 * is one harmless line whatever it holds: C0 controls, DEL, C1 controls
 * and bytes that are not strict UTF-8 become \xNN, bidi controls \u{NNNN},
 * and a backslash is doubled so that an escape in the input cannot pass
 * for one of ours.  A terminal, journald's "<N>" prefix and a reader of
 * the file all see only printable text.  An escape that does not fit is
 * left out whole.  Returns the length written.  log_vwrite calls it on
 * every formatted line, so no caller has to think of client strings.
 */
size_t
log_escape(char *out, size_t outlen, const char *in)
{
	const char	*p = in, *end = in + strlen(in), *next, *q, *src;
	uint32_t	 cp;
	size_t		 o = 0, n;
	char		 esc[16];

	while (p < end) {
		next = p;
		src = esc;
		n = 0;
		if (utf8_next(&next, end, &cp) != 0 || cp < 0x20 ||
		    (cp >= 0x7f && cp <= 0x9f)) {
			if (next == p)		/* not UTF-8: this byte */
				next = p + 1;
			for (q = p; q < next; q++)
				n += snprintf(esc + n, sizeof esc - n,
				    "\\x%02x", (unsigned char)*q);
		} else if (log_bidi(cp))
			n = snprintf(esc, sizeof esc, "\\u{%04x}", cp);
		else if (cp == '\\')
			n = snprintf(esc, sizeof esc, "\\\\");
		else {
			src = p;
			n = next - p;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, src, n);
		o += n;
		p = next;
	}
	out[o] = '\0';
	return (o);
}

static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	static const int	 prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
				     LOG_DEBUG };
	char			 raw[LOG_LINE_MAX], line[LOG_ESCAPED_MAX];
	char			 stamp[32];
	struct tm		 tm;
	time_t			 now;

	if (level > log_state.level)
		return;
	vsnprintf(raw, sizeof raw, fmt, ap);
	log_escape(line, sizeof line, raw);
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

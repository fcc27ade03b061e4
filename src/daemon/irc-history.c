/* irc-history.c: IRCv3 CHATHISTORY (draft/chathistory: LATEST, BEFORE, AFTER, BETWEEN, AROUND, TARGETS) as the
 * core's history requests, the page in a chathistory batch; it knows msgids, never the store. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "store.h"
#include "irc.h"

#define IRC_HISTORY_MSGID_MAX	9007199254740991ULL	/* 2^53 - 1 */

/* A reference: "msgid=N" (1 to 2^53 - 1) or, where allowed, "*" (0). */
static int
irc_history_ref(const char *ref, bool star, uint64_t *msgid)
{
	char			*end;
	unsigned long long	 v;

	if (star && strcmp(ref, "*") == 0) {
		*msgid = 0;
		return (0);
	}
	if (strncmp(ref, "msgid=", 6) != 0 || ref[6] < '0' || ref[6] > '9')
		return (-1);
	v = strtoull(ref + 6, &end, 10);
	if (*end != '\0' || v == 0 || v > IRC_HISTORY_MSGID_MAX)
		return (-1);
	*msgid = v;
	return (0);
}

/* FAIL CHATHISTORY code subcommand :why (IRCv3 standard replies). */
static void
irc_history_fail(struct irc *i, const char *code, const char *sub,
    const char *why)
{
	irc_line(i, ":%s FAIL CHATHISTORY %s %s :%s", irc_server(i), code,
	    sub, why);
}

/* A history request of room: limit messages, between after and before. */
static cJSON *
irc_history_request(const char *room, uint64_t before, uint64_t after,
    bool forward, unsigned int limit)
{
	cJSON	*obj;

	if ((obj = irc_object("history", "room", room)) == NULL)
		return (NULL);
	cJSON_AddNumberToObject(obj, "limit", limit);
	if (before != 0)
		cJSON_AddNumberToObject(obj, "before", (double)before);
	if (forward)
		cJSON_AddNumberToObject(obj, "after", (double)after);
	return (obj);
}

/* A limit as given: none, 0 or more than a page is a page. */
static unsigned int
irc_history_limit(const char *s)
{
	unsigned long	limit = strtoul(s, NULL, 10);

	return (limit == 0 || limit > STORE_PAGE_MAX ? STORE_PAGE_MAX :
	    (unsigned int)limit);
}

/* "timestamp=YYYY-MM-DDThh:mm:ss[.sss]Z" as milliseconds since 1970. */
static int
irc_history_ts(const char *ref, int64_t *ms)
{
	struct tm	 tm;
	const char	*p;
	int		 n = 0, frac = 0, scale = 100;
	time_t		 t;

	memset(&tm, 0, sizeof tm);
	if (strncmp(ref, "timestamp=", 10) != 0 || sscanf(ref + 10,
	    "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return (-1);
	p = ref + 10 + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (strcmp(p, "Z") != 0 || tm.tm_year < 1970 || tm.tm_mon < 1 ||
	    tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	*ms = (int64_t)t * 1000 + frac;
	return (0);
}

static void	irc_history_targets_answer(struct irc *, struct evt *);

/* TARGETS walks the client's rooms and reads each one's latest message. */
static const struct irc_cmd irc_history_targets_cmd = {
	.name = "CHATHISTORY",
	.flags = IRC_CMD_REPLAY,
	.answer = irc_history_targets_answer,
};

/*
 * CHATHISTORY TARGETS timestamp=A timestamp=B limit: the channels the
 * client is in whose latest message is from A to B (either order, both
 * included), oldest first.  Only channels: private messages are never
 * kept.  A walk (irc_walk_start): the client's whois, then a history of
 * limit 1 per room.
 */
static void
irc_history_targets(struct irc *i, struct irc_msg *m)
{
	struct irc_walk	*w;
	int64_t		 a, b;

	if (m->nparams < 4) {
		irc_numeric(i, 461, "CHATHISTORY :Not enough parameters");
		return;
	}
	if (irc_history_ts(m->param[1], &a) != 0 ||
	    irc_history_ts(m->param[2], &b) != 0) {
		irc_history_fail(i, "INVALID_PARAMS", "TARGETS", "the bounds "
		    "are timestamp=YYYY-MM-DDThh:mm:ss.sssZ");
		return;
	}
	if ((w = irc_walk_start(i, &irc_history_targets_cmd)) == NULL)
		return;
	w->from = a < b ? a : b;
	w->to = a < b ? b : a;
	w->limit = irc_history_limit(m->param[3]);
}

/* Oldest first; rooms of one instant by name, so the order is stable. */
static int
irc_history_found_cmp(const void *a, const void *b)
{
	const struct irc_walk_found	*fa = a, *fb = b;

	if (fa->ts != fb->ts)
		return (fa->ts < fb->ts ? -1 : 1);
	return (strcmp(fa->room, fb->room));
}

/* What the walk found, in a draft/chathistory-targets batch (with batch). */
static void
irc_history_targets_end(struct irc *i)
{
	struct irc_walk	*w = i->walk;
	char		 tag[32] = "", when[32];
	struct tm	 tm;
	time_t		 t;
	size_t		 k;

	if (w->n > 1)
		qsort(w->found, w->n, sizeof *w->found, irc_history_found_cmp);
	if (i->caps & IRC_CAP_BATCH) {
		snprintf(tag, sizeof tag, "@batch=T%u ", ++i->batches);
		irc_line(i, ":%s BATCH +T%u draft/chathistory-targets",
		    irc_server(i), i->batches);
	}
	for (k = 0; k < w->n && k < w->limit; k++) {
		t = (time_t)(w->found[k].ts / 1000);
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		irc_line(i, "%s:%s CHATHISTORY TARGETS #%s %s.%03dZ", tag,
		    irc_server(i), w->found[k].room, when,
		    (int)(w->found[k].ts % 1000));
	}
	if (i->caps & IRC_CAP_BATCH)
		irc_line(i, ":%s BATCH -T%u", irc_server(i), i->batches);
	irc_walk_free(i);
}

/*
 * The whois, then each room's replay and reply: a latest message in the
 * window is kept, and the walk goes on to the next room.  A room left
 * meanwhile (not in it) is passed over.
 */
static void
irc_history_targets_answer(struct irc *i, struct evt *e)
{
	struct irc_walk	*w = i->walk;
	const char	*room;

	if (w == NULL)
		return;
	if (e->type == EVT_MSG) {
		if (w->at == NULL || e->msg.ts < w->from ||
		    e->msg.ts > w->to || w->n >= (size_t)cJSON_GetArraySize(
		    w->rooms))
			return;
		if (w->found == NULL && (w->found = calloc((size_t)
		    cJSON_GetArraySize(w->rooms), sizeof *w->found)) == NULL) {
			client_close(i->c, "out of memory", false);
			return;
		}
		w->found[w->n].room = w->at->valuestring;
		w->found[w->n++].ts = e->msg.ts;
		return;
	}
	if (e->type == EVT_ERROR && e->error.code != ERR_NOT_IN_ROOM)
		irc_answer_default(i, e);
	if ((room = irc_walk_next(i, e)) == NULL) {
		if (i->walk != NULL)
			irc_history_targets_end(i);
		return;
	}
	irc_set_channel(i, room);
	irc_next(i, irc_history_request(room, 0, 0, false, 1));
}

/*
 * CHATHISTORY sub target ref [ref] limit.  Only channels have history
 * (private messages are never kept): another target's is an empty batch.
 * AROUND is two requests, the older half then the newer one.
 */
static void
irc_history_exec(struct irc *i, struct irc_msg *m)
{
	const char		*sub = m->param[0], *target = m->param[1];
	const char		*room;
	struct irc_history	*h;
	uint64_t		 a = 0, b = 0;
	unsigned int		 limit;
	cJSON			*first, *second = NULL;
	int			 refs;

	if (strcmp(sub, "TARGETS") == 0) {
		irc_history_targets(i, m);
		return;
	}
	refs = strcmp(sub, "BETWEEN") == 0 ? 2 : 1;
	if (m->nparams < 3 + refs) {
		irc_numeric(i, 461, "CHATHISTORY :Not enough parameters");
		return;
	}
	limit = irc_history_limit(m->param[2 + refs]);
	if (irc_history_ref(m->param[2], strcmp(sub, "LATEST") == 0,
	    &a) != 0 || (refs == 2 && irc_history_ref(m->param[3], false,
	    &b) != 0)) {
		irc_history_fail(i, "INVALID_MSGREFTYPE", sub, "a reference "
		    "is msgid=N (or * for LATEST): timestamps are not "
		    "supported");
		return;
	}
	if (target[0] != '#') {
		if (i->caps & IRC_CAP_BATCH) {
			irc_line(i, ":%s BATCH +H%u chathistory %s",
			    irc_server(i), ++i->batches, target);
			irc_line(i, ":%s BATCH -H%u", irc_server(i),
			    i->batches);
		}
		return;
	}
	if ((room = irc_room(i, target)) == NULL)
		return;
	if (i->hist == NULL &&
	    (i->hist = calloc(1, sizeof *i->hist)) == NULL) {
		client_close(i->c, "out of memory", false);
		return;
	}
	h = i->hist;
	h->floor = 0;
	if (strcmp(sub, "LATEST") == 0) {
		/* The newest, down to the reference, not below. */
		first = irc_history_request(room, 0, 0, false, limit);
		h->floor = a;
	} else if (strcmp(sub, "BEFORE") == 0)
		first = irc_history_request(room, a, 0, false, limit);
	else if (strcmp(sub, "AFTER") == 0)
		first = irc_history_request(room, 0, a, true, limit);
	else if (strcmp(sub, "BETWEEN") == 0)
		first = a < b ? irc_history_request(room, b, a, true, limit) :
		    irc_history_request(room, a, b, false, limit);
	else if (strcmp(sub, "AROUND") == 0) {
		first = irc_history_request(room, a + 1, 0, false,
		    (limit + 1) / 2);
		if (limit > 1)
			second = irc_history_request(room, 0, a, true,
			    limit / 2);
	} else {
		irc_history_fail(i, "INVALID_PARAMS", sub, "unknown "
		    "subcommand");
		return;
	}
	snprintf(h->sub, sizeof h->sub, "%s", sub);
	h->batch[0] = '\0';
	if (i->caps & IRC_CAP_BATCH) {
		snprintf(h->batch, sizeof h->batch, "H%u", ++i->batches);
		irc_line(i, ":%s BATCH +%s chathistory %s", irc_server(i),
		    h->batch, target);
	}
	h->pages = second != NULL ? 2 : 1;
	irc_set_arg(i, target);
	if (second != NULL)
		irc_next(i, second);
	irc_request(i, target, first);
}

/*
 * Each page's end; the last closes the batch (face_irc_done then frees
 * i->hist: an error after it, the command long answered, finds none).
 */
static void
irc_history_answer(struct irc *i, struct evt *e)
{
	struct irc_history	*h = i->hist;

	if (e->type == EVT_ERROR) {
		cJSON_Delete(i->next);	/* AROUND's second half */
		i->next = NULL;
		if (h != NULL)
			h->pages = 1;
		if (e->error.code == ERR_NOT_IN_ROOM)
			irc_line(i, ":%s FAIL CHATHISTORY INVALID_TARGET %s %s "
			    ":%s", irc_server(i), h != NULL ? h->sub : "*",
			    irc_arg(i), e->error.message);
		else
			irc_answer_default(i, e);
	}
	if (h == NULL || (e->type != EVT_REPLY && e->type != EVT_ERROR))
		return;
	if (h->pages > 0 && --h->pages > 0)
		return;
	if (h->batch[0] != '\0')
		irc_line(i, ":%s BATCH -%s", irc_server(i), h->batch);
	h->batch[0] = '\0';
	h->floor = 0;
}

const struct irc_cmd irc_chathistory_cmd = {
	.name = "CHATHISTORY",
	.min = 2,
	.exec = irc_history_exec,
	.answer = irc_history_answer,
};

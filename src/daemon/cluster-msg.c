/* cluster-msg.c: room and private messages of a cluster: a room message goes to Redis once (its script
 * gives the msgid, keeps it and publishes it to the room's channel) and comes back to every node, which
 * hands it to its own members; it knows no wire format and never a Redis round trip per recipient. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "store.h"

#define CLUSTER_MSG_BATCH	128	/* messages in one script at most */

/*
 * One message waiting in its room's body: where its object starts, its
 * length, and that of its member in history (after "{", before the
 * node's members).
 */
struct cluster_chunk {
	size_t	off;
	size_t	len;
	size_t	member;
};

/*
 * A room whose channel this node subscribed to, and this node's messages
 * for it that wait: for the end of the loop's pass (all of a pass go in
 * one script), and until Redis confirms the subscription (sent before,
 * one would be published before this node hears the room, and its sender
 * would never see it).  The messages wait as their channel's copy will
 * carry them, objects without msgid, comma-separated in one body: the
 * script publishes a run of it as it is, behind the run's first msgid
 * (Redis's Lua hashes every byte of every string it makes: one string
 * per script, not one per message).
 */
struct cluster_room {
	char				*fold;
	bool				 heard;
	char				*body;		/* the objects */
	size_t				 len;		/* bytes in body */
	size_t				 size;		/* body's allocation */
	struct cluster_chunk		*chunks;	/* each message's */
	size_t				 nbatch;	/* messages */
	size_t				 cap;		/* chunks' allocation */
	TAILQ_ENTRY(cluster_room)	 entry;		/* cl->batched */
};

static void	cluster_join_unheard(struct cluster *);

/* Drop what waits for cr's channel: it was lost, or left. */
static void
cluster_msg_unbatch(struct cluster *cl, struct cluster_room *cr)
{
	if (cr->nbatch > 0) {
		log_warn("cluster: %zu message(s) to %s lost with Redis",
		    cr->nbatch, cr->fold);
		TAILQ_REMOVE(&cl->batched, cr, entry);
	}
	cr->nbatch = 0;
	cr->len = 0;
}

/*
 * Called by cluster_listen: room fold's channel is to be subscribed to
 * (on), or left (fold NULL: every room, at exit).  Whether a SUBSCRIBE
 * must go: not for a room heard already.
 */
bool
cluster_msg_listen(struct cluster *cl, const char *fold, bool on)
{
	struct cluster_room	*cr;
	size_t			 pos = 0;

	if (fold == NULL) {
		while ((cr = hash_next(cl->rooms, &pos)) != NULL) {
			cluster_msg_listen(cl, cr->fold, false);
			pos = 0;
		}
		return (false);
	}
	if ((cr = hash_find(cl->rooms, fold)) != NULL) {
		if (on)
			return (!cr->heard);
		hash_remove(cl->rooms, cr->fold);
		cluster_msg_unbatch(cl, cr);
		free(cr->body);
		free(cr->chunks);
		free(cr->fold);
		free(cr);
		return (true);
	}
	if (!on || (cr = calloc(1, sizeof *cr)) == NULL)
		return (on);
	if ((cr->fold = strdup(fold)) == NULL ||
	    hash_insert(cl->rooms, cr->fold, cr) != 0) {
		free(cr->fold);
		free(cr);
	}
	return (true);
}

/* The connections are lost: no room is heard until subscribed again. */
void
cluster_msg_deaf(struct cluster *cl)
{
	struct cluster_room	*cr;
	size_t			 pos = 0;

	while ((cr = hash_next(cl->rooms, &pos)) != NULL) {
		cr->heard = false;
		cluster_msg_unbatch(cl, cr);
	}
	cluster_join_unheard(cl);
}

/* A room message's script came back: its msgid, or why it failed. */
static void
cluster_msg_sent(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	(void)ac;
	(void)arg;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_error("cluster: room messages were refused: %s", r->str);
}

/*
 * cr's batch to Redis, CLUSTER_MSG_BATCH messages a script: each script
 * gives them consecutive msgids, keeps them and publishes them together.
 * Its arguments: history-max, the msgid floor, how many, the run of the
 * body, and with history, each member's place in the run (from 1, as
 * Lua counts) and length.
 */
static void
cluster_msg_send(struct cluster *cl, struct cluster_room *cr)
{
	const char		*argv[6 + 2 * CLUSTER_MSG_BATCH];
	size_t			 lens[6 + 2 * CLUSTER_MSG_BATCH];
	char			 num[3 + 2 * CLUSTER_MSG_BATCH][24];
	const struct cluster_chunk *ch;
	bool			 history = store_enabled(cl->server->store);
	size_t			 i, n, k, a;

	snprintf(num[0], sizeof num[0], "%u", history ?
	    cl->server->config->history_max : 0);
	if (cl->msgid < cl->server->store->msgid)
		cl->msgid = cl->server->store->msgid;
	snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)cl->msgid);
	argv[0] = cr->fold;
	argv[1] = num[0];
	argv[2] = num[1];
	argv[3] = num[2];
	for (i = 0; i < cr->nbatch; i += n) {
		n = cr->nbatch - i < CLUSTER_MSG_BATCH ? cr->nbatch - i :
		    CLUSTER_MSG_BATCH;
		ch = cr->chunks + i;
		snprintf(num[2], sizeof num[2], "%zu", n);
		argv[4] = cr->body + ch[0].off;
		lens[4] = ch[n - 1].off + ch[n - 1].len - ch[0].off;
		for (k = 0, a = 5; history && k < n; k++, a += 2) {
			snprintf(num[a - 2], sizeof num[0], "%zu",
			    ch[k].off - ch[0].off + 2);
			snprintf(num[a - 1], sizeof num[0], "%zu", ch[k].member);
			argv[a] = num[a - 2];
			argv[a + 1] = num[a - 1];
		}
		for (k = 0; k < 4; k++)
			lens[k] = strlen(argv[k]);
		for (k = 5; k < (history ? 5 + 2 * n : 5); k++)
			lens[k] = strlen(argv[k]);
		if (cluster_evalv(cl, CLUSTER_MSG, cluster_msg_sent, NULL,
		    (int)(history ? 5 + 2 * n : 5), argv, lens) == 0)
			cl->stats.msgs_out += n;
	}
	cr->nbatch = 0;
	cr->len = 0;
	TAILQ_REMOVE(&cl->batched, cr, entry);
}

/*
 * At the end of the loop's pass (an event made active by the first
 * message of the pass): every room's batch that may go.
 */
static void
cluster_msg_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster		*cl = arg;
	struct cluster_room	*cr, *next;

	(void)fd;
	(void)what;
	for (cr = TAILQ_FIRST(&cl->batched); cr != NULL; cr = next) {
		next = TAILQ_NEXT(cr, entry);
		if (cr->heard && cluster_up(cl))
			cluster_msg_send(cl, cr);
	}
}

/* Called by cluster_new: the event that sends the pass's batches. */
int
cluster_msg_init(struct cluster *cl)
{
	TAILQ_INIT(&cl->batched);
	TAILQ_INIT(&cl->joins);
	cl->flush = event_new(cl->server->base, -1, 0, cluster_msg_flush_cb,
	    cl);
	return (cl->flush != NULL ? 0 : -1);
}

/*
 * A join asking for a replay, in a cluster: the room's latest come from
 * Redis, on this node's channel, once the room's channel is heard, and
 * the joiner enters the room then (cmd_join_replayed), so that each of
 * the room's messages reaches it once, in the replay or live after it.
 * c NULL once the client is freed.
 */
struct cluster_join {
	struct cluster			*cl;
	struct client			*c;
	uint64_t			 id;
	char				*fold;
	size_t				 limit;
	bool				 sent;
	TAILQ_ENTRY(cluster_join)	 entry;
};

static void
cluster_join_free(struct cluster_join *j)
{
	TAILQ_REMOVE(&j->cl->joins, j, entry);
	if (j->c != NULL)
		j->c->nclaims--;
	free(j->fold);
	free(j);
}

/* The replay's script for j: its answer comes on this node's channel. */
static void
cluster_join_send(struct cluster_join *j)
{
	const char	*argv[4];
	char		 limit[24], id[24];

	snprintf(limit, sizeof limit, "%zu", j->limit);
	snprintf(id, sizeof id, "%llu", (unsigned long long)j->id);
	argv[0] = j->cl->node;
	argv[1] = j->fold;
	argv[2] = limit;
	argv[3] = id;
	if (cluster_eval(j->cl, CLUSTER_REPLAY, NULL, NULL, 4, argv) == 0)
		j->sent = true;
}

/*
 * Called by cmd-join.c for c's join of room fold asking for limit
 * messages: req is held (0) until the replay comes; -1, Redis is away,
 * the join goes on as on one node.
 */
int
cluster_join(struct cluster *cl, struct client *c, struct request *req,
    const char *fold, size_t limit)
{
	struct cluster_join	*j;
	struct cluster_room	*cr;
	cJSON			*held;

	if (!cluster_up(cl) || (j = calloc(1, sizeof *j)) == NULL)
		return (-1);
	if ((j->fold = strdup(fold)) == NULL ||
	    (held = cmd_held(req, NULL)) == NULL) {
		free(j->fold);
		free(j);
		return (-1);
	}
	j->cl = cl;
	j->c = c;
	j->id = ++cl->next_join;
	j->limit = limit;
	c->nclaims++;
	TAILQ_INSERT_TAIL(&cl->joins, j, entry);
	client_hold(c, req, NULL, held);
	if ((cr = hash_find(cl->rooms, fold)) != NULL && cr->heard)
		cluster_join_send(j);
	else
		cluster_listen(cl, fold, true);
	return (0);
}

/* The joins waiting, after an outage: each goes on as on one node. */
static void
cluster_join_unheard(struct cluster *cl)
{
	struct cluster_join	*j;
	struct client		*c;

	while ((j = TAILQ_FIRST(&cl->joins)) != NULL) {
		c = j->c;
		cluster_join_free(j);
		if (c != NULL)
			cmd_join_replayed(c, NULL, 0);
	}
}

/* Called by cluster_client_free: c's joins go without it. */
void
cluster_msg_client_free(struct cluster *cl, struct client *c)
{
	struct cluster_join	*j;

	TAILQ_FOREACH(j, &cl->joins, entry) {
		if (j->c == c)
			j->c = NULL;
	}
}

/*
 * A join's replay, from this node's channel: {"t":"replay","id":...,
 * "msgs":[member, ...]}, newest first; those past history-max-age are
 * left out.  The joiner enters the room now.
 */
void
cluster_msg_replay_in(struct cluster *cl, cJSON *o)
{
	struct server		 *s = cl->server;
	struct cluster_join	 *j;
	struct client		 *c;
	struct store_msg	**msgs;
	const cJSON		 *m;
	const char		 *id = json_get_string(o, "id");
	int64_t			  age = (int64_t)s->config->history_max_age *
				    1000;
	size_t			  n = 0;
	struct room		 *r;

	TAILQ_FOREACH(j, &cl->joins, entry) {
		if (id != NULL && j->id == strtoull(id, NULL, 10))
			break;
	}
	if (j == NULL)
		return;
	c = j->c;
	if (c == NULL) {
		/* The joiner went: nobody here may need the room any more. */
		if ((r = room_find(s, j->fold)) == NULL || r->nlocal == 0)
			cluster_listen(cl, j->fold, false);
		cluster_join_free(j);
		return;
	}
	msgs = calloc((size_t)cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(o, "msgs")) + 1, sizeof *msgs);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(o, "msgs")) {
		if (msgs == NULL || !cJSON_IsString(m) ||
		    (msgs[n] = store_redis_decode(m->valuestring,
		    strlen(m->valuestring), j->fold)) == NULL)
			continue;
		if (age != 0 && msgs[n]->ts < server_now_ms(s) - age) {
			store_msg_free(msgs[n]);
			break;
		}
		n++;
	}
	cluster_join_free(j);
	if (msgs == NULL)
		cmd_join_replayed(c, NULL, 0);
	else
		cmd_join_replayed(c, msgs, n);
	while (n > 0)
		store_msg_free(msgs[--n]);
	free(msgs);
}

/* Redis confirmed the subscription to fold's channel: what waits goes. */
void
cluster_msg_heard(struct cluster *cl, const char *fold)
{
	struct cluster_room	*cr;
	struct cluster_join	*j;

	if ((cr = hash_find(cl->rooms, fold)) == NULL)
		return;
	cr->heard = true;
	if (cr->nbatch > 0)
		event_active(cl->flush, EV_TIMEOUT, 0);
	TAILQ_FOREACH(j, &cl->joins, entry) {
		if (!j->sent && strcmp(j->fold, fold) == 0)
			cluster_join_send(j);
	}
}

/*
 * A message for cr: "{", its member in history without the comma that
 * begins it (tail), and what the channel's copy has more (extra), at the
 * end of cr's body.  -1: no memory.
 */
static int
cluster_msg_batch(struct cluster *cl, struct cluster_room *cr,
    const char *tail, const char *extra)
{
	struct cluster_chunk	*b, *ch;
	size_t			 tlen = strlen(tail + 1), elen = strlen(extra);
	size_t			 need = cr->len + 2 + tlen + elen, cap;
	char			*body;

	if (cr->nbatch == cr->cap) {
		cap = cr->cap == 0 ? 16 : cr->cap * 2;
		if ((b = reallocarray(cr->chunks, cap, sizeof *b)) == NULL)
			return (-1);
		cr->chunks = b;
		cr->cap = cap;
	}
	if (need > cr->size) {
		cap = cr->size == 0 ? 4096 : cr->size;
		while (cap < need)
			cap *= 2;
		if ((body = realloc(cr->body, cap)) == NULL)
			return (-1);
		cr->body = body;
		cr->size = cap;
	}
	if (cr->nbatch > 0)
		cr->body[cr->len++] = ',';
	ch = &cr->chunks[cr->nbatch];
	ch->off = cr->len;
	ch->member = tlen;
	ch->len = 1 + tlen + elen;
	cr->body[cr->len] = '{';
	memcpy(cr->body + cr->len + 1, tail + 1, tlen);
	memcpy(cr->body + cr->len + 1 + tlen, extra, elen);
	cr->len += ch->len;
	if (cr->nbatch++ == 0) {
		TAILQ_INSERT_TAIL(&cl->batched, cr, entry);
		if (cr->heard)
			event_active(cl->flush, EV_TIMEOUT, 0);
	}
	return (0);
}

/*
 * What the channel's message has beyond the history's member: the
 * sender's account, node, client id and request id (for its echo), and
 * the closing brace; NULL when out of memory.
 */
static char *
cluster_msg_extra(struct cluster *cl, struct client *c, struct request *req,
    const struct evt *e)
{
	const char	*re = req->id != NULL ? cmd_re(req) : NULL;
	char		*text, *p;
	size_t		 len;

	/* Written by hand, as cJSON would print it: once per message. */
	len = sizeof ",\"account\":" + sizeof ",\"node\":" +
	    json_string_len(cl->node) + sizeof ",\"cid\":" + 20 +
	    sizeof ",\"re\":" + sizeof "}";
	if (e->msg.account != NULL)
		len += json_string_len(e->msg.account);
	if (re != NULL)
		len += json_string_len(re);
	if ((p = text = malloc(len)) == NULL)
		return (NULL);
	if (e->msg.account != NULL)
		p = json_put_string(stpcpy(p, ",\"account\":"), e->msg.account);
	p = json_put_string(stpcpy(p, ",\"node\":"), cl->node);
	p += snprintf(p, len - (size_t)(p - text), ",\"cid\":%llu",
	    (unsigned long long)c->id);
	if (re != NULL)
		p = json_put_string(stpcpy(p, ",\"re\":"), re);
	stpcpy(p, "}");
	return (text);
}

/* A private message to g, a user of another node: to its node. */
static int
cluster_msg_private(struct cluster *cl, struct request *req,
    const struct evt *e, struct client *g)
{
	cJSON	*o, *content;
	char	*chan;
	size_t	 i;
	int	 rc;

	if (!cluster_up(cl))
		return (cmd_error(req, ERR_UNAVAILABLE, "%s is on node %s, "
		    "out of reach for now", g->nick, g->node));
	if ((o = cJSON_CreateObject()) == NULL ||
	    (chan = cluster_key(cl, "node:", g->node)) == NULL) {
		cJSON_Delete(o);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	cJSON_AddStringToObject(o, "t", "pm");
	cJSON_AddNumberToObject(o, "msgid", (double)e->msg.msgid);
	cJSON_AddNumberToObject(o, "ts", (double)e->msg.ts);
	cJSON_AddStringToObject(o, "from", e->msg.from);
	if (e->msg.account != NULL)
		cJSON_AddStringToObject(o, "account", e->msg.account);
	cJSON_AddStringToObject(o, "to", g->nick);
	content = cJSON_AddObjectToObject(o, "content");
	for (i = 0; content != NULL && i < e->msg.nfields; i++)
		cJSON_AddStringToObject(content, e->msg.field[i],
		    e->msg.value[i]);
	rc = cluster_publish(cl, chan, o);
	free(chan);
	if (rc != 0)
		return (cmd_error(req, ERR_UNAVAILABLE, "%s is on node %s, "
		    "out of reach for now", g->nick, g->node));
	cl->stats.msgs_out++;
	return (1);
}

/*
 * Called by cmd-msg.c with a message of c, checked and stamped: a room
 * message goes to Redis in one script and is delivered when it comes
 * back (0); one to a user of another node goes to its node, and c's
 * echo is cmd-msg.c's (1); anything else, or Redis away, is delivered
 * here as by a single node (1).  -1: refused, the error in req.
 */
int
cluster_msg(struct cluster *cl, struct client *c, struct request *req,
    struct evt *e, struct room *r, struct client *t)
{
	struct cluster_room	*cr;
	char			*tail, *extra;

	if (r == NULL)
		return (t->flags & CLIENT_REMOTE ?
		    cluster_msg_private(cl, req, e, t) : 1);
	if (!cluster_up(cl) || (cr = hash_find(cl->rooms, r->fold)) == NULL)
		return (1);
	tail = store_redis_member(0, e->msg.ts, e->msg.room, e->msg.from,
	    e->msg.field, e->msg.value, e->msg.nfields, "");
	extra = cluster_msg_extra(cl, c, req, e);
	if (tail == NULL || extra == NULL ||
	    cluster_msg_batch(cl, cr, tail, extra) != 0) {
		free(tail);
		free(extra);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	free(tail);
	free(extra);
	return (0);
}

/* A number member of o, or 0. */
static double
cluster_msg_number(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? v->valuedouble : 0);
}

/* The message's content (an object, in order) into e; false if none. */
static bool
cluster_msg_content(const cJSON *o, struct evt *e)
{
	const cJSON	*item;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(o,
	    "content")) {
		if (!cJSON_IsString(item) || e->msg.nfields == EVT_MSG_FIELDS)
			return (false);
		e->msg.field[e->msg.nfields] = item->string;
		e->msg.value[e->msg.nfields++] = item->valuestring;
	}
	return (e->msg.nfields > 0);
}

/*
 * One message of a room's channel, as read from it: the evt's members
 * point into the publication (cJSON's nodes, or cluster_msg_fast's copy).
 */
struct cluster_pub {
	struct evt	 e;
	const char	*node;
	const char	*re;
	bool		 hascid;
	uint64_t	 cid;
	bool		 content;	/* one to EVT_MSG_FIELDS strings */
};

/*
 * A room message from the room's channel, in the room's one order: to
 * this node's members (the sender's echo too, when it is here), once,
 * with the zero-copy path of any message; then kept with the latest.
 */
static void
cluster_msg_room_one(struct cluster *cl, struct cluster_pub *m)
{
	struct server	*s = cl->server;
	struct client	*c = NULL;
	struct room	*r;
	struct evt	*e = &m->e;

	cl->stats.msgs_in++;
	if (e->msg.from == NULL || e->msg.room == NULL || e->msg.msgid == 0 ||
	    !m->content || (r = room_find(s, e->msg.room)) == NULL)
		goto out;
	/* The room's name as this node's members know it. */
	e->msg.room = r->name;
	if (e->msg.msgid > cl->msgid)
		cl->msgid = e->msg.msgid;
	if (m->node != NULL && strcmp(m->node, cl->node) == 0 && m->hascid &&
	    (c = nick_find(s, e->msg.from)) != NULL &&
	    (c->flags & CLIENT_REMOTE || c->id != m->cid))
		c = NULL;
	cmd_msg_deliver(c, c != NULL ? m->re : NULL, e, r, NULL);
	/* Without history nothing is kept: no size to reckon either. */
	if (store_enabled(s->store) &&
	    store_seen(s->store, &e->msg, r->fold, store_evt_size(e)) != 0)
		log_warn("history of %s: message %llu not kept", r->name,
		    (unsigned long long)e->msg.msgid);
out:
	evt_clear(e);
}

/*
 * A publication's message m read from cJSON's object o; id its msgid
 * unless it has one (0: none).
 */
static void
cluster_msg_room_json(struct cluster *cl, const cJSON *o, uint64_t id)
{
	struct cluster_pub	 m;
	const cJSON		*cid;

	memset(&m, 0, sizeof m);
	evt_init(&m.e, EVT_MSG);
	m.e.msg.msgid = (uint64_t)cluster_msg_number(o, "msgid");
	if (m.e.msg.msgid == 0)
		m.e.msg.msgid = id;
	m.e.msg.ts = (int64_t)cluster_msg_number(o, "ts");
	m.e.msg.from = json_get_string(o, "from");
	m.e.msg.room = json_get_string(o, "room");
	m.e.msg.account = json_get_string(o, "account");
	m.node = json_get_string(o, "node");
	m.re = json_get_string(o, "re");
	cid = cJSON_GetObjectItemCaseSensitive(o, "cid");
	if ((m.hascid = cJSON_IsNumber(cid)))
		m.cid = (uint64_t)cid->valuedouble;
	m.content = cluster_msg_content(o, &m.e);
	cluster_msg_room_one(cl, &m);
}

/*
 * The string at p[*i] (its opening quote), without escapes: ended in
 * place, returned, *i past it; NULL for any other (cJSON's to read).
 */
static const char *
cluster_fast_string(char *p, size_t len, size_t *i)
{
	char	*q;
	size_t	 at = *i;

	if (at >= len || p[at] != '"' ||
	    (q = memchr(p + at + 1, '"', len - at - 1)) == NULL ||
	    memchr(p + at + 1, '\\', (size_t)(q - p) - at - 1) != NULL)
		return (NULL);
	*q = '\0';
	*i = (size_t)(q - p) + 1;
	return (p + at + 1);
}

/*
 * Which member of a message key k (n bytes) is, as cluster_fast_one
 * numbers them, or -1: by length, then compared whole (strcmp over every
 * name was a tenth of reading a publication).
 */
static int
cluster_fast_name(const char *k, size_t n)
{
	switch (n) {
	case 2:
		return (memcmp(k, "ts", 2) == 0 ? 1 :
		    memcmp(k, "re", 2) == 0 ? 7 : -1);
	case 3:
		return (memcmp(k, "cid", 3) == 0 ? 2 : -1);
	case 4:
		return (memcmp(k, "from", 4) == 0 ? 3 :
		    memcmp(k, "room", 4) == 0 ? 4 :
		    memcmp(k, "node", 4) == 0 ? 6 : -1);
	case 5:
		return (memcmp(k, "msgid", 5) == 0 ? 0 : -1);
	case 7:
		return (memcmp(k, "account", 7) == 0 ? 5 :
		    memcmp(k, "content", 7) == 0 ? 8 : -1);
	default:
		return (-1);
	}
}

/*
 * A whole number of at most 15 digits at p[*i] (as a double holds it
 * exactly, so as cJSON reads it); false for any other number.
 */
static bool
cluster_fast_number(const char *p, size_t len, size_t *i, uint64_t *v)
{
	size_t	at = *i, n;

	for (*v = 0, n = 0; at < len && p[at] >= '0' && p[at] <= '9';
	    at++, n++)
		*v = *v * 10 + (uint64_t)(p[at] - '0');
	if (n == 0 || n > 15 || (n > 1 && p[*i] == '0') ||
	    (at < len && (p[at] == '.' || p[at] == 'e' || p[at] == 'E')))
		return (false);
	*i = at;
	return (true);
}

/*
 * The content object at p[*i] into m: string members only; more than
 * EVT_MSG_FIELDS of them make the message one to skip, as cJSON's path
 * does.  false: not such an object.
 */
static bool
cluster_fast_content(char *p, size_t len, size_t *i, struct cluster_pub *m)
{
	const char	*k, *v;

	if (*i >= len || p[(*i)++] != '{')
		return (false);
	if (*i < len && p[*i] == '}') {
		(*i)++;
		return (true);
	}
	for (;;) {
		if ((k = cluster_fast_string(p, len, i)) == NULL ||
		    *i >= len || p[(*i)++] != ':' ||
		    (v = cluster_fast_string(p, len, i)) == NULL || *i >= len)
			return (false);
		if (m->e.msg.nfields == EVT_MSG_FIELDS)
			m->content = false;
		else {
			m->e.msg.field[m->e.msg.nfields] = k;
			m->e.msg.value[m->e.msg.nfields++] = v;
		}
		if (p[*i] == '}') {
			(*i)++;
			return (true);
		}
		if (p[(*i)++] != ',')
			return (false);
	}
}

/* Where string member w (cluster_fast_name's number) of a message goes. */
static const char **
cluster_fast_slot(struct cluster_pub *m, int w)
{
	switch (w) {
	case 3:
		return (&m->e.msg.from);
	case 4:
		return (&m->e.msg.room);
	case 5:
		return (&m->e.msg.account);
	case 6:
		return (&m->node);
	default:
		return (&m->re);
	}
}

/*
 * The message object at p[*i] into m, as cluster_msg_room_json reads it
 * (a key's first value counts, as with cJSON; id the msgid unless it has
 * one); false when it has more than the plain members a node writes.
 */
static bool
cluster_fast_one(char *p, size_t len, size_t *i, struct cluster_pub *m,
    uint64_t id)
{
	const char	*k, *str;
	uint64_t	 num;
	unsigned int	 seen = 0;
	int		 w;
	size_t		 at;

	memset(m, 0, sizeof *m);
	evt_init(&m->e, EVT_MSG);
	m->e.msg.msgid = id;
	if (*i >= len || p[(*i)++] != '{')
		return (false);
	for (;;) {
		at = *i;
		if ((k = cluster_fast_string(p, len, i)) == NULL ||
		    (w = cluster_fast_name(k, *i - at - 2)) == -1 ||
		    *i >= len || p[(*i)++] != ':' || *i >= len)
			return (false);
		if (w < 3) {
			if (!cluster_fast_number(p, len, i, &num))
				return (false);
			if (!(seen & 1u << w)) {
				if (w == 0)
					m->e.msg.msgid = num;
				else if (w == 1)
					m->e.msg.ts = (int64_t)num;
				else {
					m->hascid = true;
					m->cid = num;
				}
			}
		} else if (w < 8) {
			if ((str = cluster_fast_string(p, len, i)) == NULL)
				return (false);
			if (!(seen & 1u << w))
				*cluster_fast_slot(m, w) = str;
		} else if (seen & 1u << w)
			return (false);
		else {
			m->content = true;
			if (!cluster_fast_content(p, len, i, m))
				return (false);
			m->content = m->content && m->e.msg.nfields > 0;
		}
		seen |= 1u << w;
		if (*i >= len)
			return (false);
		if (p[*i] == '}') {
			(*i)++;
			return (true);
		}
		if (p[(*i)++] != ',')
			return (false);
	}
}

/*
 * A room channel's publication as the script writes it, read without
 * cJSON (a third of a node's cost per message, with its allocations):
 * an array of the first msgid and flat objects, strings without escapes,
 * whole numbers, no white space.  Each message is delivered once read;
 * false at the first that is not such, *done telling how many went
 * before it.
 */
static bool
cluster_msg_room_fast(struct cluster *cl, const char *text, size_t len,
    size_t *done)
{
	struct cluster_pub	 m;
	char			*p;
	size_t			 i = 1;
	uint64_t		 id = 0;
	bool			 ok = false;

	*done = 0;
	if (len < 2 || text[0] != '[' || (p = malloc(len)) == NULL)
		return (false);
	memcpy(p, text, len);
	if (cluster_fast_number(p, len, &i, &id) && (i >= len || p[i++] != ','))
		goto out;
	for (;;) {
		if (!cluster_fast_one(p, len, &i, &m, id) || i >= len ||
		    (p[i] != ']' && p[i] != ',')) {
			evt_clear(&m.e);
			break;
		}
		cluster_msg_room_one(cl, &m);
		(*done)++;
		if (id != 0)
			id++;
		if (p[i++] == ']') {
			ok = i == len;
			break;
		}
	}
out:
	free(p);
	return (ok);
}

/*
 * A room channel's message: the messages of one script, in order, the
 * first's msgid first.  What the fast path cannot read, cJSON does, from
 * where it stopped (a node that writes escapes, or members this one does
 * not know).
 */
void
cluster_msg_room_in(struct cluster *cl, const char *text, size_t len)
{
	const cJSON	*m;
	cJSON		*o;
	uint64_t	 id = 0;
	size_t		 done, k = 0;

	if (cluster_msg_room_fast(cl, text, len, &done) ||
	    (o = cJSON_ParseWithLength(text, len)) == NULL)
		return;
	cJSON_ArrayForEach(m, o) {
		if (m == o->child && cJSON_IsNumber(m)) {
			id = (uint64_t)m->valuedouble;
			continue;
		}
		if (k++ >= done)
			cluster_msg_room_json(cl, m, id);
		if (id != 0)
			id++;
	}
	cJSON_Delete(o);
}

/* A private message from another node for a user of this one. */
void
cluster_msg_private_in(struct cluster *cl, cJSON *o)
{
	struct client	*t;
	struct evt	 e;

	cl->stats.msgs_in++;
	if ((t = nick_find(cl->server, json_get_string(o, "to") != NULL ?
	    json_get_string(o, "to") : "")) == NULL ||
	    t->flags & CLIENT_REMOTE)
		return;
	evt_init(&e, EVT_MSG);
	e.msg.msgid = (uint64_t)cluster_msg_number(o, "msgid");
	e.msg.ts = (int64_t)cluster_msg_number(o, "ts");
	e.msg.from = json_get_string(o, "from");
	e.msg.account = json_get_string(o, "account");
	e.msg.to = t->nick;
	if (e.msg.from != NULL && cluster_msg_content(o, &e))
		client_send(t, &e);
	evt_clear(&e);
}

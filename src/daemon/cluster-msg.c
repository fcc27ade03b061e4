/* cluster-msg.c: room and private messages of a cluster: a room message goes to Redis once (its script
 * gives the msgid, keeps it and publishes it to the room's channel) and comes back to every node, which
 * hands it to its own members; it knows no wire format and never a Redis round trip per recipient. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "store.h"

#define CLUSTER_MSG_ARGS	5	/* of the message's script */

/* A room message waiting for its room's channel to be heard. */
struct cluster_wait {
	char			*argv[CLUSTER_MSG_ARGS];
	TAILQ_ENTRY(cluster_wait) entry;
};

/*
 * A room whose channel this node subscribed to.  Until Redis confirms
 * it, this node's own messages to the room wait: sent before, one would
 * be published before this node hears the room, and its sender would
 * never see it.
 */
struct cluster_room {
	char				*fold;
	bool				 heard;
	TAILQ_HEAD(, cluster_wait)	 waits;
};

static void
cluster_wait_free(struct cluster_wait *w)
{
	size_t	i;

	for (i = 0; i < CLUSTER_MSG_ARGS; i++)
		free(w->argv[i]);
	free(w);
}

/* Drop what waits for cr's channel: it was lost, or left. */
static void
cluster_msg_unwait(struct cluster_room *cr)
{
	struct cluster_wait	*w;
	size_t			 n = 0;

	while ((w = TAILQ_FIRST(&cr->waits)) != NULL) {
		TAILQ_REMOVE(&cr->waits, w, entry);
		cluster_wait_free(w);
		n++;
	}
	if (n > 0)
		log_warn("cluster: %zu message(s) to %s lost with Redis", n,
		    cr->fold);
}

/*
 * Called by cluster_listen: room fold's channel is subscribed to (on),
 * not yet heard, or left (fold NULL: every room, at exit).
 */
void
cluster_msg_listen(struct cluster *cl, const char *fold, bool on)
{
	struct cluster_room	*cr;
	size_t			 pos = 0;

	if (fold == NULL) {
		while ((cr = hash_next(cl->rooms, &pos)) != NULL) {
			cluster_msg_listen(cl, cr->fold, false);
			pos = 0;
		}
		return;
	}
	if ((cr = hash_find(cl->rooms, fold)) != NULL) {
		cr->heard = false;
		if (on)
			return;
		hash_remove(cl->rooms, cr->fold);
		cluster_msg_unwait(cr);
		free(cr->fold);
		free(cr);
		return;
	}
	if (!on || (cr = calloc(1, sizeof *cr)) == NULL)
		return;
	TAILQ_INIT(&cr->waits);
	if ((cr->fold = strdup(fold)) == NULL ||
	    hash_insert(cl->rooms, cr->fold, cr) != 0) {
		free(cr->fold);
		free(cr);
	}
}

/* The connections are lost: no room is heard until subscribed again. */
void
cluster_msg_deaf(struct cluster *cl)
{
	struct cluster_room	*cr;
	size_t			 pos = 0;

	while ((cr = hash_next(cl->rooms, &pos)) != NULL) {
		cr->heard = false;
		cluster_msg_unwait(cr);
	}
}

static void	cluster_msg_sent(redisAsyncContext *, void *, void *);

/* The message's script, with its arguments; 0 or -1. */
static int
cluster_msg_send(struct cluster *cl, const char *const *argv)
{
	if (cluster_eval(cl, CLUSTER_MSG, cluster_msg_sent, NULL,
	    CLUSTER_MSG_ARGS, (const char **)argv) != 0)
		return (-1);
	cl->stats.msgs_out++;
	return (0);
}

/* Redis confirmed the subscription to fold's channel: what waits goes. */
void
cluster_msg_heard(struct cluster *cl, const char *fold)
{
	struct cluster_room	*cr;
	struct cluster_wait	*w;

	if ((cr = hash_find(cl->rooms, fold)) == NULL)
		return;
	cr->heard = true;
	while ((w = TAILQ_FIRST(&cr->waits)) != NULL) {
		TAILQ_REMOVE(&cr->waits, w, entry);
		(void)cluster_msg_send(cl, (const char *const *)w->argv);
		cluster_wait_free(w);
	}
}

/* A message for a room not heard yet: it waits (-1: no memory). */
static int
cluster_msg_wait(struct cluster_room *cr, const char *const *argv)
{
	struct cluster_wait	*w;
	size_t			 i;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return (-1);
	for (i = 0; i < CLUSTER_MSG_ARGS; i++) {
		if ((w->argv[i] = strdup(argv[i])) == NULL) {
			cluster_wait_free(w);
			return (-1);
		}
	}
	TAILQ_INSERT_TAIL(&cr->waits, w, entry);
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
	cJSON	*o;
	char	*text;

	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	if (e->msg.account != NULL)
		cJSON_AddStringToObject(o, "account", e->msg.account);
	cJSON_AddStringToObject(o, "node", cl->node);
	cJSON_AddNumberToObject(o, "cid", (double)c->id);
	if (req->id != NULL)
		cJSON_AddStringToObject(o, "re", cmd_re(req));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text != NULL)
		text[0] = ',';	/* "{...}" to ",...}" */
	return (text);
}

/* A room message's script came back: its msgid, or why it failed. */
static void
cluster_msg_sent(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	(void)ac;
	(void)arg;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_error("cluster: a room message was refused: %s", r->str);
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
	const char		*argv[CLUSTER_MSG_ARGS];
	char			*tail, *extra, max[24], floor[24];
	int			 rc;

	if (r == NULL)
		return (t->flags & CLIENT_REMOTE ?
		    cluster_msg_private(cl, req, e, t) : 1);
	if (!cluster_up(cl))
		return (1);
	tail = store_redis_member(0, e->msg.ts, e->msg.room, e->msg.from,
	    e->msg.field, e->msg.value, e->msg.nfields, "");
	extra = cluster_msg_extra(cl, c, req, e);
	if (tail == NULL || extra == NULL) {
		free(tail);
		cJSON_free(extra);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	snprintf(max, sizeof max, "%u", store_enabled(cl->server->store) ?
	    cl->server->config->history_max : 0);
	argv[0] = r->fold;
	argv[1] = tail;
	argv[2] = extra;
	argv[3] = max;
	if (cl->msgid < cl->server->store->msgid)
		cl->msgid = cl->server->store->msgid;
	snprintf(floor, sizeof floor, "%llu", (unsigned long long)cl->msgid);
	argv[4] = floor;
	if ((cr = hash_find(cl->rooms, r->fold)) != NULL && !cr->heard)
		rc = cluster_msg_wait(cr, argv);
	else
		rc = cluster_msg_send(cl, argv);
	free(tail);
	cJSON_free(extra);
	return (rc != 0 ? 1 : 0);
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
 * A room message from the room's channel, in the room's one order: to
 * this node's members (the sender's echo too, when it is here), once,
 * with the zero-copy path of any message; then kept with the latest.
 */
void
cluster_msg_room_in(struct cluster *cl, const char *text, size_t len)
{
	struct server	*s = cl->server;
	struct client	*c = NULL;
	struct room	*r;
	struct evt	 e;
	const cJSON	*cid;
	const char	*node, *re = NULL;
	cJSON		*o;

	if ((o = cJSON_ParseWithLength(text, len)) == NULL)
		return;
	cl->stats.msgs_in++;
	evt_init(&e, EVT_MSG);
	e.msg.msgid = (uint64_t)cluster_msg_number(o, "msgid");
	e.msg.ts = (int64_t)cluster_msg_number(o, "ts");
	e.msg.from = json_get_string(o, "from");
	e.msg.room = json_get_string(o, "room");
	e.msg.account = json_get_string(o, "account");
	node = json_get_string(o, "node");
	if (e.msg.from == NULL || e.msg.room == NULL || e.msg.msgid == 0 ||
	    !cluster_msg_content(o, &e) ||
	    (r = room_find(s, e.msg.room)) == NULL)
		goto out;
	/* The room's name as this node's members know it. */
	e.msg.room = r->name;
	if (e.msg.msgid > cl->msgid)
		cl->msgid = e.msg.msgid;
	cid = cJSON_GetObjectItemCaseSensitive(o, "cid");
	if (node != NULL && strcmp(node, cl->node) == 0 &&
	    cJSON_IsNumber(cid) && (c = nick_find(s, e.msg.from)) != NULL &&
	    (c->flags & CLIENT_REMOTE || c->id != (uint64_t)cid->valuedouble))
		c = NULL;
	if (c != NULL)
		re = json_get_string(o, "re");
	cmd_msg_deliver(c, re, &e, r, NULL);
	if (store_seen(s->store, &e.msg, r->fold, store_evt_size(&e)) != 0)
		log_warn("history of %s: message %llu not kept", r->name,
		    (unsigned long long)e.msg.msgid);
out:
	evt_clear(&e);
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

/* cluster.c: a node of a cluster: its two Redis connections (commands, subscriptions), the Lua scripts, the
 * lease and the sweep of lost nodes, the channels' dispatch, outages and SIGUSR1's figures; the users and
 * messages it carries are cluster-user.c's and cluster-msg.c's, and it knows no wire format. */

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/listener.h>

#include "cluster.h"
#include "store.h"

/*
 * The scripts, each run atomically in Redis by EVALSHA.  Every one gets
 * the prefix as ARGV[1] and, but for the message's, this node's name as
 * ARGV[2]; they name their keys themselves (a cluster of Redis servers,
 * whose scripts must declare keys, is not supported: one Redis, or one
 * with replicas, carries a chat).
 */
static const char *const cluster_lua[CLUSTER_NSCRIPTS] = {
	/*
	 * Room messages of one loop pass: ARGV[2] the room's fold, ARGV[3]
	 * history-max (0: none kept), ARGV[4] the highest msgid this node
	 * gave or saw, ARGV[5] how many, ARGV[6] their objects without
	 * msgid, comma-separated, then with history each one's member (its
	 * place in ARGV[6], from 1, and length).  The msgids come from the
	 * store's counter, so that no msgid of a store's block is given
	 * twice, and above ARGV[4], so that msgids still rise after a Redis
	 * that kept nothing restarted; the messages are published together,
	 * a JSON array of the first msgid and the objects (the msgids follow
	 * each other), in the same script, so that the channel's order is
	 * the msgids' order.  History is trimmed only once past history-max.
	 * Redis's Lua hashes every byte of every string it makes, so the
	 * publication is the one string made of the body, and history's
	 * members are made only when history is kept.
	 */
	[CLUSTER_MSG] =
	"local p, fold = ARGV[1], ARGV[2]\n"
	"local max, floor = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
	"local n = tonumber(ARGV[5])\n"
	"local top = redis.call('INCRBY', p .. 'msgid', n)\n"
	"if top - n < floor then\n"
	"  top = floor + n\n"
	"  redis.call('SET', p .. 'msgid', top)\n"
	"end\n"
	"local first = top - n + 1\n"
	"if max > 0 then\n"
	"  local k, zadd, body = p .. 'history:' .. fold, {}, ARGV[6]\n"
	"  for i = 0, n - 1 do\n"
	"    local at = tonumber(ARGV[7 + 2 * i])\n"
	"    zadd[2 * i + 1] = first + i\n"
	"    zadd[2 * i + 2] = '{\"msgid\":' .. (first + i) .. ',' ..\n"
	"      string.sub(body, at, at + tonumber(ARGV[8 + 2 * i]) - 1) .. '}'\n"
	"  end\n"
	"  redis.call('ZADD', k, unpack(zadd))\n"
	"  if redis.call('ZCARD', k) > max then\n"
	"    redis.call('ZREMRANGEBYRANK', k, 0, -max - 1)\n"
	"  end\n"
	"  redis.call('SADD', p .. 'history-rooms', fold)\n"
	"end\n"
	"redis.call('PUBLISH', p .. 'room:' .. fold, "
	    "'[' .. first .. ',' .. ARGV[6] .. ']')\n"
	"return top\n",
	/*
	 * A nick (fold ARGV[3]) for a user of node ARGV[2], its record
	 * ARGV[4], its online event ARGV[5]: the claim in Redis wins, and
	 * its holder's name comes back; 1 when it is ours.
	 */
	[CLUSTER_CLAIM] =
	"local k = ARGV[1] .. 'nick:' .. ARGV[3]\n"
	"local cur = redis.call('GET', k)\n"
	"if cur and cur ~= ARGV[2] then return cur end\n"
	"redis.call('SET', k, ARGV[2])\n"
	"redis.call('HSET', ARGV[1] .. 'users:' .. ARGV[2], ARGV[3], ARGV[4])\n"
	"redis.call('PUBLISH', ARGV[1] .. 'cluster', ARGV[5])\n"
	"return 1\n",
	/*
	 * A join (member ARGV[5]) or a part (ARGV[5] empty) of nick fold
	 * ARGV[4] in room fold ARGV[3], and its event ARGV[6].
	 */
	[CLUSTER_ROOM] =
	"local k = ARGV[1] .. 'members:' .. ARGV[3]\n"
	"if ARGV[5] ~= '' then\n"
	"  redis.call('HSET', k, ARGV[4], ARGV[5])\n"
	"  redis.call('SADD', ARGV[1] .. 'rooms:' .. ARGV[2], ARGV[3])\n"
	"else\n"
	"  local v = redis.call('HGET', k, ARGV[4])\n"
	"  if v and cjson.decode(v)[1] == ARGV[2] then\n"
	"    redis.call('HDEL', k, ARGV[4])\n"
	"  end\n"
	"end\n"
	"redis.call('PUBLISH', ARGV[1] .. 'cluster', ARGV[6])\n"
	"return 1\n",
	/*
	 * A user (fold ARGV[3]) gone, its event ARGV[4], the folds of its
	 * rooms from ARGV[5]: its nick is freed if it is still ours.
	 */
	[CLUSTER_QUIT] =
	"for i = 5, #ARGV do\n"
	"  local k = ARGV[1] .. 'members:' .. ARGV[i]\n"
	"  local v = redis.call('HGET', k, ARGV[3])\n"
	"  if v and cjson.decode(v)[1] == ARGV[2] then\n"
	"    redis.call('HDEL', k, ARGV[3])\n"
	"  end\n"
	"end\n"
	"redis.call('HDEL', ARGV[1] .. 'users:' .. ARGV[2], ARGV[3])\n"
	"local k = ARGV[1] .. 'nick:' .. ARGV[3]\n"
	"if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end\n"
	"redis.call('PUBLISH', ARGV[1] .. 'cluster', ARGV[4])\n"
	"return 1\n",
	/*
	 * A user's new nick: old fold ARGV[3], new fold ARGV[4], record
	 * ARGV[5], event ARGV[6], then pairs of room fold and member.  As a
	 * claim: the holder's name when another node's user has it.
	 */
	[CLUSTER_NICK] =
	"local k = ARGV[1] .. 'nick:' .. ARGV[4]\n"
	"local cur = redis.call('GET', k)\n"
	"if cur and cur ~= ARGV[2] then return cur end\n"
	"local old = ARGV[1] .. 'nick:' .. ARGV[3]\n"
	"if redis.call('GET', old) == ARGV[2] then redis.call('DEL', old) end\n"
	"redis.call('SET', k, ARGV[2])\n"
	"local u = ARGV[1] .. 'users:' .. ARGV[2]\n"
	"redis.call('HDEL', u, ARGV[3])\n"
	"redis.call('HSET', u, ARGV[4], ARGV[5])\n"
	"for i = 7, #ARGV, 2 do\n"
	"  local m = ARGV[1] .. 'members:' .. ARGV[i]\n"
	"  redis.call('HDEL', m, ARGV[3])\n"
	"  redis.call('HSET', m, ARGV[4], ARGV[i + 1])\n"
	"end\n"
	"redis.call('PUBLISH', ARGV[1] .. 'cluster', ARGV[6])\n"
	"return 1\n",
	/*
	 * The lease of node ARGV[2] for ARGV[3] ms, and its heartbeat
	 * ARGV[4]; 0 when the node was not among the nodes (new, or
	 * declared lost meanwhile: it must announce its users again).
	 */
	[CLUSTER_RENEW] =
	"local was = redis.call('SISMEMBER', ARGV[1] .. 'nodes', ARGV[2])\n"
	"redis.call('SET', ARGV[1] .. 'node:' .. ARGV[2], '1', 'PX', ARGV[3])\n"
	"redis.call('SADD', ARGV[1] .. 'nodes', ARGV[2])\n"
	"redis.call('PUBLISH', ARGV[1] .. 'cluster', ARGV[4])\n"
	"return was\n",
	/*
	 * Nodes gone: ARGV[2] (why ARGV[3]: it stops, or restarts), or with
	 * ARGV[2] empty every node whose lease ran out, "lost".  Their nicks
	 * are freed, their users and members dropped, and one event per
	 * node tells the others.  Atomic: only one node cleans up each.
	 */
	[CLUSTER_GONE] =
	"local p = ARGV[1]\n"
	"local function gone(n, why)\n"
	"  if redis.call('SREM', p .. 'nodes', n) == 0 and (why == 'lost' or "
	    "redis.call('EXISTS', p .. 'users:' .. n) == 0) then\n"
	"    return false\n"
	"  end\n"
	"  for _, f in ipairs(redis.call('HKEYS', p .. 'users:' .. n)) do\n"
	"    if redis.call('GET', p .. 'nick:' .. f) == n then\n"
	"      redis.call('DEL', p .. 'nick:' .. f)\n"
	"    end\n"
	"  end\n"
	"  for _, r in ipairs(redis.call('SMEMBERS', p .. 'rooms:' .. n)) do\n"
	"    local k = p .. 'members:' .. r\n"
	"    local all = redis.call('HGETALL', k)\n"
	"    for i = 1, #all, 2 do\n"
	"      if cjson.decode(all[i + 1])[1] == n then\n"
	"        redis.call('HDEL', k, all[i])\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"  redis.call('DEL', p .. 'users:' .. n, p .. 'rooms:' .. n, "
	    "p .. 'node:' .. n)\n"
	"  redis.call('PUBLISH', p .. 'cluster', "
	    "cjson.encode({t = 'down', node = n, why = why}))\n"
	"  return true\n"
	"end\n"
	"if ARGV[2] ~= '' then gone(ARGV[2], ARGV[3]) return {ARGV[2]} end\n"
	"local done = {}\n"
	"for _, n in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do\n"
	"  if redis.call('EXISTS', p .. 'node:' .. n) == 0 and "
	    "gone(n, 'lost') then\n"
	"    done[#done + 1] = n\n"
	"  end\n"
	"end\n"
	"return done\n",
	/*
	 * Every live node's users and the rooms they are in, published to
	 * node ARGV[2] on its channel, so that it comes among the events in
	 * the order Redis made them: {"t":"snapshot","users":[[node,
	 * [[fold, record], ...]], ...],"rooms":[[room fold, [[fold,
	 * member], ...]], ...]} (an empty list is {}: Lua's cjson).
	 */
	[CLUSTER_SNAPSHOT] =
	"local p = ARGV[1]\n"
	"local function pairs_of(key)\n"
	"  local all, out = redis.call('HGETALL', key), {}\n"
	"  for i = 1, #all, 2 do out[#out + 1] = {all[i], all[i + 1]} end\n"
	"  return out\n"
	"end\n"
	"local users, rooms, seen = {}, {}, {}\n"
	"for _, n in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do\n"
	"  users[#users + 1] = {n, pairs_of(p .. 'users:' .. n)}\n"
	"  for _, r in ipairs(redis.call('SMEMBERS', p .. 'rooms:' .. n)) do\n"
	"    if not seen[r] then\n"
	"      seen[r] = true\n"
	"      rooms[#rooms + 1] = {r, pairs_of(p .. 'members:' .. r)}\n"
	"    end\n"
	"  end\n"
	"end\n"
	"redis.call('PUBLISH', p .. 'node:' .. ARGV[2], "
	    "cjson.encode({t = 'snapshot', users = users, rooms = rooms}))\n"
	"return 1\n",
	/*
	 * The latest ARGV[4] messages of room ARGV[3], newest first, for
	 * join ARGV[5] of node ARGV[2], published on its channel, which
	 * hears the room's channel already: the room's messages before it
	 * are in it, those after it come after it.
	 */
	[CLUSTER_REPLAY] =
	"local m = redis.call('ZREVRANGE', ARGV[1] .. 'history:' .. ARGV[3], "
	    "0, tonumber(ARGV[4]) - 1)\n"
	"redis.call('PUBLISH', ARGV[1] .. 'node:' .. ARGV[2], "
	    "cjson.encode({t = 'replay', id = ARGV[5], msgs = m}))\n"
	"return #m\n",
};

static void	cluster_connect(struct cluster *);

/* Called by config.c for the cluster key: its form only. */
int
cluster_check(const char *s, char *err, size_t errlen)
{
	struct redis_where	w;

	if (strncmp(s, "redis:", 6) == 0)
		return (redis_where_parse("cluster", s + 6, &w, err, errlen));
	if (strncmp(s, "unix:/", 6) == 0 && strlen(s + 5) < sizeof w.path)
		return (0);
	snprintf(err, errlen, "'%s' is not of the form "
	    "redis://HOST[:PORT][/DB] or unix:/PATH", s);
	return (-1);
}

/* A key or channel under the prefix: name, then fold (or nothing). */
char *
cluster_key(const struct cluster *cl, const char *name, const char *fold)
{
	return (redis_key(cl->prefix, name, fold));
}

/* Whether commands reach Redis now (else: local delivery only). */
bool
cluster_up(const struct cluster *cl)
{
	return (cl->ac != NULL && cl->connected && cl->sub_connected &&
	    !cl->stopping);
}

/*
 * EVALSHA of script with argc strings in argv (the prefix is put first):
 * cb(reply, arg) when it comes back (NULL: lost with the connection).
 * Commands of one loop pass leave together, one write: pipelined.
 * 0, or -1 when Redis is away (cb is not called).
 */
int
cluster_eval(struct cluster *cl, enum cluster_script script,
    redisCallbackFn *cb, void *arg, int argc, const char **argv)
{
	return (cluster_evalv(cl, script, cb, arg, argc, argv, NULL));
}

/*
 * cluster_eval with the arguments' lengths (argvlen; NULL: strings),
 * for an argument that is part of a larger buffer.  Called by
 * cluster-msg.c for a run of a room's body.
 */
int
cluster_evalv(struct cluster *cl, enum cluster_script script,
    redisCallbackFn *cb, void *arg, int argc, const char **argv,
    const size_t *argvlen)
{
	const char	**v;
	size_t		 *lens;
	int		  i, rc = -1;

	if (cl->ac == NULL || !cl->connected)
		return (-1);
	v = calloc((size_t)argc + 4, sizeof *v);
	lens = calloc((size_t)argc + 4, sizeof *lens);
	if (v != NULL && lens != NULL) {
		v[0] = "EVALSHA";
		v[1] = cl->sha[script];
		v[2] = "0";
		v[3] = cl->prefix;
		for (i = 0; i < argc; i++)
			v[4 + i] = argv[i];
		for (i = 0; i < argc + 4; i++)
			lens[i] = i >= 4 && argvlen != NULL ? argvlen[i - 4] :
			    strlen(v[i]);
		if (redisAsyncCommandArgv(cl->ac, cb, arg, argc + 4, v,
		    lens) == REDIS_OK)
			rc = 0;
	}
	free(v);
	free(lens);
	return (rc);
}

/* PUBLISH o (freed) on channel (a full name); 0 or -1. */
int
cluster_publish(struct cluster *cl, const char *channel, cJSON *o)
{
	char	*text;
	int	 rc = -1;

	if (o == NULL)
		return (-1);
	if (cl->ac != NULL && cl->connected &&
	    (text = cJSON_PrintUnformatted(o)) != NULL) {
		if (redisAsyncCommand(cl->ac, NULL, NULL, "PUBLISH %s %s",
		    channel, text) == REDIS_OK) {
			cl->stats.events_out++;
			rc = 0;
		}
		cJSON_free(text);
	}
	cJSON_Delete(o);
	return (rc);
}

/* A script's reply that is an error: logged, once per kind of script. */
static void
cluster_replied(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_error("cluster: %s: %s", (const char *)arg, r->str);
}

/* The lease renewed: 0 means this node was dropped and must come back. */
static void
cluster_renewed(redisAsyncContext *ac, void *reply, void *arg)
{
	struct cluster	*cl = arg;
	redisReply	*r = reply;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		return;
	cl->stats.renewals++;
	if (r->integer == 0 && cl->announced) {
		log_warn("cluster: node %s was dropped by the others: its "
		    "users are announced again", cl->node);
		cluster_user_resync(cl);
	}
	cl->announced = true;
}

/* The sweep's answer: the lost nodes this one cleaned up after. */
static void
cluster_swept(redisAsyncContext *ac, void *reply, void *arg)
{
	struct cluster	*cl = arg;
	redisReply	*r = reply;
	size_t		 i;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		log_warn("cluster: node %s lost (no lease renewed): its users "
		    "are dropped", r->element[i]->str);
		cl->stats.lost++;
	}
}

/* Renew the lease, then sweep the lost nodes. */
static void
cluster_lease(struct cluster *cl)
{
	const char	*argv[3];
	char		 ms[24], *hb;
	cJSON		*o;

	if (!cluster_up(cl))
		return;
	snprintf(ms, sizeof ms, "%u", cl->server->config->cluster_lease *
	    1000);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "t", "hb");
	cJSON_AddStringToObject(o, "node", cl->node);
	hb = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (hb == NULL)
		return;
	argv[0] = cl->node;
	argv[1] = ms;
	argv[2] = hb;
	(void)cluster_eval(cl, CLUSTER_RENEW, cluster_renewed, cl, 3, argv);
	cJSON_free(hb);
	argv[0] = "";
	argv[1] = "lost";
	(void)cluster_eval(cl, CLUSTER_GONE, cluster_swept, cl, 2, argv);
}

static void
cluster_lease_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cluster_lease(arg);
}

/* A message on the cluster channel: every node's presence and state. */
static void
cluster_on_cluster(struct cluster *cl, const char *text, size_t len)
{
	cJSON		*o;
	const char	*t, *node;

	if ((o = cJSON_ParseWithLength(text, len)) == NULL)
		return;
	t = json_get_string(o, "t");
	node = json_get_string(o, "node");
	if (t != NULL && node != NULL && strcmp(t, "hb") != 0) {
		cl->stats.events_in++;
		if (strcmp(t, "down") == 0)
			cluster_user_down(cl, node, json_get_string(o, "why"));
		else if (strcmp(node, cl->node) != 0)
			cluster_user_event(cl, t, o);
	}
	cJSON_Delete(o);
}

/* A message on this node's channel: a private message or a request. */
static void
cluster_on_node(struct cluster *cl, const char *text, size_t len)
{
	cJSON		*o;
	const char	*t;

	if ((o = cJSON_ParseWithLength(text, len)) == NULL)
		return;
	if ((t = json_get_string(o, "t")) != NULL) {
		if (strcmp(t, "pm") == 0)
			cluster_msg_private_in(cl, o);
		else if (strcmp(t, "snapshot") == 0)
			cluster_user_snapshot(cl, o);
		else if (strcmp(t, "replay") == 0)
			cluster_msg_replay_in(cl, o);
		else
			cluster_user_request(cl, o);
	}
	cJSON_Delete(o);
}

/*
 * Every message of every channel this node subscribed to: hiredis calls
 * this for each (["message", channel, payload]) and for the subscribe
 * and unsubscribe confirmations, which say nothing here.
 */
static void
cluster_message(redisAsyncContext *ac, void *reply, void *arg)
{
	struct cluster		*cl = arg;
	redisReply		*r = reply;
	const redisReply	*chan, *payload;

	(void)ac;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		return;
	chan = r->element[1];
	payload = r->element[2];
	/*
	 * This node's channel is heard: the snapshot it asks for will reach
	 * it (cluster_sync).  A room's channel is heard: its messages may go.
	 */
	if (strcmp(r->element[0]->str, "subscribe") == 0 &&
	    strcmp(chan->str, cl->chan_node) == 0)
		cluster_user_resync(cl);
	else if (strcmp(r->element[0]->str, "subscribe") == 0 &&
	    strncmp(chan->str, cl->prefix, strlen(cl->prefix)) == 0 &&
	    strncmp(chan->str + strlen(cl->prefix), "room:", 5) == 0)
		cluster_msg_heard(cl, chan->str + strlen(cl->prefix) + 5);
	if (strcmp(r->element[0]->str, "message") != 0 ||
	    payload->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(chan->str, cl->chan_cluster) == 0)
		cluster_on_cluster(cl, payload->str, payload->len);
	else if (strcmp(chan->str, cl->chan_node) == 0)
		cluster_on_node(cl, payload->str, payload->len);
	else
		cluster_msg_room_in(cl, payload->str, payload->len);
}

/*
 * Called by room.c when a room gets its first member of this node (on
 * true) or loses its last (false): its channel is listened to only
 * while someone here may hear it.
 */
void
cluster_listen(struct cluster *cl, const char *fold, bool on)
{
	char	*chan;

	if (cl->stopping)
		return;
	/* Heard already (a join's replay asked for it): nothing to do. */
	if (!cluster_msg_listen(cl, fold, on) && on)
		return;
	if (cl->sub == NULL || !cl->sub_connected ||
	    (chan = cluster_key(cl, "room:", fold)) == NULL)
		return;
	/* What this node kept of the room missed what it did not hear. */
	if (on)
		store_forget(cl->server->store, fold);
	if (on)
		(void)redisAsyncCommand(cl->sub, cluster_message, cl,
		    "SUBSCRIBE %s", chan);
	else
		(void)redisAsyncCommand(cl->sub, NULL, NULL, "UNSUBSCRIBE %s",
		    chan);
	free(chan);
}

/*
 * Both connections are up (at start, or back after an outage): the
 * scripts loaded, the channels listened to, the lease renewed; once this
 * node's channel is heard, its users are announced (claims first), then
 * the others' read (cluster_user_resync).
 */
void
cluster_sync(struct cluster *cl)
{
	struct server	*s = cl->server;
	struct room	*r;
	size_t		 pos = 0, i;

	for (i = 0; i < CLUSTER_NSCRIPTS; i++)
		(void)redisAsyncCommand(cl->ac, cluster_replied,
		    (void *)"SCRIPT LOAD", "SCRIPT LOAD %s", cluster_lua[i]);
	(void)redisAsyncCommand(cl->sub, cluster_message, cl, "SUBSCRIBE %s",
	    cl->chan_cluster);
	(void)redisAsyncCommand(cl->sub, cluster_message, cl, "SUBSCRIBE %s",
	    cl->chan_node);
	while ((r = hash_next(s->rooms, &pos)) != NULL) {
		if (r->nlocal > 0)
			cluster_listen(cl, r->fold, true);
	}
	cl->announced = false;
	cluster_lease(cl);
	/* The users go once this node's channel is heard: cluster_message. */
}

/*
 * Called on the loop whenever a connection is lost or cannot be made:
 * both go (one is no use without the other), one line for the outage,
 * then a retry with backoff.  Local clients keep talking meanwhile.
 */
static void
cluster_outage(struct cluster *cl, const char *why)
{
	redisAsyncContext	*ac = cl->ac, *sub = cl->sub;
	struct timeval		 tv;

	cl->ac = cl->sub = NULL;
	cl->connected = cl->sub_connected = false;
	cluster_msg_deaf(cl);
	/* The other one's disconnect callback then finds it is not ours. */
	if (ac != NULL && !(ac->c.flags & REDIS_DISCONNECTING) &&
	    !(ac->c.flags & REDIS_FREEING))
		redisAsyncFree(ac);
	if (sub != NULL && !(sub->c.flags & REDIS_DISCONNECTING) &&
	    !(sub->c.flags & REDIS_FREEING))
		redisAsyncFree(sub);
	if (cl->stopping)
		return;
	if (!cl->away)
		log_error("cluster %s: %s: messages go to this node's clients "
		    "only until Redis is back", cl->at.name, why);
	cl->away = true;
	if (!evtimer_pending(cl->retry, NULL)) {
		timeval_ms(&tv, cl->retry_ms);
		evtimer_add(cl->retry, &tv);
		if ((cl->retry_ms *= 2) > REDIS_RETRY_MAX_MS)
			cl->retry_ms = REDIS_RETRY_MAX_MS;
	}
}

static void
cluster_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cluster_connect(arg);
}

static void
cluster_up_maybe(struct cluster *cl)
{
	if (!cl->connected || !cl->sub_connected)
		return;
	cl->retry_ms = REDIS_RETRY_MS;
	if (cl->away) {
		log_info("cluster %s: connected again", cl->at.name);
		cl->stats.reconnects++;
		/* Rooms went on elsewhere meanwhile, unheard. */
		store_forget(cl->server->store, NULL);
	}
	cl->away = false;
	cluster_sync(cl);
}

static void
cluster_connected(const redisAsyncContext *ac, int status)
{
	struct cluster	*cl = ac->data;

	if (ac != cl->ac && ac != cl->sub)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees ac when this returns. */
		if (ac == cl->ac)
			cl->ac = NULL;
		else
			cl->sub = NULL;
		cluster_outage(cl, ac->errstr);
		return;
	}
	if (ac == cl->ac)
		cl->connected = true;
	else
		cl->sub_connected = true;
	cluster_up_maybe(cl);
}

static void
cluster_disconnected(const redisAsyncContext *ac, int status)
{
	struct cluster	*cl = ac->data;

	if (ac != cl->ac && ac != cl->sub)
		return;
	if (ac == cl->ac)
		cl->ac = NULL;
	else
		cl->sub = NULL;
	cluster_outage(cl, status == REDIS_OK ? "connection closed" :
	    ac->errstr);
}

static void
cluster_connect(struct cluster *cl)
{
	const char	*why;

	if ((cl->ac = redis_dial(&cl->at, cl->server->base, cl,
	    cluster_connected, cluster_disconnected, &why)) == NULL ||
	    (cl->sub = redis_dial(&cl->at, cl->server->base, cl,
	    cluster_connected, cluster_disconnected, &why)) == NULL) {
		cluster_outage(cl, why);
		return;
	}
}

/*
 * The node's name: node-name, or the host name and the port of the first
 * listener (so that nodes on one host differ); NULL when out of memory.
 */
static char *
cluster_node_name(struct server *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 host[256], name[300];
	int			 port = 0;

	if (s->config->node_name != NULL)
		return (strdup(s->config->node_name));
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "evchatd");
	host[sizeof host - 1] = '\0';
	if (s->nlisteners > 0 && s->listeners[0]->evl != NULL &&
	    getsockname(evconnlistener_get_fd(s->listeners[0]->evl),
	    (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(name, sizeof name, "%s:%d", host, port);
	return (strdup(name));
}

/*
 * At start, before the loop serves anyone: the scripts are loaded (their
 * SHA1 kept), the node's name checked free (a live lease of the same
 * name is another node's, or this one killed less than a lease ago) and
 * what a former life of this node left in Redis dropped.
 */
static int
cluster_start(struct cluster *cl, char *err, size_t errlen)
{
	redisContext	*c;
	redisReply	*r;
	size_t		 i;
	int		 rc = -1;

	if ((c = redis_connect_sync(&cl->at, err, errlen)) == NULL)
		return (-1);
	for (i = 0; i < CLUSTER_NSCRIPTS; i++) {
		r = redisCommand(c, "SCRIPT LOAD %s", cluster_lua[i]);
		if (r == NULL || r->type != REDIS_REPLY_STRING ||
		    r->len >= sizeof cl->sha[i]) {
			snprintf(err, errlen, "%s: SCRIPT LOAD: %s",
			    cl->at.name, r == NULL ? c->errstr :
			    r->type == REDIS_REPLY_ERROR ? r->str :
			    "unexpected reply");
			freeReplyObject(r);
			goto out;
		}
		memcpy(cl->sha[i], r->str, r->len + 1);
		freeReplyObject(r);
	}
	r = redisCommand(c, "EXISTS %snode:%s", cl->prefix, cl->node);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER || r->integer != 0) {
		snprintf(err, errlen, "cluster: node-name %s is held by a "
		    "running node (or one stopped less than cluster-lease "
		    "ago)", cl->node);
		freeReplyObject(r);
		goto out;
	}
	freeReplyObject(r);
	r = redisCommand(c, "EVALSHA %s 0 %s %s restarted", cl->sha[
	    CLUSTER_GONE], cl->prefix, cl->node);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s: %s", cl->at.name, r == NULL ?
		    c->errstr : r->str);
		freeReplyObject(r);
		goto out;
	}
	freeReplyObject(r);
	rc = 0;
out:
	redisFree(c);
	return (rc);
}

/*
 * Called by server_run once the listeners are open (a node is named
 * after its port): NULL and why in err when Redis does not answer.
 */
struct cluster *
cluster_new(struct server *s, char *err, size_t errlen)
{
	const struct config	*cf = s->config;
	struct cluster		*cl;
	struct timeval		 tv;
	int			 rc;

	if ((cl = calloc(1, sizeof *cl)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	cl->server = s;
	cl->retry_ms = REDIS_RETRY_MS;
	TAILQ_INIT(&cl->claims);
	if ((cl->rooms = hash_new()) == NULL || cluster_msg_init(cl) != 0 ||
	    (cl->node = cluster_node_name(s)) == NULL ||
	    (cl->prefix = strdup(cf->cluster_prefix)) == NULL ||
	    (cl->chan_cluster = cluster_key(cl, "cluster", NULL)) == NULL ||
	    (cl->chan_node = cluster_key(cl, "node:", cl->node)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (strncmp(cf->cluster, "unix:", 5) == 0)
		rc = redis_where_open(&cl->at, "unix", cf->cluster + 5,
		    cf->cluster_password_file, err, errlen);
	else
		rc = redis_where_open(&cl->at, "redis", cf->cluster + 6,
		    cf->cluster_password_file, err, errlen);
	if (rc != 0 || cluster_start(cl, err, errlen) != 0)
		goto fail;
	cl->retry = evtimer_new(s->base, cluster_retry_cb, cl);
	cl->lease = event_new(s->base, -1, EV_PERSIST, cluster_lease_cb, cl);
	if (cl->retry == NULL || cl->lease == NULL ||
	    event_add(cl->lease, timeval_ms(&tv, cf->cluster_lease * 1000 /
	    3)) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	log_info("cluster %s: node %s, lease %us", cl->at.name, cl->node,
	    cf->cluster_lease);
	cluster_state_watch(cl);
	cluster_connect(cl);
	return (cl);
fail:
	cluster_free(cl);
	return (NULL);
}

/*
 * Called by server_stop (SIGTERM) before the clients are told: the other
 * nodes hear at once that this node's users are gone (one event, not one
 * per user), and their nicks are free; nothing more goes to Redis after.
 */
void
cluster_stop(struct cluster *cl)
{
	const char	*argv[2];

	if (cl == NULL || cl->stopping)
		return;
	argv[0] = cl->node;
	argv[1] = "stopped";
	(void)cluster_eval(cl, CLUSTER_GONE, cluster_replied,
	    (void *)"leaving", 2, argv);
	cl->stopping = true;
	redis_drain(&cl->ac);
}

/* Called by server_free, after the clients: the remote users go too. */
void
cluster_free(struct cluster *cl)
{
	if (cl == NULL)
		return;
	cl->stopping = true;
	cluster_user_down(cl, NULL, NULL);
	if (cl->ac != NULL) {
		redis_drain(&cl->ac);
		if (cl->ac != NULL)
			redisAsyncFree(cl->ac);
	}
	if (cl->sub != NULL)
		redisAsyncFree(cl->sub);
	if (cl->retry != NULL)
		event_free(cl->retry);
	if (cl->lease != NULL)
		event_free(cl->lease);
	if (cl->rooms != NULL) {
		cluster_msg_deaf(cl);
		cluster_msg_listen(cl, NULL, false);
		hash_free(cl->rooms);
	}
	if (cl->flush != NULL)
		event_free(cl->flush);
	redis_where_clear(&cl->at);
	free(cl->chan_cluster);
	free(cl->chan_node);
	free(cl->prefix);
	free(cl->node);
	free(cl);
}

/* SIGUSR1: the cluster's figures, beside the server's. */
void
cluster_log_stats(const struct cluster *cl)
{
	log_info("stats: cluster node %s %s msgs_out %llu msgs_in %llu "
	    "events_out %llu events_in %llu reconnects %llu renewals %llu "
	    "lost_nodes %llu", cl->node, cluster_up(cl) ? "up" : "away",
	    (unsigned long long)cl->stats.msgs_out,
	    (unsigned long long)cl->stats.msgs_in,
	    (unsigned long long)cl->stats.events_out,
	    (unsigned long long)cl->stats.events_in,
	    (unsigned long long)cl->stats.reconnects,
	    (unsigned long long)cl->stats.renewals,
	    (unsigned long long)cl->stats.lost);
}

/* store-redis.c: the Redis backend of the store: history, msgid blocks and the lasting state in a Redis that
 * several evchatd may share, written from the loop by hiredis's libevent adapter; it knows no clients or rooms. */

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include "redis.h"
#include "store.h"

#define STORE_REDIS_BATCH_US	2000	/* an append waits this for its batch */
#define STORE_REDIS_ZADD	128	/* messages in one ZADD */
#define STORE_REDIS_BACKLOG	(64 * 1024 * 1024) /* bytes kept for Redis
						   while it is away */
#define STORE_REDIS_SCAN	"32"	/* rooms a prune step looks at */

/*
 * The keys, under the prefix (cluster-prefix):
 *
 *   msgid            string: msgids handed out up to (blocks by INCRBY)
 *   history:FOLD     sorted set: a room's messages, scored by msgid
 *   history-rooms    set: the folds that have a history key
 *   accounts         hash: fold -> {"nick", "hash", "created"}
 *   rooms            hash: fold -> {"name", "owner", "moderators",
 *                    "topic", "topic_by", "topic_ms"}
 *   bans             hash: ["room","mask"] -> {"by", "reason", "set",
 *                    "expires"}
 *
 * Values are JSON, so that redis-cli shows what a sysadmin can read.
 *
 * A room is a sorted set, not a stream: several nodes append to one room
 * with msgids from blocks of their own, which reach Redis out of msgid
 * order.  A stream's IDs must rise with each XADD, so they could not be
 * the msgids, and paging back "before a msgid" would need an index of
 * its own; a sorted set scored by msgid takes members in any order, pages
 * with ZREVRANGEBYSCORE and keeps history-max with ZREMRANGEBYRANK, each
 * O(log N + M).  Its members are unique by their msgid, so that a write
 * sent again after a lost connection changes nothing.
 */

/*
 * Reserve a block of msgids: ARGV[1] of them above both the counter and
 * ARGV[2] (the highest this node gave: after a long outage it may have
 * gone past its block).  Returns the block's top; the block is the
 * ARGV[1] msgids up to it, and no other node gets any of them.
 */
static const char store_redis_reserve_lua[] =
	"local top = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
	"if top - tonumber(ARGV[1]) < tonumber(ARGV[2]) then\n"
	"  top = tonumber(ARGV[2]) + tonumber(ARGV[1])\n"
	"  redis.call('SET', KEYS[1], top)\n"
	"end\n"
	"return top\n";

/*
 * One step of the prune by age, in Redis: a few rooms of the set KEYS[1]
 * from the cursor ARGV[2], each losing its oldest members (at most
 * ARGV[4]) sent before ARGV[3] ms; a room left empty leaves the set (a
 * node's append puts it back: it sends SADD after its ZADD).  Returns
 * the next cursor ("0": the sweep is over) and how many went.  msgids
 * rise with time, so that the oldest are the lowest scores.
 */
static const char store_redis_prune_lua[] =
	"local r = redis.call('SSCAN', KEYS[1], ARGV[2], 'COUNT', "
	    STORE_REDIS_SCAN ")\n"
	"local gone = 0\n"
	"for _, fold in ipairs(r[2]) do\n"
	"  local key = ARGV[1] .. fold\n"
	"  local n = 0\n"
	"  for _, m in ipairs(redis.call('ZRANGE', key, 0, "
	    "tonumber(ARGV[4]) - 1)) do\n"
	"    if cjson.decode(m).ts >= tonumber(ARGV[3]) then break end\n"
	"    n = n + 1\n"
	"  end\n"
	"  if n > 0 then\n"
	"    redis.call('ZREMRANGEBYRANK', key, 0, n - 1)\n"
	"    gone = gone + n\n"
	"  end\n"
	"  if redis.call('EXISTS', key) == 0 then\n"
	"    redis.call('SREM', KEYS[1], fold)\n"
	"  end\n"
	"end\n"
	"return {r[1], gone}\n";

/*
 * A write for Redis, formatted: sent at once, or kept while Redis is
 * away and sent again when it comes back (a connection lost under it
 * puts it back in the queue: each write may safely be done twice).
 */
struct store_redis_cmd {
	struct store_redis		*rs;
	char				*buf;
	size_t				 len;
	TAILQ_ENTRY(store_redis_cmd)	 entry;
};
TAILQ_HEAD(store_redis_cmds, store_redis_cmd);

/* A fetch under way, and its ticket. */
struct store_redis_fetch {
	struct store_redis	*rs;
	struct store_query	 q;		/* its fold our own */
	store_fetch_cb		*cb;
	void			*arg;
	int64_t			 now_ms;	/* for the age */
	struct store_ticket	 ticket;
};

struct store_redis {
	struct store_limits	 limits;
	struct redis_where	 at;		/* its name: the store key */
	char			*prefix;
	struct event_base	*base;
	struct store_cache	*cache;
	redisContext		*sync;		/* at start, until load */
	redisAsyncContext	*ac;		/* or NULL: Redis is away */
	redisAsyncContext	*ids;		/* msgid blocks, or NULL */
	bool			 closing;
	bool			 away;		/* logged: it is away */
	bool			 failing;	/* logged: writes fail */
	bool			 dropping;	/* logged: backlog full */
	unsigned int		 retry_ms;
	struct event		*retry;
	struct event		*flush;
	struct store_msg	**batch;	/* appended, not yet written */
	size_t			 nbatch;
	size_t			 capbatch;
	struct store_redis_cmds	 backlog;	/* for when it comes back */
	size_t			 backlog_bytes;
	size_t			 lost;		/* writes dropped */
	uint64_t		 last;		/* the last msgid given */
	uint64_t		 end;		/* the block's top */
	uint64_t		 next_start;	/* the next block, or 0 */
	uint64_t		 next_end;
	bool			 reserving;
	bool			 overrun;	/* logged: past the block */
	bool			 pruning;
	char			 cursor[32];	/* the prune's SSCAN */
	int64_t			 now_ms;	/* the last prune's clock */
};

static void	*store_redis_open(const struct store_limits *, const char *,
		    struct event_base *, char *, size_t);
static void	*store_redis_unix_open(const struct store_limits *,
		    const char *, struct event_base *, char *, size_t);
static int	 store_redis_check(const char *, char *, size_t);
static int	 store_redis_unix_check(const char *, char *, size_t);
static void	 store_redis_close(void *);
static uint64_t	 store_redis_last_msgid(void *);
static uint64_t	 store_redis_msgid(void *, uint64_t);
static int	 store_redis_append(void *, struct store_msg *);
static int	 store_redis_seen(void *, struct store_msg *);
static void	 store_redis_forget(void *, const char *);
static int	 store_redis_fetch(void *, const struct store_query *,
		    store_fetch_cb *, void *, struct store_ticket **);
static size_t	 store_redis_prune(void *, int64_t, size_t);
static int	 store_redis_account_put(void *, const struct store_account *);
static int	 store_redis_account_del(void *, const char *);
static int	 store_redis_room_put(void *, const struct store_room *);
static int	 store_redis_room_del(void *, const char *);
static int	 store_redis_ban_put(void *, const struct store_ban *);
static int	 store_redis_ban_del(void *, const char *, const char *);
static int	 store_redis_load(void *, const struct store_loader *, char *,
		    size_t);
static void	 store_redis_connect(struct store_redis *);

#define STORE_REDIS_HOOKS						\
	.path = true,							\
	.seen = store_redis_seen,					\
	.forget = store_redis_forget,					\
	.close = store_redis_close,					\
	.last_msgid = store_redis_last_msgid,				\
	.msgid = store_redis_msgid,					\
	.append = store_redis_append,					\
	.fetch = store_redis_fetch,					\
	.prune = store_redis_prune,					\
	.persistent = true,						\
	.account_put = store_redis_account_put,				\
	.account_del = store_redis_account_del,				\
	.room_put = store_redis_room_put,				\
	.room_del = store_redis_room_del,				\
	.ban_put = store_redis_ban_put,					\
	.ban_del = store_redis_ban_del,					\
	.load = store_redis_load

/* "redis://HOST:PORT[/DB]", the form of the cluster key. */
const struct store_backend store_redis = {
	.name = "redis",
	.form = "redis://HOST[:PORT][/DB]",
	.check = store_redis_check,
	.open = store_redis_open,
	STORE_REDIS_HOOKS
};

/* "redis+unix:/PATH": a Redis on this machine, through its socket. */
const struct store_backend store_redis_unix = {
	.name = "redis+unix",
	.form = "redis+unix:/PATH",
	.check = store_redis_unix_check,
	.open = store_redis_unix_open,
	STORE_REDIS_HOOKS
};

/* Called through store_known (--check-config): the key's form only. */
static int
store_redis_check(const char *path, char *err, size_t errlen)
{
	struct redis_where	w;

	return (redis_where_parse("store", path, &w, err, errlen));
}

static int
store_redis_unix_check(const char *path, char *err, size_t errlen)
{
	if (path[0] != '/' || strlen(path) >= PATH_MAX) {
		snprintf(err, errlen, "store 'redis+unix:%s' is not of the "
		    "form redis+unix:/PATH", path);
		return (-1);
	}
	return (0);
}

/* A key under the prefix: name, then fold (or nothing); NULL: no memory. */
static char *
store_redis_key(const struct store_redis *rs, const char *name,
    const char *fold)
{
	return (redis_key(rs->prefix, name, fold));
}

/* The wall clock, as message times are kept: for history-max-age. */
static int64_t
store_redis_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * A message as its member: JSON with the msgid first, so that members
 * differ, and the content as an object, as the SQLite store keeps it.
 * Written by hand, as frames are (json_put_string): it is done for every
 * message, on the loop.
 */
#define STORE_REDIS_MEMBER_HEAD	"{\"msgid\":%llu"
#define STORE_REDIS_MEMBER_TS	",\"ts\":%lld,\"room\":"
/*
 * Also the cluster's (cluster-msg.c), whose script puts the msgid in
 * front in Redis: with msgid 0, the member from ",\"ts\"" on.  end is
 * written last, as it is ("}" closes a whole member).
 */
char *
store_redis_member(uint64_t msgid, int64_t ts, const char *room,
    const char *from, const char *const *field, const char *const *value,
    size_t nfields, const char *end)
{
	char	*s, *p;
	size_t	 len, i;

	len = sizeof STORE_REDIS_MEMBER_HEAD + sizeof STORE_REDIS_MEMBER_TS +
	    2 * 20 + json_string_len(room) + sizeof ",\"from\":" +
	    json_string_len(from) + sizeof ",\"content\":{}" + strlen(end);
	for (i = 0; i < nfields; i++)
		len += json_string_len(field[i]) + json_string_len(value[i]) +
		    2;
	if ((s = malloc(len)) == NULL)
		return (NULL);
	p = s;
	if (msgid != 0)
		p += snprintf(p, len, STORE_REDIS_MEMBER_HEAD,
		    (unsigned long long)msgid);
	p += snprintf(p, len - (size_t)(p - s), STORE_REDIS_MEMBER_TS,
	    (long long)ts);
	p = json_put_string(p, room);
	p = stpcpy(p, ",\"from\":");
	p = json_put_string(p, from);
	p = stpcpy(p, ",\"content\":{");
	for (i = 0; i < nfields; i++) {
		if (i > 0)
			*p++ = ',';
		p = json_put_string(p, field[i]);
		*p++ = ':';
		p = json_put_string(p, value[i]);
	}
	*p++ = '}';
	stpcpy(p, end);
	return (s);
}

static char *
store_redis_encode(const struct store_msg *sm)
{
	return (store_redis_member(sm->msgid, sm->ts, sm->room, sm->from,
	    (const char *const *)sm->field, (const char *const *)sm->value,
	    sm->nfields, "}"));
}

/* A string member of o, or NULL. */
static const char *
store_redis_str(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

/* A number member of o, or 0. */
static int64_t
store_redis_num(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0);
}

/*
 * A member read back into a kept message of fold; NULL if it is not one.
 * Also the cluster's, for a join's replay (cluster-msg.c).
 */
struct store_msg *
store_redis_decode(const char *s, size_t len, const char *fold)
{
	struct store_msg	*sm = NULL;
	cJSON			*o, *item;
	const char		*field[EVT_MSG_FIELDS], *value[EVT_MSG_FIELDS];
	size_t			 n = 0;
	uint64_t		 msgid;

	if ((o = cJSON_ParseWithLength(s, len)) == NULL)
		return (NULL);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(o,
	    "content")) {
		if (!cJSON_IsString(item) || n == EVT_MSG_FIELDS)
			break;
		field[n] = item->string;
		value[n++] = item->valuestring;
	}
	msgid = (uint64_t)store_redis_num(o, "msgid");
	if (item == NULL && msgid != 0)
		sm = store_msg_new(msgid, store_redis_num(o, "ts"),
		    store_redis_str(o, "from"), store_redis_str(o, "room"),
		    fold, field, value, n);
	cJSON_Delete(o);
	return (sm);
}

/*
 * The members of a page, newest first, into messages of fold, up to the
 * first past history-max-age at now_ms; their number, or -1 when one is
 * not a message (or no memory).
 */
static ssize_t
store_redis_page(const struct store_redis *rs, const redisReply *r,
    const char *fold, int64_t now_ms, struct store_msg ***msgsp)
{
	struct store_msg	**msgs;
	size_t			  i, n = 0;

	*msgsp = NULL;
	if (r->elements == 0)
		return (0);
	if ((msgs = calloc(r->elements, sizeof *msgs)) == NULL)
		return (-1);
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    (msgs[n] = store_redis_decode(r->element[i]->str,
		    r->element[i]->len, fold)) == NULL)
			goto fail;
		if (rs->limits.max_age_ms != 0 &&
		    msgs[n]->ts < now_ms - rs->limits.max_age_ms) {
			store_msg_free(msgs[n]);
			break;
		}
		n++;
	}
	*msgsp = msgs;
	return ((ssize_t)n);
fail:
	while (n > 0)
		store_msg_free(msgs[--n]);
	free(msgs);
	return (-1);
}

/*
 * Called on the loop whenever the connection is lost or cannot be made:
 * one line for the outage, then a retry with backoff.
 */
static void
store_redis_away(struct store_redis *rs, const char *why)
{
	struct timeval	tv;

	rs->ac = NULL;
	if (rs->closing)
		return;
	if (!rs->away)
		log_error("%s: %s: history is kept in memory and writes "
		    "wait until Redis is back", rs->at.name, why);
	rs->away = true;
	rs->reserving = false;
	rs->pruning = false;
	tv.tv_sec = rs->retry_ms / 1000;
	tv.tv_usec = (rs->retry_ms % 1000) * 1000;
	evtimer_add(rs->retry, &tv);
	if ((rs->retry_ms *= 2) > REDIS_RETRY_MAX_MS)
		rs->retry_ms = REDIS_RETRY_MAX_MS;
}

/* A write came back: done, failed in Redis, or lost with the connection. */
static void
store_redis_written(redisAsyncContext *ac, void *reply, void *arg)
{
	struct store_redis_cmd	*cmd = arg;
	struct store_redis	*rs = cmd->rs;
	redisReply		*r = reply;

	(void)ac;
	if (r == NULL && !rs->closing) {
		/* Sent again once Redis is back; its order kept. */
		TAILQ_INSERT_TAIL(&rs->backlog, cmd, entry);
		rs->backlog_bytes += cmd->len;
		return;
	}
	if (r == NULL)
		rs->lost++;
	else if (r->type == REDIS_REPLY_ERROR) {
		if (!rs->failing)
			log_error("%s: writing: %s (the latest history stays "
			    "in memory meanwhile)", rs->at.name, r->str);
		rs->failing = true;
	} else if (rs->failing) {
		log_info("%s: writing again", rs->at.name);
		rs->failing = false;
	}
	free(cmd->buf);
	free(cmd);
}

/* cmd to Redis now, or to the backlog while it is away. */
static void
store_redis_send(struct store_redis *rs, struct store_redis_cmd *cmd)
{
	struct store_redis_cmd	*old;

	if (rs->ac != NULL && redisAsyncFormattedCommand(rs->ac,
	    store_redis_written, cmd, cmd->buf, cmd->len) == REDIS_OK)
		return;
	TAILQ_INSERT_TAIL(&rs->backlog, cmd, entry);
	rs->backlog_bytes += cmd->len;
	/* A bound on an outage's memory: the oldest writes go first. */
	while (rs->backlog_bytes > STORE_REDIS_BACKLOG &&
	    (old = TAILQ_FIRST(&rs->backlog)) != cmd) {
		if (!rs->dropping)
			log_error("%s: away too long: the oldest writes for "
			    "it are dropped", rs->at.name);
		rs->dropping = true;
		TAILQ_REMOVE(&rs->backlog, old, entry);
		rs->backlog_bytes -= old->len;
		rs->lost++;
		free(old->buf);
		free(old);
	}
}

/* A command of argc strings for Redis (formatted now); -1: no memory. */
static int
store_redis_command(struct store_redis *rs, int argc, const char **argv,
    const size_t *lens)
{
	struct store_redis_cmd	*cmd;
	char			*buf;
	int			 len;

	if ((len = redisFormatCommandArgv(&buf, argc, argv, lens)) < 0)
		return (-1);
	if ((cmd = calloc(1, sizeof *cmd)) == NULL ||
	    (cmd->buf = malloc((size_t)len)) == NULL) {
		free(cmd);
		redisFreeCommand(buf);
		return (-1);
	}
	/* Ours, not hiredis's allocator: freed as ours everywhere. */
	memcpy(cmd->buf, buf, (size_t)len);
	redisFreeCommand(buf);
	cmd->rs = rs;
	cmd->len = (size_t)len;
	store_redis_send(rs, cmd);
	return (0);
}

/* The same for strings that end in NUL: argv up to a NULL. */
static int
store_redis_strings(struct store_redis *rs, const char **argv)
{
	size_t	lens[8];
	int	argc;

	for (argc = 0; argv[argc] != NULL && argc < (int)nitems(lens); argc++)
		lens[argc] = strlen(argv[argc]);
	return (store_redis_command(rs, argc, argv, lens));
}

/*
 * A run of messages of one room (at most STORE_REDIS_ZADD) into Redis:
 * ZADD, then history-max kept, then the room named in history-rooms.
 */
static int
store_redis_write_room(struct store_redis *rs, struct store_msg **msgs,
    size_t n)
{
	const char	*argv[2 + 2 * STORE_REDIS_ZADD], *cmd[6];
	size_t		 lens[2 + 2 * STORE_REDIS_ZADD];
	char		 score[STORE_REDIS_ZADD][24], keep[24];
	char		*member[STORE_REDIS_ZADD], *key, *rooms;
	size_t		 i;
	int		 rc = -1;

	memset(member, 0, sizeof member);
	key = store_redis_key(rs, "history:", msgs[0]->fold);
	rooms = store_redis_key(rs, "history-rooms", NULL);
	if (key == NULL || rooms == NULL)
		goto out;
	argv[0] = "ZADD";
	argv[1] = key;
	for (i = 0; i < n; i++) {
		snprintf(score[i], sizeof score[i], "%llu",
		    (unsigned long long)msgs[i]->msgid);
		if ((member[i] = store_redis_encode(msgs[i])) == NULL)
			goto out;
		argv[2 + 2 * i] = score[i];
		argv[3 + 2 * i] = member[i];
	}
	for (i = 0; i < 2 + 2 * n; i++)
		lens[i] = strlen(argv[i]);
	if (store_redis_command(rs, (int)(2 + 2 * n), argv, lens) != 0)
		goto out;
	snprintf(keep, sizeof keep, "%lld", -(long long)rs->limits.max - 1);
	cmd[0] = "ZREMRANGEBYRANK";
	cmd[1] = key;
	cmd[2] = "0";
	cmd[3] = keep;
	cmd[4] = NULL;
	if (store_redis_strings(rs, cmd) != 0)
		goto out;
	cmd[0] = "SADD";
	cmd[1] = rooms;
	cmd[2] = msgs[0]->fold;
	cmd[3] = NULL;
	rc = store_redis_strings(rs, cmd);
out:
	for (i = 0; i < n; i++)
		free(member[i]);
	free(key);
	free(rooms);
	return (rc);
}

/*
 * The batch into commands, run of a room by run (a busy room's pass is
 * one ZADD): sent together at the loop's next write.
 */
static void
store_redis_flush(struct store_redis *rs)
{
	size_t	i, k;

	evtimer_del(rs->flush);
	for (i = 0; i < rs->nbatch; i = k) {
		for (k = i + 1; k < rs->nbatch && k - i < STORE_REDIS_ZADD &&
		    strcmp(rs->batch[k]->fold, rs->batch[i]->fold) == 0; k++)
			;
		if (store_redis_write_room(rs, rs->batch + i, k - i) != 0) {
			log_error("%s: out of memory writing history",
			    rs->at.name);
			rs->lost += k - i;
		}
	}
	for (i = 0; i < rs->nbatch; i++)
		store_msg_free(rs->batch[i]);
	rs->nbatch = 0;
}

static void
store_redis_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_redis_flush(arg);
}

static void
store_redis_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_redis_connect(arg);
}

static void
store_redis_connected(const redisAsyncContext *ac, int status)
{
	struct store_redis	*rs = ac->data;

	if (status != REDIS_OK) {
		/* hiredis frees ac when this returns. */
		store_redis_away(rs, ac->errstr);
		return;
	}
	rs->retry_ms = REDIS_RETRY_MS;
	if (rs->away)
		log_info("%s: connected again", rs->at.name);
	rs->away = rs->dropping = false;
}

static void
store_redis_disconnected(const redisAsyncContext *ac, int status)
{
	struct store_redis	*rs = ac->data;

	store_redis_away(rs, status == REDIS_OK ? "connection closed" :
	    ac->errstr);
}

/* The msgid connection failed or was lost: the main one serves. */
static void
store_redis_ids_lost(const redisAsyncContext *ac, int status)
{
	struct store_redis	*rs = ac->data;

	rs->ids = NULL;
}

static void
store_redis_ids_connected(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK)
		store_redis_ids_lost(ac, status);
}

/*
 * The connections from the loop: the main one for writes and pages,
 * what waited for Redis first, in order; and one for msgid blocks alone,
 * so that a block's answer never queues behind a flood of writes.
 */
static void
store_redis_connect(struct store_redis *rs)
{
	struct store_redis_cmds	 backlog = TAILQ_HEAD_INITIALIZER(backlog);
	struct store_redis_cmd	*cmd;
	const char		*why;

	if ((rs->ac = redis_dial(&rs->at, rs->base, rs,
	    store_redis_connected, store_redis_disconnected, &why)) == NULL) {
		store_redis_away(rs, why);
		return;
	}
	if (rs->ids == NULL)
		rs->ids = redis_dial(&rs->at, rs->base, rs,
		    store_redis_ids_connected, store_redis_ids_lost, &why);
	TAILQ_CONCAT(&backlog, &rs->backlog, entry);
	rs->backlog_bytes = 0;
	while ((cmd = TAILQ_FIRST(&backlog)) != NULL) {
		TAILQ_REMOVE(&backlog, cmd, entry);
		store_redis_send(rs, cmd);
	}
}

/* At start: a blocking connection, until load. */
static int
store_redis_sync(struct store_redis *rs, char *err, size_t errlen)
{
	return ((rs->sync = redis_connect_sync(&rs->at, err, errlen)) ==
	    NULL ? -1 : 0);
}

/* A command on the start's connection: its reply, or NULL and why. */
static redisReply *
store_redis_ask(struct store_redis *rs, int type, const char *what,
    char *err, size_t errlen, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(rs->sync, fmt, ap);
	va_end(ap);
	if (r != NULL && r->type == type)
		return (r);
	snprintf(err, errlen, "%s: %s: %s", rs->at.name, what, r == NULL ?
	    rs->sync->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
	    "unexpected reply");
	freeReplyObject(r);
	return (NULL);
}

/* At start: the first block of msgids; the last given is below it. */
static int
store_redis_first_block(struct store_redis *rs, char *err, size_t errlen)
{
	redisReply	*r;
	char		*key;

	if ((key = store_redis_key(rs, "msgid", NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	r = store_redis_ask(rs, REDIS_REPLY_INTEGER, "reserving msgids", err,
	    errlen, "EVAL %s 1 %s %d 0", store_redis_reserve_lua, key,
	    STORE_MSGID_BLOCK);
	free(key);
	if (r == NULL)
		return (-1);
	rs->end = (uint64_t)r->integer;
	rs->last = rs->end - STORE_MSGID_BLOCK;
	freeReplyObject(r);
	return (0);
}

/*
 * At start: each room's latest messages into the cache, read in one
 * pipeline (a room with more than the cache holds is partial).
 */
static int
store_redis_warm(struct store_redis *rs, char *err, size_t errlen)
{
	redisReply		 *rooms, *r;
	struct store_msg	**msgs;
	char			 *key;
	ssize_t			  n;
	size_t			  i;
	int			  rc = -1;

	if (rs->limits.cached == 0 || rs->limits.max == 0)
		return (0);
	if ((key = store_redis_key(rs, "history-rooms", NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	rooms = store_redis_ask(rs, REDIS_REPLY_ARRAY, "reading rooms", err,
	    errlen, "SMEMBERS %s", key);
	free(key);
	if (rooms == NULL)
		return (-1);
	for (i = 0; i < rooms->elements; i++) {
		if (redisAppendCommand(rs->sync, "ZREVRANGEBYSCORE %s%s%b "
		    "+inf -inf LIMIT 0 %llu", rs->prefix, "history:",
		    rooms->element[i]->str, rooms->element[i]->len,
		    (unsigned long long)rs->limits.cached + 1) != REDIS_OK)
			goto fail;
	}
	for (i = 0; i < rooms->elements; i++) {
		if (redisGetReply(rs->sync, (void **)&r) != REDIS_OK)
			goto fail;
		if (r->type != REDIS_REPLY_ARRAY ||
		    (n = store_redis_page(rs, r, rooms->element[i]->str,
		    rs->now_ms, &msgs)) < 0) {
			snprintf(err, errlen, "%s: history of %s cannot be "
			    "read", rs->at.name, rooms->element[i]->str);
			freeReplyObject(r);
			goto out;
		}
		freeReplyObject(r);
		/* The cache takes the holds. */
		if (store_cache_take(rs->cache, rooms->element[i]->str, msgs,
		    (size_t)n) != 0) {
			free(msgs);
			goto fail;
		}
		free(msgs);
	}
	if (store_cache_fill(rs->cache) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s: reading history: %s", rs->at.name,
	    rs->sync->err != 0 ? rs->sync->errstr : "out of memory");
out:
	freeReplyObject(rooms);
	return (rc);
}

/*
 * Called through store_new at start, on the loop: Redis must answer now
 * (else evchatd does not start); msgids get their first block, the
 * cache the latest of each room; then the loop's connection is made.
 */
static void *
store_redis_start(const struct store_limits *lim, const char *scheme,
    const char *path, struct event_base *base, char *err, size_t errlen)
{
	struct store_redis	*rs;

	if ((rs = calloc(1, sizeof *rs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	rs->limits = *lim;
	rs->base = base;
	rs->retry_ms = REDIS_RETRY_MS;
	snprintf(rs->cursor, sizeof rs->cursor, "0");
	TAILQ_INIT(&rs->backlog);
	if ((rs->prefix = strdup(lim->prefix != NULL ? lim->prefix :
	    STORE_PREFIX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (redis_where_open(&rs->at, scheme, path, lim->password_file, err,
	    errlen) != 0)
		goto fail;
	/* Other nodes may write the same rooms: the cache never has all. */
	if ((rs->cache = store_cache_new(lim, true, err, errlen)) == NULL)
		goto fail;
	rs->limits.cached = store_cache_per_room(rs->cache);
	rs->now_ms = store_redis_now_ms();
	if (store_redis_sync(rs, err, errlen) != 0 ||
	    store_redis_first_block(rs, err, errlen) != 0 ||
	    store_redis_warm(rs, err, errlen) != 0)
		goto fail;
	rs->flush = evtimer_new(base, store_redis_flush_cb, rs);
	rs->retry = evtimer_new(base, store_redis_retry_cb, rs);
	if (rs->flush == NULL || rs->retry == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	store_redis_connect(rs);
	return (rs);
fail:
	store_redis_close(rs);
	return (NULL);
}

static void *
store_redis_open(const struct store_limits *lim, const char *path,
    struct event_base *base, char *err, size_t errlen)
{
	return (store_redis_start(lim, "redis", path, base, err, errlen));
}

static void *
store_redis_unix_open(const struct store_limits *lim, const char *path,
    struct event_base *base, char *err, size_t errlen)
{
	return (store_redis_start(lim, "redis+unix", path, base, err,
	    errlen));
}

/*
 * Called by store_free at exit, on the loop: the batch goes out and is
 * waited for; fetches still out are called off (their callers are gone).
 */
static void
store_redis_close(void *p)
{
	struct store_redis	*rs = p;
	struct store_redis_cmd	*cmd;
	size_t			 i;

	if (rs == NULL)
		return;
	if (rs->flush != NULL)
		store_redis_flush(rs);
	rs->closing = true;
	/* --account never runs the loop: its change goes out here. */
	redis_drain(&rs->ac);
	if (rs->ac != NULL)
		redisAsyncFree(rs->ac);
	if (rs->ids != NULL)
		redisAsyncFree(rs->ids);
	while ((cmd = TAILQ_FIRST(&rs->backlog)) != NULL) {
		TAILQ_REMOVE(&rs->backlog, cmd, entry);
		rs->lost++;
		free(cmd->buf);
		free(cmd);
	}
	if (rs->lost != 0)
		log_error("%s: %zu writes could not be made", rs->at.name,
		    rs->lost);
	for (i = 0; i < rs->nbatch; i++)
		store_msg_free(rs->batch[i]);
	free(rs->batch);
	if (rs->flush != NULL)
		event_free(rs->flush);
	if (rs->retry != NULL)
		event_free(rs->retry);
	if (rs->sync != NULL)
		redisFree(rs->sync);
	store_cache_free(rs->cache);
	redis_where_clear(&rs->at);
	free(rs->prefix);
	free(rs);
}

static uint64_t
store_redis_last_msgid(void *p)
{
	struct store_redis	*rs = p;

	return (rs->last);
}

/* The reply to a block's reservation: the next block, above last. */
static void
store_redis_reserved(redisAsyncContext *ac, void *reply, void *arg)
{
	struct store_redis	*rs = arg;
	redisReply		*r = reply;
	uint64_t		 top;

	(void)ac;
	rs->reserving = false;
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		if (r != NULL)
			log_error("%s: reserving msgids: %s", rs->at.name,
			    r->type == REDIS_REPLY_ERROR ? r->str :
			    "unexpected reply");
		return;
	}
	top = (uint64_t)r->integer;
	/* Gone past it meanwhile: the next msgid asks again. */
	if (top <= rs->last)
		return;
	rs->next_end = top;
	rs->next_start = top - STORE_MSGID_BLOCK + 1;
	if (rs->next_start <= rs->last)
		rs->next_start = rs->last + 1;
}

/*
 * Called by store_msgid for each msgid: from the block in hand, the next
 * one asked for as soon as this one is begun, on the msgid connection
 * (on the main one, behind the writes, when that is lost).  Should it
 * not have come (Redis away under heavy traffic), msgids go on past the
 * block: still rising and unique on this node, and the next block is
 * reserved above them; only another node sharing the Redis could then
 * give one twice.
 */
static uint64_t
store_redis_msgid(void *p, uint64_t last)
{
	struct store_redis	*rs = p;
	char			*key;

	if (last >= rs->end && rs->next_end > last) {
		if (last < rs->next_start - 1)
			last = rs->next_start - 1;
		rs->end = rs->next_end;
		rs->next_end = 0;
		rs->overrun = false;
	} else if (last >= rs->end && !rs->overrun) {
		log_error("%s: no block of msgids from Redis in time: going "
		    "on past %llu", rs->at.name, (unsigned long long)rs->end);
		rs->overrun = true;
	}
	rs->last = last + 1;
	if (!rs->reserving && rs->next_end == 0 && rs->ac != NULL &&
	    (key = store_redis_key(rs, "msgid", NULL)) != NULL) {
		if (redisAsyncCommand(rs->ids != NULL ? rs->ids : rs->ac,
		    store_redis_reserved, rs,
		    "EVAL %s 1 %s %d %llu", store_redis_reserve_lua, key,
		    STORE_MSGID_BLOCK, (unsigned long long)(rs->end > rs->last ?
		    rs->end : rs->last)) == REDIS_OK)
			rs->reserving = true;
		free(key);
	}
	return (rs->last);
}

/*
 * Called through store_append for each room message: the cache takes the
 * caller's hold on msg, the batch one of its own; the batch goes to Redis
 * within STORE_REDIS_BATCH_US, or sooner with a fetch.
 */
static int
store_redis_append(void *p, struct store_msg *msg)
{
	static const struct timeval	 tv = { 0, STORE_REDIS_BATCH_US };
	struct store_redis		*rs = p;
	struct store_msg		**b;
	size_t				  cap;

	if (rs->nbatch == rs->capbatch) {
		cap = rs->capbatch == 0 ? 64 : rs->capbatch * 2;
		if ((b = reallocarray(rs->batch, cap, sizeof *b)) == NULL)
			return (-1);
		rs->batch = b;
		rs->capbatch = cap;
	}
	rs->batch[rs->nbatch++] = store_msg_ref(msg);
	if (!evtimer_pending(rs->flush, NULL))
		evtimer_add(rs->flush, &tv);
	return (store_cache_append(rs->cache, msg));
}

/*
 * Called through store_seen for each room message the cluster's script
 * put in Redis itself: the cache alone takes it (and the caller's hold).
 */
static int
store_redis_seen(void *p, struct store_msg *msg)
{
	struct store_redis	*rs = p;

	return (store_cache_append(rs->cache, msg));
}

/* Called through store_forget: the cache keeps nothing of fold (or all). */
static void
store_redis_forget(void *p, const char *fold)
{
	struct store_redis	*rs = p;

	store_cache_forget(rs->cache, fold);
}

/* A page from Redis, or why not: to the fetch's caller. */
static void
store_redis_fetched(redisAsyncContext *ac, void *reply, void *arg)
{
	struct store_redis_fetch	 *f = arg;
	struct store_redis		 *rs = f->rs;
	redisReply			 *r = reply;
	struct store_msg		**msgs;
	ssize_t				  n;
	char				  err[256];

	(void)ac;
	if (f->ticket.cancelled || rs->closing)
		f->cb(f->arg, NULL, 0, false, store_cancelled);
	else if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		snprintf(err, sizeof err, "%s: reading history: %s",
		    rs->at.name, r == NULL ? "connection lost" :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		f->cb(f->arg, NULL, 0, false, err);
	} else if ((n = store_redis_page(rs, r, f->q.fold, f->now_ms,
	    &msgs)) < 0) {
		snprintf(err, sizeof err, "%s: history of %s cannot be read",
		    rs->at.name, f->q.fold);
		f->cb(f->arg, NULL, 0, false, err);
	} else {
		store_cache_answer(&f->q, msgs, (size_t)n, f->cb, f->arg);
		while (n > 0)
			store_msg_free(msgs[--n]);
		free(msgs);
	}
	free((char *)f->q.fold);
	free(f);
}

/* Called through store_fetch: the cache answers at once, or Redis. */
static int
store_redis_fetch(void *p, const struct store_query *q, store_fetch_cb *cb,
    void *arg, struct store_ticket **ticket)
{
	struct store_redis		*rs = p;
	struct store_redis_fetch	*f;
	char				 max[24], min[24];
	bool				 answered;

	if (store_cache_fetch(rs->cache, q, cb, arg, &answered) != 0)
		return (-1);
	if (answered)
		return (0);
	/* Redis must have every message the cache was given. */
	store_redis_flush(rs);
	if (rs->ac == NULL) {
		cb(arg, NULL, 0, false, "Redis is away");
		return (0);
	}
	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->q.fold = strdup(q->fold)) == NULL) {
		free(f);
		return (-1);
	}
	f->rs = rs;
	f->q.before = q->before;
	f->q.after = q->after;
	f->q.oldest = q->oldest;
	f->q.limit = q->limit;
	f->q.budget = q->budget;
	f->cb = cb;
	f->arg = arg;
	/* Past history-max-age by the loop's clock, as the cache is. */
	f->now_ms = rs->now_ms;
	if (q->before != 0)
		snprintf(max, sizeof max, "(%llu",
		    (unsigned long long)q->before);
	else
		snprintf(max, sizeof max, "+inf");
	if (q->after != 0)
		snprintf(min, sizeof min, "(%llu",
		    (unsigned long long)q->after);
	else
		snprintf(min, sizeof min, "-inf");
	/*
	 * One more than asked says whether more are left; paging forward
	 * reads from the range's oldest end.
	 */
	if (redisAsyncCommand(rs->ac, store_redis_fetched, f,
	    "%s %s%s%s %s %s LIMIT 0 %llu", q->oldest ? "ZRANGEBYSCORE" :
	    "ZREVRANGEBYSCORE", rs->prefix, "history:", q->fold,
	    q->oldest ? min : max, q->oldest ? max : min,
	    (unsigned long long)q->limit + 1) != REDIS_OK) {
		free((char *)f->q.fold);
		free(f);
		cb(arg, NULL, 0, false, "Redis is away");
		return (0);
	}
	*ticket = &f->ticket;
	return (0);
}

/* A prune step came back: the next right away while the sweep goes on. */
static void
store_redis_pruned(redisAsyncContext *ac, void *reply, void *arg)
{
	struct store_redis	*rs = arg;
	redisReply		*r = reply;

	(void)ac;
	rs->pruning = false;
	if (r == NULL || rs->closing)
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		log_error("%s: pruning history: %s", rs->at.name,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		return;
	}
	snprintf(rs->cursor, sizeof rs->cursor, "%s", r->element[0]->str);
	if (strcmp(rs->cursor, "0") != 0)
		store_redis_prune(rs, rs->now_ms, 0);
}

/*
 * Called from the loop every second: the cache drops what is past its
 * age at once; Redis a few rooms a step, in a script, one step out at a
 * time, a sweep over all rooms a second at most.  (history-max is kept
 * at each write: see store_redis_write_room.)
 */
static size_t
store_redis_prune(void *p, int64_t now_ms, size_t budget)
{
	struct store_redis	*rs = p;
	char			*rooms;
	size_t			 n;

	rs->now_ms = now_ms;
	n = store_cache_prune(rs->cache, now_ms, budget);
	if (rs->limits.max_age_ms == 0 || rs->pruning || rs->ac == NULL ||
	    (rooms = store_redis_key(rs, "history-rooms", NULL)) == NULL)
		return (n);
	if (redisAsyncCommand(rs->ac, store_redis_pruned, rs,
	    "EVAL %s 1 %s %s%s %s %lld %d", store_redis_prune_lua, rooms,
	    rs->prefix, "history:", rs->cursor,
	    (long long)(now_ms - rs->limits.max_age_ms), STORE_PRUNE_STEP) ==
	    REDIS_OK)
		rs->pruning = true;
	free(rooms);
	return (n);
}

/*
 * The lasting state, written behind: one HSET or HDEL a change, its
 * value JSON, in order with the rest.
 */
static int
store_redis_hash(struct store_redis *rs, const char *hash, const char *field,
    cJSON *value)
{
	const char	*argv[5];
	char		*key, *text = NULL;
	int		 rc = -1;

	if ((key = store_redis_key(rs, hash, NULL)) == NULL ||
	    (value != NULL && (text = cJSON_PrintUnformatted(value)) == NULL))
		goto out;
	argv[0] = value != NULL ? "HSET" : "HDEL";
	argv[1] = key;
	argv[2] = field;
	argv[3] = text;
	argv[4] = NULL;
	rc = store_redis_strings(rs, argv);
out:
	cJSON_Delete(value);
	cJSON_free(text);
	free(key);
	return (rc);
}

/* A string member of o, or null; false when out of memory. */
static bool
store_redis_add(cJSON *o, const char *name, const char *s)
{
	return ((s != NULL ? cJSON_AddStringToObject(o, name, s) :
	    cJSON_AddNullToObject(o, name)) != NULL);
}

static int
store_redis_account_put(void *p, const struct store_account *a)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	if (!store_redis_add(o, "nick", a->nick) ||
	    !store_redis_add(o, "hash", a->hash) ||
	    cJSON_AddNumberToObject(o, "created", (double)a->created_ms) ==
	    NULL) {
		cJSON_Delete(o);
		return (-1);
	}
	return (store_redis_hash(p, "accounts", a->fold, o));
}

static int
store_redis_account_del(void *p, const char *fold)
{
	return (store_redis_hash(p, "accounts", fold, NULL));
}

static int
store_redis_room_put(void *p, const struct store_room *r)
{
	cJSON	*o, *mods;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	if (!store_redis_add(o, "name", r->name) ||
	    !store_redis_add(o, "owner", r->owner) ||
	    (mods = cJSON_AddArrayToObject(o, "moderators")) == NULL ||
	    !store_redis_add(o, "topic", r->topic) ||
	    !store_redis_add(o, "topic_by", r->topic_by) ||
	    cJSON_AddNumberToObject(o, "topic_ms", (double)r->topic_ms) ==
	    NULL)
		goto fail;
	for (i = 0; i < r->nmoderators; i++) {
		if (!cJSON_AddItemToArray(mods,
		    cJSON_CreateString(r->moderators[i])))
			goto fail;
	}
	return (store_redis_hash(p, "rooms", r->fold, o));
fail:
	cJSON_Delete(o);
	return (-1);
}

static int
store_redis_room_del(void *p, const char *fold)
{
	return (store_redis_hash(p, "rooms", fold, NULL));
}

static int
store_redis_ban_put(void *p, const struct store_ban *b)
{
	cJSON	*o;
	char	*field;
	int	 rc;

	if ((field = redis_pair(b->room, b->mask)) == NULL)
		return (-1);
	if ((o = cJSON_CreateObject()) == NULL ||
	    !store_redis_add(o, "by", b->by) ||
	    !store_redis_add(o, "reason", b->reason) ||
	    cJSON_AddNumberToObject(o, "set", (double)b->set_ms) == NULL ||
	    cJSON_AddNumberToObject(o, "expires", (double)b->expires_ms) ==
	    NULL) {
		cJSON_Delete(o);
		cJSON_free(field);
		return (-1);
	}
	rc = store_redis_hash(p, "bans", field, o);
	cJSON_free(field);
	return (rc);
}

static int
store_redis_ban_del(void *p, const char *room, const char *mask)
{
	char	*field;
	int	 rc;

	if ((field = redis_pair(room, mask)) == NULL)
		return (-1);
	rc = store_redis_hash(p, "bans", field, NULL);
	cJSON_free(field);
	return (rc);
}

/* One entry of a hash read at load, its value parsed; 0 or the loader's. */
typedef int	store_redis_entry_cb(const struct store_loader *, const char *,
		    const cJSON *);

static int
store_redis_load_account(const struct store_loader *l, const char *fold,
    const cJSON *o)
{
	struct store_account	a;

	a.fold = fold;
	a.nick = store_redis_str(o, "nick");
	a.hash = store_redis_str(o, "hash");
	a.created_ms = store_redis_num(o, "created");
	if (a.nick == NULL || a.hash == NULL)
		return (-1);
	return (l->account(l->arg, &a));
}

static int
store_redis_load_room(const struct store_loader *l, const char *fold,
    const cJSON *o)
{
	struct store_room	 r;
	const cJSON		*mods, *m;
	const char		**list;
	size_t			  n = 0;
	int			  rc;

	r.fold = fold;
	r.name = store_redis_str(o, "name");
	r.owner = store_redis_str(o, "owner");
	r.topic = store_redis_str(o, "topic");
	r.topic_by = store_redis_str(o, "topic_by");
	r.topic_ms = store_redis_num(o, "topic_ms");
	mods = cJSON_GetObjectItemCaseSensitive(o, "moderators");
	if (r.name == NULL || !cJSON_IsArray(mods) ||
	    (list = calloc((size_t)cJSON_GetArraySize(mods) + 1,
	    sizeof *list)) == NULL)
		return (-1);
	cJSON_ArrayForEach(m, mods) {
		if (cJSON_IsString(m))
			list[n++] = m->valuestring;
	}
	r.moderators = list;
	r.nmoderators = n;
	rc = l->room(l->arg, &r);
	free(list);
	return (rc);
}

static int
store_redis_load_ban(const struct store_loader *l, const char *field,
    const cJSON *o)
{
	struct store_ban	 b;
	cJSON			*key;
	int			 rc = -1;

	if ((key = cJSON_Parse(field)) == NULL)
		return (-1);
	if (cJSON_GetArraySize(key) == 2 &&
	    cJSON_IsString(cJSON_GetArrayItem(key, 0)) &&
	    cJSON_IsString(cJSON_GetArrayItem(key, 1))) {
		b.room = cJSON_GetArrayItem(key, 0)->valuestring;
		b.mask = cJSON_GetArrayItem(key, 1)->valuestring;
		b.by = store_redis_str(o, "by");
		b.reason = store_redis_str(o, "reason");
		b.set_ms = store_redis_num(o, "set");
		b.expires_ms = store_redis_num(o, "expires");
		if (b.by != NULL)
			rc = l->ban(l->arg, &b);
	}
	cJSON_Delete(key);
	return (rc);
}

/* Every entry of one hash to cb; -1 and why in err. */
static int
store_redis_load_hash(struct store_redis *rs, const char *hash,
    store_redis_entry_cb *cb, const struct store_loader *l, char *err,
    size_t errlen)
{
	redisReply	*r;
	cJSON		*o;
	size_t		 i;
	int		 rc = 0;

	if ((r = store_redis_ask(rs, REDIS_REPLY_ARRAY, "reading", err, errlen,
	    "HGETALL %s%s", rs->prefix, hash)) == NULL)
		return (-1);
	for (i = 0; i + 1 < r->elements && rc == 0; i += 2) {
		if ((o = cJSON_ParseWithLength(r->element[i + 1]->str,
		    r->element[i + 1]->len)) == NULL ||
		    (rc = cb(l, r->element[i]->str, o)) != 0)
			snprintf(err, errlen, "%s: %s%s: %s was refused or is "
			    "not readable", rs->at.name, rs->prefix, hash,
			    r->element[i]->str);
		if (o == NULL)
			rc = -1;
		cJSON_Delete(o);
	}
	freeReplyObject(r);
	return (rc == 0 ? 0 : -1);
}

/*
 * Called once at start, on the loop, before it serves anyone: every
 * account, room and ban to the loader, on the start's connection, which
 * is then closed.
 */
static int
store_redis_load(void *p, const struct store_loader *l, char *err,
    size_t errlen)
{
	struct store_redis	*rs = p;
	int			 rc;

	if (rs->sync == NULL) {
		snprintf(err, errlen, "%s: loaded once already", rs->at.name);
		return (-1);
	}
	rc = store_redis_load_hash(rs, "accounts", store_redis_load_account,
	    l, err, errlen) != 0 || store_redis_load_hash(rs, "rooms",
	    store_redis_load_room, l, err, errlen) != 0 ||
	    store_redis_load_hash(rs, "bans", store_redis_load_ban, l, err,
	    errlen) != 0 ? -1 : 0;
	redisFree(rs->sync);
	rs->sync = NULL;
	return (rc);
}

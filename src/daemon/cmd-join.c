/* cmd-join.c: the join request: the limits on membership, the joined reply with a page of the member
 * list and the presence the other members see; it knows nothing of sockets or wire formats. */

#include <string.h>

#include "server.h"
#include "store.h"

static int	cmd_join_exec(struct client *, struct request *);

const struct cmd_entry cmd_join_entry = {
	.type = "join",
	.flags = CMD_REGISTERED,
	.exec = cmd_join_exec,
};

/* The joined reply, then the replay of what it says follows. */
struct cmd_join_ctx {
	struct client	*client;
	struct request	*req;
	cJSON		*reply;
	bool		 done;
	bool		 failed;
};

/*
 * A page of the room's latest messages is ready: joined says how many,
 * and they go to the joiner before any live message of the room can.
 */
static void
cmd_join_replay_cb(void *arg, const struct store_msg *const *msgs, size_t n,
    bool more, const char *err)
{
	struct cmd_join_ctx	*ctx = arg;

	(void)more;
	ctx->done = true;
	if (err != NULL) {
		log_warn("history replay: %s", err);
		ctx->failed = true;
		n = 0;
	}
	cJSON_AddNumberToObject(ctx->reply, "history", (double)n);
	cmd_reply(ctx->client, ctx->req, ctx->reply);
	cmd_history_replay(ctx->client, msgs, n);
}

/*
 * The topic members of joined, when there is a topic, take from the
 * page's budget: {"topic":,"topic_by":,"topic_ts":} and their values.
 */
#define CMD_JOIN_TOPIC_ENVELOPE	64
static void
cmd_join_topic_budget(struct cmd_page *pg, const struct room *r)
{
	size_t	len;

	if (r->topic == NULL)
		return;
	len = CMD_JOIN_TOPIC_ENVELOPE + json_string_len(r->topic) +
	    json_string_len(r->topic_by);
	pg->left = len < pg->left ? pg->left - len : 0;
}

/*
 * The join: checked, then c enters the room, gets joined and the replay
 * it asked for, and the members see it come.  In a cluster the replay
 * comes from Redis (cluster_join): the request waits for it (CMD_HELD),
 * and c enters the room when it comes back, given (its n messages,
 * newest first), in its place among the room's messages.
 */
static int
cmd_join_do(struct client *c, struct request *req, struct store_msg **given,
    size_t ngiven, bool replayed)
{
	const struct config	*cf = c->server->config;
	struct room		*r;
	const char		*name;
	struct cmd_page		 pg;
	cJSON			*reply;
	struct cmd_who_extra	 x;
	const cJSON		*want;
	struct cmd_join_ctx	 ctx;
	struct store_query	 q;
	struct store_ticket	*ticket;
	struct ban		*b;
	uint64_t		 history;
	char			 nfc[NAME_ROOM_SIZE], fold[NAME_FOLD_MAX + 1];

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	/* Asked for, never imposed: a v1 client sees no new frame. */
	if (cmd_number(req, "history", 0, cf->history_max_replay, 0,
	    &history) != 0)
		return (-1);
	want = cJSON_GetObjectItemCaseSensitive(req->obj, "history");
	r = room_find(c->server, name);
	if (r != NULL && room_has(r, c))
		return (cmd_error(req, ERR_ALREADY_IN_ROOM, "already in %s",
		    r->name));
	if (cf->max_rooms_per_client != 0 &&
	    c->nrooms >= cf->max_rooms_per_client)
		return (cmd_error(req, ERR_TOO_MANY_ROOMS,
		    "already in %u rooms", cf->max_rooms_per_client));
	if (room_fold(name, nfc, fold) == 0 &&
	    (b = ban_room_match(c->server, fold, c)) != NULL &&
	    role_of(c, r) == ROLE_NONE)
		return (cmd_error(req, ERR_BANNED, "banned from %s%s%s",
		    r != NULL ? r->name : nfc, b->reason != NULL ? ": " : "",
		    b->reason != NULL ? b->reason : ""));
	if (r != NULL && cf->max_members_per_room != 0 &&
	    r->nmembers >= cf->max_members_per_room)
		return (cmd_error(req, ERR_ROOM_FULL, "%s has %u members",
		    r->name, cf->max_members_per_room));
	if (!replayed && want != NULL && history > 0 &&
	    c->server->cluster != NULL && cluster_join(c->server->cluster, c,
	    req, fold, (size_t)history) == 0)
		return (CMD_HELD);
	if ((r = room_join(c->server, name, c)) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	log_debug("%s joined %s", c->nick, r->name);
	reply = cmd_object("joined");
	cJSON_AddStringToObject(reply, "room", r->name);
	cmd_topic_members(r, reply);
	/* A long member list is cut: who {room, after} pages the rest. */
	cmd_page_init(&pg, c, req, r->name);
	cmd_join_topic_budget(&pg, r);
	cmd_who_extra_init(&x, r);
	cJSON_AddItemToObject(reply, "members", cmd_who_nicks(r->members,
	    r->nmembers, NULL, &pg, &x));
	cmd_who_extra_end(&x, reply);
	cmd_page_end(&pg, reply);
	if (want == NULL) {
		cmd_reply(c, req, reply);
		presence_room(c, r, "join", NULL);
		return (0);
	}
	ctx.client = c;
	ctx.req = req;
	ctx.reply = reply;
	ctx.done = ctx.failed = false;
	memset(&q, 0, sizeof q);
	q.fold = r->fold;
	q.limit = history;
	q.budget = cf->history_replay_bytes;
	/*
	 * At once, from what the store holds in memory (every backend keeps
	 * at least history-max-replay of a room there), so that no live
	 * message of the room can come between joined and the replay.
	 */
	q.at_once = true;
	if (replayed)
		store_cache_answer(&q, given, ngiven, cmd_join_replay_cb, &ctx);
	else if (store_fetch(c->server->store, &q, cmd_join_replay_cb, &ctx,
	    &ticket) != 0)
		cmd_join_replay_cb(&ctx, NULL, 0, false, "out of memory");
	if (!ctx.done) {
		cJSON_Delete(reply);
		return (cmd_close(req, ERR__COUNT, "history store failed"));
	}
	presence_room(c, r, "join", NULL);
	return (0);
}

static int
cmd_join_exec(struct client *c, struct request *req)
{
	return (cmd_join_do(c, req, NULL, 0, false));
}

/*
 * Called by the cluster when the replay of c's held join comes back from
 * Redis (n messages, newest first; the caller keeps them), or, msgs NULL,
 * when Redis went away meanwhile: then the join is done as on one node.
 */
void
cmd_join_replayed(struct client *c, struct store_msg **msgs, size_t n)
{
	struct request	 req;
	int		 rc;

	cmd_resume(c, &req, "join");
	rc = cmd_join_do(c, &req, msgs, n, msgs != NULL);
	cmd_resumed(c, &req, rc);
}

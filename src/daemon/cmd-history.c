/* cmd-history.c: the history request, paging back through a room's kept messages, and the replay that
 * it and join send (history:true msg frames to one client); it asks the store, never a backend. */

#include "server.h"
#include "store.h"

#define CMD_HISTORY_LIMIT	50	/* a page when the request says not */

static int	cmd_history_exec(struct client *, struct request *);

const struct cmd_entry cmd_history_entry = {
	.type = "history",
	.flags = CMD_REGISTERED,
	.exec = cmd_history_exec,
};

/* Called by a fetch's callback: the page to c alone, as first delivered. */
void
cmd_history_replay(struct client *c, const struct store_msg *const *msgs,
    size_t n)
{
	struct evt	e;
	size_t		i;

	for (i = 0; i < n; i++) {
		store_msg_evt(msgs[i], &e);
		client_send(c, &e);
		evt_clear(&e);
	}
}

/* What the history callback needs of the request. */
struct cmd_history_ctx {
	struct client	*client;
	struct request	*req;
	const char	*room;
	bool		 done;
	bool		 failed;	/* the store could not answer */
};

static void
cmd_history_cb(void *arg, const struct store_msg *const *msgs, size_t n,
    bool more, const char *err)
{
	struct cmd_history_ctx	*ctx = arg;
	cJSON			*reply;

	ctx->done = true;
	if (err != NULL) {
		log_warn("history of %s: %s", ctx->room, err);
		ctx->failed = true;
		return;
	}
	cmd_history_replay(ctx->client, msgs, n);
	reply = cmd_object("history");
	cJSON_AddStringToObject(reply, "room", ctx->room);
	cJSON_AddNumberToObject(reply, "count", (double)n);
	cJSON_AddBoolToObject(reply, "more", more);
	cmd_reply(ctx->client, ctx->req, reply);
}

static int
cmd_history_exec(struct client *c, struct request *req)
{
	const struct config	*cf = c->server->config;
	struct cmd_history_ctx	 ctx;
	struct store_query	 q;
	struct room		*r;
	const char		*name;
	uint64_t		 before, limit;

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	if (cmd_number(req, "before", 1, 9007199254740991.0, 0,
	    &before) != 0 ||
	    cmd_number(req, "limit", 1, STORE_PAGE_MAX,
	    CMD_HISTORY_LIMIT, &limit) != 0)
		return (-1);
	r = room_find(c->server, name);
	if (r == NULL || !room_has(r, c))
		return (cmd_error(req, ERR_NOT_IN_ROOM, "not in %s", name));
	ctx.client = c;
	ctx.req = req;
	ctx.room = r->name;
	ctx.done = false;
	ctx.failed = false;
	q.fold = r->fold;
	q.before = before;
	q.limit = limit;
	q.budget = cf->history_replay_bytes;
	if (store_fetch(c->server->store, &q, cmd_history_cb, &ctx) != 0)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	/*
	 * The memory store answers at once.  A store that answers later will
	 * need the request held (client_hold, CMD_HELD, as hello's password
	 * check): ctx then lives on the heap.  Not yet: none is built in.
	 */
	if (!ctx.done || ctx.failed)
		return (cmd_close(req, ERR__COUNT, "history store failed"));
	return (0);
}

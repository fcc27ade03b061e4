/* cmd-history.c: the history request, paging back through a room's kept messages, and the replay that
 * it and join send (history:true msg frames to one client); it asks the store, never a backend. */

#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store.h"

#define CMD_HISTORY_LIMIT	50	/* a page when the request says not */
#define CMD_HISTORY_MSGID_MAX	9007199254740991.0	/* 2^53 - 1: JSON */

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

/*
 * A fetch of a page, from the request until its answer.  A page the store
 * has at once is answered within the request (req set); one that comes
 * later finds the client held (req NULL, the re kept on the client).
 */
struct cmd_history_ctx {
	struct client	*client;
	struct request	*req;
	char		*room;		/* as members see it */
	bool		 failed;
};

/* The page, then the reply that says where paging stands. */
static int
cmd_history_page(struct cmd_history_ctx *ctx, struct request *req,
    const struct store_msg *const *msgs, size_t n, bool more, const char *err)
{
	cJSON	*reply;

	if (err != NULL) {
		log_warn("history of %s: %s", ctx->room, err);
		return (cmd_error(req, ERR_UNAVAILABLE, "the history of %s "
		    "cannot be read now", ctx->room));
	}
	cmd_history_replay(ctx->client, msgs, n);
	reply = cmd_object("history");
	cJSON_AddStringToObject(reply, "room", ctx->room);
	cJSON_AddNumberToObject(reply, "count", (double)n);
	cJSON_AddBoolToObject(reply, "more", more);
	cmd_reply(ctx->client, req, reply);
	return (0);
}

static void
cmd_history_ctx_free(struct cmd_history_ctx *ctx)
{
	free(ctx->room);
	free(ctx);
}

/*
 * The store's answer.  Within the request, exec goes on; later, this ends
 * the held request and takes the client's input up again; cancelled (the
 * client closed meanwhile), only ctx goes.
 */
static void
cmd_history_cb(void *arg, const struct store_msg *const *msgs, size_t n,
    bool more, const char *err)
{
	struct cmd_history_ctx	*ctx = arg;
	struct client		*c = ctx->client;
	struct request		 req;

	if (err == store_cancelled) {
		cmd_history_ctx_free(ctx);
		return;
	}
	if (ctx->req != NULL) {
		ctx->failed = cmd_history_page(ctx, ctx->req, msgs, n, more,
		    err) != 0;
		return;
	}
	c->store_ticket = NULL;
	memset(&req, 0, sizeof req);
	req.type = "history";
	req.code = ERR__COUNT;
	req.re = c->held_re;
	c->held_re = NULL;
	cmd_done(c, &req, cmd_history_page(ctx, &req, msgs, n, more, err));
	cmd_history_ctx_free(ctx);
	client_release(c);
}

static int
cmd_history_exec(struct client *c, struct request *req)
{
	const struct config	*cf = c->server->config;
	struct cmd_history_ctx	*ctx;
	struct store_ticket	*ticket;
	struct store_query	 q;
	struct room		*r;
	const char		*name;
	uint64_t		 before, after, limit;

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	if (cmd_number(req, "before", 1, CMD_HISTORY_MSGID_MAX, 0,
	    &before) != 0 ||
	    cmd_number(req, "after", 0, CMD_HISTORY_MSGID_MAX, 0,
	    &after) != 0 ||
	    cmd_number(req, "limit", 1, STORE_PAGE_MAX,
	    CMD_HISTORY_LIMIT, &limit) != 0)
		return (-1);
	r = room_find(c->server, name);
	if (r == NULL || !room_has(r, c))
		return (cmd_error(req, ERR_NOT_IN_ROOM, "not in %s", name));
	if ((ctx = calloc(1, sizeof *ctx)) == NULL ||
	    (ctx->room = strdup(r->name)) == NULL) {
		free(ctx);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	ctx->client = c;
	ctx->req = req;
	memset(&q, 0, sizeof q);
	q.fold = r->fold;
	q.before = before;
	/* After a msgid, a page goes forward from it: catching up. */
	q.after = after;
	q.oldest = cJSON_GetObjectItemCaseSensitive(req->obj, "after") != NULL;
	q.limit = limit;
	q.budget = cf->history_replay_bytes;
	if (store_fetch(c->server->store, &q, cmd_history_cb, ctx,
	    &ticket) != 0) {
		cmd_history_ctx_free(ctx);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	if (ticket == NULL) {
		/* Answered already (the page was in memory). */
		int rc = ctx->failed ? -1 : 0;

		cmd_history_ctx_free(ctx);
		return (rc);
	}
	/* Read from disk: nothing more of c's is looked at meanwhile. */
	ctx->req = NULL;
	client_hold(c, req, NULL, NULL);
	c->store_ticket = ticket;
	return (CMD_HELD);
}

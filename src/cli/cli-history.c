/* cli-history.c: evchat-cli's view of each joined room's history: the replay a join asks for, the pages of
 * /history and the msgids seen, so no message shows twice; it knows nothing of sockets or of how lines look. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * One room joined, or being joined, by a join of ours.  msgids only grow,
 * so three of them say what has been shown: a replayed message from
 * live_min on came live already, a live one up to newest came replayed
 * already, and the next page is what lies before oldest.
 */
struct cli_history {
	char			*room;		/* as the server spells it */
	long long		 join_id;	/* our join, until answered */
	size_t			 asked;		/* replay asked with the join */
	size_t			 page;		/* a page to ask once joined */
	size_t			 replay;	/* replayed frames to come */
	uint64_t		 oldest;	/* msgids seen; 0: none */
	uint64_t		 newest;
	uint64_t		 live_min;	/* of live messages only */
	TAILQ_ENTRY(cli_history) entry;
};

/* Largest integer a double holds exactly: the protocol's largest msgid. */
#define CLI_HISTORY_MSGID_MAX	9007199254740991.0

static struct cli_history *
cli_history_new(struct cli *cli, const char *room)
{
	struct cli_history	*h;

	h = cli_xmalloc(sizeof *h);
	memset(h, 0, sizeof *h);
	h->room = cli_xstrdup(room);
	TAILQ_INSERT_TAIL(&cli->histories, h, entry);
	return (h);
}

static void
cli_history_remove(struct cli *cli, struct cli_history *h)
{
	TAILQ_REMOVE(&cli->histories, h, entry);
	free(h->room);
	free(h);
}

/* Called by cli.c as the client ends. */
void
cli_history_free(struct cli *cli)
{
	struct cli_history	*h;

	while ((h = TAILQ_FIRST(&cli->histories)) != NULL)
		cli_history_remove(cli, h);
}

static struct cli_history *
cli_history_find(struct cli *cli, const char *room)
{
	struct cli_history	*h;

	if (room == NULL)
		return (NULL);
	TAILQ_FOREACH(h, &cli->histories, entry) {
		if (name_cmp(h->room, room) == 0)
			return (h);
	}
	return (NULL);
}

/* The record of the room whose join obj answers. */
static struct cli_history *
cli_history_answered(struct cli *cli, const cJSON *obj)
{
	struct cli_history	*h;
	const cJSON		*re;

	re = cJSON_GetObjectItemCaseSensitive(obj, "re");
	if (!cJSON_IsNumber(re))
		return (NULL);
	TAILQ_FOREACH(h, &cli->histories, entry) {
		if (h->join_id != 0 && re->valuedouble == (double)h->join_id)
			return (h);
	}
	return (NULL);
}

static uint64_t
cli_history_msgid(const cJSON *obj)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, "msgid");
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
	    v->valuedouble <= CLI_HISTORY_MSGID_MAX) ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return (0);
	return ((uint64_t)v->valuedouble);
}

/*
 * Whether input lines must wait: a replay is still arriving, and a line
 * such as /history depends on what it brings.
 */
bool
cli_history_busy(struct cli *cli)
{
	struct cli_history	*h;

	TAILQ_FOREACH(h, &cli->histories, entry) {
		if (h->replay != 0)
			return (true);
	}
	return (false);
}

/*
 * Called by cli-cmd.c with a join request for room, the latest request
 * made, before it is sent: ask for the replay --history wants, and start
 * the room's record.  A room joined already is left alone: the server
 * refuses the join, and the record must survive that.  Once the server has
 * refused a replay as larger than it allows, a page after joined asks
 * instead.
 */
void
cli_history_join(struct cli *cli, cJSON *req, const char *room)
{
	struct cli_history	*h;
	size_t			 n;

	if (cli_history_find(cli, room) != NULL)
		return;
	n = cli->history > 0 ? (size_t)cli->history : 0;
	h = cli_history_new(cli, room);
	h->join_id = cli->next_id;
	if (n != 0 && cli->history_refused)
		h->page = n;
	else if (n != 0) {
		h->asked = n;
		cJSON_AddNumberToObject(req, "history", (double)n);
	}
}

/*
 * Ask for up to limit messages of room older than any seen there, oldest
 * first; input lines wait for the answer.  Called by cli-cmd.c for
 * /history, and below after a join whose replay the server refused.
 */
void
cli_history_page(struct cli *cli, const char *room, size_t limit)
{
	struct cli_history	*h;
	cJSON			*req;

	if (limit > CLI_HISTORY_PAGE_MAX)
		limit = CLI_HISTORY_PAGE_MAX;
	h = cli_history_find(cli, room);
	req = cli_net_request(cli, "history");
	cJSON_AddStringToObject(req, "room", h != NULL ? h->room : room);
	cJSON_AddNumberToObject(req, "limit", (double)limit);
	if (h != NULL && h->oldest != 0)
		cJSON_AddNumberToObject(req, "before", (double)h->oldest);
	cli_cmd_send_wait(cli, req);
}

/*
 * The join of h is answered.  The replay that follows is counted as
 * joined says, never above what was asked (a server could say anything).
 */
static void
cli_history_joined(struct cli *cli, struct cli_history *h, const cJSON *obj)
{
	const char	*room;
	size_t		 n;

	h->join_id = 0;
	if ((room = json_get_string(obj, "room")) != NULL) {
		free(h->room);
		h->room = cli_xstrdup(room);
	}
	n = cli_net_number(obj, "history", 0);
	h->replay = n < h->asked ? n : h->asked;
	if (h->page != 0)
		cli_history_page(cli, h->room, h->page);
	h->page = 0;
}

/*
 * An error answering the join of h.  A server whose history-max-replay is
 * below --history refuses the join as a bad request; join again without
 * the replay, then page back, and do so from now on.  Returns whether the
 * error is to be shown: not that one, handled here.
 */
static bool
cli_history_join_failed(struct cli *cli, struct cli_history *h,
    const cJSON *obj)
{
	const char	*code;
	cJSON		*req;

	code = json_get_string(obj, "code");
	if (h->asked == 0 || code == NULL ||
	    errcode_lookup(code) != ERR_BAD_REQUEST) {
		cli_history_remove(cli, h);
		return (true);
	}
	cli_display_notice(cli, false, "the server replays fewer than %zu "
	    "messages on join: paging back instead", h->asked);
	cli->history_refused = true;
	req = cli_net_request(cli, "join");
	cJSON_AddStringToObject(req, "room", h->room);
	h->join_id = cli->next_id;
	h->page = h->asked;
	h->asked = 0;
	cli_cmd_send_wait(cli, req);
	return (false);
}

/*
 * A room message: returns false for one shown already, which is dropped
 * whole (a file is not saved twice either).  The replay of a join is
 * counted here, repeats included, as joined's count includes them.
 */
static bool
cli_history_msg(struct cli *cli, const cJSON *obj)
{
	struct cli_history	*h;
	uint64_t		 id;
	bool			 replayed;

	if ((h = cli_history_find(cli, json_get_string(obj, "room"))) == NULL)
		return (true);
	replayed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj,
	    "history"));
	if (replayed && h->replay != 0)
		h->replay--;
	if ((id = cli_history_msgid(obj)) == 0)
		return (true);
	if (replayed && h->live_min != 0 && id >= h->live_min)
		return (false);
	if (!replayed && id <= h->newest)
		return (false);
	if (!replayed && (h->live_min == 0 || id < h->live_min))
		h->live_min = id;
	if (h->oldest == 0 || id < h->oldest)
		h->oldest = id;
	if (id > h->newest)
		h->newest = id;
	return (true);
}

/*
 * Called by cli-net.c with every frame received, before anything else
 * sees it: keeps the records of the rooms in step with joined, parted,
 * messages and errors.  Returns false when the frame is to be dropped,
 * unseen: a message shown already, or an error handled here.
 */
bool
cli_history_frame(struct cli *cli, const cJSON *obj, const char *type)
{
	struct cli_history	*h;

	if (strcmp(type, "msg") == 0)
		return (cli_history_msg(cli, obj));
	if (strcmp(type, "joined") == 0) {
		if ((h = cli_history_answered(cli, obj)) != NULL)
			cli_history_joined(cli, h, obj);
	} else if (strcmp(type, "parted") == 0) {
		if ((h = cli_history_find(cli, json_get_string(obj, "room"))) !=
		    NULL)
			cli_history_remove(cli, h);
	} else if (strcmp(type, "error") == 0) {
		if ((h = cli_history_answered(cli, obj)) != NULL)
			return (cli_history_join_failed(cli, h, obj));
	}
	return (true);
}

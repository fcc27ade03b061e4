/* role.c: who may moderate what: server operators (config), a room's owner and moderators (accounts),
 * and the steps every moderation request shares; it knows nothing of sockets, nor of the store. */

#include <string.h>

#include "server.h"

/* Whether the account whose fold is fold is a server operator. */
static bool
role_operator_fold(const struct server *s, const char *fold)
{
	const struct config	*cf = s->config;

	return (room_listed(cf->operators, cf->noperators, fold));
}

/* The role of the account fold (NULL: a guest) in r (NULL: none). */
enum role
role_of_fold(const struct server *s, const struct room *r, const char *fold)
{
	if (fold == NULL)
		return (ROLE_NONE);
	if (role_operator_fold(s, fold))
		return (ROLE_OPERATOR);
	if (r == NULL)
		return (ROLE_NONE);
	if (r->owner != NULL && strcmp(r->owner, fold) == 0)
		return (ROLE_OWNER);
	if (room_listed(r->moderators, r->nmoderators, fold))
		return (ROLE_MODERATOR);
	return (ROLE_NONE);
}

/* c's role in r (NULL: server-wide): by its account, guests have none. */
enum role
role_of(const struct client *c, const struct room *r)
{
	return (role_of_fold(c->server, r, c->account != NULL ?
	    c->account->fold : NULL));
}

/*
 * The room a moderation request names in "room", where c has at least
 * role min; *rp is it.  0, or the error recorded in req.
 */
int
role_room(struct client *c, struct request *req, enum role min,
    struct room **rp)
{
	const char	*name;

	if (cmd_room_name(req, &name) != 0)
		return (-1);
	if ((*rp = room_find(c->server, name)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_ROOM, "no room %s", name));
	if (role_of(c, *rp) < min)
		return (cmd_error(req, ERR_NOT_PERMITTED, "not permitted in %s",
		    (*rp)->name));
	return (0);
}

/*
 * The member of r that "nick" names, whom c outranks (nobody acts on an
 * equal: moderators not on each other, nor owners on operators); *tp is
 * it.  0, or the error recorded in req.
 */
int
role_target(struct client *c, struct request *req, struct room *r,
    struct client **tp)
{
	const char	*nick;

	if (cmd_string(req, "nick", true, &nick) != 0)
		return (-1);
	if ((*tp = nick_find(c->server, nick)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_USER, "%s is not online",
		    nick));
	if (r != NULL && !room_has(r, *tp))
		return (cmd_error(req, ERR_NOT_IN_ROOM, "%s is not in %s",
		    (*tp)->nick, r->name));
	if (role_of(*tp, r) >= role_of(c, r))
		return (cmd_error(req, ERR_NOT_PERMITTED, "%s may not be "
		    "moderated by you", (*tp)->nick));
	return (0);
}

/*
 * Tell r's members (the one acted on included) what a moderator did:
 * a presence frame for nick with event, by the moderator's nick, and the
 * optional sanction, reason and topic.
 */
void
role_presence(struct room *r, const char *nick, const char *event,
    const char *by, const char *sanction, const char *reason,
    const char *topic)
{
	struct evt	e;

	evt_init(&e, EVT_PRESENCE);
	e.presence.room = r->name;
	e.presence.nick = nick;
	e.presence.event = event;
	e.presence.by = by;
	e.presence.sanction = sanction;
	e.presence.reason = reason;
	e.presence.topic = topic;
	room_broadcast(r, &e, NULL);
	evt_clear(&e);
}

/*
 * Put t out of r for sanction ("kick" or "ban"): every member, t too, sees
 * a part with the moderator and the reason, then t is no longer a member
 * (r may be gone after).
 */
void
role_remove(struct room *r, struct client *t, const char *by,
    const char *sanction, const char *reason)
{
	struct cluster	*cl = t->server->cluster;

	/* A user of another node: its node puts it out and tells all. */
	if (t->flags & CLIENT_REMOTE) {
		cluster_forward(cl, t, r, by, sanction, reason);
		return;
	}
	log_info("%s %s from %s by %s%s%s", t->nick, strcmp(sanction,
	    "kick") == 0 ? "kicked" : "banned", r->name, by,
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	role_presence(r, t->nick, "part", by, sanction, reason, NULL);
	if (cl != NULL)
		cluster_room(cl, t, r, "part", reason, by, sanction);
	room_part(r, t);
}

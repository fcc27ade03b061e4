/* presence.c: who is told when someone comes, joins, parts, quits, goes, changes nick or goes away, the
 * event kinds clients ask for, the watchers (presence: true); it builds events and never sees bytes. */

#include <string.h>

#include "server.h"

static void
presence_evt(struct evt *e, const struct client *c, const struct room *r,
    const char *event, const char *reason)
{
	evt_init(e, EVT_PRESENCE);
	e->presence.room = r != NULL ? r->name : NULL;
	e->presence.nick = c->nick;
	e->presence.event = event;
	e->presence.reason = reason;
}

/* Tell every watcher but c. */
static void
presence_watchers(struct client *c, const char *event, const char *reason)
{
	struct server	*s = c->server;
	struct client	*w;
	struct evt	 e;

	if (TAILQ_EMPTY(&s->watchers))
		return;
	presence_evt(&e, c, NULL, event, reason);
	TAILQ_FOREACH(w, &s->watchers, watcher_entry) {
		if (w != c)
			client_send(w, &e);
	}
	evt_clear(&e);
}

static void	presence_away_evt(struct evt *, const struct client *);

/*
 * c joined r, and is away: the members that asked for away events hear it
 * right after the join (IRCv3 away-notify: an AWAY line after the JOIN),
 * as they would have had they shared a room when c went away.
 */
static void
presence_join_away(struct client *c, struct room *r)
{
	struct evt	e;
	size_t		i;

	if (c->away == NULL)
		return;
	presence_away_evt(&e, c);
	for (i = 0; i < r->nmembers; i++) {
		if (r->members[i] != c &&
		    r->members[i]->flags & CLIENT_EVENT_AWAY)
			client_send(r->members[i], &e);
	}
	evt_clear(&e);
}

/*
 * c joined or parted r (reason: the part's): tell the other members; an
 * away joiner's away event follows its join.
 */
void
presence_room(struct client *c, struct room *r, const char *event,
    const char *reason)
{
	struct evt	e;

	presence_evt(&e, c, r, event, reason);
	room_broadcast(r, &e, c);
	evt_clear(&e);
	if (strcmp(event, "join") == 0)
		presence_join_away(c, r);
	if (c->server->cluster != NULL && !(c->flags & CLIENT_REMOTE))
		cluster_room(c->server->cluster, c, r, event, reason, NULL,
		    NULL);
}

/* c has just registered: tell the watchers, and make c one if it asked. */
void
presence_online(struct client *c, bool watch)
{
	presence_watchers(c, "online", NULL);
	if (watch) {
		c->flags |= CLIENT_WATCHER;
		TAILQ_INSERT_TAIL(&c->server->watchers, c, watcher_entry);
	}
}

/*
 * Tell each of c's room-mates e once, however many rooms they share (a
 * generation number marks who has been told), those with flag only (0:
 * all of them); c itself is not told.
 */
static void
presence_mates(struct client *c, struct evt *e, int flag)
{
	struct server	*s = c->server;
	struct room	*r;
	struct client	*m;
	size_t		 i, j;

	c->told = ++s->told;
	for (i = 0; i < c->nrooms; i++) {
		r = c->rooms[i];
		for (j = 0; j < r->nmembers; j++) {
			m = r->members[j];
			if (m->told == s->told)
				continue;
			m->told = s->told;
			if (flag == 0 || m->flags & flag)
				client_send(m, e);
		}
	}
}

/* c is going, still in its rooms: tell its room-mates. */
void
presence_quit(struct client *c)
{
	struct evt	 e;

	if (!(c->flags & CLIENT_REGISTERED) || c->server->stopping)
		return;
	presence_evt(&e, c, NULL, "quit", c->close_reason);
	presence_mates(c, &e, 0);
	evt_clear(&e);
}

/* c is gone from the nick table: no longer a watcher; tell the others. */
void
presence_offline(struct client *c)
{
	if (c->flags & CLIENT_WATCHER) {
		TAILQ_REMOVE(&c->server->watchers, c, watcher_entry);
		c->flags &= ~CLIENT_WATCHER;
	}
	if (c->flags & CLIENT_REGISTERED && !c->server->stopping)
		presence_watchers(c, "offline", c->close_reason);
}

/*
 * The flag of an event kind a client asks for in hello's "events" (newer
 * than protocol 1, so never sent unasked); 0 for a name unknown here.
 */
int
presence_event_flag(const char *name)
{
	static const struct {
		const char	*name;
		int		 flag;
	} kinds[] = {
		{ "nick", CLIENT_EVENT_NICK },
		{ "away", CLIENT_EVENT_AWAY | CLIENT_AWAY_REPLY },
	};
	size_t	i;

	for (i = 0; i < nitems(kinds); i++) {
		if (strcmp(kinds[i].name, name) == 0)
			return (kinds[i].flag);
	}
	return (0);
}

/*
 * What a client that never asked for nick events sees of c's change from
 * old: in each room they share, old parts and the new nick joins (then,
 * if c is away and they asked for away events, its away event).
 */
static void
presence_nick_rooms(struct client *c, const char *old)
{
	struct room	*r;
	struct client	*m;
	struct evt	 part, join, away;
	size_t		 i, j;

	presence_away_evt(&away, c);
	for (i = 0; i < c->nrooms; i++) {
		r = c->rooms[i];
		presence_evt(&part, c, r, "part", "nick change");
		part.presence.nick = old;
		presence_evt(&join, c, r, "join", "nick change");
		for (j = 0; j < r->nmembers; j++) {
			m = r->members[j];
			if (m == c || m->flags & CLIENT_EVENT_NICK)
				continue;
			client_send(m, &part);
			client_send(m, &join);
			if (c->away != NULL && m->flags & CLIENT_EVENT_AWAY)
				client_send(m, &away);
		}
		evt_clear(&part);
		evt_clear(&join);
	}
	evt_clear(&away);
}

/*
 * c was old and is c->nick now (the nick request): its room-mates that
 * asked for nick events get one, once; the others see a part and a join
 * per room; watchers get the nick event, or offline then online.
 */
void
presence_nick(struct client *c, const char *old)
{
	struct client	*w;
	struct evt	 nick, off, on;

	presence_evt(&nick, c, NULL, "nick", NULL);
	nick.presence.nick = old;
	nick.presence.newnick = c->nick;
	presence_mates(c, &nick, CLIENT_EVENT_NICK);
	presence_nick_rooms(c, old);
	presence_evt(&off, c, NULL, "offline", "nick change");
	off.presence.nick = old;
	presence_evt(&on, c, NULL, "online", NULL);
	TAILQ_FOREACH(w, &c->server->watchers, watcher_entry) {
		if (w == c)
			continue;
		if (!(w->flags & CLIENT_EVENT_NICK)) {
			client_send(w, &off);
			client_send(w, &on);
		} else if (w->told != c->server->told)
			client_send(w, &nick);
	}
	evt_clear(&nick);
	evt_clear(&off);
	evt_clear(&on);
}

/* The away or back event of c, as it is now. */
static void
presence_away_evt(struct evt *e, const struct client *c)
{
	presence_evt(e, c, NULL, c->away != NULL ? "away" : "back", c->away);
}

/* c went away or came back: tell the room-mates that asked for it. */
void
presence_away(struct client *c)
{
	struct evt	e;

	presence_away_evt(&e, c);
	presence_mates(c, &e, CLIENT_EVENT_AWAY);
	evt_clear(&e);
	if (c->server->cluster != NULL && !(c->flags & CLIENT_REMOTE))
		cluster_away(c->server->cluster, c);
}

/* c wrote to t, which is away: c hears of it, if it asked (msg). */
void
presence_away_to(struct client *c, const struct client *t)
{
	struct evt	e;

	if (!(c->flags & CLIENT_AWAY_REPLY) || t->away == NULL)
		return;
	presence_away_evt(&e, t);
	e.presence.alone = true;
	client_send(c, &e);
	evt_clear(&e);
}

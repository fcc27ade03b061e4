/* presence.c: who is told when someone comes online, joins, parts, quits or goes offline, and the list
 * of watchers (presence: true) who hear of everyone; it builds events and never sees bytes. */

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

/* c joined or parted r (reason: the part's): tell the other members. */
void
presence_room(struct client *c, struct room *r, const char *event,
    const char *reason)
{
	struct evt	e;

	presence_evt(&e, c, r, event, reason);
	room_broadcast(r, &e, c);
	evt_clear(&e);
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
 * c is going, still in its rooms: tell each room-mate once, however many
 * rooms they share (a generation number marks who has been told).
 */
void
presence_quit(struct client *c)
{
	struct server	*s = c->server;
	struct room	*r;
	struct client	*m;
	struct evt	 e;
	size_t		 i, j;

	if (!(c->flags & CLIENT_REGISTERED) || s->stopping)
		return;
	presence_evt(&e, c, NULL, "quit", c->close_reason);
	c->told = ++s->told;
	for (i = 0; i < c->nrooms; i++) {
		r = c->rooms[i];
		for (j = 0; j < r->nmembers; j++) {
			m = r->members[j];
			if (m->told == s->told)
				continue;
			m->told = s->told;
			client_send(m, &e);
		}
	}
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

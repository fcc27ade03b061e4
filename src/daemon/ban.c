/* ban.c: the bans of rooms (a nick or account) and of the server (an address range), with their reason
 * and expiry, written behind to the store; it knows nothing of who may ban (role.c) or what a ban does. */

#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store.h"

static void
ban_free(struct ban *b)
{
	free(b->room);
	free(b->mask);
	free(b->by);
	free(b->reason);
	free(b);
}

/* Drop b, from the store too. */
static void
ban_drop(struct server *s, struct ban *b)
{
	TAILQ_REMOVE(&s->bans, b, entry);
	(void)store_ban_del(s->store, b->room, b->mask);
	ban_free(b);
}

/* Whether b has run out at now (ms); it is dropped then. */
static bool
ban_expired(struct server *s, struct ban *b, int64_t now)
{
	if (b->expires_ms == 0 || b->expires_ms > now)
		return (false);
	log_info("ban of %s in %s expired", b->mask, *b->room != '\0' ?
	    b->room : "the server");
	ban_drop(s, b);
	return (true);
}

/* The ban of room (fold, "": the server) on mask, or NULL. */
static struct ban *
ban_find(struct server *s, const char *room, const char *mask)
{
	struct ban	*b;

	TAILQ_FOREACH(b, &s->bans, entry) {
		if (strcmp(b->room, room) == 0 && strcmp(b->mask, mask) == 0)
			return (b);
	}
	return (NULL);
}

/* A new ban in memory only (from ban_add or the store); NULL: no memory. */
static struct ban *
ban_insert(struct server *s, const char *room, const char *mask,
    const char *by, const char *reason, int64_t set_ms, int64_t expires_ms)
{
	struct ban	*b, *old;

	if ((b = calloc(1, sizeof *b)) == NULL)
		return (NULL);
	if ((b->room = strdup(room)) == NULL ||
	    (b->mask = strdup(mask)) == NULL ||
	    (b->by = strdup(by != NULL ? by : "")) == NULL ||
	    (reason != NULL && (b->reason = strdup(reason)) == NULL) ||
	    (*room == '\0' && limit_cidr_parse(mask, &b->range) != 0)) {
		ban_free(b);
		return (NULL);
	}
	b->set_ms = set_ms;
	b->expires_ms = expires_ms;
	if ((old = ban_find(s, room, mask)) != NULL) {
		TAILQ_REMOVE(&s->bans, old, entry);
		ban_free(old);
	}
	TAILQ_INSERT_TAIL(&s->bans, b, entry);
	return (b);
}

/*
 * Ban mask from room (a fold; "" for the whole server, then mask is an
 * ADDR/BITS range, checked by the caller) by the nick by, for reason (or
 * NULL) until expires_ms (0: for good); it replaces one on the same mask.
 * Kept from now on.  Returns the ban, or NULL when out of memory.
 */
struct ban *
ban_add(struct server *s, const char *room, const char *mask, const char *by,
    const char *reason, int64_t expires_ms)
{
	struct store_ban	 sb;
	struct ban		*b;

	if ((b = ban_insert(s, room, mask, by, reason, server_now_ms(s),
	    expires_ms)) == NULL)
		return (NULL);
	sb.room = b->room;
	sb.mask = b->mask;
	sb.by = b->by;
	sb.reason = b->reason;
	sb.set_ms = b->set_ms;
	sb.expires_ms = b->expires_ms;
	if (store_ban_put(s->store, &sb) != 0)
		log_warn("ban of %s in %s not kept", mask, room);
	return (b);
}

/* Lift the ban of room on mask; false when there was none. */
bool
ban_remove(struct server *s, const char *room, const char *mask)
{
	struct ban	*b;

	if ((b = ban_find(s, room, mask)) == NULL)
		return (false);
	ban_drop(s, b);
	return (true);
}

/* The ban that keeps c out of the room whose fold is room, or NULL. */
struct ban *
ban_room_match(struct server *s, const char *room, const struct client *c)
{
	struct ban	*b, *next;
	int64_t		 now = server_now_ms(s);

	for (b = TAILQ_FIRST(&s->bans); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (strcmp(b->room, room) != 0 || ban_expired(s, b, now))
			continue;
		if (strcmp(b->mask, c->fold) == 0 || (c->account != NULL &&
		    strcmp(b->mask, c->account->fold) == 0))
			return (b);
	}
	return (NULL);
}

/* The server-wide ban of sa's address, or NULL. */
struct ban *
ban_addr_match(struct server *s, const struct sockaddr *sa)
{
	struct ban	*b, *next;
	int64_t		 now = server_now_ms(s);

	for (b = TAILQ_FIRST(&s->bans); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (*b->room != '\0' || ban_expired(s, b, now))
			continue;
		if (limit_cidr_has(&b->range, sa))
			return (b);
	}
	return (NULL);
}

/*
 * Tell c, from a range b bans from the server, why, and close it: when it
 * connects (server_accept) or when the ban comes (cmd-ban.c).
 */
void
ban_refuse(struct client *c, const struct ban *b)
{
	client_error(c, ERR_BANNED, NULL, "banned from this server%s%s",
	    b->reason != NULL ? ": " : "", b->reason != NULL ? b->reason : "");
	client_close(c, "banned", true);
}

/*
 * A ban the store kept, from server_new's store_loader; 0, or -1 when out
 * of memory.  One that cannot be read back (a range no longer valid) is
 * skipped, and said.
 */
int
ban_load(struct server *s, const struct store_ban *sb)
{
	struct cidr	range;

	if (*sb->room == '\0' && limit_cidr_parse(sb->mask, &range) != 0) {
		log_warn("stored ban of %s not loaded: not an address range",
		    sb->mask);
		return (0);
	}
	return (ban_insert(s, sb->room, sb->mask, sb->by, sb->reason,
	    sb->set_ms, sb->expires_ms) != NULL ? 0 : -1);
}

void
ban_free_all(struct server *s)
{
	struct ban	*b;

	while ((b = TAILQ_FIRST(&s->bans)) != NULL) {
		TAILQ_REMOVE(&s->bans, b, entry);
		ban_free(b);
	}
}

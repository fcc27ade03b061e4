/* room.c: rooms, their member arrays and the table of rooms by case-folded name; a broadcast hands one
 * event to every member; it knows nothing of sockets, faces or what an event says. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

struct room *
room_find(struct server *s, const char *name)
{
	return (hash_find_fold(s->rooms, name));
}

static struct room *
room_new(struct server *s, const char *name)
{
	struct room	*r;
	char		 nfc[NAME_ROOM_SIZE], fold[NAME_FOLD_MAX + 1];

	/* Everyone sees the NFC form of the name first used. */
	if (name_room_norm(name, nfc, sizeof nfc) < 0 ||
	    name_casefold(nfc, fold, sizeof fold) < 0)
		return (NULL);
	if ((r = calloc(1, sizeof *r)) == NULL)
		return (NULL);
	if ((r->name = strdup(nfc)) == NULL || (r->fold = strdup(fold)) == NULL)
		goto fail;
	if (hash_insert(s->rooms, r->fold, r) != 0)
		goto fail;
	log_debug("room %s created", r->name);
	return (r);
fail:
	free(r->fold);
	free(r->name);
	free(r);
	return (NULL);
}

static void
room_free(struct server *s, struct room *r)
{
	log_debug("room %s destroyed", r->name);
	hash_remove(s->rooms, r->fold);
	free(r->members);
	free(r->fold);
	free(r->name);
	free(r);
}

/*
 * Add c to the room called name, creating it.  The caller has checked that c
 * is not a member yet.  Returns the room, or NULL when out of memory.
 */
struct room *
room_join(struct server *s, const char *name, struct client *c)
{
	struct room	 *r, **rooms;
	struct client	**m;
	bool		  created = false;
	size_t		  cap;

	if ((r = room_find(s, name)) == NULL) {
		if ((r = room_new(s, name)) == NULL)
			return (NULL);
		created = true;
	}
	if (r->nmembers == r->cap) {
		cap = r->cap == 0 ? 4 : r->cap * 2;
		if ((m = reallocarray(r->members, cap, sizeof *m)) == NULL)
			goto fail;
		r->members = m;
		r->cap = cap;
	}
	if (c->nrooms == c->roomcap) {
		cap = c->roomcap == 0 ? 4 : c->roomcap * 2;
		rooms = reallocarray(c->rooms, cap, sizeof *rooms);
		if (rooms == NULL)
			goto fail;
		c->rooms = rooms;
		c->roomcap = cap;
	}
	r->members[r->nmembers++] = c;
	c->rooms[c->nrooms++] = r;
	return (r);
fail:
	if (created)
		room_free(s, r);
	return (NULL);
}

/* Remove c from r (and r from c); an emptied room is destroyed. */
void
room_part(struct room *r, struct client *c)
{
	struct server	*s = c->server;
	size_t		 i;

	for (i = 0; i < r->nmembers; i++) {
		if (r->members[i] == c) {
			r->members[i] = r->members[--r->nmembers];
			break;
		}
	}
	for (i = 0; i < c->nrooms; i++) {
		if (c->rooms[i] == r) {
			c->rooms[i] = c->rooms[--c->nrooms];
			break;
		}
	}
	if (r->nmembers == 0)
		room_free(s, r);
}

/* Whether c is a member of r: c's own list is the short one to walk. */
bool
room_has(const struct room *r, const struct client *c)
{
	size_t	i;

	for (i = 0; i < c->nrooms; i++) {
		if (c->rooms[i] == r)
			return (true);
	}
	return (false);
}

/* Hand e to every member but except (which may be NULL). */
void
room_broadcast(struct room *r, struct evt *e, const struct client *except)
{
	size_t	i;

	for (i = 0; i < r->nmembers; i++) {
		if (r->members[i] != except)
			client_send(r->members[i], e);
	}
}

/* qsort comparator for arrays of struct room *, by case-folded name. */
int
room_cmp(const void *a, const void *b)
{
	const struct room	*ra = *(struct room * const *)a;
	const struct room	*rb = *(struct room * const *)b;

	return (strcmp(ra->fold, rb->fold));
}

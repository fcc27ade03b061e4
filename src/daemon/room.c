/* room.c: rooms, their member arrays, their lasting state (owner, moderators, topic) and the table of
 * rooms by case-folded name; a broadcast hands one event to every member; it knows nothing of sockets,
 * faces or what an event says, nor who may change what (role.c). */

#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store.h"

struct room *
room_find(struct server *s, const char *name)
{
	return (hash_find_fold(s->rooms, name));
}

/*
 * The NFC form of a room name (into nfc, NAME_ROOM_SIZE bytes) and its
 * case folding (fold, NAME_FOLD_MAX + 1), the key; 0, or -1 if invalid.
 * Also for join, to find the bans of a room that does not exist.
 */
int
room_fold(const char *name, char *nfc, char *fold)
{
	if (name_room_norm(name, nfc, NAME_ROOM_SIZE) < 0 ||
	    name_casefold(nfc, fold, NAME_FOLD_MAX + 1) < 0)
		return (-1);
	return (0);
}

static struct room *
room_new(struct server *s, const char *name)
{
	struct room	*r;
	char		 nfc[NAME_ROOM_SIZE], fold[NAME_FOLD_MAX + 1];

	/* Everyone sees the NFC form of the name first used. */
	if (room_fold(name, nfc, fold) != 0)
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

/* Empty a list of strings, such as moderators or muted. */
static void
room_list_clear(char ***list, size_t *n)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

static void
room_free(struct server *s, struct room *r)
{
	log_debug("room %s destroyed", r->name);
	hash_remove(s->rooms, r->fold);
	free(r->members);
	free(r->fold);
	free(r->name);
	free(r->owner);
	room_list_clear(&r->moderators, &r->nmoderators);
	free(r->topic);
	free(r->topic_by);
	free(r->first);
	room_list_clear(&r->muted, &r->nmuted);
	free(r);
}

/* Whether r has state that outlives its members: claimed, or a topic. */
static bool
room_lasting(const struct room *r)
{
	return (r->owner != NULL || r->topic != NULL);
}

/* Every room, lasting ones included; server_free, once clients are gone. */
void
room_free_all(struct server *s)
{
	struct room	*r;
	size_t		 pos = 0;

	while ((r = hash_next(s->rooms, &pos)) != NULL) {
		room_free(s, r);
		pos = 0;
	}
}

/* Replace the string *field with a copy of value (NULL: none); 0 or -1. */
int
room_set(char **field, const char *value)
{
	char	*v = NULL;

	if (value != NULL && (v = strdup(value)) == NULL)
		return (-1);
	free(*field);
	*field = v;
	return (0);
}

/* Whether fold is in the list (moderators, muted). */
bool
room_listed(char *const *list, size_t n, const char *fold)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], fold) == 0)
			return (true);
	}
	return (false);
}

/* Add fold to the list or take it out (add false); 0, or -1 (no memory). */
int
room_list_set(char ***list, size_t *n, const char *fold, bool add)
{
	char	**l;
	size_t	  i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*list)[i], fold) != 0)
			continue;
		if (!add) {
			free((*list)[i]);
			(*list)[i] = (*list)[--*n];
		}
		return (0);
	}
	if (!add)
		return (0);
	if ((l = reallocarray(*list, *n + 1, sizeof *l)) == NULL)
		return (-1);
	*list = l;
	if ((l[*n] = strdup(fold)) == NULL)
		return (-1);
	(*n)++;
	return (0);
}

/*
 * Write r's lasting state behind to the store, after any change of it
 * (claim, moderators, topic): the whole of it, as store_room says, or its
 * deletion when nothing of it lasts any more.
 */
int
room_keep(struct server *s, struct room *r)
{
	struct store_room	sr;

	if (!room_lasting(r))
		return (store_room_del(s->store, r->fold));
	sr.name = r->name;
	sr.fold = r->fold;
	sr.owner = r->owner;
	sr.moderators = (const char *const *)r->moderators;
	sr.nmoderators = r->nmoderators;
	sr.topic = r->topic;
	sr.topic_by = r->topic != NULL ? r->topic_by : NULL;
	sr.topic_ms = r->topic != NULL ? r->topic_ms : 0;
	return (store_room_put(s->store, &sr));
}

/*
 * An account is gone (unregister): the rooms it owned are unclaimed and it
 * moderates none, so that whoever registers the nick next inherits
 * nothing.  A room left with nothing lasting and no member goes, from the
 * store too.
 */
void
room_forget_account(struct server *s, const char *fold)
{
	struct room	*r;
	size_t		 pos = 0, i, n = hash_count(s->rooms);
	struct room	**v;

	if ((v = reallocarray(NULL, n + 1, sizeof *v)) == NULL)
		return;
	n = 0;
	while ((r = hash_next(s->rooms, &pos)) != NULL)
		v[n++] = r;
	for (i = 0; i < n; i++) {
		r = v[i];
		if ((r->owner == NULL || strcmp(r->owner, fold) != 0) &&
		    !room_listed(r->moderators, r->nmoderators, fold))
			continue;
		if (r->owner != NULL && strcmp(r->owner, fold) == 0)
			(void)room_set(&r->owner, NULL);
		(void)room_list_set(&r->moderators, &r->nmoderators, fold,
		    false);
		(void)room_keep(s, r);
		if (!room_lasting(r) && r->nmembers == 0)
			room_free(s, r);
	}
	free(v);
}

/*
 * A room the store kept, from server_new's store_loader: it exists from
 * the start, empty, with its owner, moderators and topic.  Also a room
 * another node of a cluster changed (cluster-state.c), members or not.
 * 0, or -1 when out of memory.
 */
int
room_load(struct server *s, const struct store_room *sr)
{
	struct room	*r;
	size_t		 i;

	if ((r = room_find(s, sr->name)) == NULL &&
	    (r = room_new(s, sr->name)) == NULL)
		return (-1);
	if (room_set(&r->owner, sr->owner) != 0 ||
	    room_set(&r->topic, sr->topic) != 0 ||
	    room_set(&r->topic_by, sr->topic_by) != 0)
		return (-1);
	r->topic_ms = sr->topic_ms;
	/* The whole of it: another node's change may drop moderators. */
	room_list_clear(&r->moderators, &r->nmoderators);
	for (i = 0; i < sr->nmoderators; i++) {
		if (room_list_set(&r->moderators, &r->nmoderators,
		    sr->moderators[i], true) != 0)
			return (-1);
	}
	if (!room_lasting(r) && r->nmembers == 0)
		room_free(s, r);
	return (0);
}

/*
 * c joined, or registered an account: in the rooms it is in where no
 * account came before it, it is the first, who may claim the room.  A
 * failure (no memory) only leaves the claim to a later one.
 */
void
room_first(struct client *c)
{
	size_t	i;

	if (c->account == NULL)
		return;
	for (i = 0; i < c->nrooms; i++) {
		if (c->rooms[i]->first == NULL && c->rooms[i]->owner == NULL)
			(void)room_set(&c->rooms[i]->first, c->account->fold);
	}
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
		/* Three fill malloc's smallest chunk: most join few rooms. */
		cap = c->roomcap == 0 ? 3 : c->roomcap * 2;
		rooms = reallocarray(c->rooms, cap, sizeof *rooms);
		if (rooms == NULL)
			goto fail;
		c->rooms = rooms;
		c->roomcap = cap;
	}
	/* This node's members first, another node's after (room_broadcast). */
	if (c->flags & CLIENT_REMOTE)
		r->members[r->nmembers++] = c;
	else {
		if (r->nlocal < r->nmembers)
			r->members[r->nmembers] = r->members[r->nlocal];
		r->nmembers++;
		r->members[r->nlocal++] = c;
	}
	c->rooms[c->nrooms++] = r;
	/* The room's channel is listened to while it has members here. */
	if (!(c->flags & CLIENT_REMOTE) && r->nlocal == 1 &&
	    s->cluster != NULL)
		cluster_listen(s->cluster, r->fold, true);
	room_first(c);
	return (r);
fail:
	if (created)
		room_free(s, r);
	return (NULL);
}

/*
 * Remove c from r (and r from c); an emptied room is destroyed, unless it
 * lasts: then it forgets only who was muted.
 */
void
room_part(struct room *r, struct client *c)
{
	struct server	*s = c->server;
	size_t		 i;

	for (i = 0; i < r->nmembers; i++) {
		if (r->members[i] != c)
			continue;
		/* Each part of the array stays whole: local, then remote. */
		if (!(c->flags & CLIENT_REMOTE)) {
			r->members[i] = r->members[--r->nlocal];
			i = r->nlocal;
		}
		r->members[i] = r->members[--r->nmembers];
		break;
	}
	for (i = 0; i < c->nrooms; i++) {
		if (c->rooms[i] == r) {
			c->rooms[i] = c->rooms[--c->nrooms];
			break;
		}
	}
	if (!(c->flags & CLIENT_REMOTE) && r->nlocal == 0 &&
	    s->cluster != NULL)
		cluster_listen(s->cluster, r->fold, false);
	if (r->nmembers != 0)
		return;
	if (!room_lasting(r))
		room_free(s, r);
	else
		room_list_clear(&r->muted, &r->nmuted);
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

/*
 * Hand e to every member of this node but except (which may be NULL): the
 * first nlocal members; another node's get nothing from here.
 */
void
room_broadcast(struct room *r, struct evt *e, const struct client *except)
{
	size_t	i;

	for (i = 0; i < r->nlocal; i++) {
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

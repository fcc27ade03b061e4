/* cmd-who.c: the who request: a room's members, or everyone online, sorted by case-folded nick and
 * paged; it only reads the room and nick tables. */

#include <stdlib.h>
#include <string.h>

#include "server.h"

static int	cmd_who_exec(struct client *, struct request *);

const struct cmd_entry cmd_who_entry = {
	.type = "who",
	.flags = CMD_REGISTERED,
	.exec = cmd_who_exec,
};

static int
cmd_who_cmp(const void *a, const void *b)
{
	const struct client	*ca = *(struct client * const *)a;
	const struct client	*cb = *(struct client * const *)b;

	return (strcmp(ca->fold, cb->fold));
}

/* What a role is called in "roles"; NULL: none worth a mention. */
static const char *
cmd_who_role(const struct client *c, const struct room *r)
{
	switch (r != NULL && c->account != NULL ? role_of(c, r) : ROLE_NONE) {
	case ROLE_OPERATOR:
		return ("operator");
	case ROLE_OWNER:
		return ("owner");
	case ROLE_MODERATOR:
		return ("moderator");
	case ROLE_NONE:
		break;
	}
	return (NULL);
}

/*
 * Whether c is logged in to the account of its nick, what "accounts"
 * lists: one that took another nick since (nick) keeps its account, which
 * whois names, but this nick is not an account's.
 */
static bool
cmd_who_own(const struct client *c)
{
	return (c->account != NULL && strcmp(c->account->fold, c->fold) == 0);
}

/*
 * The nicks of the n clients of v whose folded nick sorts after the folded
 * after (all when after is NULL), in that order, as many as pg lets in:
 * the list of who and of joined.  Those logged in to an account are also
 * added to x->accounts, and those who moderate x->room to x->roles (a v1
 * client, which knows only the first list, sees it unchanged).  Out of
 * memory gives an empty list.
 */
cJSON *
cmd_who_nicks(struct client *const *v, size_t n, const char *after,
    struct cmd_page *pg, struct cmd_who_extra *x)
{
	struct client	**keep;
	const char	 *role;
	cJSON		 *a;
	size_t		  nkeep = 0, i, len, cost;
	bool		  own;

	a = cJSON_CreateArray();
	if ((keep = reallocarray(NULL, n + 1, sizeof *keep)) == NULL)
		return (a);
	for (i = 0; i < n; i++) {
		if (after == NULL || name_cmp(v[i]->fold, after) > 0)
			keep[nkeep++] = v[i];
	}
	qsort(keep, nkeep, sizeof *keep, cmd_who_cmp);
	for (i = 0; i < nkeep; i++) {
		len = json_string_len(keep[i]->nick);
		own = cmd_who_own(keep[i]);
		role = cmd_who_role(keep[i], x->room);
		/* The nick, in accounts too ("nick",), in roles ("nick":"r",) */
		cost = len + (own ? len + 1 : 0) +
		    (role != NULL ? len + strlen(role) + 4 : 0);
		if (!cmd_page_take(pg, cost))
			break;
		cJSON_AddItemToArray(a, cJSON_CreateString(keep[i]->nick));
		if (own)
			cJSON_AddItemToArray(x->accounts,
			    cJSON_CreateString(keep[i]->nick));
		if (role != NULL)
			cJSON_AddStringToObject(x->roles, keep[i]->nick, role);
	}
	free(keep);
	return (a);
}

/* The lists beside a page of nicks, for room r (NULL: server-wide). */
void
cmd_who_extra_init(struct cmd_who_extra *x, const struct room *r)
{
	x->room = r;
	x->accounts = cJSON_CreateArray();
	x->roles = cJSON_CreateObject();
}

/*
 * The "accounts" and "roles" members of who and joined, each when any nick
 * listed has one (absent otherwise, as protocol v1 had it).
 */
void
cmd_who_extra_end(struct cmd_who_extra *x, cJSON *reply)
{
	if (cJSON_GetArraySize(x->accounts) > 0)
		cJSON_AddItemToObject(reply, "accounts", x->accounts);
	else
		cJSON_Delete(x->accounts);
	if (cJSON_GetArraySize(x->roles) > 0)
		cJSON_AddItemToObject(reply, "roles", x->roles);
	else
		cJSON_Delete(x->roles);
}

/* Every registered nick after after, a page of them. */
static cJSON *
cmd_who_everyone(struct server *s, const char *after, struct cmd_page *pg,
    struct cmd_who_extra *x)
{
	struct client	**v;
	cJSON		 *a;
	size_t		  n = 0, pos = 0;

	v = reallocarray(NULL, hash_count(s->nicks) + 1, sizeof *v);
	if (v == NULL)
		return (cJSON_CreateArray());
	while ((v[n] = hash_next(s->nicks, &pos)) != NULL)
		n++;
	a = cmd_who_nicks(v, n, after, pg, x);
	free(v);
	return (a);
}

static int
cmd_who_exec(struct client *c, struct request *req)
{
	const char	*room, *after;
	struct room	*r = NULL;
	struct cmd_page	 pg;
	struct cmd_who_extra x;
	cJSON		*reply;

	if (cmd_string(req, "room", false, &room) != 0 ||
	    cmd_string(req, "after", false, &after) != 0)
		return (-1);
	if (room != NULL && (r = room_find(c->server, room)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_ROOM, "no room %s", room));
	reply = cmd_object("who");
	cmd_who_extra_init(&x, r);
	cmd_page_init(&pg, c, req, r != NULL ? r->name : NULL);
	if (r != NULL) {
		cJSON_AddStringToObject(reply, "room", r->name);
		cJSON_AddItemToObject(reply, "nicks", cmd_who_nicks(r->members,
		    r->nmembers, after, &pg, &x));
	} else
		cJSON_AddItemToObject(reply, "nicks",
		    cmd_who_everyone(c->server, after, &pg, &x));
	cmd_who_extra_end(&x, reply);
	cmd_page_end(&pg, reply);
	cmd_reply(c, req, reply);
	return (0);
}

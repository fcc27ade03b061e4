/* cluster-state.c: the lasting state that the nodes of a cluster share through the store's Redis: accounts,
 * room owners, moderators and topics, bans; each change is told on the cluster channel and taken by the
 * other nodes' tables without being written again; it knows no sockets and no wire format. */

#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "store.h"

/* A state event of this node: {"t":"state","node":...,"kind":kind}. */
static cJSON *
cluster_state_evt(struct cluster *cl, const char *kind)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	cJSON_AddStringToObject(o, "t", "state");
	cJSON_AddStringToObject(o, "node", cl->node);
	cJSON_AddStringToObject(o, "kind", kind);
	return (o);
}

/* A string member, or null. */
static void
cluster_state_add(cJSON *o, const char *name, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(o, name, s);
	else
		cJSON_AddNullToObject(o, name);
}

static void
cluster_state_account(void *arg, const struct store_account *a,
    const char *del)
{
	struct cluster	*cl = arg;
	cJSON		*o;

	if (!cluster_up(cl) || (o = cluster_state_evt(cl, "account")) == NULL)
		return;
	if (a == NULL) {
		cJSON_AddStringToObject(o, "fold", del);
		cJSON_AddTrueToObject(o, "del");
	} else {
		cJSON_AddStringToObject(o, "fold", a->fold);
		cJSON_AddStringToObject(o, "nick", a->nick);
		cJSON_AddStringToObject(o, "hash", a->hash);
		cJSON_AddNumberToObject(o, "created", (double)a->created_ms);
	}
	(void)cluster_publish(cl, cl->chan_cluster, o);
}

static void
cluster_state_room(void *arg, const struct store_room *r, const char *del)
{
	struct cluster	*cl = arg;
	cJSON		*o, *mods;
	size_t		 i;

	if (!cluster_up(cl) || (o = cluster_state_evt(cl, "room")) == NULL)
		return;
	if (r == NULL) {
		cJSON_AddStringToObject(o, "fold", del);
		cJSON_AddTrueToObject(o, "del");
	} else {
		cJSON_AddStringToObject(o, "fold", r->fold);
		cJSON_AddStringToObject(o, "name", r->name);
		cluster_state_add(o, "owner", r->owner);
		cluster_state_add(o, "topic", r->topic);
		cluster_state_add(o, "topic_by", r->topic_by);
		cJSON_AddNumberToObject(o, "topic_ms", (double)r->topic_ms);
		mods = cJSON_AddArrayToObject(o, "moderators");
		for (i = 0; mods != NULL && i < r->nmoderators; i++)
			cJSON_AddItemToArray(mods,
			    cJSON_CreateString(r->moderators[i]));
	}
	(void)cluster_publish(cl, cl->chan_cluster, o);
}

static void
cluster_state_ban(void *arg, const struct store_ban *b, const char *room,
    const char *mask)
{
	struct cluster	*cl = arg;
	cJSON		*o;

	if (!cluster_up(cl) || (o = cluster_state_evt(cl, "ban")) == NULL)
		return;
	cJSON_AddStringToObject(o, "room", b != NULL ? b->room : room);
	cJSON_AddStringToObject(o, "mask", b != NULL ? b->mask : mask);
	if (b == NULL)
		cJSON_AddTrueToObject(o, "del");
	else {
		cluster_state_add(o, "by", b->by);
		cluster_state_add(o, "reason", b->reason);
		cJSON_AddNumberToObject(o, "set", (double)b->set_ms);
		cJSON_AddNumberToObject(o, "expires", (double)b->expires_ms);
	}
	(void)cluster_publish(cl, cl->chan_cluster, o);
}

/* Called by cluster_new: every change of the store is told from now. */
void
cluster_state_watch(struct cluster *cl)
{
	struct store_watcher	w = {
		.account = cluster_state_account,
		.room = cluster_state_room,
		.ban = cluster_state_ban,
		.arg = cl,
	};

	store_watch(cl->server->store, &w);
}

/* A number member of o, or 0. */
static int64_t
cluster_state_num(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0);
}

/*
 * An account of another node: made, its password changed, or dropped (as
 * unregister does: rooms forget it, sessions and remote users logged in
 * to it go on as guests).
 */
static void
cluster_state_account_in(struct server *s, const cJSON *o)
{
	struct store_account	 sa;
	struct account		*a;

	sa.fold = json_get_string(o, "fold");
	sa.nick = json_get_string(o, "nick");
	sa.hash = json_get_string(o, "hash");
	sa.created_ms = cluster_state_num(o, "created");
	if (sa.fold == NULL)
		return;
	a = account_find(&s->accounts, sa.fold);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "del"))) {
		if (a == NULL)
			return;
		room_forget_account(s, a->fold);
		cmd_unregister_sessions(s, a);
		account_remove(&s->accounts, a);
	} else if (sa.nick != NULL && sa.hash != NULL) {
		if (a != NULL)
			(void)account_set_hash(&s->accounts, a, sa.hash);
		else
			(void)account_load(&s->accounts, &sa);
	}
}

/*
 * A room's lasting state from another node, the whole of it (nothing:
 * it lasts no more); a new topic is told to this node's members.
 */
static void
cluster_state_room_in(struct server *s, const cJSON *o)
{
	struct store_room	 sr;
	struct room		*r;
	const cJSON		*mods, *m;
	const char		**list;
	size_t			  n = 0;
	bool			  told;

	memset(&sr, 0, sizeof sr);
	if ((sr.fold = json_get_string(o, "fold")) == NULL)
		return;
	sr.name = json_get_string(o, "name") != NULL ?
	    json_get_string(o, "name") : sr.fold;
	sr.owner = json_get_string(o, "owner");
	sr.topic = json_get_string(o, "topic");
	sr.topic_by = json_get_string(o, "topic_by");
	sr.topic_ms = cluster_state_num(o, "topic_ms");
	mods = cJSON_GetObjectItemCaseSensitive(o, "moderators");
	if ((list = calloc((size_t)cJSON_GetArraySize(mods) + 1,
	    sizeof *list)) == NULL)
		return;
	cJSON_ArrayForEach(m, mods) {
		if (cJSON_IsString(m))
			list[n++] = m->valuestring;
	}
	sr.moderators = list;
	sr.nmoderators = n;
	r = room_find(s, sr.name);
	told = sr.topic != NULL && r != NULL && r->nmembers > 0 &&
	    (r->topic == NULL || strcmp(r->topic, sr.topic) != 0 ||
	    r->topic_ms != sr.topic_ms);
	(void)room_load(s, &sr);
	free(list);
	if (told && (r = room_find(s, sr.name)) != NULL)
		role_presence(r, sr.topic_by != NULL ? sr.topic_by : "",
		    "topic", sr.topic_by != NULL ? sr.topic_by : "", NULL, NULL,
		    sr.topic);
}

/* A ban from another node, or one lifted. */
static void
cluster_state_ban_in(struct server *s, const cJSON *o)
{
	struct store_ban	sb;

	sb.room = json_get_string(o, "room");
	sb.mask = json_get_string(o, "mask");
	if (sb.room == NULL || sb.mask == NULL)
		return;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "del"))) {
		(void)ban_remove(s, sb.room, sb.mask);
		return;
	}
	sb.by = json_get_string(o, "by");
	sb.reason = json_get_string(o, "reason");
	sb.set_ms = cluster_state_num(o, "set");
	sb.expires_ms = cluster_state_num(o, "expires");
	if (sb.by != NULL)
		(void)ban_load(s, &sb);
}

/*
 * A change another node made (cluster_user_event): this node's tables
 * take it, mirroring the store, which has it already.
 */
void
cluster_state_in(struct cluster *cl, cJSON *o)
{
	struct server	*s = cl->server;
	const char	*kind = json_get_string(o, "kind");

	if (kind == NULL)
		return;
	store_mirror(s->store, true);
	if (strcmp(kind, "account") == 0)
		cluster_state_account_in(s, o);
	else if (strcmp(kind, "room") == 0)
		cluster_state_room_in(s, o);
	else if (strcmp(kind, "ban") == 0)
		cluster_state_ban_in(s, o);
	store_mirror(s->store, false);
}

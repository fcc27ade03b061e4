/* cluster-user.c: the users of a cluster: this node's announced to Redis (nick claims, joins, parts, quits,
 * nick changes, away) and the other nodes' kept here as clients without a connection (CLIENT_REMOTE), so
 * that rooms, nicks, who, joined and presence work unchanged; it knows no wire format and no socket. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

/*
 * A nick claim under way, on cl->claims; c NULL once the client is freed
 * (cluster_client_free).
 */
struct cluster_claim {
	struct cluster			*cl;
	struct client			*c;
	char				*fold;	/* claimed */
	char				*old;	/* a nick change's, or NULL */
	TAILQ_ENTRY(cluster_claim)	 entry;
};

/* A claim for c, on the list of those under way; NULL: no memory. */
static struct cluster_claim *
cluster_claim_new(struct cluster *cl, struct client *c)
{
	struct cluster_claim	*cc;

	if ((cc = calloc(1, sizeof *cc)) == NULL)
		return (NULL);
	if ((cc->fold = strdup(c->fold)) == NULL) {
		free(cc);
		return (NULL);
	}
	cc->cl = cl;
	cc->c = c;
	c->nclaims++;
	TAILQ_INSERT_TAIL(&cl->claims, cc, entry);
	return (cc);
}

static void
cluster_claim_free(struct cluster_claim *cc)
{
	TAILQ_REMOVE(&cc->cl->claims, cc, entry);
	if (cc->c != NULL)
		cc->c->nclaims--;
	free(cc->fold);
	free(cc->old);
	free(cc);
}

/* Called by client_free for a client with claims under way. */
void
cluster_client_free(struct cluster *cl, struct client *c)
{
	struct cluster_claim	*cc;

	TAILQ_FOREACH(cc, &cl->claims, entry) {
		if (cc->c == c)
			cc->c = NULL;
	}
	cluster_msg_client_free(cl, c);
	c->nclaims = 0;
}

/* The record of a user of this node, as users:NODE keeps it. */
cJSON *
cluster_user_record(const struct client *c)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	cJSON_AddStringToObject(o, "nick", c->nick);
	if (c->account != NULL)
		cJSON_AddStringToObject(o, "account", c->account->nick);
	cJSON_AddNumberToObject(o, "signon", (double)c->signon_ms);
	/* whois shows it: TLS or loopback to its own node. */
	if (c->flags & CLIENT_SECURE)
		cJSON_AddTrueToObject(o, "secure");
	if (c->away != NULL)
		cJSON_AddStringToObject(o, "away", c->away);
	return (o);
}

/* An event of this node on the cluster channel: {"t":t,"node":...}. */
static cJSON *
cluster_user_evt(const struct cluster *cl, const char *t, const char *nick)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	cJSON_AddStringToObject(o, "t", t);
	cJSON_AddStringToObject(o, "node", cl->node);
	if (nick != NULL)
		cJSON_AddStringToObject(o, "nick", nick);
	return (o);
}

/* A member's value in members:ROOM: ["NODE","Room name"]. */
static char *
cluster_user_member(const struct cluster *cl, const struct room *r)
{
	return (redis_pair(cl->node, r->name));
}

/* The remote user of node with nick (any case), or NULL. */
static struct client *
cluster_user_find(struct cluster *cl, const char *node, const char *nick)
{
	struct client	*g;

	if (node == NULL || nick == NULL ||
	    (g = nick_find(cl->server, nick)) == NULL ||
	    !(g->flags & CLIENT_REMOTE) || strcmp(g->node, node) != 0)
		return (NULL);
	return (g);
}

/*
 * A remote user comes (an online event, or a snapshot's record): a client
 * without connection, in the nick table, whose events the loop hands to
 * this node's clients.  A local client still waiting for its own claim of
 * the nick gives it up: Redis gave it to the other node.  NULL when the
 * nick is held here (the claim in Redis settles it at the next sync).
 */
static struct client *
cluster_user_new(struct cluster *cl, const char *node, const cJSON *rec)
{
	struct server	*s = cl->server;
	struct client	*g, *holder;
	const char	*nick = json_get_string(rec, "nick");
	const char	*account = json_get_string(rec, "account");
	const char	*away = json_get_string(rec, "away");
	const cJSON	*signon = cJSON_GetObjectItemCaseSensitive(rec,
			    "signon");

	if (nick == NULL)
		return (NULL);
	if ((holder = nick_find(s, nick)) != NULL) {
		if (holder->flags & CLIENT_REGISTERED) {
			log_warn("cluster: %s of node %s is also a user here",
			    nick, node);
			return (NULL);
		}
		nick_release(holder);
	}
	if ((g = calloc(1, sizeof *g)) == NULL)
		return (NULL);
	g->server = s;
	g->face = &face_evchat;
	g->flags = CLIENT_REGISTERED | CLIENT_REMOTE | CLIENT_DETACHED;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "secure")))
		g->flags |= CLIENT_SECURE;
	g->active_ms = server_mono_ms();
	g->signon_ms = cJSON_IsNumber(signon) ? (int64_t)signon->valuedouble :
	    server_now_ms(s);
	if ((g->addr = strdup(node)) == NULL ||
	    (g->node = strdup(node)) == NULL ||
	    (away != NULL && (g->away = strdup(away)) == NULL) ||
	    nick_register(g, nick) != NICK_OK) {
		free(g->addr);
		free(g->node);
		free(g->away);
		free(g);
		return (NULL);
	}
	if (account != NULL)
		g->account = account_find(&s->accounts, account);
	presence_online(g, false);
	return (g);
}

/* A remote user goes, with reason: its rooms and the watchers are told. */
static void
cluster_user_free(struct client *g, const char *reason)
{
	free(g->close_reason);
	g->close_reason = reason != NULL ? strdup(reason) : NULL;
	presence_quit(g);
	while (g->nrooms > 0)
		room_part(g->rooms[0], g);
	nick_release(g);
	presence_offline(g);
	free(g->rooms);
	free(g->nick);			/* fold with it */
	free(g->addr);
	free(g->away);
	free(g->node);
	free(g->close_reason);
	free(g);
}

/* A remote user joins the room called name (nothing if it is in it). */
static void
cluster_user_join(struct client *g, const char *name)
{
	struct room	*r;

	if (name == NULL)
		return;
	if ((r = room_find(g->server, name)) != NULL && room_has(r, g))
		return;
	if ((r = room_join(g->server, name, g)) != NULL)
		presence_room(g, r, "join", NULL);
}

/* A remote user leaves r: by itself, or put out by a moderator. */
static void
cluster_user_part(struct client *g, struct room *r, const cJSON *o)
{
	const char	*by = json_get_string(o, "by");

	if (by != NULL)
		role_presence(r, g->nick, "part", by,
		    json_get_string(o, "sanction"),
		    json_get_string(o, "reason"), NULL);
	else
		presence_room(g, r, "part", json_get_string(o, "reason"));
	room_part(r, g);
}

/*
 * A mute or unmute made on another node: the room's list here too (this
 * node refuses its muted users' messages), and its members told.
 */
static void
cluster_user_mute_in(struct cluster *cl, const cJSON *o)
{
	const char	*nick = json_get_string(o, "nick");
	const char	*fold = json_get_string(o, "fold");
	const char	*by = json_get_string(o, "by");
	bool		 on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
			    "on"));
	struct room	*r;

	if (nick == NULL || fold == NULL || by == NULL ||
	    (r = room_find(cl->server, json_get_string(o, "room") != NULL ?
	    json_get_string(o, "room") : "")) == NULL)
		return;
	if (room_list_set(&r->muted, &r->nmuted, fold, on) == 0)
		role_presence(r, nick, on ? "mute" : "unmute", by, NULL, NULL,
		    NULL);
}

/* Called by cmd-mute.c: t muted (on) or unmuted in r by the nick by. */
void
cluster_mute(struct cluster *cl, struct room *r, struct client *t, bool on,
    const char *by)
{
	cJSON	*e;

	if ((e = cluster_user_evt(cl, "mute", t->nick)) == NULL)
		return;
	cJSON_AddStringToObject(e, "fold", t->fold);
	cJSON_AddStringToObject(e, "room", r->name);
	cJSON_AddBoolToObject(e, "on", on);
	cJSON_AddStringToObject(e, "by", by);
	(void)cluster_publish(cl, cl->chan_cluster, e);
}

/*
 * An event of another node about one of its users (t: "on", "off",
 * "join", "part", "nick", "away"): this node's clients are told as they
 * would be of a user of their own.  Each is idempotent: a snapshot read
 * meanwhile may have brought it already.
 */
void
cluster_user_event(struct cluster *cl, const char *t, cJSON *o)
{
	const char	*node = json_get_string(o, "node");
	const char	*nick = json_get_string(o, "nick");
	struct client	*g = cluster_user_find(cl, node, nick);
	struct room	*r;
	char		*old;

	if (strcmp(t, "on") == 0) {
		if (g == NULL)
			(void)cluster_user_new(cl, node, o);
	} else if (strcmp(t, "state") == 0)
		cluster_state_in(cl, o);
	else if (strcmp(t, "mute") == 0)
		cluster_user_mute_in(cl, o);
	else if (g == NULL)
		return;
	else if (strcmp(t, "off") == 0)
		cluster_user_free(g, json_get_string(o, "reason"));
	else if (strcmp(t, "join") == 0)
		cluster_user_join(g, json_get_string(o, "room"));
	else if (strcmp(t, "part") == 0) {
		if ((r = room_find(cl->server, json_get_string(o, "room"))) !=
		    NULL && room_has(r, g))
			cluster_user_part(g, r, o);
	} else if (strcmp(t, "nick") == 0) {
		if (json_get_string(o, "new") == NULL ||
		    nick_change(g, json_get_string(o, "new"), &old) !=
		    NICK_OK)
			return;
		presence_nick(g, old);
		free(old);
	} else if (strcmp(t, "away") == 0) {
		free(g->away);
		g->away = json_get_string(o, "away") != NULL ?
		    strdup(json_get_string(o, "away")) : NULL;
		presence_away(g);
	}
}

/* Every remote user, of node (NULL: of all nodes); n in *np; NULL: none. */
static struct client **
cluster_user_all(struct cluster *cl, const char *node, size_t *np)
{
	struct server	 *s = cl->server;
	struct client	 *c, **v;
	size_t		  pos = 0, n = 0;

	*np = 0;
	if ((v = reallocarray(NULL, hash_count(s->nicks) + 1, sizeof *v)) ==
	    NULL)
		return (NULL);
	while ((c = hash_next(s->nicks, &pos)) != NULL) {
		if (c->flags & CLIENT_REMOTE &&
		    (node == NULL || strcmp(c->node, node) == 0))
			v[n++] = c;
	}
	*np = n;
	return (v);
}

/*
 * A node is gone (why: "lost", its lease ran out; "stopped"; "restarted"):
 * its users quit, with a reason naming it.  This node itself dropped by
 * the others (Redis stalled past the lease): its users are announced
 * again.  node NULL: every remote user goes, silently (at exit).
 */
void
cluster_user_down(struct cluster *cl, const char *node, const char *why)
{
	struct client	**v;
	size_t		  n, i;
	char		  reason[256];

	if (node != NULL && strcmp(node, cl->node) == 0) {
		if (!cl->stopping && why != NULL && strcmp(why, "lost") == 0) {
			log_warn("cluster: node %s (this one) was declared "
			    "lost: its users are announced again", node);
			cluster_user_resync(cl);
		}
		return;
	}
	if (node != NULL)
		log_info("cluster: node %s %s", node, why != NULL ? why :
		    "gone");
	snprintf(reason, sizeof reason, "node %s %s", node != NULL ? node :
	    "", why != NULL && strcmp(why, "lost") == 0 ? "lost" :
	    "shutting down");
	if ((v = cluster_user_all(cl, node, &n)) == NULL)
		return;
	for (i = 0; i < n; i++)
		cluster_user_free(v[i], node != NULL ? reason : NULL);
	free(v);
}

/* Nick fold of this node, claimed for a client gone meanwhile: let go. */
static void
cluster_user_unclaim(struct cluster *cl, const char *fold)
{
	const char	*argv[3];
	cJSON		*e;
	char		*text;

	if ((e = cluster_user_evt(cl, "off", NULL)) == NULL)
		return;
	cJSON_AddStringToObject(e, "nick", fold);
	if ((text = cJSON_PrintUnformatted(e)) != NULL) {
		argv[0] = cl->node;
		argv[1] = fold;
		argv[2] = text;
		(void)cluster_eval(cl, CLUSTER_QUIT, NULL, NULL, 3, argv);
		cJSON_free(text);
	}
	cJSON_Delete(e);
}

/* Every node's users and members, to come on this node's channel. */
static void
cluster_user_ask_snapshot(struct cluster *cl)
{
	const char	*argv[1] = { cl->node };

	(void)cluster_eval(cl, CLUSTER_SNAPSHOT, NULL, NULL, 1, argv);
}

/*
 * A claim's answer: 1, ours; a string, the node that holds it; NULL, the
 * connection lost (then the claim is made again when Redis is back).
 * The client, if still here, goes on: hello's welcome or its refusal; a
 * client already registered (a resync) that lost its nick is told why
 * and disconnected: the claim already in Redis wins.
 */
static void
cluster_claimed(redisAsyncContext *ac, void *reply, void *arg)
{
	struct cluster_claim	*cc = arg;
	struct cluster		*cl = cc->cl;
	redisReply		*r = reply;
	struct client		*c = cc->c;
	const char		*holder = NULL;
	bool			 won = r != NULL && r->type == REDIS_REPLY_INTEGER;
	char			 why[256];

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		holder = r->str;
	else if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_error("cluster: claiming %s: %s", cc->fold, r->str);
	/*
	 * Gone, or no longer under that nick (a remote user came with it
	 * meanwhile, or it changed again): a nick won for it is let go.
	 */
	if (c == NULL || c->flags & CLIENT_CLOSING ||
	    nick_find(cl->server, cc->fold) != c) {
		/* A registered one's quit lets go of its nick itself. */
		if (won && (c == NULL || !(c->flags & CLIENT_REGISTERED) ||
		    c->fold == NULL || strcmp(c->fold, cc->fold) != 0))
			cluster_user_unclaim(cl, cc->fold);
		if (c != NULL && !(c->flags & CLIENT_REGISTERED) &&
		    c->flags & CLIENT_HELD)
			cmd_hello_claimed(c, "another node");
		cluster_claim_free(cc);
		return;
	}
	if (!(c->flags & CLIENT_REGISTERED))
		cmd_hello_claimed(c, holder);
	else if (holder != NULL && cc->old != NULL)
		cmd_nick_claimed(c, cc->old, holder);
	else if (holder != NULL && !(c->flags & CLIENT_CLOSING)) {
		snprintf(why, sizeof why, "nick %s was taken on node %s while "
		    "this node was cut off from the cluster", c->nick, holder);
		client_error(c, ERR_NICK_TAKEN, NULL, "%s", why);
		client_close(c, why, true);
		/*
		 * Free now, for the remote user with the nick: the snapshot
		 * asked for may have come first and left it out, so another
		 * is asked for.
		 */
		nick_release(c);
		cluster_user_ask_snapshot(cl);
	}
	cluster_claim_free(cc);
}

/* A claim of c's nick, with its online event, as hello's or a resync's. */
static int
cluster_user_claim(struct cluster *cl, struct client *c,
    const struct account *a)
{
	struct cluster_claim	*cc;
	const char		*argv[4];
	cJSON			*rec, *e;
	char			*rtext = NULL, *etext = NULL;
	int			 rc = -1;

	if ((cc = cluster_claim_new(cl, c)) == NULL)
		return (-1);
	rec = cluster_user_record(c);
	if (a != NULL && rec != NULL && c->account == NULL)
		cJSON_AddStringToObject(rec, "account", a->nick);
	e = cJSON_Duplicate(rec, 1);
	if (e != NULL) {
		cJSON_AddStringToObject(e, "t", "on");
		cJSON_AddStringToObject(e, "node", cl->node);
	}
	if (rec != NULL && e != NULL && (rtext = cJSON_PrintUnformatted(rec)) != NULL &&
	    (etext = cJSON_PrintUnformatted(e)) != NULL) {
		argv[0] = cl->node;
		argv[1] = c->fold;
		argv[2] = rtext;
		argv[3] = etext;
		rc = cluster_eval(cl, CLUSTER_CLAIM, cluster_claimed, cc, 4,
		    argv);
	}
	cJSON_Delete(rec);
	cJSON_Delete(e);
	cJSON_free(rtext);
	cJSON_free(etext);
	if (rc != 0)
		cluster_claim_free(cc);
	else
		cl->stats.events_out++;
	return (rc);
}

/*
 * Called by hello once the nick is free here: the claim goes to Redis
 * and the hello waits for it (cmd_hello_claimed).  0: held; -1: Redis
 * is away, and the nick is this node's until it is back (then the claim
 * already in Redis wins).
 */
int
cluster_claim(struct cluster *cl, struct client *c, const struct account *a)
{
	if (!cluster_up(cl))
		return (-1);
	return (cluster_user_claim(cl, c, a));
}

/* A join or part of c (local) in r, with what the others need to tell. */
void
cluster_room(struct cluster *cl, struct client *c, struct room *r,
    const char *event, const char *reason, const char *by,
    const char *sanction)
{
	const char	*argv[5];
	bool		 join = strcmp(event, "join") == 0;
	cJSON		*e;
	char		*member = NULL, *text = NULL;

	if (!cluster_up(cl) || (!join && strcmp(event, "part") != 0) ||
	    (e = cluster_user_evt(cl, event, c->nick)) == NULL)
		return;
	cJSON_AddStringToObject(e, "room", r->name);
	if (reason != NULL)
		cJSON_AddStringToObject(e, "reason", reason);
	if (by != NULL)
		cJSON_AddStringToObject(e, "by", by);
	if (sanction != NULL)
		cJSON_AddStringToObject(e, "sanction", sanction);
	if ((!join || (member = cluster_user_member(cl, r)) != NULL) &&
	    (text = cJSON_PrintUnformatted(e)) != NULL) {
		argv[0] = cl->node;
		argv[1] = r->fold;
		argv[2] = c->fold;
		argv[3] = join ? member : "";
		argv[4] = text;
		if (cluster_eval(cl, CLUSTER_ROOM, NULL, NULL, 5, argv) == 0)
			cl->stats.events_out++;
	}
	cJSON_Delete(e);
	cJSON_free(member);
	cJSON_free(text);
}

/* c (local, registered) is going: its nick, record and memberships too. */
void
cluster_quit(struct cluster *cl, struct client *c)
{
	const char	**argv;
	cJSON		 *e;
	char		 *text;
	size_t		  i;

	if (!cluster_up(cl) || nick_find(cl->server, c->fold) != c ||
	    (e = cluster_user_evt(cl, "off", c->nick)) == NULL)
		return;
	if (c->close_reason != NULL)
		cJSON_AddStringToObject(e, "reason", c->close_reason);
	text = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	if (text == NULL ||
	    (argv = calloc(c->nrooms + 3, sizeof *argv)) == NULL) {
		cJSON_free(text);
		return;
	}
	argv[0] = cl->node;
	argv[1] = c->fold;
	argv[2] = text;
	for (i = 0; i < c->nrooms; i++)
		argv[3 + i] = c->rooms[i]->fold;
	if (cluster_eval(cl, CLUSTER_QUIT, NULL, NULL, (int)(3 + c->nrooms),
	    argv) == 0)
		cl->stats.events_out++;
	free(argv);
	cJSON_free(text);
}

/*
 * c (local) changed its nick from old (its fold ofold), already free
 * here: the claim of the new one goes to Redis.  Should another node's
 * user hold it there, c gets its old nick back (cmd_nick_claimed).
 */
void
cluster_nick(struct cluster *cl, struct client *c, const char *old,
    const char *ofold)
{
	struct cluster_claim	 *cc;
	const char		**argv;
	cJSON			 *rec, *e;
	char			 *rtext = NULL, *etext = NULL, **members;
	size_t			  i, n = 0;

	if (!cluster_up(cl) || (cc = cluster_claim_new(cl, c)) == NULL)
		return;
	argv = calloc(5 + 2 * c->nrooms, sizeof *argv);
	members = calloc(c->nrooms + 1, sizeof *members);
	rec = cluster_user_record(c);
	e = cluster_user_evt(cl, "nick", old);
	if (e != NULL)
		cJSON_AddStringToObject(e, "new", c->nick);
	if (argv == NULL || members == NULL || rec == NULL || e == NULL ||
	    (cc->old = strdup(old)) == NULL ||
	    (rtext = cJSON_PrintUnformatted(rec)) == NULL ||
	    (etext = cJSON_PrintUnformatted(e)) == NULL)
		goto out;
	argv[0] = cl->node;
	argv[1] = ofold;
	argv[2] = c->fold;
	argv[3] = rtext;
	argv[4] = etext;
	for (i = 0; i < c->nrooms; i++, n++) {
		if ((members[i] = cluster_user_member(cl, c->rooms[i])) ==
		    NULL)
			goto out;
		argv[5 + 2 * i] = c->rooms[i]->fold;
		argv[6 + 2 * i] = members[i];
	}
	if (cluster_eval(cl, CLUSTER_NICK, cluster_claimed, cc,
	    (int)(5 + 2 * c->nrooms), argv) == 0) {
		cl->stats.events_out++;
		cc = NULL;
	}
out:
	for (i = 0; i < n; i++)
		cJSON_free(members[i]);
	free(members);
	free(argv);
	cJSON_Delete(rec);
	cJSON_Delete(e);
	cJSON_free(rtext);
	cJSON_free(etext);
	if (cc != NULL)
		cluster_claim_free(cc);
}

/* c (local) went away or came back: its record, and the others told. */
void
cluster_away(struct cluster *cl, struct client *c)
{
	cJSON	*rec, *e;
	char	*text, *users;

	if (!cluster_up(cl) || (e = cluster_user_evt(cl, "away", c->nick)) ==
	    NULL)
		return;
	if (c->away != NULL)
		cJSON_AddStringToObject(e, "away", c->away);
	if ((rec = cluster_user_record(c)) != NULL &&
	    (text = cJSON_PrintUnformatted(rec)) != NULL) {
		if ((users = cluster_key(cl, "users:", cl->node)) != NULL)
			(void)redisAsyncCommand(cl->ac, NULL, NULL,
			    "HSET %s %s %s", users, c->fold, text);
		free(users);
		cJSON_free(text);
	}
	cJSON_Delete(rec);
	(void)cluster_publish(cl, cl->chan_cluster, e);
}

/*
 * This node's users again, after an outage or being declared lost: each
 * registered client's nick claimed (a lost claim disconnects it) and its
 * rooms joined, then every node's users read: the snapshot comes on this
 * node's channel (cluster_user_snapshot), so it must be heard already.
 */
void
cluster_user_resync(struct cluster *cl)
{
	struct server	*s = cl->server;
	struct client	*c;
	size_t		 i;

	TAILQ_FOREACH(c, &s->clients, entry) {
		if (!(c->flags & CLIENT_REGISTERED) ||
		    c->flags & CLIENT_CLOSING)
			continue;
		if (cluster_user_claim(cl, c, NULL) != 0)
			return;
		for (i = 0; i < c->nrooms; i++)
			cluster_room(cl, c, c->rooms[i], "join", NULL, NULL,
			    NULL);
	}
	cluster_user_ask_snapshot(cl);
}

/* The two strings of a snapshot's pair [a, b], or false. */
static bool
cluster_user_pair(const cJSON *p, const char **a, const cJSON **b)
{
	const cJSON	*x = cJSON_GetArrayItem(p, 0);

	*b = cJSON_GetArrayItem(p, 1);
	if (!cJSON_IsArray(p) || !cJSON_IsString(x) || *b == NULL)
		return (false);
	*a = x->valuestring;
	return (true);
}

/* Whether the members of a room ([[fold, member], ...]) list g. */
static bool
cluster_user_listed(const cJSON *members, const struct client *g)
{
	const cJSON	*p, *v;
	const char	*fold;
	cJSON		*m;
	bool		 found = false;

	cJSON_ArrayForEach(p, members) {
		if (!cluster_user_pair(p, &fold, &v) || !cJSON_IsString(v) ||
		    strcmp(fold, g->fold) != 0 ||
		    (m = cJSON_Parse(v->valuestring)) == NULL)
			continue;
		found = cJSON_IsString(cJSON_GetArrayItem(m, 0)) &&
		    strcmp(cJSON_GetArrayItem(m, 0)->valuestring, g->node) == 0;
		cJSON_Delete(m);
		if (found)
			break;
	}
	return (found);
}

/* The remote users the snapshot lists, come if new, marked CLIENT_SEEN. */
static void
cluster_user_seen(struct cluster *cl, const cJSON *users)
{
	const cJSON	*p, *kv, *q, *v;
	struct client	*g;
	const char	*node, *fold;
	cJSON		*rec;

	cJSON_ArrayForEach(p, users) {
		if (!cluster_user_pair(p, &node, &kv) ||
		    strcmp(node, cl->node) == 0)
			continue;
		cJSON_ArrayForEach(q, kv) {
			if (!cluster_user_pair(q, &fold, &v) ||
			    !cJSON_IsString(v) ||
			    (rec = cJSON_Parse(v->valuestring)) == NULL)
				continue;
			if ((g = cluster_user_find(cl, node,
			    json_get_string(rec, "nick"))) == NULL)
				g = cluster_user_new(cl, node, rec);
			if (g != NULL)
				g->flags |= CLIENT_SEEN;
			cJSON_Delete(rec);
		}
	}
}

/* The rooms' members the snapshot lists, joined where they are not. */
static void
cluster_user_joins(struct cluster *cl, const cJSON *rooms)
{
	const cJSON	*p, *members, *q, *v;
	const char	*room, *fold, *node;
	struct client	*g;
	cJSON		*m;

	cJSON_ArrayForEach(p, rooms) {
		if (!cluster_user_pair(p, &room, &members))
			continue;
		cJSON_ArrayForEach(q, members) {
			if (!cluster_user_pair(q, &fold, &v) ||
			    !cJSON_IsString(v) ||
			    (m = cJSON_Parse(v->valuestring)) == NULL)
				continue;
			node = cJSON_IsString(cJSON_GetArrayItem(m, 0)) ?
			    cJSON_GetArrayItem(m, 0)->valuestring : NULL;
			if ((g = cluster_user_find(cl, node, fold)) != NULL &&
			    cJSON_IsString(cJSON_GetArrayItem(m, 1)))
				cluster_user_join(g, cJSON_GetArrayItem(m,
				    1)->valuestring);
			cJSON_Delete(m);
		}
	}
}

/* g's rooms that the snapshot does not list it in: it parts them. */
static void
cluster_user_parts(struct client *g, const cJSON *rooms)
{
	const cJSON	*p, *members;
	const char	*fold;
	struct room	*r;
	size_t		 k;

	for (k = 0; k < g->nrooms; k++) {
		r = g->rooms[k];
		cJSON_ArrayForEach(p, rooms) {
			if (cluster_user_pair(p, &fold, &members) &&
			    strcmp(fold, r->fold) == 0)
				break;
		}
		if (p != NULL && cluster_user_listed(members, g))
			continue;
		presence_room(g, r, "part", "node resynchronised");
		room_part(r, g);
		k--;
	}
}

/*
 * The snapshot of every node's users and members, which this node asked
 * for on (re)connecting: it comes on this node's channel, in its place
 * among the events, so that what it says is what those before it made.
 * The remote users then are what it says: those it does not list quit
 * (their node was lost while this one did not hear), those new come, and
 * each joins and parts to be in the rooms it lists.
 */
void
cluster_user_snapshot(struct cluster *cl, cJSON *o)
{
	const cJSON	*users, *rooms;
	struct client	**v;
	size_t		  n, i;
	char		  reason[256];

	users = cJSON_GetObjectItemCaseSensitive(o, "users");
	rooms = cJSON_GetObjectItemCaseSensitive(o, "rooms");
	if (cl->stopping || users == NULL || rooms == NULL)
		return;
	cluster_user_seen(cl, users);
	if ((v = cluster_user_all(cl, NULL, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (v[i]->flags & CLIENT_SEEN) {
			v[i]->flags &= ~CLIENT_SEEN;
			continue;
		}
		snprintf(reason, sizeof reason, "node %s lost", v[i]->node);
		cluster_user_free(v[i], reason);
		v[i] = NULL;
	}
	cluster_user_joins(cl, rooms);
	for (i = 0; i < n; i++) {
		if (v[i] != NULL)
			cluster_user_parts(v[i], rooms);
	}
	free(v);
}

/*
 * A request of another node for a user of this one, on this node's
 * channel: "close" (kill) or "remove" (kick, ban) from a room, done here
 * as if asked here; the others hear of it as of any quit or part.
 */
void
cluster_user_request(struct cluster *cl, cJSON *o)
{
	const char	*t = json_get_string(o, "t");
	const char	*by = json_get_string(o, "by");
	struct client	*c;
	struct room	*r;

	c = nick_find(cl->server, json_get_string(o, "nick") != NULL ?
	    json_get_string(o, "nick") : "");
	if (c == NULL || c->flags & CLIENT_REMOTE || by == NULL)
		return;
	cl->stats.events_in++;
	if (strcmp(t, "close") == 0 && json_get_string(o, "reason") != NULL)
		client_close(c, json_get_string(o, "reason"), true);
	else if (strcmp(t, "remove") == 0 &&
	    (r = room_find(cl->server, json_get_string(o, "room") != NULL ?
	    json_get_string(o, "room") : "")) != NULL && room_has(r, c))
		role_remove(r, c, by, json_get_string(o, "sanction") != NULL ?
		    json_get_string(o, "sanction") : "kick",
		    json_get_string(o, "reason"));
}

/*
 * Called by client_close for a remote user (a kill) and by role_remove
 * (a kick or ban, room r): the request goes to its node, which does it
 * and tells everyone.
 */
void
cluster_forward(struct cluster *cl, struct client *g, struct room *r,
    const char *by, const char *sanction, const char *reason)
{
	cJSON	*o;
	char	*chan;

	if ((o = cluster_user_evt(cl, r != NULL ? "remove" : "close",
	    g->nick)) == NULL)
		return;
	if (r != NULL)
		cJSON_AddStringToObject(o, "room", r->name);
	cJSON_AddStringToObject(o, "by", by != NULL ? by : cl->node);
	if (sanction != NULL)
		cJSON_AddStringToObject(o, "sanction", sanction);
	if (reason != NULL)
		cJSON_AddStringToObject(o, "reason", reason);
	if ((chan = cluster_key(cl, "node:", g->node)) != NULL)
		(void)cluster_publish(cl, chan, o);
	else
		cJSON_Delete(o);
	free(chan);
}

/* cluster.h: what the cluster's files (cluster*.c) share: the one struct cluster, its Lua scripts and the
 * helpers that talk to Redis; the rest of evchatd sees only the cluster_* calls in server.h. */

#ifndef EVCHAT_CLUSTER_H
#define EVCHAT_CLUSTER_H

#include <cjson/cJSON.h>

#include "redis.h"

/*
 * The keys and channels, under the prefix (cluster-prefix), beside the
 * store's (store-redis.c):
 *
 *   node:NAME       string: NAME's lease, renewed every lease/3 (PX lease)
 *   nodes           set: the node names that hold a lease or held one
 *   nick:FOLD       string: the node whose user has the nick (the claim
 *                   made first wins)
 *   users:NAME      hash: nick fold -> {"nick","account","signon","away"}
 *   members:ROOM    hash: nick fold -> ["NAME","Room name"] (ROOM a fold)
 *   rooms:NAME      set: the rooms NAME had members in (for cleanup)
 *   msgid           string: the store's msgid counter, also the rooms'
 *
 *   cluster         channel: presence of every node's users, nodes down,
 *                   heartbeats, changes of accounts, rooms and bans
 *   node:NAME       channel: private messages, kicks and kills for NAME,
 *                   and the snapshots and join replays it asked for
 *   room:ROOM       channel: ROOM's messages, in their one order
 */

enum cluster_script {
	CLUSTER_MSG,		/* a pass's room messages: msgids, history,
				   one publication */
	CLUSTER_CLAIM,		/* a nick for a user of this node */
	CLUSTER_ROOM,		/* a join or a part */
	CLUSTER_QUIT,		/* a user gone */
	CLUSTER_NICK,		/* a user's new nick */
	CLUSTER_RENEW,		/* the lease */
	CLUSTER_GONE,		/* lost nodes' users dropped, or ours */
	CLUSTER_SNAPSHOT,	/* every node's users and members */
	CLUSTER_REPLAY,		/* a room's latest, for a join */
	CLUSTER_NSCRIPTS
};

/* SIGUSR1's figures. */
struct cluster_stats {
	uint64_t	 msgs_out;	/* room and private messages sent */
	uint64_t	 msgs_in;	/* and received */
	uint64_t	 events_out;	/* presence and state published */
	uint64_t	 events_in;
	uint64_t	 reconnects;
	uint64_t	 renewals;
	uint64_t	 lost;		/* nodes this one declared lost */
};

struct cluster {
	struct server		*server;
	struct redis_where	 at;
	char			*node;		/* node-name */
	char			*prefix;
	char			*chan_cluster;	/* the channels' names */
	char			*chan_node;
	char			 sha[CLUSTER_NSCRIPTS][41];
	redisAsyncContext	*ac;		/* commands, or NULL: away */
	redisAsyncContext	*sub;		/* subscriptions, or NULL */
	bool			 connected;	/* ac's connect came back */
	bool			 sub_connected;
	bool			 away;		/* logged: Redis is away */
	bool			 stopping;
	bool			 announced;	/* renewed since the last sync */
	unsigned int		 retry_ms;
	struct event		*retry;
	struct event		*lease;		/* renewal and sweep */
	struct cluster_stats	 stats;
	TAILQ_HEAD(, cluster_claim) claims;	/* cluster-user.c */
	struct hash		*rooms;		/* fold -> cluster_room */
	TAILQ_HEAD(, cluster_room) batched;	/* with messages waiting */
	TAILQ_HEAD(, cluster_join) joins;	/* waiting for their replay */
	uint64_t		 next_join;
	struct event		*flush;		/* sends them, end of pass */
	uint64_t		 msgid;		/* the highest seen */
};

/* cluster.c */
int		 cluster_eval(struct cluster *, enum cluster_script,
		     redisCallbackFn *, void *, int, const char **);
int		 cluster_evalv(struct cluster *, enum cluster_script,
		     redisCallbackFn *, void *, int, const char **,
		     const size_t *);
int		 cluster_publish(struct cluster *, const char *, cJSON *);
char		*cluster_key(const struct cluster *, const char *,
		     const char *);
bool		 cluster_up(const struct cluster *);
void		 cluster_sync(struct cluster *);

/* cluster-user.c: remote users as clients of this node. */
void		 cluster_user_event(struct cluster *, const char *, cJSON *);
void		 cluster_user_snapshot(struct cluster *, cJSON *);
void		 cluster_user_down(struct cluster *, const char *,
		     const char *);
void		 cluster_user_resync(struct cluster *);
void		 cluster_user_request(struct cluster *, cJSON *);
cJSON		*cluster_user_record(const struct client *);

/* cluster-state.c: accounts, room owners and topics, bans. */
void		 cluster_state_in(struct cluster *, cJSON *);
void		 cluster_state_watch(struct cluster *);

/* cluster-msg.c: room and private messages, the rooms' channels. */
void		 cluster_msg_room_in(struct cluster *, const char *, size_t);
bool		 cluster_msg_listen(struct cluster *, const char *, bool);
void		 cluster_msg_replay_in(struct cluster *, cJSON *);
void		 cluster_msg_client_free(struct cluster *, struct client *);
void		 cluster_msg_heard(struct cluster *, const char *);
void		 cluster_msg_deaf(struct cluster *);
int		 cluster_msg_init(struct cluster *);
void		 cluster_msg_private_in(struct cluster *, cJSON *);

#endif /* EVCHAT_CLUSTER_H */

/* redis.h: where a Redis is and how the loop reaches it (redis.c), shared by the store's Redis backend and
 * the cluster, and how their keys and values are put together; it knows no key, no room and no client. */

#ifndef EVCHAT_REDIS_H
#define EVCHAT_REDIS_H

#include <limits.h>
#include <netdb.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "server.h"

#define REDIS_PORT		6379
#define REDIS_WAIT_S		5	/* a blocking call, at most */
#define REDIS_RETRY_MS		250	/* the first retry, doubled up to */
#define REDIS_RETRY_MAX_MS	8000

/* Where Redis is: a TCP address (made numeric once) or a unix socket. */
struct redis_where {
	char		 host[NI_MAXHOST];	/* numeric, or "" */
	int		 port;
	int		 db;
	char		 path[PATH_MAX];	/* a unix socket, or "" */
	char		*password;		/* or NULL */
	char		*name;			/* as configured: for logs */
	char		 why[128];		/* a failed dial's reason */
};

int		 redis_where_parse(const char *, const char *,
		     struct redis_where *, char *, size_t);
int		 redis_where_open(struct redis_where *, const char *,
		     const char *, const char *, char *, size_t);
void		 redis_where_clear(struct redis_where *);
redisAsyncContext *redis_dial(struct redis_where *, struct event_base *,
		     void *, redisConnectCallback *, redisDisconnectCallback *,
		     const char **);
redisContext	*redis_connect_sync(const struct redis_where *, char *,
		     size_t);
void		 redis_drain(redisAsyncContext **);
char		*redis_key(const char *, const char *, const char *);
char		*redis_pair(const char *, const char *);

#endif /* EVCHAT_REDIS_H */

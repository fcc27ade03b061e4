/* redis.c: where a Redis is (a redis:// address or a unix socket), its password file, and its connections:
 * from the loop through hiredis's libevent adapter, or blocking at start; it knows no keys and no clients. */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <hiredis/adapters/libevent.h>

#include "redis.h"

/*
 * The part of "redis://HOST[:PORT][/DB]" after "redis:" into w (the host
 * as written: redis_where_open makes it numeric); -1 and why in err,
 * naming the key (key) that gave it.  Called by --check-config too.
 */
int
redis_where_parse(const char *key, const char *path, struct redis_where *w,
    char *err, size_t errlen)
{
	const char	*p = path + 2, *end;
	char		*num;
	long		 v;
	size_t		 len;

	memset(w, 0, sizeof *w);
	w->port = REDIS_PORT;
	if (strncmp(path, "//", 2) != 0)
		goto bad;
	if (*p == '[') {
		if ((end = strchr(++p, ']')) == NULL)
			goto bad;
		len = (size_t)(end++ - p);
	} else {
		len = strcspn(p, ":/");
		end = p + len;
	}
	if (len == 0 || len >= sizeof w->host)
		goto bad;
	memcpy(w->host, p, len);
	if (*end == ':') {
		errno = 0;
		v = strtol(end + 1, &num, 10);
		if (num == end + 1 || errno != 0 || v < 1 || v > 65535)
			goto bad;
		w->port = (int)v;
		end = num;
	}
	if (*end == '/') {
		errno = 0;
		v = strtol(end + 1, &num, 10);
		if (num == end + 1 || errno != 0 || v < 0 || v > INT_MAX)
			goto bad;
		w->db = (int)v;
		end = num;
	}
	if (*end == '\0')
		return (0);
bad:
	snprintf(err, errlen, "%s 'redis:%s' is not of the form "
	    "redis://HOST[:PORT][/DB]", key, path);
	return (-1);
}

/*
 * The host to a numeric address, once at start: a reconnection from the
 * loop then never waits on a name server.
 */
static int
redis_where_resolve(struct redis_where *w, char *err, size_t errlen)
{
	struct addrinfo		 hints, *res;
	char			 host[NI_MAXHOST];
	int			 rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(w->host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s: %s", w->name, w->host,
		    gai_strerror(rc));
		return (-1);
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host,
	    NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", w->name, gai_strerror(rc));
		return (-1);
	}
	memcpy(w->host, host, sizeof host);
	return (0);
}

/* The password, the first line of its file; -1 and why in err. */
static int
redis_where_password(struct redis_where *w, const char *file, char *err,
    size_t errlen)
{
	FILE	*f;
	char	 line[1024];

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "cluster-password-file %s: %s", file,
		    strerror(errno));
		return (-1);
	}
	if (fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0') {
		snprintf(err, errlen, "cluster-password-file %s: empty", file);
		return (-1);
	}
	if ((w->password = strdup(line)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	explicit_bzero(line, sizeof line);
	return (0);
}

/*
 * w from a key's value at start: scheme is "redis" (path "//HOST...") or
 * a unix socket's ("redis+unix", "unix": path "/PATH"); the host made
 * numeric and the password read (password_file may be NULL).  0, or -1
 * and why in err; redis_where_clear in either case.
 */
int
redis_where_open(struct redis_where *w, const char *scheme, const char *path,
    const char *password_file, char *err, size_t errlen)
{
	size_t	len = strlen(scheme) + strlen(path) + 2;
	char	*name;

	if ((name = malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	snprintf(name, len, "%s:%s", scheme, path);
	if (strcmp(scheme, "redis") != 0) {
		memset(w, 0, sizeof *w);
		if (path[0] != '/' || strlen(path) >= sizeof w->path) {
			snprintf(err, errlen, "%s is not of the form %s:/PATH",
			    name, scheme);
			free(name);
			return (-1);
		}
		snprintf(w->path, sizeof w->path, "%s", path);
		w->name = name;
	} else if (redis_where_parse(scheme, path, w, err, errlen) != 0) {
		free(name);
		return (-1);
	} else {
		w->name = name;
		if (redis_where_resolve(w, err, errlen) != 0)
			return (-1);
	}
	if (password_file != NULL &&
	    redis_where_password(w, password_file, err, errlen) != 0)
		return (-1);
	return (0);
}

void
redis_where_clear(struct redis_where *w)
{
	if (w->password != NULL)
		explicit_bzero(w->password, strlen(w->password));
	free(w->password);
	free(w->name);
	w->password = w->name = NULL;
}

/* A reply to AUTH or SELECT: an error is the configuration's. */
static void
redis_hello(redisAsyncContext *ac, void *reply, void *arg)
{
	const struct redis_where	*w = arg;
	redisReply			*r = reply;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_error("%s: %s", w->name, r->str);
}

/*
 * A connection from the loop (hiredis connects without waiting), its
 * data data, with AUTH and SELECT sent first; NULL and why in *why (kept
 * in w, so that it outlives the context).
 */
redisAsyncContext *
redis_dial(struct redis_where *w, struct event_base *base, void *data,
    redisConnectCallback *connected, redisDisconnectCallback *lost,
    const char **why)
{
	redisAsyncContext	*ac;

	if (w->path[0] != '\0')
		ac = redisAsyncConnectUnix(w->path);
	else
		ac = redisAsyncConnect(w->host, w->port);
	if (ac == NULL || ac->err != 0 ||
	    redisLibeventAttach(ac, base) != REDIS_OK) {
		snprintf(w->why, sizeof w->why, "%s", ac != NULL &&
		    ac->err != 0 ? ac->errstr : "out of memory");
		*why = w->why;
		if (ac != NULL)
			redisAsyncFree(ac);
		return (NULL);
	}
	ac->data = data;
	redisAsyncSetConnectCallback(ac, connected);
	redisAsyncSetDisconnectCallback(ac, lost);
	if (w->password != NULL)
		redisAsyncCommand(ac, redis_hello, w, "AUTH %s", w->password);
	if (w->db != 0)
		redisAsyncCommand(ac, redis_hello, w, "SELECT %d", w->db);
	return (ac);
}

/*
 * At start: a blocking connection, to check that Redis is there (and
 * takes the password and DB) before evchatd serves anyone; NULL and why.
 */
redisContext *
redis_connect_sync(const struct redis_where *w, char *err, size_t errlen)
{
	struct timeval	 tv = { REDIS_WAIT_S, 0 };
	redisContext	*c;
	redisReply	*r = NULL;

	if (w->path[0] != '\0')
		c = redisConnectUnixWithTimeout(w->path, tv);
	else
		c = redisConnectWithTimeout(w->host, w->port, tv);
	if (c == NULL || c->err != 0) {
		snprintf(err, errlen, "%s: cannot connect: %s", w->name,
		    c != NULL ? c->errstr : "out of memory");
		if (c != NULL)
			redisFree(c);
		return (NULL);
	}
	(void)redisSetTimeout(c, tv);
	if (w->password != NULL &&
	    ((r = redisCommand(c, "AUTH %s", w->password)) == NULL ||
	    r->type == REDIS_REPLY_ERROR))
		goto fail;
	freeReplyObject(r);
	r = NULL;
	if (w->db != 0 && ((r = redisCommand(c, "SELECT %d", w->db)) ==
	    NULL || r->type == REDIS_REPLY_ERROR))
		goto fail;
	freeReplyObject(r);
	r = NULL;
	if ((r = redisCommand(c, "PING")) == NULL ||
	    r->type == REDIS_REPLY_ERROR)
		goto fail;
	freeReplyObject(r);
	return (c);
fail:
	snprintf(err, errlen, "%s: %s", w->name, r != NULL ? r->str :
	    c->errstr);
	freeReplyObject(r);
	redisFree(c);
	return (NULL);
}

/*
 * At exit, off the loop: what was sent on *acp is written and answered,
 * waiting at most REDIS_WAIT_S.  The owner's disconnect callback sets
 * *acp to NULL when hiredis frees the context on the way.
 */
void
redis_drain(redisAsyncContext **acp)
{
	struct pollfd	 pfd;
	time_t		 until = time(NULL) + REDIS_WAIT_S;

	while (*acp != NULL && time(NULL) < until) {
		if ((*acp)->replies.head == NULL &&
		    sdslen((*acp)->c.obuf) == 0 &&
		    ((*acp)->c.flags & REDIS_CONNECTED))
			break;
		pfd.fd = (*acp)->c.fd;
		pfd.events = POLLIN;
		if (sdslen((*acp)->c.obuf) != 0 ||
		    !((*acp)->c.flags & REDIS_CONNECTED))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			break;
		if (pfd.revents & (POLLOUT | POLLERR | POLLHUP))
			redisAsyncHandleWrite(*acp);
		if (*acp != NULL && (pfd.revents & (POLLIN | POLLHUP)))
			redisAsyncHandleRead(*acp);
	}
}

/*
 * A key or channel under prefix (cluster-prefix): name, then fold (or
 * nothing); NULL when out of memory.  The store's and the cluster's keys
 * are all made so, which keeps them apart in a shared Redis.
 */
char *
redis_key(const char *prefix, const char *name, const char *fold)
{
	char	*key;
	size_t	 len;

	if (fold == NULL)
		fold = "";
	len = strlen(prefix) + strlen(name) + strlen(fold) + 1;
	if ((key = malloc(len)) != NULL)
		snprintf(key, len, "%s%s%s", prefix, name, fold);
	return (key);
}

/*
 * Two strings as one value, ["a","b"]: neither part needs escaping of its
 * own (a ban's room and mask, a member's node and room name).  Freed with
 * cJSON_free; NULL when out of memory.
 */
char *
redis_pair(const char *a, const char *b)
{
	const char	*both[2] = { a, b };
	cJSON		*arr;
	char		*s;

	if ((arr = cJSON_CreateStringArray(both, 2)) == NULL)
		return (NULL);
	s = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return (s);
}

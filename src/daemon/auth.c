/* auth.c: passwords (the server's, the accounts'): yescrypt hashes made and checked by one worker thread
 * off the loop, wrong guesses slowed per address and per account; it knows nothing of clients or the
 * config file, and never logs a password. */

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "server.h"

/*
 * yescrypt, the method Debian uses for /etc/shadow, at the cost libxcrypt
 * chooses: salted from the kernel's random source, memory-hard, and written
 * as a string that names its own method, cost and salt.
 */
#define AUTH_METHOD	"$y$"

/*
 * Wrong guesses from one address, or at one account: the first
 * AUTH_FREE_FAILURES are answered at once (a typo is not an attack), then
 * each answer is held back twice as long as the one before, up to
 * AUTH_DELAY_MAX_MS; a check that concerns both waits for the longer.  An
 * address or account forgets its failures after AUTH_FORGET_MS without
 * one.  At most AUTH_PEERS_MAX idle ones are remembered, the least
 * recently failed go first.
 */
#define AUTH_FREE_FAILURES	2
#define AUTH_DELAY_MIN_MS	1000
#define AUTH_DELAY_MAX_MS	30000
#define AUTH_FORGET_MS		(10 * 60 * 1000)
#define AUTH_PEERS_MAX		4096

/* Hash password with a new salt into out; 0, or -1 if it cannot. */
int
auth_hash(const char *password, char *out, size_t len)
{
	struct crypt_data	 cd;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*h;
	int			 rc = -1;

	if (crypt_gensalt_rn(AUTH_METHOD, 0, NULL, 0, salt,
	    sizeof salt) == NULL)
		return (-1);
	memset(&cd, 0, sizeof cd);
	h = crypt_rn(password, salt, &cd, sizeof cd);
	if (h != NULL && strlen(h) < len) {
		memcpy(out, h, strlen(h) + 1);
		rc = 0;
	}
	explicit_bzero(&cd, sizeof cd);
	return (rc);
}

/*
 * Whether hash is a whole hash of a method libxcrypt supports and does not
 * call legacy.  A salt without its hash, or a password pasted in its place,
 * would lock everyone out: hashing any phrase with it must give a string of
 * the same shape.
 */
bool
auth_hash_valid(const char *hash)
{
	struct crypt_data	 cd;
	const char		*h, *salt_end;
	size_t			 len = strlen(hash);
	bool			 ok;

	if (hash[0] != '$' || crypt_checksalt(hash) != CRYPT_SALT_OK ||
	    (salt_end = strrchr(hash, '$')) == NULL)
		return (false);
	memset(&cd, 0, sizeof cd);
	h = crypt_rn("", hash, &cd, sizeof cd);
	ok = h != NULL && strlen(h) == len &&
	    strncmp(h, hash, salt_end - hash + 1) == 0;
	explicit_bzero(&cd, sizeof cd);
	return (ok);
}

/*
 * What the loop and the worker thread share, under lock: the checks to run
 * and the verdicts to hand back.  The thread touches nothing else; it wakes
 * the loop by writing to efd, an eventfd the loop reads (a read event costs
 * the loop nothing while idle, where evthread_use_pthreads would lock every
 * event operation of the whole server).
 */
struct auth_worker {
	pthread_t			 thread;
	pthread_mutex_t			 lock;
	pthread_cond_t			 wake;
	TAILQ_HEAD(, auth_ticket)	 todo;
	TAILQ_HEAD(, auth_ticket)	 done;
	int				 efd;
	bool				 stop;
	bool				 running;
};

/*
 * One address's or account's recent failures and its checks, run one at a
 * time.  An account's key is "@" and its fold; no address begins so.
 */
#define AUTH_KEY_MAX	(NAME_FOLD_MAX + 2)
struct auth_peer {
	char				 key[AUTH_KEY_MAX];
	unsigned int			 failures;
	bool				 hashing;	/* an account's check is
							   with the worker */
	int64_t				 last_ms;	/* last failure */
	TAILQ_HEAD(, auth_ticket)	 tickets;	/* the first is running */
	TAILQ_ENTRY(auth_peer)		 entry;		/* auth->peers_lru */
};

/*
 * One job, from auth_check_start (or auth_hash_start) until its verdict
 * (or new hash) is delivered.
 */
struct auth_ticket {
	struct auth			*auth;
	struct auth_peer		*peer;		/* NULL: known password,
							   or a new hash */
	struct auth_peer		*acct;		/* NULL: no account */
	auth_done_cb			*cb;		/* NULL: cancelled */
	auth_hashed_cb			*hashed;	/* a new hash's */
	void				*arg;
	struct event			*timer;		/* delivers the verdict */
	char				*hash;		/* NULL: make one */
	char				*password;	/* NULL once hashed */
	char				 out[AUTH_HASH_MAX];	/* made */
	unsigned char			 digest[AUTH_DIGEST_LEN];
	bool				 ok;
	bool				 started;	/* the worker has had it */
	bool				 acct_queued;	/* on acct->tickets */
	TAILQ_ENTRY(auth_ticket)	 entry;		/* auth->tickets */
	TAILQ_ENTRY(auth_ticket)	 peer_entry;	/* peer->tickets */
	TAILQ_ENTRY(auth_ticket)	 acct_entry;	/* acct->tickets */
	TAILQ_ENTRY(auth_ticket)	 work_entry;	/* todo, then done */
};

/* A keyed digest of s, so that the cache never holds a password. */
static bool
auth_digest(const struct auth *a, const char *s, unsigned char *out)
{
	unsigned int	len = AUTH_DIGEST_LEN;

	return (HMAC(EVP_sha256(), a->key, sizeof a->key,
	    (const unsigned char *)s, strlen(s), out, &len) != NULL &&
	    len == AUTH_DIGEST_LEN);
}

/* Whether password matches hash: the slow part, run by the worker only. */
static bool
auth_crypt(const char *hash, const char *password)
{
	struct crypt_data	 cd;
	const char		*h;
	size_t			 len = strlen(hash);
	bool			 ok;

	memset(&cd, 0, sizeof cd);
	h = crypt_rn(password, hash, &cd, sizeof cd);
	ok = h != NULL && strlen(h) == len && CRYPTO_memcmp(h, hash, len) == 0;
	explicit_bzero(&cd, sizeof cd);
	return (ok);
}

/* The worker thread: hash what is queued, hand the verdicts back. */
static void *
auth_worker_main(void *arg)
{
	struct auth_worker	*w = arg;
	struct auth_ticket	*t;
	uint64_t		 one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (TAILQ_EMPTY(&w->todo) && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stop)
			break;
		t = TAILQ_FIRST(&w->todo);
		TAILQ_REMOVE(&w->todo, t, work_entry);
		pthread_mutex_unlock(&w->lock);

		if (t->hash != NULL)
			t->ok = auth_crypt(t->hash, t->password);
		else
			t->ok = auth_hash(t->password, t->out,
			    sizeof t->out) == 0;
		explicit_bzero(t->password, strlen(t->password));

		pthread_mutex_lock(&w->lock);
		TAILQ_INSERT_TAIL(&w->done, t, work_entry);
		/* The counter cannot overflow: the loop reads it to 0. */
		(void)write(w->efd, &one, sizeof one);
	}
	pthread_mutex_unlock(&w->lock);
	return (NULL);
}

/*
 * The address part of a client's "HOST:PORT", "[HOST6]:PORT" or other name
 * (as client.c formats them), as the key of its failures.  An IPv6 peer
 * owns a whole /64, so that is what it is counted by.
 */
static void
auth_peer_key(char *key, size_t len, const char *addr)
{
	struct in6_addr	 in6;
	char		 host[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN];
	const char	*end;
	size_t		 n;

	if (addr[0] == '[' && (end = strchr(addr, ']')) != NULL &&
	    (n = end - addr - 1) < sizeof host) {
		memcpy(host, addr + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, &in6) == 1) {
			if (IN6_IS_ADDR_V4MAPPED(&in6)) {
				inet_ntop(AF_INET, &in6.s6_addr[12], buf,
				    sizeof buf);
				snprintf(key, len, "%s", buf);
				return;
			}
			memset(&in6.s6_addr[8], 0, 8);
			inet_ntop(AF_INET6, &in6, buf, sizeof buf);
			snprintf(key, len, "%s/64", buf);
			return;
		}
	}
	if ((end = strrchr(addr, ':')) != NULL && strchr(addr, '[') == NULL)
		snprintf(key, len, "%.*s", (int)(end - addr), addr);
	else
		snprintf(key, len, "%s", addr);
}

/* How long the verdict after this many failures is held back, in ms. */
static unsigned int
auth_delay_ms(unsigned int failures)
{
	unsigned int	n;

	if (failures <= AUTH_FREE_FAILURES)
		return (0);
	n = failures - AUTH_FREE_FAILURES - 1;
	if (n >= 16 || AUTH_DELAY_MIN_MS << n > AUTH_DELAY_MAX_MS)
		return (AUTH_DELAY_MAX_MS);
	return (AUTH_DELAY_MIN_MS << n);
}

static void
auth_peer_free(struct auth *a, struct auth_peer *p)
{
	hash_remove(a->peers, p->key);
	TAILQ_REMOVE(&a->peers_lru, p, entry);
	a->npeers--;
	free(p);
}

/* The entry of key, made (evicting the oldest idle) if new. */
static struct auth_peer *
auth_peer_get(struct auth *a, const char *key)
{
	struct auth_peer	*p, *old;

	if ((p = hash_find(a->peers, key)) != NULL)
		return (p);
	if (a->npeers >= AUTH_PEERS_MAX) {
		TAILQ_FOREACH(old, &a->peers_lru, entry) {
			if (TAILQ_EMPTY(&old->tickets)) {
				auth_peer_free(a, old);
				break;
			}
		}
	}
	if ((p = calloc(1, sizeof *p)) == NULL)
		return (NULL);
	snprintf(p->key, sizeof p->key, "%s", key);
	TAILQ_INIT(&p->tickets);
	if (hash_insert(a->peers, p->key, p) != 0) {
		free(p);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&a->peers_lru, p, entry);
	a->npeers++;
	return (p);
}

/* Hand t to the worker. */
static void
auth_run(struct auth *a, struct auth_ticket *t)
{
	struct auth_worker	*w = a->worker;

	t->started = true;
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->todo, t, work_entry);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Run t if its turn has come: first of its address's checks, and no other
 * check of its account with the worker.  An address's next check waits
 * for the answer (delay included), so that many connections gain nothing;
 * an account's, for the verdict only, so that guessers cannot keep its
 * owner out by queueing their delays ahead of the owner's login.  Called
 * for the new first ones whenever one goes.  Returns whether t runs.
 */
static bool
auth_try_run(struct auth *a, struct auth_ticket *t)
{
	if (t == NULL || t->started ||
	    t != TAILQ_FIRST(&t->peer->tickets) ||
	    (t->acct_queued && t->acct->hashing))
		return (false);
	if (t->acct_queued)
		t->acct->hashing = true;
	auth_run(a, t);
	return (true);
}

/*
 * Take t off its account's queue at its verdict, and run the account's
 * next check whose address lets it (one held back by its address's delay
 * does not hold up the others, the owner's among them).
 */
static void
auth_unqueue_account(struct auth *a, struct auth_ticket *t)
{
	struct auth_peer	*acct = t->acct;
	struct auth_ticket	*u;

	if (acct == NULL || !t->acct_queued)
		return;
	t->acct_queued = false;
	TAILQ_REMOVE(&acct->tickets, t, acct_entry);
	if (t->started)
		acct->hashing = false;
	TAILQ_FOREACH(u, &acct->tickets, acct_entry) {
		if (auth_try_run(a, u))
			break;
	}
}

/*
 * Take t off its address's and account's queues, let their next checks
 * run, and forget an address or account left without failures.
 */
static void
auth_unqueue(struct auth *a, struct auth_ticket *t)
{
	struct auth_peer	*p = t->peer, *acct = t->acct;

	if (p == NULL)
		return;
	TAILQ_REMOVE(&p->tickets, t, peer_entry);
	auth_unqueue_account(a, t);
	auth_try_run(a, TAILQ_FIRST(&p->tickets));
	if (TAILQ_EMPTY(&p->tickets) && p->failures == 0)
		auth_peer_free(a, p);
	if (acct != NULL && TAILQ_EMPTY(&acct->tickets) && acct->failures == 0)
		auth_peer_free(a, acct);
}

static void
auth_ticket_free(struct auth_ticket *t)
{
	if (t->timer != NULL)
		event_free(t->timer);
	if (t->password != NULL) {
		explicit_bzero(t->password, strlen(t->password));
		free(t->password);
	}
	free(t->hash);
	free(t);
}

/*
 * The verdict's time has come: forget t, let its address's next check run,
 * then tell the caller (last, so that it may free what it likes).
 */
static void
auth_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct auth_ticket	*t = arg;
	struct auth		*a = t->auth;
	auth_done_cb		*cb = t->cb;
	auth_hashed_cb		*hashed = t->hashed;
	void			*cbarg = t->arg;
	char			 out[AUTH_HASH_MAX];
	bool			 ok = t->ok;

	TAILQ_REMOVE(&a->tickets, t, entry);
	auth_unqueue(a, t);
	memcpy(out, t->out, sizeof out);
	auth_ticket_free(t);
	if (hashed != NULL)
		hashed(cbarg, ok ? out : NULL);
	else if (cb != NULL)
		cb(cbarg, ok);
}

/* One more failure of p, an address or an account; its delay, in ms. */
static unsigned int
auth_fail(struct auth *a, struct auth_peer *p, int64_t now)
{
	if (p->failures > 0 && now - p->last_ms >= AUTH_FORGET_MS)
		p->failures = 0;
	p->failures++;
	p->last_ms = now;
	TAILQ_REMOVE(&a->peers_lru, p, entry);
	TAILQ_INSERT_TAIL(&a->peers_lru, p, entry);
	return (auth_delay_ms(p->failures));
}

/*
 * A verdict from the worker.  A right password is remembered (as keyed
 * digests) and answered at once; a wrong one counts against its address,
 * is logged, and is answered only after that address's delay, which also
 * holds back the address's next check: guessing in parallel gains nothing.
 */
static void
auth_verdict(struct auth *a, struct auth_ticket *t)
{
	struct auth_peer	*p = t->peer, *acct = t->acct;
	struct timeval		 tv;
	int64_t			 now = server_mono_ms();
	unsigned int		 ms = 0, ams;

	free(t->password);		/* wiped by the worker */
	t->password = NULL;
	if (t->hash == NULL)
		;			/* a new hash: no guess */
	else if (t->ok && acct == NULL) {
		a->known = auth_digest(a, t->hash, a->hash);
		memcpy(a->pass, t->digest, sizeof a->pass);
	} else if (!t->ok && acct == NULL) {
		ms = auth_fail(a, p, now);
		log_info("wrong password from %s: failure %u, answered in "
		    "%u ms", p->key, p->failures, ms);
	} else if (!t->ok) {
		ms = auth_fail(a, p, now);
		if ((ams = auth_fail(a, acct, now)) > ms)
			ms = ams;
		log_info("wrong password for account %s from %s: failure %u "
		    "of the account, %u of the address, answered in %u ms",
		    acct->key + 1, p->key, acct->failures, p->failures, ms);
	}
	auth_unqueue_account(a, t);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(t->timer, &tv);
}

/* The worker wrote to the eventfd: take every verdict it has. */
static void
auth_worker_cb(evutil_socket_t fd, short what, void *arg)
{
	struct auth		*a = arg;
	struct auth_worker	*w = a->worker;
	TAILQ_HEAD(, auth_ticket) done = TAILQ_HEAD_INITIALIZER(done);
	struct auth_ticket	*t;
	uint64_t		 n;

	(void)read(w->efd, &n, sizeof n);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&done, &w->done, work_entry);
	pthread_mutex_unlock(&w->lock);
	while ((t = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, t, work_entry);
		auth_verdict(a, t);
	}
}

/*
 * Prepare the checker and the worker's wake-up event on base (the thread
 * itself starts with the first check); 0, or -1 with the reason in err.
 * server_new calls it once; auth_clear undoes it.
 */
int
auth_init(struct auth *a, struct event_base *base, char *err, size_t len)
{
	struct auth_worker	*w;

	memset(a, 0, sizeof *a);
	a->base = base;
	TAILQ_INIT(&a->tickets);
	TAILQ_INIT(&a->peers_lru);
	if (RAND_bytes(a->key, sizeof a->key) != 1) {
		snprintf(err, len, "no random key for the password cache");
		return (-1);
	}
	if ((a->peers = hash_new()) == NULL ||
	    (w = a->worker = calloc(1, sizeof *w)) == NULL) {
		snprintf(err, len, "out of memory");
		return (-1);
	}
	w->efd = -1;
	TAILQ_INIT(&w->todo);
	TAILQ_INIT(&w->done);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, len, "eventfd: %s", strerror(errno));
		return (-1);
	}
	a->done = event_new(base, w->efd, EV_READ | EV_PERSIST,
	    auth_worker_cb, a);
	if (a->done == NULL || event_add(a->done, NULL) != 0) {
		snprintf(err, len, "cannot watch the password worker");
		return (-1);
	}
	return (0);
}

/*
 * Start the worker thread, the first time a password is to be checked:
 * a server without a password never has one.  Returns 0 or an errno.
 */
static int
auth_worker_start(struct auth_worker *w)
{
	sigset_t	all, old;
	int		rc;

	if (w->running)
		return (0);
	/* Signals are the loop's (libevent's handlers): none for the thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, auth_worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_error("cannot start the password worker: %s",
		    strerror(rc));
		return (rc);
	}
	w->running = true;
	return (0);
}

/*
 * Stop the worker and drop every check without calling anyone back; safe
 * on a struct auth that auth_init never saw or failed on.  From server_free.
 */
void
auth_clear(struct auth *a)
{
	struct auth_worker	*w = a->worker;
	struct auth_ticket	*t;
	struct auth_peer	*p;

	if (w != NULL && w->running) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	while (a->base != NULL && (t = TAILQ_FIRST(&a->tickets)) != NULL) {
		TAILQ_REMOVE(&a->tickets, t, entry);
		auth_ticket_free(t);
	}
	while (a->base != NULL && (p = TAILQ_FIRST(&a->peers_lru)) != NULL)
		auth_peer_free(a, p);
	hash_free(a->peers);
	if (a->done != NULL)
		event_free(a->done);
	if (w != NULL) {
		if (w->efd != -1)
			close(w->efd);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
	}
	explicit_bzero(a, sizeof *a);
}

/*
 * Check password against hash for a client at addr (its "HOST:PORT" as
 * client.c writes it), of the account whose fold is account (NULL: the
 * server password); cb(arg, ok) is called later from the loop, never from
 * here.  The password is copied, and wiped once hashed; the caller may
 * wipe its own at once.  The server password, once it matched, is
 * answered at once; any other is hashed by the worker, one check per
 * address and per account at a time, and a wrong one is answered only
 * after the longer of its address's and its account's delays.  Returns
 * the check, for auth_cancel, or NULL (out of memory: no callback).
 */
struct auth_ticket *
auth_check_start(struct auth *a, const char *hash, const char *password,
    const char *addr, const char *account, auth_done_cb *cb, void *arg)
{
	struct auth_ticket	*t;
	struct auth_peer	*p;
	unsigned char		 dh[AUTH_DIGEST_LEN];
	char			 key[AUTH_KEY_MAX];

	if ((t = calloc(1, sizeof *t)) == NULL)
		return (NULL);
	t->auth = a;
	t->cb = cb;
	t->arg = arg;
	if ((t->timer = evtimer_new(a->base, auth_deliver_cb, t)) == NULL ||
	    (t->hash = strdup(hash)) == NULL ||
	    !auth_digest(a, password, t->digest))
		goto fail;
	if (account == NULL && a->known && auth_digest(a, hash, dh) &&
	    CRYPTO_memcmp(dh, a->hash, sizeof dh) == 0 &&
	    CRYPTO_memcmp(t->digest, a->pass, sizeof a->pass) == 0) {
		t->ok = true;
		TAILQ_INSERT_TAIL(&a->tickets, t, entry);
		event_active(t->timer, EV_TIMEOUT, 0);
		return (t);
	}
	auth_peer_key(key, sizeof key, addr);
	if (auth_worker_start(a->worker) != 0 ||
	    (t->password = strdup(password)) == NULL ||
	    (p = auth_peer_get(a, key)) == NULL)
		goto fail;
	t->peer = p;
	TAILQ_INSERT_TAIL(&p->tickets, t, peer_entry);
	if (account != NULL) {
		snprintf(key, sizeof key, "@%s", account);
		if ((t->acct = auth_peer_get(a, key)) == NULL) {
			TAILQ_REMOVE(&p->tickets, t, peer_entry);
			t->peer = NULL;
			goto fail;
		}
		TAILQ_INSERT_TAIL(&t->acct->tickets, t, acct_entry);
		t->acct_queued = true;
	}
	TAILQ_INSERT_TAIL(&a->tickets, t, entry);
	auth_try_run(a, t);
	return (t);
fail:
	auth_ticket_free(t);
	return (NULL);
}

/*
 * Hash password with a new salt on the worker (yescrypt costs the loop
 * tens of milliseconds otherwise); cb(arg, hash) is called later from the
 * loop, hash NULL if it failed.  Returns the job, for auth_cancel, or NULL
 * (out of memory: no callback).  Called by register and passwd.
 */
struct auth_ticket *
auth_hash_start(struct auth *a, const char *password, auth_hashed_cb *cb,
    void *arg)
{
	struct auth_ticket	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return (NULL);
	t->auth = a;
	t->hashed = cb;
	t->arg = arg;
	if ((t->timer = evtimer_new(a->base, auth_deliver_cb, t)) == NULL ||
	    auth_worker_start(a->worker) != 0 ||
	    (t->password = strdup(password)) == NULL) {
		auth_ticket_free(t);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&a->tickets, t, entry);
	auth_run(a, t);
	return (t);
}

/*
 * The caller of t is going away (a client freed before its verdict): it
 * is never called back.  A job already started still runs its course, so
 * that hanging up early does not skip a delay; one still waiting its turn
 * goes now.
 */
void
auth_cancel(struct auth_ticket *t)
{
	struct auth	*a = t->auth;

	t->cb = NULL;
	t->hashed = NULL;
	if (t->peer == NULL || t->started)
		return;
	TAILQ_REMOVE(&a->tickets, t, entry);
	auth_unqueue(a, t);
	auth_ticket_free(t);
}

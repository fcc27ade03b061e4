/* bench-tls.c: evchat-bench's TLS: one client context pinned to TLS 1.3, TLS_AES_256_GCM_SHA384 and X25519
 * (so that every server measured is measured with the same cipher), and a connection's TLS reads, writes and
 * session; it knows sockets and OpenSSL, not the protocol spoken over them. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"

#define BENCH_TLS_SUITE		"TLS_AES_256_GCM_SHA384"
#define BENCH_TLS_GROUP		"X25519"
#define BENCH_TLS_RECORD	16384	/* plaintext of a full record */

/* OpenSSL's first queued reason, for a message. */
static const char *
bench_tls_why(void)
{
	const char	*why;

	why = ERR_reason_error_string(ERR_peek_error());
	return (why != NULL ? why : "unknown error");
}

/*
 * The client context of --tls: the chain checked against ca (a file; the
 * server's self-signed certificate will do), or nothing checked when ca is
 * NULL (a loopback bench has nobody in the middle).  Names are not
 * checked: a bench certificate names what it likes.
 */
struct ssl_ctx_st *
bench_tls_ctx_new(const char *ca, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "cannot make a TLS context");
		return (NULL);
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, BENCH_TLS_SUITE) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, BENCH_TLS_GROUP) != 1) {
		snprintf(err, errlen, "TLS 1.3 with %s and %s: %s",
		    BENCH_TLS_SUITE, BENCH_TLS_GROUP, bench_tls_why());
		goto fail;
	}
	if (ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
			snprintf(err, errlen, "--tls-ca %s: %s", ca,
			    bench_tls_why());
			goto fail;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* bench_tls_write retries from the evbuffer, which may move. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	ERR_clear_error();
	return (ctx);

fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return (NULL);
}

void
bench_tls_ctx_free(struct ssl_ctx_st *ctx)
{
	SSL_CTX_free(ctx);
}

/*
 * Called by bench_conn_connect on a socket being connected: c speaks TLS
 * on it, offering session (NULL: a full handshake).  The handshake runs
 * inside the first write and read.
 */
int
bench_tls_start(struct bench_conn *c, struct ssl_ctx_st *ctx,
    struct ssl_session_st *session)
{
	if ((c->ssl = SSL_new(ctx)) == NULL)
		return (-1);
	SSL_set_connect_state(c->ssl);
	if (SSL_set_fd(c->ssl, c->fd) != 1 ||
	    (session != NULL && SSL_set_session(c->ssl, session) != 1)) {
		ERR_clear_error();
		return (-1);
	}
	return (0);
}

/*
 * Before the socket closes: a close_notify (unless the close is a reset),
 * without which OpenSSL takes the session for a broken one and never
 * offers it again.
 */
void
bench_tls_stop(struct bench_conn *c, bool reset)
{
	if (!reset && SSL_is_init_finished(c->ssl))
		(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->tls_wlen = 0;
}

/* Whether the session was resumed (the server took its ticket). */
bool
bench_tls_resumed(const struct bench_conn *c)
{
	return (c->ssl != NULL && SSL_session_reused(c->ssl) == 1);
}

/* c's session now (its ticket once the server sent one), or NULL. */
struct ssl_session_st *
bench_tls_session(const struct bench_conn *c)
{
	return (c->ssl != NULL ? SSL_get1_session(c->ssl) : NULL);
}

void
bench_tls_session_free(struct ssl_session_st *session)
{
	SSL_SESSION_free(session);
}

/*
 * An SSL call's failure as read(2) and write(2) report theirs: -1 with
 * errno EAGAIN when it must wait (want_read set when for input), 0 for
 * the peer's end, -1 with errno EPROTO (the reason in why) for the rest.
 */
static ssize_t
bench_tls_error(struct bench_conn *c, int r, bool *want_read)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*want_read = true;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_ZERO_RETURN:
		return (0);
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			return (0);	/* an end of file without close_notify */
		ERR_clear_error();
		return (-1);
	default:
		bench_conn_note(c, "TLS: %s", bench_tls_why());
		ERR_clear_error();
		errno = EPROTO;
		return (-1);
	}
}

/*
 * Read everything OpenSSL can give into c->in (what it has decrypted does
 * not wake epoll again); like read(2): bytes, 0 at the end, or -1.  A
 * write that waited for input (c->tls_wait_read) may go on afterwards:
 * the caller flushes.
 */
ssize_t
bench_tls_read(struct bench_conn *c)
{
	struct evbuffer_iovec	 v;
	ssize_t			 total = 0, n;
	bool			 want_read = false;
	int			 r;

	for (;;) {
		if (evbuffer_reserve_space(c->in, BENCH_READ_SIZE, &v, 1) != 1) {
			errno = ENOMEM;
			return (-1);
		}
		ERR_clear_error();
		errno = 0;
		r = SSL_read(c->ssl, v.iov_base, (int)v.iov_len);
		if (r <= 0) {
			v.iov_len = 0;
			evbuffer_commit_space(c->in, &v, 1);
			n = bench_tls_error(c, r, &want_read);
			if (total > 0 && (n < 0 && errno == EAGAIN))
				return (total);
			return (total > 0 && n == 0 ? total : n);
		}
		v.iov_len = (size_t)r;
		evbuffer_commit_space(c->in, &v, 1);
		total += r;
	}
}

/*
 * Write c->out through OpenSSL, a full record a call; 0 when all is
 * written or must wait (EV_WRITE armed, or c->tls_wait_read for input), -1
 * with errno on failure.  A call that waits is repeated with the same
 * bytes first (at least as many), as OpenSSL requires.
 */
int
bench_tls_write(struct bench_conn *c)
{
	size_t		 len;
	unsigned char	*p;
	bool		 want_read = false;
	int		 r;

	while ((len = evbuffer_get_length(c->out)) > 0) {
		if (len > BENCH_TLS_RECORD)
			len = BENCH_TLS_RECORD;
		if (len < c->tls_wlen)
			len = c->tls_wlen;
		if ((p = evbuffer_pullup(c->out, (ev_ssize_t)len)) == NULL) {
			errno = ENOMEM;
			return (-1);
		}
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_write(c->ssl, p, (int)len)) > 0) {
			c->tls_wlen = 0;
			evbuffer_drain(c->out, (size_t)r);
			continue;
		}
		c->tls_wlen = len;
		if (bench_tls_error(c, r, &want_read) == 0) {
			errno = EPIPE;
			return (-1);
		}
		if (errno != EAGAIN)
			return (-1);
		if (want_read)
			c->tls_wait_read = true;
		else
			return (event_add(c->wr, NULL));
		return (0);
	}
	return (0);
}

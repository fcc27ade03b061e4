/* tls.c: evchatd's TLS context: the certificate chain and key of the config, its lowest version, the
 * system's OpenSSL defaults for the rest, its swap on reload, the session ticket keys and their rotation,
 * and the batched write of queued frames through OpenSSL; it knows frames, not clients. */

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "server.h"

/*
 * "KEY PATH: why" in err, for the file of the key named KEY that holds a
 * kind of thing: the first error OpenSSL queued is the cause, the others
 * its callers.  OpenSSL's words for the usual mistakes are made plainer.
 */
static void
tls_error(char *err, size_t len, const char *key, const char *path,
    const char *kind)
{
	unsigned long	 e;
	const char	*why;

	e = ERR_get_error();
	why = ERR_reason_error_string(e);
	if (ERR_GET_LIB(e) == ERR_LIB_SYS)
		why = strerror(ERR_GET_REASON(e));
	else if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
	    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
		why = "not the key of the certificate";
	else if ((ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
#ifdef ERR_LIB_OSSL_DECODER
	    || ERR_GET_LIB(e) == ERR_LIB_OSSL_DECODER
#endif
	    ) {
		snprintf(err, len, "%s %s: no %s in PEM form in it", key, path,
		    kind);
		ERR_clear_error();
		return;
	}
	snprintf(err, len, "%s %s: %s", key, path, why != NULL ? why :
	    "unknown error");
	ERR_clear_error();
}

/*
 * " with ADDR:PORT", the peer of ssl for the log, or "" once the peer has
 * reset the connection (the client's closing line has it then).
 */
static void
tls_peer(const SSL *ssl, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 name[ADDR_STRLEN];

	*buf = '\0';
	if (getpeername(SSL_get_fd(ssl), (struct sockaddr *)&ss, &sl) == 0 &&
	    addr_format((struct sockaddr *)&ss, name, sizeof name) == 0)
		snprintf(buf, len, " with %s", name);
}

/*
 * A handshake that fails is one line at info, with OpenSSL's reason (a
 * plain-text client, an old version, no shared cipher); libevent then
 * reports it to the client as a closed connection.
 */
static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	unsigned long	 e;
	const char	*why;
	char		 peer[ADDR_STRLEN + 8];

	if (where & SSL_CB_HANDSHAKE_DONE) {
		tls_peer(ssl, peer, sizeof peer);
		log_debug("TLS%s: %s, %s", peer, SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl));
		return;
	}
	if (!(where & SSL_CB_EXIT) || ret > 0 || (e = ERR_peek_error()) == 0)
		return;
	if ((why = ERR_reason_error_string(e)) == NULL)
		why = "unknown error";
	tls_peer(ssl, peer, sizeof peer);
	log_info("TLS handshake%s failed: %s", peer, why);
}

/*
 * Which certificate ctx serves, in the log: its subject, serial number and
 * end of validity, so that a renewal can be seen to have taken.
 */
static void
tls_log_certificate(SSL_CTX *ctx, const char *what)
{
	X509		*x;
	const ASN1_TIME	*end;
	BIO		*b;
	BIGNUM		*bn;
	char		*serial = NULL, subject[256], until[64];
	struct tm	 tm;
	int		 n = 0;

	if ((x = SSL_CTX_get0_certificate(ctx)) == NULL)
		return;
	if ((b = BIO_new(BIO_s_mem())) != NULL &&
	    X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, subject, sizeof subject - 1);
	subject[n > 0 ? n : 0] = '\0';
	BIO_free(b);
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL)
		serial = BN_bn2hex(bn);
	BN_free(bn);
	end = X509_get0_notAfter(x);
	if (ASN1_TIME_to_tm(end, &tm) != 1 ||
	    strftime(until, sizeof until, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(until, sizeof until, "?");
	if (X509_cmp_current_time(end) < 0)
		log_warn("%s TLS certificate %s (serial %s) expired on %s",
		    what, subject, serial != NULL ? serial : "?", until);
	else
		log_info("%s TLS certificate %s (serial %s), valid until %s",
		    what, subject, serial != NULL ? serial : "?", until);
	OPENSSL_free(serial);
}

/* A fresh random key; -1 when the random generator fails. */
static int
tls_ticket_key_make(struct tls_ticket_key *k)
{
	if (RAND_bytes(k->name, sizeof k->name) != 1 ||
	    RAND_priv_bytes(k->aes, sizeof k->aes) != 1 ||
	    RAND_priv_bytes(k->hmac, sizeof k->hmac) != 1) {
		ERR_clear_error();
		return (-1);
	}
	return (0);
}

/*
 * Every TLS_TICKET_ROTATE seconds the current key becomes the previous one
 * (which still opens the tickets it issued, at most TLS_TICKET_ROTATE old)
 * and the key before it is wiped: what a stolen key opens is bounded.
 */
static void
tls_ticket_rotate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tls_tickets	*t = arg;
	struct tls_ticket_key	 k;

	if (tls_ticket_key_make(&k) != 0) {
		log_warn("TLS ticket key rotation: no random bytes; "
		    "tickets off until the next rotation");
		t->ready = false;
		return;
	}
	t->key[1] = t->key[0];
	t->key[0] = k;
	OPENSSL_cleanse(&k, sizeof k);
	t->ready = true;
	log_debug("TLS ticket key rotated");
}

/* Start the keys and their rotation once per process (from tls_reload). */
static int
tls_tickets_start(struct server *s)
{
	struct tls_tickets	*t = &s->tls_tickets;
	struct timeval		 tv = { TLS_TICKET_ROTATE, 0 };

	if (t->rotate != NULL)
		return (0);
	if ((t->rotate = event_new(s->base, -1, EV_PERSIST,
	    tls_ticket_rotate_cb, t)) == NULL || evtimer_add(t->rotate,
	    &tv) != 0)
		return (-1);
	if (tls_ticket_key_make(&t->key[0]) != 0 ||
	    tls_ticket_key_make(&t->key[1]) != 0)
		return (-1);
	t->ready = true;
	return (0);
}

/*
 * OpenSSL's call to seal a new ticket (enc) or open one a client offers:
 * the cipher and MAC keys of the named key.  1: done; 2: opened with the
 * previous key, so issue a fresh one; 0: no ticket, or one we cannot open
 * (a full handshake follows).
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char name[TLS_TICKET_NAME],
    unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls_tickets		*t;
	const struct tls_ticket_key	*k = NULL;
	OSSL_PARAM			 params[3];
	size_t				 i;

	t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (t == NULL || !t->ready)
		return (0);
	if (enc) {
		k = &t->key[0];
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    EVP_aes_256_cbc())) != 1)
			return (-1);
		memcpy(name, k->name, TLS_TICKET_NAME);
		if (EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes,
		    iv) != 1)
			return (-1);
	} else {
		for (i = 0; i < 2 && k == NULL; i++)
			if (CRYPTO_memcmp(name, t->key[i].name,
			    TLS_TICKET_NAME) == 0)
				k = &t->key[i];
		if (k == NULL)
			return (0);
		if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes,
		    iv) != 1)
			return (-1);
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)k->hmac, sizeof k->hmac);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1)
		return (-1);
	return (enc || k == &t->key[0] ? 1 : 2);
}

/*
 * A server context for cf's certificate chain and key, or NULL with the
 * reason in err.  Ciphers, groups and the security level are left to the
 * system's OpenSSL configuration, as distributions tune them; only what a
 * chat server wants differently is set.
 */
static SSL_CTX *
tls_new(const struct config *cf, char *err, size_t errlen)
{
	SSL_CTX		*ctx;
	const char	*key;

	key = cf->tls_key != NULL ? cf->tls_key : cf->tls_cert;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "cannot make a TLS context");
		return (NULL);
	}
	if (SSL_CTX_set_min_proto_version(ctx, cf->tls_min_version == 3 ?
	    TLS1_3_VERSION : TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "tls-min-version 1.%u: not supported",
		    cf->tls_min_version);
		goto fail;
	}
	/*
	 * No client-initiated renegotiation, a cheap way to make the server
	 * work.  A peer closing without close_notify is an end of file, as
	 * bye already marks the end of the stream.  Idle connections give
	 * back their buffers, tens of KiB each.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	/*
	 * A phone that reconnects resumes by ticket (stateless: no session
	 * cache) instead of paying for a signature.  Tickets live as long as
	 * a key issues them, so the previous key opens any still valid.
	 * TLS 1.3 resumption keeps its (EC)DHE exchange: OpenSSL's server
	 * refuses psk_ke unless told otherwise.  Off: no tickets at all.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (cf->tls_session_tickets) {
		/*
		 * One ticket, not OpenSSL's two: a client resumes one
		 * connection at a time, and a resumed one gets a fresh
		 * ticket; each costs a seal and a record at every setup.
		 */
		SSL_CTX_set_num_tickets(ctx, 1);
		SSL_CTX_set_timeout(ctx, TLS_TICKET_ROTATE);
		if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx,
		    tls_ticket_cb) != 1) {
			snprintf(err, errlen, "cannot set the TLS ticket "
			    "callback");
			goto fail;
		}
	} else {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);

	if (SSL_CTX_use_certificate_chain_file(ctx, cf->tls_cert) != 1) {
		tls_error(err, errlen, "tls-cert", cf->tls_cert, "certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_error(err, errlen, cf->tls_key != NULL ? "tls-key" :
		    "tls-cert", key, "private key");
		goto fail;
	}
	return (ctx);

fail:
	SSL_CTX_free(ctx);
	return (NULL);
}

/*
 * On start (no context yet) and reload: a context from cf replaces the one
 * in use for the connections to come; those connected keep theirs, as each
 * holds a reference.  When cf's pair does not load, the old context stays
 * and -1 says why in the log.
 */
int
tls_reload(struct server *s, const struct config *cf)
{
	SSL_CTX	*ctx;
	char	 err[1024];

	if (cf->tls_cert == NULL) {
		tls_free(s);
		return (0);
	}
	if (tls_tickets_start(s) != 0) {
		log_error("cannot make TLS ticket keys");
		return (-1);
	}
	if ((ctx = tls_new(cf, err, sizeof err)) == NULL) {
		if (s->tls_ctx != NULL)
			log_error("%s; keeping the TLS certificate in use",
			    err);
		else
			log_error("%s", err);
		return (-1);
	}
	SSL_CTX_set_app_data(ctx, &s->tls_tickets);
	tls_log_certificate(ctx, s->tls_ctx != NULL ? "new" : "using");
	SSL_CTX_free(s->tls_ctx);
	s->tls_ctx = ctx;
	return (0);
}

/* Whether cf's certificate and key load (--check-config); -1 says why. */
int
tls_check(const struct config *cf, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if (cf->tls_cert == NULL)
		return (0);
	if ((ctx = tls_new(cf, err, errlen)) == NULL)
		return (-1);
	SSL_CTX_free(ctx);
	return (0);
}

/*
 * No TLS from now on (the config dropped it, or shutdown): the context
 * goes, and the ticket keys are wiped.  A context still held by a
 * lingering connection finds no keys and issues no ticket.
 */
void
tls_free(struct server *s)
{
	struct tls_tickets	*t = &s->tls_tickets;

	SSL_CTX_free(s->tls_ctx);
	s->tls_ctx = NULL;
	if (t->rotate != NULL)
		event_free(t->rotate);
	t->rotate = NULL;
	t->ready = false;
	OPENSSL_cleanse(t->key, sizeof t->key);
}

/*
 * Write n queued frames through ssl, whose bufferevent's output out is
 * empty: gathered into records of up to TLS_RECORD (one SSL_write, one
 * record, one write(2) each) instead of one record per frame.  A frame
 * alone is written from where it lies.  What the socket does not take, or
 * everything before the handshake is done, is copied to out, where the
 * bufferevent finishes the job (OpenSSL retries the pending record from
 * there: libevent lets the write buffer move).  Called by client_flush;
 * -1 when the connection is gone.
 */
int
tls_write(SSL *ssl, struct frame *const *q, size_t n, struct evbuffer *out)
{
	unsigned char		 rec[TLS_RECORD];
	const unsigned char	*p;
	size_t			 i = 0, off = 0, len, take;
	int			 r;

	if (!SSL_is_init_finished(ssl))
		goto rest;
	while (i < n) {
		if (i + 1 == n && off == 0 && q[i]->size <= sizeof rec) {
			p = q[i]->bytes;	/* alone: no copy */
			len = q[i]->size;
			i++;
		} else {
			for (len = 0; i < n && len < sizeof rec; len += take) {
				take = q[i]->size - off;
				if (take > sizeof rec - len)
					take = sizeof rec - len;
				memcpy(rec + len, q[i]->bytes + off, take);
				if ((off += take) == q[i]->size) {
					off = 0;
					i++;
				}
			}
			p = rec;
		}
		ERR_clear_error();
		if ((r = SSL_write(ssl, p, (int)len)) > 0)
			continue;
		switch (SSL_get_error(ssl, r)) {
		case SSL_ERROR_WANT_WRITE:
		case SSL_ERROR_WANT_READ:
			log_debug("TLS write: the socket is full, the rest "
			    "waits in the bufferevent");
			if (evbuffer_add(out, p, len) != 0)
				return (-1);
			goto rest;
		default:
			ERR_clear_error();
			return (-1);
		}
	}
	return (0);

rest:
	if (i < n && off != 0) {
		if (evbuffer_add(out, q[i]->bytes + off, q[i]->size - off) != 0)
			return (-1);
		i++;
	}
	for (; i < n; i++)
		if (frame_queue(out, q[i]) != 0)
			return (-1);
	return (0);
}

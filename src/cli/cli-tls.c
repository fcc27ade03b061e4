/* cli-tls.c: evchat-cli's TLS: the client context (the system's trust store or --ca), the check of the
 * server's name, and the one line that says why a handshake failed; it knows nothing of frames. */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cli.h"

static const char *
cli_tls_reason(unsigned long e)
{
	const char	*s;

	if ((s = ERR_reason_error_string(e)) == NULL)
		return ("unknown error");
	return (s);
}

/*
 * The context for every connection: TLS 1.2 or later, the rest as the
 * system's OpenSSL configuration says.  The server's certificate must chain
 * to the system's trust store, or only to the CAs of --ca.
 */
int
cli_tls_init(struct cli *cli, char **cause)
{
	SSL_CTX	*ctx;
	int	 ok;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		*cause = cli_xasprintf("cannot set up TLS: %s",
		    cli_tls_reason(ERR_get_error()));
		SSL_CTX_free(ctx);
		return (-1);
	}
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* The server's bye, not close_notify, marks the end of the chat. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	cli->tls_ctx = ctx;
	if (cli->insecure) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return (0);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cli->ca_file != NULL)
		ok = SSL_CTX_load_verify_locations(ctx, cli->ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		*cause = cli_xasprintf("%s: %s", cli->ca_file != NULL ?
		    cli->ca_file : "the system's trust store",
		    cli_tls_reason(ERR_get_error()));
		return (-1);
	}
	return (0);
}

/*
 * The certificate must name the host as given: an address literal against
 * its IP addresses, a name against its DNS names (a wildcard only for a
 * whole label), the way browsers check.  The name also goes out as SNI.
 */
static int
cli_tls_name(struct cli *cli, SSL *ssl)
{
	X509_VERIFY_PARAM	*param = SSL_get0_param(ssl);
	unsigned char		 buf[sizeof (struct in6_addr)];
	bool			 literal;

	literal = evutil_inet_pton(AF_INET, cli->host, buf) == 1 ||
	    evutil_inet_pton(AF_INET6, cli->host, buf) == 1;
	if (!literal && SSL_set_tlsext_host_name(ssl, cli->host) != 1)
		return (-1);
	if (cli->insecure)
		return (0);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (literal)
		return (X509_VERIFY_PARAM_set1_ip_asc(param, cli->host) == 1 ?
		    0 : -1);
	return (X509_VERIFY_PARAM_set1_host(param, cli->host, 0) == 1 ?
	    0 : -1);
}

/* A bufferevent that connects, then shakes hands; NULL if it cannot. */
struct bufferevent *
cli_tls_bufferevent(struct cli *cli)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(cli->tls_ctx)) == NULL)
		return (NULL);
	if (cli_tls_name(cli, ssl) != 0) {
		SSL_free(ssl);
		return (NULL);
	}
	/* On failure libevent has freed ssl. */
	bev = bufferevent_openssl_socket_new(cli->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
}

/*
 * Why the handshake on cli->bev failed, as the line to show; NULL when it
 * never began (the connection itself failed: the next address may do).
 */
char *
cli_tls_failure(struct cli *cli, short what)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(cli->bev);
	unsigned long	 e, first = 0;
	long		 v;

	/*
	 * libevent keeps SSL_get_error()'s code (of no library), then
	 * OpenSSL's queue, and hands them back last first: the cause is the
	 * earliest error of a library.  A system error is the connection's.
	 */
	while ((e = bufferevent_get_openssl_error(cli->bev)) != 0) {
		if (ERR_GET_LIB(e) != 0 && ERR_GET_LIB(e) != ERR_LIB_SYS)
			first = e;
	}
	v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	if (v == X509_V_ERR_HOSTNAME_MISMATCH ||
	    v == X509_V_ERR_IP_ADDRESS_MISMATCH)
		return (cli_xasprintf("the certificate of %s is not for %s "
		    "(%s)", cli->server, cli->host,
		    X509_verify_cert_error_string(v)));
	if (v != X509_V_OK)
		return (cli_xasprintf("the certificate of %s is not trusted: "
		    "%s%s", cli->server, X509_verify_cert_error_string(v),
		    cli->ca_file == NULL ? " (for a private CA, use --ca)" :
		    ""));
	/* What a plain server answers does not parse as a TLS record. */
	if (first != 0)
		return (cli_xasprintf("TLS handshake with %s failed: %s%s",
		    cli->server, cli_tls_reason(first),
		    ERR_GET_LIB(first) == ERR_LIB_SSL &&
		    (ERR_GET_REASON(first) == SSL_R_WRONG_VERSION_NUMBER ||
		    ERR_GET_REASON(first) == SSL_R_PACKET_LENGTH_TOO_LONG) ?
		    " (is it a TLS port?)" : ""));
	/* A hello went out: the connection was made, then closed. */
	if (what & BEV_EVENT_EOF && ssl != NULL &&
	    BIO_number_written(SSL_get_wbio(ssl)) > 0)
		return (cli_xasprintf("TLS handshake with %s failed: the "
		    "server closed the connection (is it a TLS port?)",
		    cli->server));
	return (NULL);
}

void
cli_tls_free(struct cli *cli)
{
	SSL_CTX_free(cli->tls_ctx);
	cli->tls_ctx = NULL;
}

/* face-http.c: the web listeners' face until a WebSocket begins: request heads parsed by http-parser, the
 * page's files answered from web.c, the /ws handshake (origin, proxies); it knows no message type. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include <http_parser.h>
#include <openssl/evp.h>

#include "server.h"

#define HTTP_HEAD_MAX	8192	/* bytes of a request head */
#define HTTP_WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HTTP_WS_KEY_LEN	16	/* a Sec-WebSocket-Key's bytes */

static enum face_read	 face_http_read(struct client *, unsigned int);
static struct frame	*face_http_render(const struct face *,
			    struct evt *);

const struct face face_http = {
	.name = "http",
	.id = FACE_HTTP,
	.read = face_http_read,
	.render = face_http_render,
};

/* The request headers looked at; any other is ignored. */
enum face_http_header {
	HTTP_HOST,
	HTTP_ORIGIN,
	HTTP_UPGRADE,
	HTTP_WS_KEY,
	HTTP_WS_VERSION,
	HTTP_IF_NONE_MATCH,
	HTTP_FORWARDED_FOR,
	HTTP_FORWARDED_PROTO,
	HTTP_NHEADERS,
	HTTP_OTHER = HTTP_NHEADERS
};

static const char *const face_http_names[HTTP_NHEADERS] = {
	"Host", "Origin", "Upgrade", "Sec-WebSocket-Key",
	"Sec-WebSocket-Version", "If-None-Match", "X-Forwarded-For",
	"X-Forwarded-Proto",
};

/* A piece of the request head, pointing into the client's input. */
struct face_http_text {
	const char	*p;		/* NULL: absent */
	size_t		 len;
};

/* One request head, as http-parser's callbacks report it. */
struct face_http_request {
	struct face_http_text	 url;
	struct face_http_text	 field;		/* the header being read */
	struct face_http_text	 value[HTTP_NHEADERS];
	enum face_http_header	 which;		/* of the value being read */
	bool			 in_value;	/* the last piece was a value */
	bool			 twice;		/* a header above came twice */
	bool			 body;		/* it announced a body */
	bool			 complete;
};

/* Append a callback's piece to t: a piece continues the one before. */
static void
face_http_append(struct face_http_text *t, const char *at, size_t len)
{
	if (t->p == NULL) {
		t->p = at;
		t->len = len;
	} else
		t->len = at + len - t->p;
}

static int
face_http_on_url(http_parser *hp, const char *at, size_t len)
{
	struct face_http_request	*r = hp->data;

	face_http_append(&r->url, at, len);
	return (0);
}

static int
face_http_on_field(http_parser *hp, const char *at, size_t len)
{
	struct face_http_request	*r = hp->data;

	if (r->in_value) {
		r->in_value = false;
		r->field.p = NULL;	/* the next header begins */
	}
	face_http_append(&r->field, at, len);
	return (0);
}

static int
face_http_on_value(http_parser *hp, const char *at, size_t len)
{
	struct face_http_request	*r = hp->data;
	size_t				 i;

	if (!r->in_value) {
		/* The field name is whole: which header is it? */
		for (i = 0; i < HTTP_NHEADERS; i++) {
			if (r->field.len == strlen(face_http_names[i]) &&
			    strncasecmp(r->field.p, face_http_names[i],
			    r->field.len) == 0)
				break;
		}
		r->which = i;
		r->in_value = true;
		if (i < HTTP_NHEADERS && r->value[i].p != NULL) {
			r->twice = true;
			r->value[i].p = NULL;
		}
	}
	if (r->which != HTTP_OTHER)
		face_http_append(&r->value[r->which], at, len);
	return (0);
}

static int
face_http_on_headers(http_parser *hp)
{
	struct face_http_request	*r = hp->data;

	r->body = hp->flags & F_CHUNKED || (hp->content_length != 0 &&
	    hp->content_length != ULLONG_MAX);
	return (0);
}

/* One request at a time: stop right after it, the rest stays queued. */
static int
face_http_on_complete(http_parser *hp)
{
	struct face_http_request	*r = hp->data;

	r->complete = true;
	http_parser_pause(hp, 1);
	return (0);
}

static const http_parser_settings face_http_settings = {
	.on_url = face_http_on_url,
	.on_header_field = face_http_on_field,
	.on_header_value = face_http_on_value,
	.on_headers_complete = face_http_on_headers,
	.on_message_complete = face_http_on_complete,
};

/* Whether header h's value is s, letter case aside. */
static bool
face_http_is(const struct face_http_request *r, enum face_http_header h,
    const char *s)
{
	const struct face_http_text	*v = &r->value[h];

	return (v->p != NULL && v->len == strlen(s) &&
	    strncasecmp(v->p, s, v->len) == 0);
}

/* Queue a refusal and close once it is written. */
static void
face_http_refuse(struct client *c, int status, const char *headers,
    const char *why)
{
	struct frame	*f;

	log_debug("client %llu: HTTP %d: %s", (unsigned long long)c->id,
	    status, why);
	if ((f = web_response(status, headers, NULL)) != NULL) {
		client_send_frame(c, f);
		frame_unref(f);
	}
	client_close(c, why, false);
}

/* The peer's own address, the one the socket sees. */
static bool
face_http_peer(struct client *c, struct sockaddr_storage *ss)
{
	socklen_t	sl = sizeof *ss;
	int		fd = bufferevent_getfd(c->bev);

	return (fd != -1 && getpeername(fd, (struct sockaddr *)ss, &sl) == 0);
}

/* Whether the peer is one of web-trusted-proxies. */
static bool
face_http_proxied(struct client *c)
{
	const struct config	*cf = c->server->config;
	struct sockaddr_storage	 ss;

	return (cf->nweb_proxies > 0 && face_http_peer(c, &ss) &&
	    limit_cidr_any(cf->web_proxies, cf->nweb_proxies,
	    (struct sockaddr *)&ss));
}

/* An address of X-Forwarded-For (len bytes) into *ss; false if none. */
static bool
face_http_address(const char *p, size_t len, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN];

	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof host)
		return (false);
	memcpy(host, p, len);
	host[len] = '\0';
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return (true);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return (true);
	}
	return (false);
}

/*
 * Behind a trusted proxy, the client is the last address of
 * X-Forwarded-For that is not a trusted proxy itself (the ones before it
 * are the client's own word).  Count the connection against it, and log
 * it.  Returns false when that address has too many connections already.
 */
static bool
face_http_forwarded(struct client *c, const struct face_http_request *r)
{
	const struct config		*cf = c->server->config;
	const struct face_http_text	*v = &r->value[HTTP_FORWARDED_FOR];
	struct sockaddr_storage		 ss;
	const char			*end, *comma;
	bool				 found = false;

	if (v->p == NULL || !face_http_proxied(c))
		return (true);
	for (end = v->p + v->len; end > v->p; end = comma) {
		for (comma = end; comma > v->p && comma[-1] != ','; comma--)
			continue;
		if (!face_http_address(comma, end - comma, &ss))
			break;	/* not an address: believe none before */
		found = true;
		if (!limit_cidr_any(cf->web_proxies, cf->nweb_proxies,
		    (struct sockaddr *)&ss))
			break;
		if (comma > v->p)
			comma--;
	}
	if (!found)
		return (true);
	limit_ip_remove(c->server, c);
	(void)client_set_addr(c, (struct sockaddr *)&ss);
	/*
	 * The proxy's own loopback or TLS says nothing of the way from the
	 * user to it; X-Forwarded-Proto does (register and passwd need it).
	 */
	if (!face_http_is(r, HTTP_FORWARDED_PROTO, "https") &&
	    !client_loopback((struct sockaddr *)&ss))
		c->flags &= ~CLIENT_SECURE;
	log_debug("client %llu is %s, by its proxy", (unsigned long long)c->id,
	    c->addr);
	return (limit_ip_add(c->server, c, (struct sockaddr *)&ss));
}

/*
 * Whether the page asking for /ws may: a client without Origin is not a
 * browser (whose pages always send it); a browser's page must come from
 * this server (the scheme it was reached by, and the Host it asked for) or
 * be one of web-origins.
 */
static bool
face_http_origin_ok(struct client *c, const struct face_http_request *r)
{
	const struct config		*cf = c->server->config;
	const struct face_http_text	*o = &r->value[HTTP_ORIGIN];
	const struct face_http_text	*h = &r->value[HTTP_HOST];
	const char			*scheme = "http";
	size_t				 i, n;

	if (o->p == NULL)
		return (true);
	for (i = 0; i < cf->nweb_origins; i++) {
		if (o->len == strlen(cf->web_origins[i]) &&
		    strncasecmp(o->p, cf->web_origins[i], o->len) == 0)
			return (true);
	}
	if (bufferevent_openssl_get_ssl(c->bev) != NULL)
		scheme = "https";
	else if (face_http_is(r, HTTP_FORWARDED_PROTO, "https") &&
	    face_http_proxied(c))
		scheme = "https";
	n = strlen(scheme);
	return (h->p != NULL && o->len == n + 3 + h->len &&
	    strncasecmp(o->p, scheme, n) == 0 &&
	    strncmp(o->p + n, "://", 3) == 0 &&
	    strncasecmp(o->p + n + 3, h->p, h->len) == 0);
}

/*
 * Answer the WebSocket handshake (RFC 6455 4.2.2) and hand the connection
 * to the WebSocket face, or refuse it.
 */
static void
face_http_upgrade(struct client *c, const struct face_http_request *r,
    const http_parser *hp)
{
	const struct face_http_text	*key = &r->value[HTTP_WS_KEY];
	unsigned char			 raw[64], md[EVP_MAX_MD_SIZE];
	char				 in[128], accept[64], err[128];
	char				 head[256];
	struct frame			*f;
	unsigned int			 mdlen;
	int				 n;

	if (hp->method != HTTP_GET || !hp->upgrade ||
	    !face_http_is(r, HTTP_UPGRADE, "websocket")) {
		face_http_refuse(c, 426, "Upgrade: websocket\r\n",
		    "not a WebSocket handshake");
		return;
	}
	if (!face_http_is(r, HTTP_WS_VERSION, "13")) {
		face_http_refuse(c, 426, "Sec-WebSocket-Version: 13\r\n",
		    "WebSocket version not 13");
		return;
	}
	if (key->p == NULL || !base64_valid(key->p, key->len) ||
	    base64_decoded_len(key->p, key->len) != HTTP_WS_KEY_LEN ||
	    base64_decode(key->p, key->len, raw) != HTTP_WS_KEY_LEN) {
		face_http_refuse(c, 400, NULL, "bad Sec-WebSocket-Key");
		return;
	}
	if (!face_http_origin_ok(c, r)) {
		log_info("client %llu (%s): WebSocket from origin %.*s refused",
		    (unsigned long long)c->id, c->addr,
		    (int)(r->value[HTTP_ORIGIN].len > 128 ? 128 :
		    r->value[HTTP_ORIGIN].len), r->value[HTTP_ORIGIN].p);
		face_http_refuse(c, 403, NULL, "origin not allowed");
		return;
	}
	n = snprintf(in, sizeof in, "%.*s" HTTP_WS_GUID, (int)key->len,
	    key->p);
	if (EVP_Digest(in, n, md, &mdlen, EVP_sha1(), NULL) != 1) {
		face_http_refuse(c, 500, NULL, "SHA-1 failed");
		return;
	}
	accept[base64_encode(md, mdlen, accept)] = '\0';
	n = snprintf(head, sizeof head, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if ((f = frame_alloc_raw(n)) == NULL) {
		client_close(c, "out of memory", false);
		return;
	}
	memcpy(f->bytes, head, n);
	client_send_frame(c, f);
	frame_unref(f);
	if (face_ws_start(c, err, sizeof err) != 0) {
		client_close(c, err, false);
		return;
	}
	log_debug("client %llu: WebSocket open", (unsigned long long)c->id);
}

/* Whether If-None-Match names etag (or is "*"). */
static bool
face_http_fresh(const struct face_http_request *r, const char *etag)
{
	const struct face_http_text	*v = &r->value[HTTP_IF_NONE_MATCH];
	size_t				 n = strlen(etag), i;

	if (v->p == NULL)
		return (false);
	if (v->len == 1 && v->p[0] == '*')
		return (true);
	for (i = 0; i + n <= v->len; i++) {
		if (memcmp(v->p + i, etag, n) == 0)
			return (true);
	}
	return (false);
}

/*
 * Answer one whole request head.  Returns false when c is closing or is no
 * longer HTTP (a WebSocket now).
 */
static bool
face_http_request(struct client *c, const struct face_http_request *r,
    const http_parser *hp)
{
	const struct web_file	*wf;
	struct http_parser_url	 u;
	const char		*path;
	size_t			 len;

	if (hp->http_major != 1) {
		face_http_refuse(c, 505, NULL, "HTTP version not 1.x");
		return (false);
	}
	if (r->body || r->twice || r->url.p == NULL ||
	    (hp->http_minor >= 1 && r->value[HTTP_HOST].p == NULL)) {
		face_http_refuse(c, 400, NULL, "bad request head");
		return (false);
	}
	http_parser_url_init(&u);
	if (http_parser_parse_url(r->url.p, r->url.len, 0, &u) != 0 ||
	    !(u.field_set & (1 << UF_PATH))) {
		face_http_refuse(c, 400, NULL, "bad request URL");
		return (false);
	}
	if (!face_http_forwarded(c, r)) {
		face_http_refuse(c, 503, NULL,
		    "too many connections from your address");
		return (false);
	}
	path = r->url.p + u.field_data[UF_PATH].off;
	len = u.field_data[UF_PATH].len;
	if (len == 3 && memcmp(path, "/ws", 3) == 0) {
		face_http_upgrade(c, r, hp);
		return (false);		/* a WebSocket now, or refused */
	}
	if (hp->method != HTTP_GET && hp->method != HTTP_HEAD) {
		face_http_refuse(c, 405, "Allow: GET, HEAD\r\n",
		    "method not allowed");
		return (false);
	}
	if ((wf = web_find(c->server->web, path, len)) == NULL) {
		face_http_refuse(c, 404, NULL, "no such file");
		return (false);
	}
	if (face_http_fresh(r, wf->etag))
		client_send_frame(c, wf->not_modified);
	else
		client_send_frame(c, hp->method == HTTP_HEAD ? wf->head :
		    wf->get);
	if (!http_should_keep_alive(hp)) {
		client_close(c, "request answered", false);
		return (false);
	}
	return (true);
}

/*
 * Called by client.c when input has arrived: answer up to budget whole
 * request heads, in order.  A head is parsed again from its start as more
 * of it comes (it is at most HTTP_HEAD_MAX bytes), so that what the
 * callbacks point at stays in the input until it is answered.
 */
static enum face_read
face_http_read(struct client *c, unsigned int budget)
{
	struct evbuffer			*in = bufferevent_get_input(c->bev);
	struct face_http_request	 r;
	http_parser			 hp;
	const char			*p;
	size_t				 len, used;

	for (; budget > 0; budget--) {
		if (c->flags & CLIENT_CLOSING)
			return (FACE_READ_CLOSED);
		if (c->face != &face_http)
			return (FACE_READ_MORE);	/* a WebSocket now */
		if ((len = evbuffer_get_length(in)) == 0) {
			c->partial_ms = 0;
			return (FACE_READ_DONE);
		}
		if (len > HTTP_HEAD_MAX)
			len = HTTP_HEAD_MAX;
		if ((p = (const char *)evbuffer_pullup(in, len)) == NULL) {
			client_close(c, "out of memory", false);
			return (FACE_READ_CLOSED);
		}
		memset(&r, 0, sizeof r);
		http_parser_init(&hp, HTTP_REQUEST);
		hp.data = &r;
		used = http_parser_execute(&hp, &face_http_settings, p, len);
		if (!r.complete) {
			if (HTTP_PARSER_ERRNO(&hp) != HPE_OK) {
				face_http_refuse(c, 400, NULL, http_errno_name(
				    HTTP_PARSER_ERRNO(&hp)));
				return (FACE_READ_CLOSED);
			}
			if (len == HTTP_HEAD_MAX) {
				face_http_refuse(c, 431, NULL,
				    "request head too large");
				return (FACE_READ_CLOSED);
			}
			/* Time a head from its first byte (slowloris). */
			if (c->partial_ms == 0)
				c->partial_ms = server_mono_ms();
			return (FACE_READ_DONE);
		}
		c->partial_ms = 0;
		c->server->stats.frames_in++;
		c->server->stats.bytes_in += used;
		if (!face_http_request(c, &r, &hp)) {
			evbuffer_drain(in, used);
			if (c->flags & CLIENT_CLOSING)
				return (FACE_READ_CLOSED);
			return (evbuffer_get_length(in) != 0 ?
			    FACE_READ_MORE : FACE_READ_DONE);
		}
		evbuffer_drain(in, used);
	}
	return (evbuffer_get_length(in) != 0 ? FACE_READ_MORE :
	    FACE_READ_DONE);
}

/*
 * Called by evt_frame: an HTTP client is told only why it is refused
 * before its request is read (server_accept: the server or its address is
 * full); a bye is nothing but the close.
 */
static struct frame *
face_http_render(const struct face *face, struct evt *e)
{
	if (e->type != EVT_ERROR)
		return (NULL);
	switch (e->error.code) {
	case ERR_SERVER_FULL:
		return (web_response(503, "Retry-After: 10\r\n",
		    e->error.message));
	case ERR_RATE_LIMITED:
		return (web_response(429, NULL, e->error.message));
	default:
		return (web_response(400, NULL, e->error.message));
	}
}

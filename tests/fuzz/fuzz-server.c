/* fuzz-server.c: libFuzzer targets for the whole request path: a few fake connections (bufferevent pairs)
 * feed frames through evchatd's clients, handlers and rooms; it knows the wire formats, not the handlers.
 * Built three times: fuzz-server speaks evchat frames, fuzz-web (FUZZ_WEB) HTTP heads then WebSocket
 * frames, fuzz-irc (FUZZ_IRC) IRC lines through the IRC face's parser and commands. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "server.h"
#include "fuzz.h"

/*
 * The input is records separated by the bytes 0xff '\n' (never in valid
 * UTF-8, so a mutation that grows or shrinks a payload keeps the records).
 * A record is an operation letter, a client digit and a body:
 *	R<n>bytes	write the bytes as they are (split or broken frames)
 *	L		run the loop once
 *	E<n>		end of file from client n
 *	T<n>		client n's read timeout fires, if armed
 *	F<n>payload	(or any other letter) payload as one frame: for
 *			fuzz-web, one masked WebSocket text frame; for
 *			fuzz-irc, one line (the payload, then CR LF)
 * fuzz-web's connections start on a web listener's face: a record R of a
 * request head (the seeds' handshake to /ws) comes first.  fuzz-irc's
 * start on an IRC listener's.
 */
#define FUZZ_SERVER_SEP0	0xff
#define FUZZ_SERVER_SEP1	'\n'
#define FUZZ_SERVER_CLIENTS	3
#define FUZZ_SERVER_PASSES	16	/* loop passes to settle at the end */

#if defined(FUZZ_WEB)
#define FUZZ_SERVER_FACE	face_http
#elif defined(FUZZ_IRC)
#define FUZZ_SERVER_FACE	face_irc[0]
#else
#define FUZZ_SERVER_FACE	face_evchat
#endif

struct fuzz_server {
	struct server		*s;
	struct bufferevent	*peer[FUZZ_SERVER_CLIENTS];
};

#define FUZZ_SERVER_CHECK(e) do {					\
	if (!(e))							\
		abort();						\
} while (0)

/* Each fake client from its own address, one of them IPv6. */
static void
fuzz_server_addr(struct sockaddr_storage *ss, int i)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (i == FUZZ_SERVER_CLIENTS - 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000 + i);
		inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
		return;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000 + i);
	sin->sin_addr.s_addr = htonl(0xc0000201 + i);	/* 192.0.2.1 */
}

static void
fuzz_server_start(struct fuzz_server *fs)
{
	struct sockaddr_storage	 ss;
	struct bufferevent	*pair[2];
	struct config		*cf;
	char			 err[256];
	int			 i, status;

	/* As in evchatd: writing to a closed peer is an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LEVEL_ERROR);
	FUZZ_SERVER_CHECK((cf = config_new()) != NULL);
	/* An operator account, so that every moderation path is reached. */
	FUZZ_SERVER_CHECK((cf->operators = calloc(1,
	    sizeof *cf->operators)) != NULL);
	FUZZ_SERVER_CHECK((cf->operators[0] = strdup("root")) != NULL);
	cf->noperators = 1;
	FUZZ_SERVER_CHECK((fs->s = server_new(cf, 0, NULL, &status)) != NULL);
	FUZZ_SERVER_CHECK((fs->s->web = web_new(fs->s->config, err,
	    sizeof err)) != NULL);
	/* Signals stay libFuzzer's, so that it can be stopped. */
	event_del(fs->s->sigterm);
	event_del(fs->s->sigint);
	event_del(fs->s->sighup);
	event_del(fs->s->sigusr1);
	for (i = 0; i < FUZZ_SERVER_CLIENTS; i++) {
		FUZZ_SERVER_CHECK(bufferevent_pair_new(fs->s->base, 0,
		    pair) == 0);
		fuzz_server_addr(&ss, i);
		/* Not direct: libevent writes a pair, as it would TLS. */
		FUZZ_SERVER_CHECK(client_new(fs->s, &FUZZ_SERVER_FACE, pair[0],
		    (struct sockaddr *)&ss, false) != NULL);
		/* What the server sends moves into this end's input. */
		fs->peer[i] = pair[1];
		bufferevent_enable(fs->peer[i], EV_READ);
	}
}

/* As server_run does, but without waiting: a pass, then the flush. */
static void
fuzz_server_loop(struct fuzz_server *fs, int passes)
{
	while (passes-- > 0) {
		event_base_loop(fs->s->base, EVLOOP_NONBLOCK);
		server_flush(fs->s);
	}
}

/*
 * Fire what the clock would for client i (client ids start at 1): its read
 * timeout, armed whenever it is read and registered (the heartbeat: a ping,
 * then ping timeout) or lingering; before hello, its deadline on the
 * server's due list (registration or partial frame).
 */
static void
fuzz_server_timeout(struct fuzz_server *fs, int i)
{
	struct client	*c;

	TAILQ_FOREACH(c, &fs->s->clients, entry) {
		if (c->id == (uint64_t)i + 1)
			break;
	}
	if (c == NULL || !(bufferevent_get_enabled(c->bev) & EV_READ))
		return;
	if (!(c->flags & (CLIENT_REGISTERED | CLIENT_CLOSING))) {
		/* Before hello, the deadline list's timer (server_due_cb). */
		if (c->flags & CLIENT_DUE)
			client_expire(c);
		return;
	}
	bufferevent_trigger_event(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT,
	    0);
}

/* Write payload as the record F says: an evchat frame or, for fuzz-web,
 * a WebSocket text frame masked as a browser's are, for fuzz-irc a line. */
static void
fuzz_server_frame(struct bufferevent *peer, const uint8_t *p, size_t len)
{
#if defined(FUZZ_IRC)
	bufferevent_write(peer, p, len);
	bufferevent_write(peer, "\r\n", 2);
#elif defined(FUZZ_WEB)
	static const unsigned char key[4] = { 0x12, 0x34, 0x56, 0x78 };
	unsigned char	hdr[14], b;
	size_t		n = 0, i;

	hdr[n++] = 0x81;
	if (len < 126)
		hdr[n++] = 0x80 | len;
	else if (len < 65536) {
		hdr[n++] = 0x80 | 126;
		hdr[n++] = len >> 8 & 0xff;
		hdr[n++] = len & 0xff;
	} else {
		hdr[n++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[n++] = (uint64_t)len >> (56 - 8 * i) & 0xff;
	}
	memcpy(hdr + n, key, sizeof key);
	n += sizeof key;
	bufferevent_write(peer, hdr, n);
	for (i = 0; i < len; i++) {
		b = p[i] ^ key[i % 4];
		bufferevent_write(peer, &b, 1);
	}
#else
	unsigned char	hdr[FRAME_HEADER];

	hdr[0] = (len >> 24) & 0xff;
	hdr[1] = (len >> 16) & 0xff;
	hdr[2] = (len >> 8) & 0xff;
	hdr[3] = len & 0xff;
	bufferevent_write(peer, hdr, sizeof hdr);
	bufferevent_write(peer, p, len);
#endif
}

/* Carry out one record. */
static void
fuzz_server_record(struct fuzz_server *fs, const uint8_t *p, size_t len)
{
	struct bufferevent	*peer;
	int			 op, i = 0;

	if (len == 0)
		return;
	op = p[0];
	if (len >= 2) {
		i = p[1] % FUZZ_SERVER_CLIENTS;	/* so "0" is 0 */
		p += 2;
		len -= 2;
	} else
		len = 0;
	peer = fs->peer[i];
	switch (op) {
	case 'L':
		fuzz_server_loop(fs, 1);
		break;
	case 'E':
		bufferevent_flush(peer, EV_WRITE, BEV_FINISHED);
		break;
	case 'R':
		bufferevent_write(peer, p, len);
		break;
	case 'T':
		fuzz_server_timeout(fs, i);
		break;
	default:
		fuzz_server_frame(peer, p, len);
		break;
	}
}

#if defined(FUZZ_IRC)
/*
 * What one connection received must be whole IRC lines, each ended by
 * CR LF with no CR, LF or NUL inside, at most 512 bytes past its tags;
 * nothing follows ERROR.
 */
static void
fuzz_server_output(struct evbuffer *in)
{
	const char	*p, *end, *eol, *body;
	size_t		 len = evbuffer_get_length(in);
	int		 closed = 0;

	if (len == 0)
		return;		/* pullup gives NULL */
	p = (const char *)evbuffer_pullup(in, -1);
	end = p + len;
	for (; p < end; p = eol + 2) {
		FUZZ_SERVER_CHECK(!closed);
		for (eol = p; eol < end && *eol != '\r' && *eol != '\n' &&
		    *eol != '\0'; eol++)
			;
		FUZZ_SERVER_CHECK(eol + 1 < end && eol[0] == '\r' &&
		    eol[1] == '\n');
		body = p;
		if (*p == '@')
			body = memchr(p, ' ', eol - p);
		FUZZ_SERVER_CHECK(body != NULL);
		body += *p == '@';
		FUZZ_SERVER_CHECK(eol - body + 2 <= 512);
		closed = eol - body >= 6 && memcmp(body, "ERROR ", 6) == 0;
	}
	evbuffer_drain(in, len);
}
#elif !defined(FUZZ_WEB)
/*
 * What one connection received must be whole frames, each a JSON object with
 * a string type; an error carries a known code; nothing follows a bye.
 */
static void
fuzz_server_output(struct evbuffer *in)
{
	enum frame_status	 st;
	const char		*payload, *type, *code;
	size_t			 len;
	cJSON			*obj;
	int			 bye = 0;

	for (;;) {
		st = frame_decode(in, UINT32_MAX, &payload, &len);
		if (st == FRAME_NEED)
			break;
		FUZZ_SERVER_CHECK(st == FRAME_OK);
		FUZZ_SERVER_CHECK(!bye);
		FUZZ_SERVER_CHECK(json_parse(payload, len, &obj, &type) ==
		    JSON_OK);
		if (strcmp(type, "error") == 0) {
			code = json_get_string(obj, "code");
			FUZZ_SERVER_CHECK(code != NULL &&
			    errcode_lookup(code) >= 0);
		}
		bye = strcmp(type, "bye") == 0;
		cJSON_Delete(obj);
		frame_consume(in, len);
	}
	FUZZ_SERVER_CHECK(evbuffer_get_length(in) == 0);
}
#endif

/* Rooms, members and the nick table must agree with each other. */
static void
fuzz_server_state(struct server *s)
{
	struct client	*c;
	struct room	*r;
	size_t		 pos = 0, i, registered = 0;

	while ((r = hash_next(s->rooms, &pos)) != NULL) {
		FUZZ_SERVER_CHECK(r->nmembers > 0);
		for (i = 0; i < r->nmembers; i++)
			FUZZ_SERVER_CHECK(room_has(r, r->members[i]));
	}
	TAILQ_FOREACH(c, &s->clients, entry) {
		for (i = 0; i < c->nrooms; i++)
			FUZZ_SERVER_CHECK(room_find(s, c->rooms[i]->name) ==
			    c->rooms[i]);
		if (!(c->flags & CLIENT_REGISTERED) ||
		    c->flags & CLIENT_DETACHED)
			continue;
		FUZZ_SERVER_CHECK(nick_find(s, c->nick) == c);
		registered++;
	}
	FUZZ_SERVER_CHECK(hash_count(s->nicks) == registered);
}

/* Where the record starting at p ends: the next separator, or end. */
static const uint8_t *
fuzz_server_split(const uint8_t *p, const uint8_t *end)
{
	for (; p + 1 < end; p++) {
		if (p[0] == FUZZ_SERVER_SEP0 && p[1] == FUZZ_SERVER_SEP1)
			return (p);
	}
	return (end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_server	 fs;
	const uint8_t		*end = data + size, *sep;
	int			 i;

	memset(&fs, 0, sizeof fs);
	fuzz_server_start(&fs);
	while (data < end) {
		sep = fuzz_server_split(data, end);
		fuzz_server_record(&fs, data, sep - data);
		data = sep == end ? end : sep + 2;
	}
	fuzz_server_loop(&fs, FUZZ_SERVER_PASSES);
	fuzz_server_state(fs.s);

	/* The pairs' far ends go first: they belong to the server's base. */
	for (i = 0; i < FUZZ_SERVER_CLIENTS; i++) {
#if !defined(FUZZ_WEB) || defined(FUZZ_IRC)
		fuzz_server_output(bufferevent_get_input(fs.peer[i]));
#endif
		bufferevent_free(fs.peer[i]);
	}
	server_free(fs.s);
	return (0);
}

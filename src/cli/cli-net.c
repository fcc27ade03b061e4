/* cli-net.c: evchat-cli's connection: resolving and connecting (plain or TLS), frames in and out, the one
 * table of server message types and the session state they carry; how frames look is cli-display.c's part. */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <err.h>
#include <netdb.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "cli.h"

static void	cli_net_bye(struct cli *, cJSON *);
static void	cli_net_error(struct cli *, cJSON *);
static void	cli_net_joined(struct cli *, cJSON *);
static void	cli_net_msg(struct cli *, cJSON *);
static void	cli_net_nick(struct cli *, cJSON *);
static void	cli_net_parted(struct cli *, cJSON *);
static void	cli_net_try(struct cli *, int);
static void	cli_net_ping(struct cli *, cJSON *);
static void	cli_net_presence(struct cli *, cJSON *);
static void	cli_net_renick(struct cli *, const char *);
static void	cli_net_rooms(struct cli *, cJSON *);
static void	cli_net_welcome(struct cli *, cJSON *);
static void	cli_net_who(struct cli *, cJSON *);
static void	cli_net_whois(struct cli *, cJSON *);
static void	cli_net_reply(struct cli *, cJSON *);

/*
 * Every server message type, in one row: what a received frame of it
 * changes in the session (here; NULL when only cli-history.c keeps track
 * of it), then how it is shown (cli-display.c; NULL when it has no human
 * line).  A type not listed changes nothing and shows only with --json.
 */
static const struct cli_net_type {
	const char	*type;
	void		(*update)(struct cli *, cJSON *);
	cli_display_fn	*show;
} cli_net_types[] = {
	{ "bye",	cli_net_bye,		cli_display_bye },
	{ "error",	cli_net_error,		cli_display_error },
	{ "history",	NULL,			cli_display_history },
	{ "joined",	cli_net_joined,		cli_display_joined },
	{ "msg",	cli_net_msg,		cli_display_msg },
	{ "parted",	cli_net_parted,		cli_display_parted },
	{ "ping",	cli_net_ping,		NULL },
	{ "presence",	cli_net_presence,	cli_display_presence },
	{ "rooms",	cli_net_rooms,		cli_display_rooms },
	{ "welcome",	cli_net_welcome,	cli_display_welcome },
	{ "who",	cli_net_who,		cli_display_who },
	{ "whois",	cli_net_whois,		cli_display_whois },
	/* The client's own nick and away state: a line each. */
	{ "nick",	cli_net_nick,		cli_display_reply },
	{ "away",	cli_net_reply,		cli_display_reply },
	/* Accounts and moderation: a line each, nothing to remember. */
	{ "registered",	cli_net_reply,		cli_display_reply },
	{ "password_changed", cli_net_reply,	cli_display_reply },
	{ "unregistered", cli_net_reply,	cli_display_reply },
	{ "claimed",	cli_net_reply,		cli_display_reply },
	{ "moderators",	cli_net_reply,		cli_display_reply },
	{ "topic",	cli_net_reply,		cli_display_reply },
	{ "kicked",	cli_net_reply,		cli_display_reply },
	{ "banned",	cli_net_reply,		cli_display_reply },
	{ "unbanned",	cli_net_reply,		cli_display_reply },
	{ "muted",	cli_net_reply,		cli_display_reply },
	{ "unmuted",	cli_net_reply,		cli_display_reply },
	{ "killed",	cli_net_reply,		cli_display_reply },
};

/* The presence events asked for in hello (evchat-protocol(7)'s events). */
static const char *const cli_net_events[] = { "nick", "away" };

/*
 * Split "HOST:PORT", "[ADDR]:PORT", "[ADDR]", "HOST" or a bare IPv6 address,
 * after tls:// when TLS is on, into host and port; the port defaults to 7667,
 * or 7697 with TLS.
 */
static int
cli_net_split(struct cli *cli, char **host, char **port)
{
	const char	*spec = cli->server, *p;
	const char	*defport = CLI_DEFAULT_PORT;
	char		 h[NI_MAXHOST];

	*host = *port = NULL;
	if (cli->tls) {
		spec += strlen(CLI_TLS_SCHEME);
		defport = CLI_DEFAULT_TLS_PORT;
	}
	if (addr_split(spec, h, sizeof h, &p) != 0)
		return (-1);
	*host = cli_xstrdup(h);
	*port = cli_xstrdup(p != NULL ? p : defport);
	return (0);
}

static bool
cli_net_is_reply(const cJSON *obj, long long id)
{
	const cJSON	*re;

	re = cJSON_GetObjectItemCaseSensitive(obj, "re");
	return (id != 0 && cJSON_IsNumber(re) && re->valuedouble == (double)id);
}

/*
 * A positive count from obj, or def when absent or out of reason: the
 * limits of welcome, the replay count of joined.
 */
size_t
cli_net_number(const cJSON *obj, const char *key, size_t def)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
	    v->valuedouble <= 1e12))
		return (def);
	return ((size_t)v->valuedouble);
}

bool
cli_net_is_me(struct cli *cli, const char *nick)
{
	return (cli->me != NULL && nick != NULL &&
	    name_cmp(cli->me, nick) == 0);
}

size_t
cli_net_pending(struct cli *cli)
{
	if (cli->bev == NULL)
		return (0);
	return (evbuffer_get_length(bufferevent_get_output(cli->bev)));
}

/* A new request of type with the next id; cli_net_send frees it. */
cJSON *
cli_net_request(struct cli *cli, const char *type)
{
	cJSON	*req;

	if ((req = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(req, "type", type) == NULL ||
	    cJSON_AddNumberToObject(req, "id", (double)++cli->next_id) == NULL)
		errx(1, "out of memory");
	return (req);
}

/*
 * Queue req as one frame and free it.  A frame over the server's max_frame
 * would make the server hang up, so it is refused here instead (-1).
 */
int
cli_net_send(struct cli *cli, cJSON *req)
{
	char	*s;
	size_t	 len;
	int	 rc = -1;

	s = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (s == NULL)
		return (-1);
	len = strlen(s);
	if (cli->bev != NULL && len <= cli->max_frame)
		rc = frame_encode(bufferevent_get_output(cli->bev), s, len);
	cJSON_free(s);
	return (rc);
}

static void
cli_net_quit_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cli	*cli = arg;

	cli_finish(cli, 1, "no answer from the server to quit");
}

/*
 * Say goodbye: the server answers bye once it has handled every frame
 * before the quit, so waiting for bye is waiting for all of them.  Before
 * welcome, only a person who declined to choose another nick quits.
 */
void
cli_net_quit(struct cli *cli, const char *reason)
{
	struct timeval	 tv = { CLI_QUIT_TIMEOUT, 0 };
	cJSON		*req;

	if (cli->state != CLI_READY && cli->state != CLI_HELLO)
		return;
	req = cli_net_request(cli, "quit");
	if (reason != NULL && *reason != '\0')
		cJSON_AddStringToObject(req, "reason", reason);
	cli_net_send(cli, req);
	cli->state = CLI_QUITTING;
	cli->ev_quit = evtimer_new(cli->base, cli_net_quit_cb, cli);
	if (cli->ev_quit != NULL)
		evtimer_add(cli->ev_quit, &tv);
	cli_input_update(cli);
}

/* The passwords hello sends: wiped once registered or at the end. */
static void
cli_net_password_free(struct cli *cli)
{
	cli_forget(&cli->password);
	cli_forget(&cli->account_password);
}

/* A reply that changes nothing the client keeps. */
static void
cli_net_reply(struct cli *cli, cJSON *obj)
{
}

static void
cli_net_welcome(struct cli *cli, cJSON *obj)
{
	struct timeval	 tv;
	const char	*nick;

	if (cli->state != CLI_HELLO)
		return;
	nick = json_get_string(obj, "nick");
	free(cli->me);
	cli->me = cli_xstrdup(nick != NULL ? nick : cli->nick);
	cli->max_frame = cli_net_number(obj, "max_frame", cli->max_frame);
	cli->max_text = cli_net_number(obj, "max_text", cli->max_text);
	cli->max_media = cli_net_number(obj, "max_media", cli->max_media);
	cli->heartbeat = cli_net_number(obj, "heartbeat", 0);
	cli->state = CLI_READY;
	cli_net_password_free(cli);

	/*
	 * A live server is never silent for much over a heartbeat (it pings
	 * a quiet client, and answers a busy one), so a long silence means it
	 * or the path to it is gone.
	 */
	if (cli->heartbeat != 0 && cli->heartbeat < 86400) {
		tv.tv_sec = 2 * cli->heartbeat + CLI_SILENCE_GRACE;
		tv.tv_usec = 0;
		bufferevent_set_timeouts(cli->bev, &tv, NULL);
	}
	cli_tty_prompt(cli);
}

static void
cli_net_ping(struct cli *cli, cJSON *obj)
{
	cJSON	*pong;

	if ((pong = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(pong, "type", "pong") == NULL)
		errx(1, "out of memory");
	cli_net_send(cli, pong);
}

static void
cli_net_bye(struct cli *cli, cJSON *obj)
{
	const char	*reason;
	char		*clean;

	if (cli->state == CLI_QUITTING) {
		cli_finish(cli, 0, NULL);
		return;
	}
	if ((reason = json_get_string(obj, "reason")) == NULL) {
		cli_finish(cli, 1, "server closed the connection");
		return;
	}
	clean = cli_display_clean(reason);
	cli_finish(cli, 1, "server closed the connection: %s", clean);
	free(clean);
}

/*
 * Offer a person another nick in place of the refused one: with "_"
 * appended, as irssi does, when that is still a valid nick, or else the
 * nick itself to edit.  Returns -1 when nobody can be asked (scripted, or
 * the terminal already given back after Ctrl-D).
 */
static int
cli_net_ask_nick(struct cli *cli)
{
	char	*offer;
	int	 rc;

	if (!cli->interactive)
		return (-1);
	offer = cli_xasprintf("%s_", cli->nick);
	if (!name_nick_valid(offer)) {
		free(offer);
		offer = cli_xstrdup(cli->nick);
	}
	rc = cli_tty_ask(cli, "another nick (empty to quit): ", offer,
	    cli_net_renick);
	free(offer);
	return (rc);
}

/*
 * The answer to cli_net_ask_nick, from cli-tty.c: register it on the same
 * connection, which the server keeps open after invalid_nick and
 * nick_taken; nothing (an empty line or Ctrl-D) quits.  A nick the server
 * would refuse is refused here, as it would be, and asked for again.
 */
static void
cli_net_renick(struct cli *cli, const char *nick)
{
	if (cli->state != CLI_HELLO)
		return;
	if (nick == NULL || *nick == '\0') {
		cli_net_quit(cli, NULL);
		return;
	}
	free(cli->nick);
	cli->nick = cli_xstrdup(nick);
	if (name_nick_valid(nick)) {
		cli_net_hello(cli);
		return;
	}
	cli_display_notice(cli, true, "%s: %s", errcode_name(ERR_INVALID_NICK),
	    errcode_message(ERR_INVALID_NICK));
	if (cli_net_ask_nick(cli) == -1)
		cli_net_quit(cli, NULL);
}

/*
 * The answer to cli_net_ask_account: the account password, sent with the
 * same nick, in a new hello (the server keeps the connection open after
 * nick_registered) or, once registered, a new /nick request; nothing asks
 * for another nick instead, or keeps the nick in use.
 */
static void
cli_net_account(struct cli *cli, const char *password)
{
	bool	none = password == NULL || *password == '\0';

	if (cli->state == CLI_READY) {
		if (!none)
			cli_net_nick_request(cli, cli->nick, password);
		return;
	}
	if (cli->state != CLI_HELLO)
		return;
	if (none) {
		if (password == NULL || cli_net_ask_nick(cli) == -1)
			cli_net_quit(cli, NULL);
		return;
	}
	cli_forget(&cli->account_password);
	cli->account_password = cli_xstrdup(password);
	cli_net_hello(cli);
}

/*
 * A registered nick, in hello or /nick: a person at the terminal types its
 * password.
 */
static int
cli_net_ask_account(struct cli *cli)
{
	char	*q, *nick;
	int	 rc;

	if (!cli->interactive)
		return (-1);
	nick = cli_display_clean(cli->nick);
	q = cli_xasprintf("account password of %s (empty: %s): ", nick,
	    cli->state == CLI_READY ? "keep your nick" : "another nick");
	rc = cli_tty_ask_secret(cli, q, cli_net_account);
	free(q);
	free(nick);
	return (rc);
}

/*
 * An error answering hello ends the client, as it cannot do anything else,
 * unless a person at the terminal can choose another nick.  Of the errors
 * answering /nick, only nick_registered asks something of that person;
 * every error is shown as it is.
 */
static void
cli_net_error(struct cli *cli, cJSON *obj)
{
	const char	*code, *message;
	char		*c, *m;

	if ((code = json_get_string(obj, "code")) == NULL)
		code = "unknown";
	/* The nick of an account: its password may be typed (cli-tty.c). */
	if (cli->state == CLI_READY && cli_net_is_reply(obj, cli->nick_id) &&
	    errcode_lookup(code) == ERR_NICK_REGISTERED) {
		(void)cli_net_ask_account(cli);
		return;
	}
	if (cli->state != CLI_HELLO || !cli_net_is_reply(obj, cli->hello_id))
		return;
	if ((message = json_get_string(obj, "message")) == NULL)
		message = "no reason given";
	c = cli_display_clean(code);
	m = cli_display_clean(message);
	switch (errcode_lookup(code)) {
	case ERR_INVALID_NICK:
	case ERR_NICK_TAKEN:
		if (cli_net_ask_nick(cli) == -1)
			cli_finish(cli, 1, "nick refused: %s: %s", c, m);
		break;
	case ERR_BAD_PASSWORD:
		if (cli->account_sent)
			cli_finish(cli, 1, "account password refused: %s", m);
		else
			cli_finish(cli, 1, "password refused: %s%s", m,
			    cli->password_sent ? "" : " (give it with "
			    "--password-file or EVCHAT_PASSWORD)");
		break;
	case ERR_NICK_REGISTERED:
		if (cli_net_ask_account(cli) == -1)
			cli_finish(cli, 1, "%s (give its account password with "
			    "--account-password-file)", m);
		break;
	default:
		cli_finish(cli, 1, "registration refused: %s: %s", c, m);
		break;
	}
	free(c);
	free(m);
}

static void
cli_net_add_nicks(struct cli *cli, const cJSON *obj, const char *key)
{
	const cJSON	*a, *v;

	a = cJSON_GetObjectItemCaseSensitive(obj, key);
	cJSON_ArrayForEach(v, a) {
		if (cJSON_IsString(v))
			cli_names_add(&cli->nicks, v->valuestring);
	}
}

/* A joined room becomes the current one, as it would in any chat client. */
static void
cli_net_joined(struct cli *cli, cJSON *obj)
{
	const char	*room;

	if ((room = json_get_string(obj, "room")) == NULL)
		return;
	cli_names_add(&cli->joined, room);
	cli_names_add(&cli->rooms, room);
	cli_net_add_nicks(cli, obj, "members");
	cli_tty_prompt(cli);
}

static void
cli_net_parted(struct cli *cli, cJSON *obj)
{
	const char	*room;

	if ((room = json_get_string(obj, "room")) == NULL)
		return;
	cli_names_remove(&cli->joined, room);
	cli_tty_prompt(cli);
}

/*
 * Received audio and files are saved as they arrive (not the sender's own
 * echo: the file is already here).  The saved path rides on the frame as
 * "saved" so both output forms can show it; a server cannot set it.
 */
static void
cli_net_msg(struct cli *cli, cJSON *obj)
{
	const char	*from, *kind, *room;
	char		*path, *cause, *name;

	cJSON_DeleteItemFromObjectCaseSensitive(obj, "saved");
	from = json_get_string(obj, "from");
	if ((room = json_get_string(obj, "room")) != NULL)
		cli_names_add(&cli->rooms, room);
	if (from != NULL && !cli_net_is_me(cli, from))
		cli_names_add(&cli->nicks, from);

	kind = json_get_string(obj, "kind");
	if (kind == NULL || (strcmp(kind, "audio") != 0 &&
	    strcmp(kind, "file") != 0) || cli_net_is_me(cli, from))
		return;
	if ((path = cli_media_save(cli, obj, &cause)) == NULL) {
		name = cli_display_clean(json_get_string(obj, "name"));
		cli_display_notice(cli, true, "cannot save %s: %s", name,
		    cause);
		free(name);
		free(cause);
		return;
	}
	cJSON_AddStringToObject(obj, "saved", path);
	free(path);
}

static void
cli_net_presence(struct cli *cli, cJSON *obj)
{
	const char	*nick, *event, *room;

	nick = json_get_string(obj, "nick");
	event = json_get_string(obj, "event");
	if (nick == NULL || event == NULL)
		return;
	if ((room = json_get_string(obj, "room")) != NULL)
		cli_names_add(&cli->rooms, room);
	/* Put out of a room by a moderator: it is no longer joined. */
	if (room != NULL && strcmp(event, "part") == 0 &&
	    cli_net_is_me(cli, nick)) {
		cli_names_remove(&cli->joined, room);
		cli_tty_prompt(cli);
	}
	if (strcmp(event, "quit") == 0 || strcmp(event, "offline") == 0)
		cli_names_remove(&cli->nicks, nick);
	else if (strcmp(event, "nick") == 0) {
		cli_names_remove(&cli->nicks, nick);
		cli_names_add(&cli->nicks, json_get_string(obj, "new"));
	} else if (strcmp(event, "join") == 0 || strcmp(event, "online") == 0)
		cli_names_add(&cli->nicks, nick);
}

static void
cli_net_rooms(struct cli *cli, cJSON *obj)
{
	const cJSON	*a, *v;
	const char	*name;

	a = cJSON_GetObjectItemCaseSensitive(obj, "rooms");
	cJSON_ArrayForEach(v, a) {
		if ((name = json_get_string(v, "name")) != NULL)
			cli_names_add(&cli->rooms, name);
	}
}

static void
cli_net_who(struct cli *cli, cJSON *obj)
{
	cli_net_add_nicks(cli, obj, "nicks");
}

static void
cli_net_whois(struct cli *cli, cJSON *obj)
{
	const cJSON	*v;

	cli_names_add(&cli->nicks, json_get_string(obj, "nick"));
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(obj, "rooms")) {
		if (cJSON_IsString(v))
			cli_names_add(&cli->rooms, v->valuestring);
	}
}

/*
 * The server took the nick of /nick: it is the client's from now on, for
 * the prompt and to know its own messages.  Only the reply says so; the
 * server tells others with presence frames, never the client itself.
 */
static void
cli_net_nick(struct cli *cli, cJSON *obj)
{
	const char	*nick;

	if ((nick = json_get_string(obj, "nick")) == NULL)
		return;
	free(cli->me);
	cli->me = cli_xstrdup(nick);
	cli_tty_prompt(cli);
}

static const struct cli_net_type *
cli_net_type_find(const char *type)
{
	size_t	i;

	for (i = 0; i < nitems(cli_net_types); i++) {
		if (strcmp(cli_net_types[i].type, type) == 0)
			return (&cli_net_types[i]);
	}
	return (NULL);
}

/*
 * One received frame: the rooms' history sees it first, and drops a
 * message shown already; then its type's row updates the session, then
 * shows it.
 */
static void
cli_net_dispatch(struct cli *cli, cJSON *obj, const char *type)
{
	const struct cli_net_type	*t;

	if (cli_net_is_reply(obj, cli->wait_id))
		cli->wait_id = 0;
	if (!cli_history_frame(cli, obj, type))
		return;
	if ((t = cli_net_type_find(type)) != NULL && t->update != NULL)
		t->update(cli, obj);

	/* What ended the session is said once, on stderr, by main. */
	if (!cli->finished || cli->json)
		cli_display_frame(cli, obj, t != NULL ? t->show : NULL);
}

/*
 * Drain every whole frame.  The server's frames may be as large as its own
 * max_frame, which it tells in welcome; before that the default applies.
 */
static void
cli_net_read_cb(struct bufferevent *bev, void *arg)
{
	struct cli		*cli = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	enum frame_status	 fs;
	enum json_status	 js;
	const char		*payload, *type;
	size_t			 len, max;
	cJSON			*obj;

	max = cli->max_frame > FRAME_MAX_DEFAULT ? cli->max_frame :
	    FRAME_MAX_DEFAULT;
	while (!cli->finished) {
		fs = frame_decode(in, max, &payload, &len);
		if (fs == FRAME_NEED)
			break;
		if (fs != FRAME_OK) {
			cli_finish(cli, 1, "bad frame from the server: %s",
			    frame_status_string(fs));
			return;
		}
		js = json_parse(payload, len, &obj, &type);
		frame_consume(in, len);
		if (js != JSON_OK) {
			cli_display_notice(cli, true,
			    "ignored a frame from the server: %s",
			    json_status_string(js));
			continue;
		}
		cli_net_dispatch(cli, obj, type);
		cJSON_Delete(obj);
	}
	cli_cmd_drain(cli);
}

/* The output drained below the low watermark: piped input may go on. */
static void
cli_net_write_cb(struct bufferevent *bev, void *arg)
{
	struct cli	*cli = arg;

	cli_input_update(cli);
}

/*
 * Register cli->nick.  The password goes in every hello, as the server
 * checks it first each time.  A script gets no second hello, so it is wiped
 * at once; at a terminal it stays until welcome (or cli_net_free).
 */
void
cli_net_hello(struct cli *cli)
{
	cJSON	*req;

	req = cli_net_request(cli, "hello");
	cli->hello_id = cli->next_id;
	cJSON_AddStringToObject(req, "nick", cli->nick);
	cJSON_AddNumberToObject(req, "version", PROTO_VERSION);
	/*
	 * The presence events newer than version 1, at a terminal only: a
	 * script (or --json reader) gets the frames it always got, a nick
	 * change seen as a part and a join, and no away or back.
	 */
	if (cli->interactive)
		cJSON_AddItemToObject(req, "events",
		    cJSON_CreateStringArray(cli_net_events,
		    (int)nitems(cli_net_events)));
	/* At a terminal the echo is what shows a line as sent. */
	if (cli->no_echo && !cli->interactive)
		cJSON_AddFalseToObject(req, "echo");
	if (cli->password != NULL) {
		cJSON_AddStringToObject(req, "password", cli->password);
		cli->password_sent = true;
	}
	if (cli->account_password != NULL) {
		cJSON_AddStringToObject(req, "account_password",
		    cli->account_password);
		cli->account_sent = true;
	}
	cli_net_send(cli, req);
	if (!cli->interactive)
		cli_net_password_free(cli);
}

/*
 * Ask for nick in place of the one in use (/nick), with the password of
 * its account when given; cli->nick keeps it, should the server ask for
 * that password.  The next lines wait for the answer, as they may be
 * about the new nick.
 */
void
cli_net_nick_request(struct cli *cli, const char *nick, const char *password)
{
	cJSON	*req;
	char	*copy;

	copy = cli_xstrdup(nick);	/* nick may be cli->nick */
	free(cli->nick);
	cli->nick = copy;
	req = cli_net_request(cli, "nick");
	cli->nick_id = cli->next_id;
	cJSON_AddStringToObject(req, "nick", cli->nick);
	if (password != NULL)
		cJSON_AddStringToObject(req, "account_password", password);
	cli_cmd_send_wait(cli, req);
}

static void
cli_net_connected(struct cli *cli)
{
	struct timeval	 tv = { CLI_WRITE_TIMEOUT, 0 };

	cli->state = CLI_HELLO;
	bufferevent_set_timeouts(cli->bev, NULL, &tv);
	bufferevent_setwatermark(cli->bev, EV_WRITE, CLI_OUTPUT_MAX / 4, 0);
	bufferevent_enable(cli->bev, EV_READ);
	cli_net_hello(cli);
}

static void
cli_net_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct cli	*cli = arg;
	int		 error = EVUTIL_SOCKET_ERROR();
	char		*cause;

	if (cli->state == CLI_CONNECTING) {
		if (what & BEV_EVENT_CONNECTED) {
			cli_net_connected(cli);
			return;
		}
		/* A handshake that failed would fail at every address. */
		if (cli->tls && (cause = cli_tls_failure(cli, what)) != NULL) {
			cli_finish(cli, 1, "%s", cause);
			free(cause);
			return;
		}
		if (what & BEV_EVENT_TIMEOUT)
			error = ETIMEDOUT;
		bufferevent_free(cli->bev);
		cli->bev = NULL;
		cli_net_try(cli, error);
		return;
	}

	/*
	 * After quit, any end of the connection is the end we asked for.  A
	 * TLS server hangs up on a hello it cannot decrypt, without a word.
	 */
	if (cli->state == CLI_QUITTING)
		cli_finish(cli, 0, NULL);
	else if (cli->state == CLI_HELLO && !cli->tls &&
	    what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		cli_finish(cli, 1, "server closed the connection before "
		    "welcome (if %s is a TLS port, use --tls)", cli->server);
	else if (what & BEV_EVENT_EOF)
		cli_finish(cli, 1, "server closed the connection");
	else if (what & BEV_EVENT_TIMEOUT)
		cli_finish(cli, 1, "server not responding");
	else
		cli_finish(cli, 1, "connection lost: %s",
		    evutil_socket_error_to_string(error));
}

/* Connect to the next address of the server, or give up with error. */
static void
cli_net_try(struct cli *cli, int error)
{
	struct timeval		 tv = { CLI_CONNECT_TIMEOUT, 0 };
	struct evutil_addrinfo	*ai;

	while ((ai = cli->ai_next) != NULL) {
		cli->ai_next = ai->ai_next;
		if (cli->tls)
			cli->bev = cli_tls_bufferevent(cli);
		else
			cli->bev = bufferevent_socket_new(cli->base, -1,
			    BEV_OPT_CLOSE_ON_FREE);
		if (cli->bev == NULL)
			errx(1, "cannot make a bufferevent");
		bufferevent_setcb(cli->bev, cli_net_read_cb, cli_net_write_cb,
		    cli_net_event_cb, cli);
		/* Reading too: a TLS handshake may stall on either side. */
		bufferevent_set_timeouts(cli->bev, &tv, &tv);
		if (bufferevent_socket_connect(cli->bev, ai->ai_addr,
		    (int)ai->ai_addrlen) == 0)
			return;
		error = EVUTIL_SOCKET_ERROR();
		bufferevent_free(cli->bev);
		cli->bev = NULL;
	}
	cli_finish(cli, 1, "cannot connect to %s: %s", cli->server,
	    error != 0 ? evutil_socket_error_to_string(error) :
	    "connection failed");
}

/*
 * Resolve the server and start connecting.  The lookup blocks, but the loop
 * has nothing else to serve yet.
 */
int
cli_net_connect(struct cli *cli, char **cause)
{
	struct evutil_addrinfo	 hints;
	char			*host, *port;
	int			 rc;

	if (cli_net_split(cli, &host, &port) == -1) {
		*cause = cli_xasprintf("bad server address: %s (use HOST:PORT)",
		    cli->server);
		return (-1);
	}
	if (cli->tls && cli_tls_init(cli, cause) == -1) {
		free(host);
		free(port);
		return (-1);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	rc = evutil_getaddrinfo(host, port, &hints, &cli->ai);
	if (rc != 0) {
		*cause = cli_xasprintf("cannot resolve %s: %s", cli->server,
		    evutil_gai_strerror(rc));
		free(host);
		free(port);
		return (-1);
	}
	cli->host = host;
	free(port);
	cli->state = CLI_CONNECTING;
	cli->ai_next = cli->ai;
	cli_net_try(cli, 0);
	return (0);
}

void
cli_net_free(struct cli *cli)
{
	if (cli->bev != NULL)
		bufferevent_free(cli->bev);
	cli->bev = NULL;
	if (cli->ai != NULL)
		evutil_freeaddrinfo(cli->ai);
	cli->ai = cli->ai_next = NULL;
	cli_tls_free(cli);
	free(cli->host);
	cli->host = NULL;
	cli_net_password_free(cli);
}

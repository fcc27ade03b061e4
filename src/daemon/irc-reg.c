/* irc-reg.c: the IRC commands of a connection itself: CAP, AUTHENTICATE (SASL PLAIN), PASS, NICK, USER,
 * PING, PONG, QUIT, and the welcome; registration is the core's hello, sent once NICK and USER are in. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "server.h"
#include "store.h"
#include "irc.h"

/* The caps this server offers, in CAP LS order; a value only for 302. */
static const struct {
	const char	*name;
	unsigned int	 bit;
	const char	*value;
} irc_reg_caps[] = {
	{ "account-tag", IRC_CAP_ACCOUNT_TAG, NULL },
	{ "away-notify", IRC_CAP_AWAY_NOTIFY, NULL },
	{ "batch", IRC_CAP_BATCH, NULL },
	{ "draft/chathistory", IRC_CAP_CHATHISTORY, NULL },
	{ "echo-message", IRC_CAP_ECHO, NULL },
	{ "labeled-response", IRC_CAP_LABELED, NULL },
	{ "message-tags", IRC_CAP_MESSAGE_TAGS, NULL },
	{ "sasl", IRC_CAP_SASL, "PLAIN" },
	{ "server-time", IRC_CAP_SERVER_TIME, NULL },
};

static void	irc_reg_hello_answer(struct irc *, struct evt *);
static void	irc_reg_sasl_answer(struct irc *, struct evt *);

/* Not commands a client sends: what answers the hello sent for it. */
static const struct irc_cmd irc_reg_hello = {
	.name = "NICK",
	.answer = irc_reg_hello_answer,
};
static const struct irc_cmd irc_reg_sasl = {
	.name = "AUTHENTICATE",
	.answer = irc_reg_sasl_answer,
};

static void
irc_reg_set(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
}

/* A secret's end: wiped, then freed. */
static void
irc_reg_wipe(char **field)
{
	if (*field != NULL)
		explicit_bzero(*field, strlen(*field));
	free(*field);
	*field = NULL;
}

/* i's registration state, made on first use; NULL when out of memory. */
static struct irc_reg *
irc_reg_state(struct irc *i)
{
	if (i->reg == NULL)
		i->reg = calloc(1, sizeof *i->reg);
	return (i->reg);
}

/*
 * Registration's words are spent (the welcome) or the client goes
 * (face_irc_free): an idle client keeps none.
 */
void
irc_reg_free(struct irc *i)
{
	struct irc_reg	*r = i->reg;

	if (r == NULL)
		return;
	free(r->user);
	free(r->realname);
	irc_reg_wipe(&r->pass);
	irc_reg_wipe(&r->sasl);
	free(r);
	i->reg = NULL;
}

/* RPL_ISUPPORT: what a client needs to know of this server's rules. */
static void
irc_reg_isupport(struct irc *i)
{
	const struct config	*cf = i->c->server->config;

	irc_numeric(i, 5, "CASEMAPPING=ascii CHANLIMIT=#:%u CHANMODES=b,,, "
	    "CHANNELLEN=%d CHANTYPES=# CHATHISTORY=%u MAXTARGETS=%d "
	    "MSGREFTYPES=msgid "
	    "NETWORK=%s NICKLEN=%d PREFIX=(qo)~@ TOPICLEN=%zu UTF8ONLY "
	    ":are supported by this server",
	    cf->max_rooms_per_client != 0 ? cf->max_rooms_per_client : 9999,
	    NAME_ROOM_MAX + 1, STORE_PAGE_MAX, IRC_TARGETS, cf->network_name,
	    NAME_NICK_MAX, cf->max_text);
}

/* 001 to 005, LUSERS and the MOTD: the client is in. */
static void
irc_reg_welcome(struct irc *i)
{
	struct server	*s = i->c->server;
	char		 when[64];
	struct tm	 tm;

	i->welcomed = true;
	localtime_r(&s->started, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
	irc_numeric(i, 1, ":Welcome to the %s IRC Network %s!%s@%s",
	    s->config->network_name, irc_me(i), irc_me(i), IRC_HOST);
	irc_numeric(i, 2, ":Your host is %s, running version %s-%s",
	    irc_server(i), SERVER_NAME, PACKAGE_VERSION);
	irc_numeric(i, 3, ":This server was started %s", when);
	irc_numeric(i, 4, "%s %s-%s o b bo", irc_server(i), SERVER_NAME,
	    PACKAGE_VERSION);
	irc_reg_isupport(i);
	irc_query_lusers(i);
	irc_query_motd(i);
	/* Registration's words are spent: an idle client keeps none. */
	free(i->nick);
	i->nick = NULL;
	irc_reg_free(i);
}

/*
 * Called when NICK, USER or CAP END may have completed what registration
 * needs: the hello (the server password from PASS), or the welcome when a
 * SASL login registered the client during CAP negotiation.
 */
void
irc_reg_try(struct irc *i)
{
	cJSON	*obj;

	if (i->negotiating || i->hello || i->welcomed)
		return;
	if (i->c->flags & CLIENT_REGISTERED) {
		irc_reg_welcome(i);
		return;
	}
	if (i->nick == NULL || i->reg == NULL || i->reg->user == NULL)
		return;
	if ((obj = irc_object("hello", "nick", i->nick)) != NULL &&
	    i->reg->pass != NULL)
		cJSON_AddStringToObject(obj, "password", i->reg->pass);
	i->hello = true;
	i->cmd = &irc_reg_hello;
	irc_request(i, i->nick, obj);
}

/*
 * The hello's answer: the welcome, or why the nick cannot be had (the
 * client may send another NICK, as after any 433).
 */
static void
irc_reg_hello_answer(struct irc *i, struct evt *e)
{
	i->hello = false;
	if (e->type == EVT_REPLY && i->c->flags & CLIENT_REGISTERED) {
		irc_reg_welcome(i);
		return;
	}
	if (e->type == EVT_ERROR && (e->error.code == ERR_NOT_PERMITTED ||
	    e->error.code == ERR_INSECURE))
		irc_numeric(i, 433, "%s :%s", irc_arg(i), e->error.message);
	else
		irc_answer_default(i, e);
}

/* CAP LS, LIST, REQ and END (IRCv3 capability negotiation, 302). */
static void
irc_reg_cap_list(struct irc *i, const char *sub, unsigned int only,
    bool values)
{
	struct evbuffer	*b;
	size_t		 n;

	if ((b = evbuffer_new()) == NULL)
		return;
	for (n = 0; n < nitems(irc_reg_caps); n++) {
		if (!(irc_reg_caps[n].bit & only))
			continue;
		evbuffer_add_printf(b, "%s%s%s%s", evbuffer_get_length(b) > 0 ?
		    " " : "", irc_reg_caps[n].name, values &&
		    irc_reg_caps[n].value != NULL ? "=" : "",
		    values && irc_reg_caps[n].value != NULL ?
		    irc_reg_caps[n].value : "");
	}
	evbuffer_add(b, "", 1);
	irc_line(i, ":%s CAP %s %s :%s", irc_server(i), irc_me(i), sub,
	    (char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
}

/* REQ: all of the list or none of it. */
static void
irc_reg_cap_req(struct irc *i, char *list)
{
	unsigned int	 on = 0, off = 0, bit;
	char		*name, *copy = strdup(list), *p = copy;
	size_t		 n;

	while (copy != NULL && (name = strsep(&p, " ")) != NULL) {
		if (*name == '\0')
			continue;
		bit = 0;
		for (n = 0; n < nitems(irc_reg_caps); n++)
			if (strcmp(irc_reg_caps[n].name, name + (*name == '-'))
			    == 0)
				bit = irc_reg_caps[n].bit;
		if (bit == 0) {
			irc_line(i, ":%s CAP %s NAK :%s", irc_server(i),
			    irc_me(i), list);
			free(copy);
			return;
		}
		if (*name == '-')
			off |= bit;
		else
			on |= bit;
	}
	free(copy);
	irc_set_caps(i, (i->caps | on) & ~off);
	irc_line(i, ":%s CAP %s ACK :%s", irc_server(i), irc_me(i), list);
}

static void
irc_reg_cap(struct irc *i, struct irc_msg *m)
{
	const char	*sub = m->param[0];

	if (strcmp(sub, "LS") == 0) {
		if (!(i->c->flags & CLIENT_REGISTERED))
			i->negotiating = true;
		irc_reg_cap_list(i, "LS", ~0U, m->nparams > 1 &&
		    atoi(m->param[1]) >= 302);
	} else if (strcmp(sub, "LIST") == 0)
		irc_reg_cap_list(i, "LIST", i->caps, false);
	else if (strcmp(sub, "REQ") == 0 && m->nparams > 1) {
		if (!(i->c->flags & CLIENT_REGISTERED))
			i->negotiating = true;
		irc_reg_cap_req(i, m->param[1]);
	} else if (strcmp(sub, "END") == 0) {
		i->negotiating = false;
		irc_reg_try(i);
	} else
		irc_numeric(i, 410, "%s :Invalid CAP command", sub);
}

const struct irc_cmd irc_cap_cmd = {
	.name = "CAP",
	.flags = IRC_CMD_ANY,
	.min = 1,
	.exec = irc_reg_cap,
};

/*
 * SASL PLAIN: "authzid NUL authcid NUL password" in base64, in pieces of
 * 400 bytes.  The login is the core's hello with the account's nick and
 * password: evchat's accounts are registered nicks, so a client that logs
 * in takes its account's nick.  A wrong password ends the connection, as
 * it does for every client (it slows guessing).
 */
static void
irc_reg_sasl_login(struct irc *i)
{
	struct irc_reg	*r = i->reg;	/* authenticate's: sasl is there */
	unsigned char	 raw[IRC_SASL_MAX + 1];
	const char	*authcid, *password;
	ssize_t		 len;
	cJSON		*obj;

	len = base64_decoded_len(r->sasl, strlen(r->sasl));
	if (len >= 0 && (size_t)len < sizeof raw)
		(void)base64_decode(r->sasl, strlen(r->sasl), raw);
	else
		len = -1;
	irc_reg_wipe(&r->sasl);
	if (len < 0 || (raw[len] = '\0', (authcid = memchr(raw, '\0',
	    (size_t)len)) == NULL) || (password = memchr(authcid + 1, '\0',
	    raw + len - (unsigned char *)authcid - 1)) == NULL) {
		irc_numeric(i, 904, ":SASL authentication failed");
		explicit_bzero(raw, sizeof raw);
		return;
	}
	authcid++;
	password++;
	if (i->c->flags & CLIENT_REGISTERED || i->hello) {
		irc_numeric(i, 907, ":You have already authenticated");
		explicit_bzero(raw, sizeof raw);
		return;
	}
	if ((obj = irc_object("hello", "nick", authcid)) != NULL) {
		cJSON_AddStringToObject(obj, "account_password", password);
		if (r->pass != NULL)
			cJSON_AddStringToObject(obj, "password", r->pass);
	}
	explicit_bzero(raw, sizeof raw);
	i->hello = true;
	i->cmd = &irc_reg_sasl;
	irc_request(i, authcid, obj);
}

static void
irc_reg_authenticate(struct irc *i, struct irc_msg *m)
{
	const char	*arg = m->param[0];
	struct irc_reg	*r;
	char		*more;
	size_t		 have;

	if (!(i->caps & IRC_CAP_SASL) || i->c->flags & CLIENT_REGISTERED) {
		irc_numeric(i, 904, ":SASL authentication failed");
		return;
	}
	if ((r = irc_reg_state(i)) == NULL) {
		client_close(i->c, "out of memory", false);
		return;
	}
	have = r->sasl != NULL ? strlen(r->sasl) : 0;
	if (strcmp(arg, "*") == 0) {
		irc_reg_wipe(&r->sasl);
		irc_numeric(i, 906, ":SASL authentication aborted");
		return;
	}
	if (r->sasl == NULL && strcmp(arg, "PLAIN") == 0) {
		if ((r->sasl = strdup("")) == NULL)
			return;
		irc_line(i, "AUTHENTICATE +");
		return;
	}
	if (r->sasl == NULL) {
		irc_numeric(i, 908, "PLAIN :are available SASL mechanisms");
		irc_numeric(i, 904, ":SASL authentication failed");
		return;
	}
	if (strcmp(arg, "+") != 0) {
		if (have + strlen(arg) > IRC_SASL_MAX * 4 / 3 + 4 ||
		    (more = realloc(r->sasl, have + strlen(arg) + 1)) == NULL) {
			irc_reg_wipe(&r->sasl);
			irc_numeric(i, 905, ":SASL message too long");
			return;
		}
		strcpy(more + have, arg);
		r->sasl = more;
		if (strlen(arg) == 400)
			return;		/* more pieces to come */
	}
	irc_reg_sasl_login(i);
}

/* The login's verdict, and the welcome if CAP END came already. */
static void
irc_reg_sasl_answer(struct irc *i, struct evt *e)
{
	i->hello = false;
	if (e->type == EVT_REPLY && i->c->flags & CLIENT_REGISTERED) {
		i->sasl_done = true;
		irc_numeric(i, 900, "%s!%s@%s %s :You are now logged in as %s",
		    i->c->nick, i->c->nick, IRC_HOST, i->c->nick, i->c->nick);
		irc_numeric(i, 903, ":SASL authentication successful");
		irc_reg_try(i);
		return;
	}
	if (e->type == EVT_ERROR)
		irc_numeric(i, 904, ":SASL authentication failed: %s",
		    e->error.message);
}

const struct irc_cmd irc_authenticate_cmd = {
	.name = "AUTHENTICATE",
	.flags = IRC_CMD_ANY,
	.min = 1,
	.exec = irc_reg_authenticate,
};

static void
irc_reg_pass(struct irc *i, struct irc_msg *m)
{
	if (i->c->flags & CLIENT_REGISTERED || i->hello) {
		irc_numeric(i, 462, ":You may not reregister");
		return;
	}
	if (irc_reg_state(i) == NULL) {
		client_close(i->c, "out of memory", false);
		return;
	}
	irc_reg_wipe(&i->reg->pass);
	irc_reg_set(&i->reg->pass, m->param[0]);
}

const struct irc_cmd irc_pass_cmd = {
	.name = "PASS",
	.flags = IRC_CMD_ANY,
	.min = 1,
	.exec = irc_reg_pass,
};

static void	irc_reg_nick_answer(struct irc *, struct evt *);

/*
 * NICK: before registration, the nick the hello will ask for; after, the
 * core's nick change.  A nick IRC cannot carry is refused here.
 */
static void
irc_reg_nick(struct irc *i, struct irc_msg *m)
{
	const char	*nick = m->param[0];

	if (!irc_nick_ok(nick) || !name_nick_valid(nick)) {
		irc_numeric(i, 432, "%s :Erroneous nickname", nick);
		return;
	}
	if (!(i->c->flags & CLIENT_REGISTERED)) {
		irc_reg_set(&i->nick, nick);
		irc_reg_try(i);
		return;
	}
	irc_reg_set(&i->nick, i->c->nick);	/* the old one, for the line */
	irc_request(i, nick, irc_object("nick", "nick", nick));
}

static void
irc_reg_nick_answer(struct irc *i, struct evt *e)
{
	const char	*nick;

	if (e->type == EVT_REPLY &&
	    (nick = json_get_string(e->reply, "nick")) != NULL &&
	    i->nick != NULL)
		irc_line(i, ":%s!%s@%s NICK :%s", i->nick, i->nick, IRC_HOST,
		    nick);
	else if (e->type == EVT_ERROR && e->error.code == ERR_UNKNOWN_TYPE)
		irc_numeric(i, 447, ":Cannot change nickname on this server");
	else
		irc_answer_default(i, e);
	free(i->nick);		/* the old one: the line is made */
	i->nick = NULL;
}

const struct irc_cmd irc_nick_cmd = {
	.name = "NICK",
	.flags = IRC_CMD_ANY,
	.min = 1,
	.exec = irc_reg_nick,
	.answer = irc_reg_nick_answer,
};

static void
irc_reg_user(struct irc *i, struct irc_msg *m)
{
	if (i->c->flags & CLIENT_REGISTERED ||
	    (i->reg != NULL && i->reg->user != NULL)) {
		irc_numeric(i, 462, ":You may not reregister");
		return;
	}
	if (irc_reg_state(i) == NULL) {
		client_close(i->c, "out of memory", false);
		return;
	}
	irc_reg_set(&i->reg->realname, m->param[3]);
	irc_reg_set(&i->reg->user, m->param[0]);
	irc_reg_try(i);
}

const struct irc_cmd irc_user_cmd = {
	.name = "USER",
	.flags = IRC_CMD_ANY,
	.min = 4,
	.exec = irc_reg_user,
};

/*
 * PING: the core's ping once registered (its budget applies), answered
 * PONG by irc_answer_default; before, a PONG straight away.
 */
static void
irc_reg_ping(struct irc *i, struct irc_msg *m)
{
	if (!(i->c->flags & CLIENT_REGISTERED)) {
		irc_line(i, ":%s PONG %s :%s", irc_server(i), irc_server(i),
		    m->param[0]);
		return;
	}
	irc_request(i, m->param[0], irc_object("ping", NULL, NULL));
}

const struct irc_cmd irc_ping_cmd = {
	.name = "PING",
	.flags = IRC_CMD_ANY,
	.min = 1,
	.exec = irc_reg_ping,
};

/* PONG: the answer to the core's heartbeat. */
static void
irc_reg_pong(struct irc *i, struct irc_msg *m)
{
	if (i->c->flags & CLIENT_REGISTERED)
		irc_request(i, NULL, irc_object("pong", NULL, NULL));
}

const struct irc_cmd irc_pong_cmd = {
	.name = "PONG",
	.flags = IRC_CMD_ANY,
	.exec = irc_reg_pong,
};

static void
irc_reg_quit(struct irc *i, struct irc_msg *m)
{
	irc_request(i, NULL, irc_object("quit", "reason", m->nparams > 0 ?
	    m->param[0] : NULL));
}

const struct irc_cmd irc_quit_cmd = {
	.name = "QUIT",
	.flags = IRC_CMD_ANY,
	.exec = irc_reg_quit,
};

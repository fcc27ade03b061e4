/* irc-query.c: the IRC commands about users and the server: WHO, LUSERS, MOTD, VERSION, OPER and KILL;
 * lists come from the core's replies, the counts and the MOTD from the server struct, read only. */

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "server.h"
#include "irc.h"

/* RPL_LUSER*: the counts of this one server. */
void
irc_query_lusers(struct irc *i)
{
	struct server	*s = i->c->server;
	size_t		 users = hash_count(s->nicks);

	irc_numeric(i, 251, ":There are %zu users and 0 invisible on 1 "
	    "servers", users);
	irc_numeric(i, 254, "%zu :channels formed", hash_count(s->rooms));
	irc_numeric(i, 255, ":I have %zu clients and 0 servers", users);
}

static void
irc_query_lusers_exec(struct irc *i, struct irc_msg *m)
{
	irc_query_lusers(i);
}

const struct irc_cmd irc_lusers_cmd = {
	.name = "LUSERS",
	.exec = irc_query_lusers_exec,
};

/* The message of the day, from motd-file as read at start or reload. */
void
irc_query_motd(struct irc *i)
{
	const char	*p = i->c->server->motd;
	size_t		 n;

	if (p == NULL) {
		irc_numeric(i, 422, ":MOTD File is missing");
		return;
	}
	irc_numeric(i, 375, ":- %s Message of the day - ", irc_server(i));
	while (*p != '\0') {
		n = strcspn(p, "\r\n");
		irc_numeric(i, 372, ":- %.*s", (int)n, p);
		p += n;
		p += *p == '\r' ? 1 : 0;
		p += *p == '\n' ? 1 : 0;
	}
	irc_numeric(i, 376, ":End of /MOTD command.");
}

static void
irc_query_motd_exec(struct irc *i, struct irc_msg *m)
{
	irc_query_motd(i);
}

const struct irc_cmd irc_motd_cmd = {
	.name = "MOTD",
	.exec = irc_query_motd_exec,
};

static void
irc_query_version(struct irc *i, struct irc_msg *m)
{
	irc_numeric(i, 351, "%s-%s %s :evchat's IRC face", SERVER_NAME,
	    PACKAGE_VERSION, irc_server(i));
}

const struct irc_cmd irc_version_cmd = {
	.name = "VERSION",
	.exec = irc_query_version,
};

/*
 * WHO #channel: RPL_WHOREPLY for each member, from the core's who, page
 * after page; no address is shown (every host is IRC_HOST).
 */
static void
irc_query_who(struct irc *i, struct irc_msg *m)
{
	const char	*room;

	if (m->nparams == 0) {
		irc_numeric(i, 315, "* :End of /WHO list");
		return;
	}
	if (m->param[0][0] != '#') {
		irc_request(i, m->param[0], irc_object("whois", "nick",
		    m->param[0]));
		return;
	}
	if ((room = irc_room(i, m->param[0])) != NULL)
		irc_request(i, m->param[0], irc_object("who", "room", room));
}

static void
irc_query_who_answer(struct irc *i, struct evt *e)
{
	const char	*room, *nick = NULL;
	const cJSON	*n;


	if (e->type == EVT_ERROR) {
		if (e->error.code == ERR_NO_SUCH_ROOM ||
		    e->error.code == ERR_NO_SUCH_USER)
			irc_numeric(i, 315, "%s :End of /WHO list", irc_arg(i));
		else
			irc_answer_default(i, e);
		return;
	}
	/* WHO nick: its whois, as one line. */
	if ((nick = json_get_string(e->reply, "nick")) != NULL) {
		irc_numeric(i, 352, "* %s %s %s %s %s :0 %s", nick, IRC_HOST,
		    irc_server(i), nick, json_get_string(e->reply, "away") !=
		    NULL ? "G" : "H", nick);
		irc_numeric(i, 315, "%s :End of /WHO list", irc_arg(i));
		return;
	}
	if ((room = json_get_string(e->reply, "room")) == NULL)
		return;
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(e->reply,
	    "nicks")) {
		if (!cJSON_IsString(n))
			continue;
		nick = n->valuestring;
		irc_numeric(i, 352, "#%s %s %s %s %s H%s :0 %s", room, nick,
		    IRC_HOST, irc_server(i), nick,
		    irc_chan_prefix(e->reply, nick), nick);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e->reply, "more")) &&
	    nick != NULL)
		irc_more(i, room, nick);
	else
		irc_numeric(i, 315, "#%s :End of /WHO list", room);
}

const struct irc_cmd irc_who_cmd = {
	.name = "WHO",
	.exec = irc_query_who,
	.answer = irc_query_who_answer,
};

/*
 * OPER name password: evchat's operators are the accounts listed in
 * "operators", logged in as any account is (SASL); OPER only says whether
 * this client is one, and its password is not looked at.
 */
static void
irc_query_oper(struct irc *i, struct irc_msg *m)
{
	struct account	*a = i->c->account;

	if (a != NULL && strcasecmp(a->nick, m->param[0]) == 0 &&
	    role_of(i->c, NULL) == ROLE_OPERATOR)
		irc_numeric(i, 381, ":You are now an IRC operator");
	else
		irc_numeric(i, 491, ":No O-lines for your host (log in with "
		    "SASL to an account listed in operators)");
}

const struct irc_cmd irc_oper_cmd = {
	.name = "OPER",
	.min = 2,
	.exec = irc_query_oper,
};

/* KILL nick :reason: the core's kill, an operator's only. */
static void
irc_query_kill(struct irc *i, struct irc_msg *m)
{
	cJSON	*obj;

	if ((obj = irc_object("kill", "nick", m->param[0])) != NULL &&
	    m->nparams > 1)
		cJSON_AddStringToObject(obj, "reason", m->param[1]);
	irc_request(i, m->param[0], obj);
}

static void
irc_query_kill_answer(struct irc *i, struct evt *e)
{
	if (e->type == EVT_ERROR && e->error.code == ERR_NOT_PERMITTED)
		irc_numeric(i, 481, ":Permission Denied- You're not an IRC "
		    "operator");
	else
		irc_answer_default(i, e);
}

const struct irc_cmd irc_kill_cmd = {
	.name = "KILL",
	.min = 1,
	.exec = irc_query_kill,
	.answer = irc_query_kill_answer,
};

/*
 * WHOIS [server] nick: the core's whois as RPL_WHOIS*: the user, its
 * channels, this server, its account, away, secure and idle lines; no
 * address, ever.
 */
static void
irc_query_whois(struct irc *i, struct irc_msg *m)
{
	const char	*nick = m->param[m->nparams > 1 ? 1 : 0];

	irc_request(i, nick, irc_object("whois", "nick", nick));
}

static void
irc_query_whois_answer(struct irc *i, struct evt *e)
{
	const cJSON	*r = e->reply, *room, *v;
	const char	*nick, *s;
	struct evbuffer	*b;

	if (e->type == EVT_ERROR) {
		irc_answer_default(i, e);
		irc_numeric(i, 318, "%s :End of /WHOIS list", irc_arg(i));
		return;
	}
	if ((nick = json_get_string(r, "nick")) == NULL ||
	    (b = evbuffer_new()) == NULL)
		return;
	irc_numeric(i, 311, "%s %s %s * :%s", nick, nick, IRC_HOST, nick);
	cJSON_ArrayForEach(room, cJSON_GetObjectItemCaseSensitive(r, "rooms"))
		if (cJSON_IsString(room))
			evbuffer_add_printf(b, "%s#%s",
			    evbuffer_get_length(b) > 0 ? " " : "",
			    room->valuestring);
	evbuffer_add(b, "", 1);
	if (evbuffer_get_length(b) > 1)
		irc_numeric(i, 319, "%s :%s", nick,
		    (char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	irc_numeric(i, 312, "%s %s :evchat", nick, irc_server(i));
	if ((s = json_get_string(r, "account")) != NULL)
		irc_numeric(i, 330, "%s %s :is logged in as", nick, s);
	if ((s = json_get_string(r, "away")) != NULL)
		irc_numeric(i, 301, "%s :%s", nick, s);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "secure")))
		irc_numeric(i, 671, "%s :is using a secure connection", nick);
	v = cJSON_GetObjectItemCaseSensitive(r, "idle");
	irc_numeric(i, 317, "%s %lld %lld :seconds idle, signon time", nick,
	    cJSON_IsNumber(v) ? (long long)v->valuedouble : 0LL,
	    (long long)(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
	    r, "signon")) / 1000));
	irc_numeric(i, 318, "%s :End of /WHOIS list", nick);
}

const struct irc_cmd irc_whois_cmd = {
	.name = "WHOIS",
	.min = 1,
	.exec = irc_query_whois,
	.answer = irc_query_whois_answer,
};

/* AWAY :message sets, AWAY alone clears; away-notify tells others. */
static void
irc_query_away(struct irc *i, struct irc_msg *m)
{
	irc_request(i, NULL, irc_object("away", "message", m->nparams > 0 &&
	    m->param[0][0] != '\0' ? m->param[0] : NULL));
}

static void
irc_query_away_answer(struct irc *i, struct evt *e)
{
	if (e->type != EVT_REPLY)
		irc_answer_default(i, e);
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e->reply,
	    "away")))
		irc_numeric(i, 306, ":You have been marked as being away");
	else
		irc_numeric(i, 305, ":You are no longer marked as being away");
}

const struct irc_cmd irc_away_cmd = {
	.name = "AWAY",
	.exec = irc_query_away,
	.answer = irc_query_away_answer,
};

/* irc-chan.c: the IRC channel commands (JOIN, JOIN 0, PART, TOPIC, NAMES, LIST, KICK, MODE for bans and moderators)
 * as the core's requests for room "name" of "#name", and the walk of a client's rooms; it keeps no list of its own. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "server.h"
#include "irc.h"

/* Each channel of a comma-separated list, as its room. */
static void
irc_chan_each(struct irc *i, char *list, const char *type, const char *key,
    const char *value)
{
	const char	*room;
	char		*chan;
	cJSON		*obj;

	while ((chan = strsep(&list, ",")) != NULL) {
		if (*chan == '\0' || (room = irc_room(i, chan)) == NULL)
			continue;
		if ((obj = irc_object(type, "room", room)) != NULL &&
		    value != NULL)
			cJSON_AddStringToObject(obj, key, value);
		irc_request(i, chan, obj);
		if (i->c->flags & CLIENT_CLOSING)
			return;
	}
}

/*
 * The PREFIX of a nick in a joined or who reply's roles (ISUPPORT
 * PREFIX=(qo)~@): "~" the room's owner, "@" a moderator or operator.
 */
const char *
irc_chan_prefix(const cJSON *reply, const char *nick)
{
	const char	*role;

	role = json_get_string(cJSON_GetObjectItemCaseSensitive(reply,
	    "roles"), nick);
	if (role == NULL)
		return ("");
	return (strcmp(role, "owner") == 0 ? "~" : "@");
}

/*
 * RPL_NAMREPLY: the nicks of a joined or who reply, as many to a line as
 * fit; a cut list goes on with who after the last (irc_more), and the
 * list's end is RPL_ENDOFNAMES.
 */
static void
irc_chan_names(struct irc *i, const cJSON *reply, const char *list)
{
	const char	*room = json_get_string(reply, "room"), *nick = NULL;
	const cJSON	*n;
	struct evbuffer	*b;

	if (room == NULL || (b = evbuffer_new()) == NULL)
		return;
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(reply, list)) {
		if (!cJSON_IsString(n))
			continue;
		nick = n->valuestring;
		if (evbuffer_get_length(b) + strlen(nick) + strlen(room) +
		    strlen(irc_me(i)) + strlen(irc_server(i)) > 420) {
			evbuffer_add(b, "", 1);
			irc_numeric(i, 353, "= #%s :%s", room,
			    (char *)evbuffer_pullup(b, -1));
			evbuffer_drain(b, evbuffer_get_length(b));
		}
		evbuffer_add_printf(b, "%s%s%s", evbuffer_get_length(b) > 0 ?
		    " " : "", irc_chan_prefix(reply, nick), nick);
	}
	if (evbuffer_get_length(b) > 0) {
		evbuffer_add(b, "", 1);
		irc_numeric(i, 353, "= #%s :%s", room,
		    (char *)evbuffer_pullup(b, -1));
	}
	evbuffer_free(b);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "more")) &&
	    nick != NULL)
		irc_more(i, room, nick);
	else
		irc_numeric(i, 366, "#%s :End of /NAMES list", room);
}

/* RPL_TOPIC and RPL_TOPICWHOTIME of a joined or topic reply, or none. */
static void
irc_chan_topic_lines(struct irc *i, const cJSON *reply, bool none)
{
	const char	*room = json_get_string(reply, "room");
	const char	*topic = json_get_string(reply, "topic");
	const cJSON	*ts = cJSON_GetObjectItemCaseSensitive(reply,
			    "topic_ts");

	if (topic == NULL) {
		if (none)
			irc_numeric(i, 331, "#%s :No topic is set", room);
		return;
	}
	irc_numeric(i, 332, "#%s :%s", room, topic);
	irc_numeric(i, 333, "#%s %s %lld", room,
	    json_get_string(reply, "topic_by"), cJSON_IsNumber(ts) ?
	    (long long)(ts->valuedouble / 1000) : 0LL);
}

/*
 * Start a walk of the client's rooms for cmd, whose answer gets the whois
 * reply, then each of its requests' (irc_walk_next says which room is
 * next).  The whois is made once the caller's exec returns (irc_next), so
 * that the caller fills the walk first.  NULL after closing on no memory.
 */
struct irc_walk *
irc_walk_start(struct irc *i, const struct irc_cmd *cmd)
{
	irc_walk_free(i);
	if ((i->walk = calloc(1, sizeof *i->walk)) == NULL) {
		client_close(i->c, "out of memory", false);
		return (NULL);
	}
	i->cmd = cmd;
	irc_set_arg(i, irc_me(i));
	irc_next(i, irc_object("whois", "nick", irc_me(i)));
	return (i->walk);
}

/*
 * Called by a walking command's answer with each reply or error: the room
 * to ask next, or NULL when the walk is over (the whois failed, or every
 * room was asked) and the caller ends it.  The rooms are the whois's
 * "rooms": a client in so many rooms that its whois is cut is walked
 * through the first page only.
 */
const char *
irc_walk_next(struct irc *i, const struct evt *e)
{
	struct irc_walk	*w = i->walk;
	const cJSON	*rooms;

	if (w == NULL)
		return (NULL);
	if (w->rooms == NULL) {
		if (e->type != EVT_REPLY)
			return (NULL);
		rooms = cJSON_GetObjectItemCaseSensitive(e->reply, "rooms");
		w->rooms = cJSON_IsArray(rooms) ?
		    cJSON_Duplicate(rooms, true) : cJSON_CreateArray();
		if (w->rooms == NULL) {
			client_close(i->c, "out of memory", false);
			return (NULL);
		}
		w->at = w->rooms->child;
	} else if (w->at != NULL)
		w->at = w->at->next;
	while (w->at != NULL && !cJSON_IsString(w->at))
		w->at = w->at->next;
	return (w->at != NULL ? w->at->valuestring : NULL);
}

/* The walk is over, or its client is going (face_irc_free). */
void
irc_walk_free(struct irc *i)
{
	if (i->walk == NULL)
		return;
	cJSON_Delete(i->walk->rooms);
	free(i->walk->found);
	free(i->walk);
	i->walk = NULL;
}

static void	irc_chan_part_answer(struct irc *, struct evt *);
static void	irc_chan_part_all_answer(struct irc *, struct evt *);

/* JOIN 0: a part of each room, each with its PART line. */
static const struct irc_cmd irc_chan_part_all = {
	.name = "JOIN",
	.answer = irc_chan_part_all_answer,
};

/* JOIN #a,#b: the keys of a key list are ignored (no channel has one). */
static void
irc_chan_join(struct irc *i, struct irc_msg *m)
{
	if (strcmp(m->param[0], "0") == 0)
		(void)irc_walk_start(i, &irc_chan_part_all);
	else
		irc_chan_each(i, m->param[0], "join", NULL, NULL);
}

/* The whois, then each part: on to the next room, whatever the answer. */
static void
irc_chan_part_all_answer(struct irc *i, struct evt *e)
{
	const char	*room;

	if (e->type == EVT_ERROR)
		irc_answer_default(i, e);
	else if (i->walk != NULL && i->walk->rooms != NULL)
		irc_chan_part_answer(i, e);
	if ((room = irc_walk_next(i, e)) == NULL) {
		irc_walk_free(i);
		return;
	}
	irc_set_channel(i, room);
	irc_next(i, irc_object("part", "room", room));
}

static void
irc_chan_join_answer(struct irc *i, struct evt *e)
{
	const char	*type;

	if (e->type == EVT_ERROR) {
		switch (e->error.code) {
		case ERR_ALREADY_IN_ROOM:
			return;		/* as IRC servers do: nothing */
		case ERR_BANNED:
			irc_numeric(i, 474, "%s :Cannot join channel (+b)",
			    irc_arg(i));
			return;
		case ERR_ROOM_FULL:
			irc_numeric(i, 471, "%s :Cannot join channel (+l)",
			    irc_arg(i));
			return;
		case ERR_TOO_MANY_ROOMS:
			irc_numeric(i, 405, "%s :You have joined too many "
			    "channels", irc_arg(i));
			return;
		case ERR_INVALID_ROOM:
			irc_numeric(i, 479, "%s :Illegal channel name",
			    irc_arg(i));
			return;
		default:
			irc_answer_default(i, e);
			return;
		}
	}
	type = json_get_string(e->reply, "type");
	if (type != NULL && strcmp(type, "joined") == 0) {
		irc_line(i, ":%s!%s@%s JOIN #%s", irc_me(i), irc_me(i),
		    IRC_HOST, json_get_string(e->reply, "room"));
		irc_chan_topic_lines(i, e->reply, false);
		irc_chan_names(i, e->reply, "members");
	} else if (type != NULL && strcmp(type, "who") == 0)
		irc_chan_names(i, e->reply, "nicks");
}

const struct irc_cmd irc_join_cmd = {
	.name = "JOIN",
	.min = 1,
	.exec = irc_chan_join,
	.answer = irc_chan_join_answer,
};

static void
irc_chan_part(struct irc *i, struct irc_msg *m)
{
	irc_chan_each(i, m->param[0], "part", "reason", m->nparams > 1 ?
	    m->param[1] : NULL);
}

/* The core tells the others; the one who parts sees its PART here. */
static void
irc_chan_part_answer(struct irc *i, struct evt *e)
{
	const char	*room;

	if (e->type != EVT_REPLY) {
		irc_answer_default(i, e);
		return;
	}
	if ((room = json_get_string(e->reply, "room")) != NULL)
		irc_line(i, ":%s!%s@%s PART #%s", irc_me(i), irc_me(i),
		    IRC_HOST, room);
}

const struct irc_cmd irc_part_cmd = {
	.name = "PART",
	.min = 1,
	.exec = irc_chan_part,
	.answer = irc_chan_part_answer,
};

static void	irc_chan_topic_answer(struct irc *, struct evt *);

/*
 * A topic set is seen by every member, its setter too, as the TOPIC line
 * of the core's topic event: its reply says nothing more.
 */
static const struct irc_cmd irc_chan_topic_set = {
	.name = "TOPIC",
	.answer = irc_chan_topic_answer,
};

/* TOPIC #a asks; TOPIC #a :text sets. */
static void
irc_chan_topic(struct irc *i, struct irc_msg *m)
{
	const char	*room;
	cJSON		*obj;

	if ((room = irc_room(i, m->param[0])) == NULL)
		return;
	if ((obj = irc_object("topic", "room", room)) != NULL &&
	    m->nparams > 1) {
		cJSON_AddStringToObject(obj, "text", m->param[1]);
		i->cmd = &irc_chan_topic_set;
	}
	irc_request(i, m->param[0], obj);
}

static void
irc_chan_topic_answer(struct irc *i, struct evt *e)
{
	if (e->type == EVT_ERROR && e->error.code == ERR_NOT_PERMITTED)
		irc_numeric(i, 482, "%s :You're not a channel operator",
		    irc_arg(i));
	else if (e->type == EVT_REPLY && i->cmd != &irc_chan_topic_set)
		irc_chan_topic_lines(i, e->reply, true);
	else
		irc_answer_default(i, e);
}

const struct irc_cmd irc_topic_cmd = {
	.name = "TOPIC",
	.min = 1,
	.exec = irc_chan_topic,
	.answer = irc_chan_topic_answer,
};

/* NAMES #a: the core's who of the room. */
static void
irc_chan_namesq(struct irc *i, struct irc_msg *m)
{
	if (m->nparams == 0) {
		irc_numeric(i, 366, "* :End of /NAMES list");
		return;
	}
	irc_chan_each(i, m->param[0], "who", NULL, NULL);
}

static void
irc_chan_names_answer(struct irc *i, struct evt *e)
{
	if (e->type == EVT_REPLY)
		irc_chan_names(i, e->reply, "nicks");
	else if (e->error.code == ERR_NO_SUCH_ROOM)
		irc_numeric(i, 366, "%s :End of /NAMES list", irc_arg(i));
	else
		irc_answer_default(i, e);
}

const struct irc_cmd irc_names_cmd = {
	.name = "NAMES",
	.exec = irc_chan_namesq,
	.answer = irc_chan_names_answer,
};

/* LIST: every room in use, a page at a time. */
static void
irc_chan_list(struct irc *i, struct irc_msg *m)
{
	irc_numeric(i, 321, "Channel :Users  Name");
	irc_request(i, NULL, irc_object("rooms", NULL, NULL));
}

static void
irc_chan_list_answer(struct irc *i, struct evt *e)
{
	const cJSON	*r, *n;
	const char	*name = NULL;

	if (e->type != EVT_REPLY) {
		irc_answer_default(i, e);
		return;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(e->reply,
	    "rooms")) {
		name = json_get_string(r, "name");
		n = cJSON_GetObjectItemCaseSensitive(r, "members");
		if (name != NULL)
			irc_numeric(i, 322, "#%s %d :", name,
			    cJSON_IsNumber(n) ? n->valueint : 0);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e->reply, "more")) &&
	    name != NULL)
		irc_more(i, NULL, name);
	else
		irc_numeric(i, 323, ":End of /LIST");
}

const struct irc_cmd irc_list_cmd = {
	.name = "LIST",
	.exec = irc_chan_list,
	.answer = irc_chan_list_answer,
};

/* KICK #a nick[,nick] [:reason]: every member sees the KICK line. */
static void
irc_chan_kick(struct irc *i, struct irc_msg *m)
{
	const char	*room;
	char		*list = m->param[1], *nick;
	cJSON		*obj;

	if ((room = irc_room(i, m->param[0])) == NULL)
		return;
	while ((nick = strsep(&list, ",")) != NULL) {
		if (*nick == '\0')
			continue;
		if ((obj = irc_object("kick", "room", room)) != NULL) {
			cJSON_AddStringToObject(obj, "nick", nick);
			if (m->nparams > 2)
				cJSON_AddStringToObject(obj, "reason",
				    m->param[2]);
		}
		irc_request(i, m->param[0], obj);
		if (i->c->flags & CLIENT_CLOSING)
			return;
	}
}

static void
irc_chan_op_answer(struct irc *i, struct evt *e)
{
	const char	*type, *room, *mask;

	if (e->type == EVT_ERROR) {
		if (e->error.code == ERR_NOT_PERMITTED)
			irc_numeric(i, 482, "%s :You're not a channel operator"
			    " (%s)", irc_arg(i), e->error.message);
		else if (e->error.code == ERR_NO_SUCH_USER ||
		    e->error.code == ERR_NOT_IN_ROOM)
			irc_numeric(i, 441, "%s :They aren't on that channel",
			    irc_arg(i));
		else
			irc_answer_default(i, e);
		return;
	}
	type = json_get_string(e->reply, "type");
	room = json_get_string(e->reply, "room");
	mask = json_get_string(e->reply, "mask");
	if (type == NULL || room == NULL)
		return;
	/* The one who sets a mode sees it set, as IRC servers echo it. */
	if (strcmp(type, "banned") == 0 && mask != NULL)
		irc_line(i, ":%s!%s@%s MODE #%s +b %s", irc_me(i), irc_me(i),
		    IRC_HOST, room, mask);
	else if (strcmp(type, "unbanned") == 0 && mask != NULL)
		irc_line(i, ":%s!%s@%s MODE #%s -b %s", irc_me(i), irc_me(i),
		    IRC_HOST, room, mask);
	else if (strcmp(type, "moderators") == 0)
		irc_line(i, ":%s!%s@%s MODE #%s %s", irc_me(i), irc_me(i),
		    IRC_HOST, room, irc_arg(i));
}

const struct irc_cmd irc_kick_cmd = {
	.name = "KICK",
	.min = 2,
	.exec = irc_chan_kick,
	.answer = irc_chan_op_answer,
};

/*
 * A ban mask as evchat takes it: "nick!user@host" names its nick, and
 * "*!*@host" the host (an address or CIDR); a bare word is a nick.
 */
static const char *
irc_chan_mask(char *mask)
{
	char	*bang = strchr(mask, '!'), *at = strchr(mask, '@');

	if (bang == NULL)
		return (at != NULL ? at + 1 : mask);
	*bang = '\0';
	if (strcmp(mask, "*") != 0)
		return (mask);
	return (at != NULL ? at + 1 : bang + 1);
}

/*
 * MODE #a: no modes but lists; +b/-b mask bans and unbans, +o/-o nick
 * makes or unmakes a moderator; "MODE #a b" (the list) is empty, as the
 * core lists no bans yet.  MODE nick: the user's own modes.
 */
static void
irc_chan_mode(struct irc *i, struct irc_msg *m)
{
	const char	*room, *type;
	char		 sign = '+', buf[IRC_ARG_MAX];
	int		 arg = 2;
	const char	*p;
	cJSON		*obj;

	if (m->param[0][0] != '#') {
		if (strcasecmp(m->param[0], irc_me(i)) != 0)
			irc_numeric(i, 502, ":Can't change mode for other "
			    "users");
		else
			irc_numeric(i, 221, "+");
		return;
	}
	if ((room = irc_room(i, m->param[0])) == NULL)
		return;
	if (m->nparams == 1) {
		irc_numeric(i, 324, "%s +", m->param[0]);
		return;
	}
	for (p = m->param[1]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-') {
			sign = *p;
			continue;
		}
		if (*p != 'b' && *p != 'o') {
			irc_numeric(i, 472, "%c :is unknown mode char to me",
			    *p);
			continue;
		}
		if (arg >= m->nparams) {
			if (*p == 'b')
				irc_numeric(i, 368, "%s :End of channel ban "
				    "list", m->param[0]);
			continue;
		}
		if (*p == 'b') {
			type = sign == '+' ? "ban" : "unban";
			obj = irc_object(type, "room", room);
			if (obj != NULL)
				cJSON_AddStringToObject(obj, "mask",
				    irc_chan_mask(m->param[arg]));
		} else {
			obj = irc_object("moderator", "room", room);
			if (obj != NULL) {
				cJSON_AddStringToObject(obj, "nick",
				    m->param[arg]);
				if (sign == '-')
					cJSON_AddTrueToObject(obj, "remove");
			}
		}
		snprintf(buf, sizeof buf, "%co %s", sign, m->param[arg]);
		irc_request(i, *p == 'o' ? buf : m->param[0], obj);
		arg++;
		if (i->c->flags & CLIENT_CLOSING)
			return;
	}
}

const struct irc_cmd irc_mode_cmd = {
	.name = "MODE",
	.min = 1,
	.exec = irc_chan_mode,
	.answer = irc_chan_op_answer,
};

/* irc-msg.c: the IRC commands that carry messages: PRIVMSG and NOTICE to channels and nicks (with CTCP
 * ACTION as "/me" and STICKER as a sticker), and TAGMSG; each target is one core msg request. */

#include <stdio.h>
#include <string.h>

#include "server.h"
#include "irc.h"

/*
 * The request for one target: "#room" or a nick.  CTCP ACTION travels as
 * text "/me ..." (what evchat clients show as an action, and what IRC
 * clients get back as ACTION); CTCP STICKER name sends that sticker.
 */
static cJSON *
irc_msg_request(const char *target, const char *text)
{
	char	 body[IRC_LINE_MAX];
	size_t	 len = strlen(text);
	cJSON	*obj;

	obj = irc_object("msg", target[0] == '#' ? "room" : "to",
	    target[0] == '#' ? target + 1 : target);
	if (obj == NULL)
		return (NULL);
	if (len > 2 && text[0] == '\001') {
		snprintf(body, sizeof body, "%.*s", (int)(len - 1 -
		    (text[len - 1] == '\001')), text + 1);
		if (strncmp(body, "ACTION ", 7) == 0) {
			memmove(body + 4, body + 7, strlen(body + 7) + 1);
			memcpy(body, "/me ", 4);
			cJSON_AddStringToObject(obj, "text", body);
			return (obj);
		}
		if (strncmp(body, "STICKER ", 8) == 0) {
			cJSON_AddStringToObject(obj, "kind", "sticker");
			cJSON_AddStringToObject(obj, "sticker", body + 8);
			return (obj);
		}
	}
	cJSON_AddStringToObject(obj, "text", text);
	return (obj);
}

/* PRIVMSG a,#b :text: one request per target, IRC_TARGETS at most. */
static void
irc_msg_privmsg(struct irc *i, struct irc_msg *m)
{
	char	*list = m->param[0], *target;
	int	 n = 0;

	if (m->nparams < 2 || m->param[1][0] == '\0') {
		if (!(i->cmd->flags & IRC_CMD_QUIET))
			irc_numeric(i, 412, ":No text to send");
		return;
	}
	while ((target = strsep(&list, ",")) != NULL) {
		if (*target == '\0')
			continue;
		if (++n > IRC_TARGETS) {
			if (!(i->cmd->flags & IRC_CMD_QUIET))
				irc_numeric(i, 407, "%s :Too many targets",
				    target);
			return;
		}
		if (target[0] == '#' && target[1] == '\0') {
			if (!(i->cmd->flags & IRC_CMD_QUIET))
				irc_numeric(i, 403, "%s :No such channel",
				    target);
			continue;
		}
		irc_request(i, target, irc_msg_request(target, m->param[1]));
		if (i->c->flags & CLIENT_CLOSING)
			return;
	}
}

static void
irc_msg_answer(struct irc *i, struct evt *e)
{
	if (e->type != EVT_ERROR || i->cmd->flags & IRC_CMD_QUIET)
		return;
	switch (e->error.code) {
	case ERR_NOT_IN_ROOM:
	case ERR_MUTED:
		irc_numeric(i, 404, "%s :Cannot send to channel (%s)",
		    irc_arg(i), e->error.message);
		break;
	case ERR_NO_SUCH_USER:
	case ERR_NO_SUCH_ROOM:
		irc_numeric(i, 401, "%s :No such nick/channel", irc_arg(i));
		break;
	default:
		irc_answer_default(i, e);
		break;
	}
}

const struct irc_cmd irc_privmsg_cmd = {
	.name = "PRIVMSG",
	.min = 1,
	.exec = irc_msg_privmsg,
	.answer = irc_msg_answer,
};

/* NOTICE: a PRIVMSG whose errors are never told (RFC 2812 3.3.2). */
const struct irc_cmd irc_notice_cmd = {
	.name = "NOTICE",
	.flags = IRC_CMD_QUIET,
	.min = 1,
	.exec = irc_msg_privmsg,
	.answer = irc_msg_answer,
};

/* TAGMSG (typing and reactions): evchat carries none; taken silently. */
static void
irc_msg_tagmsg(struct irc *i, struct irc_msg *m)
{
}

const struct irc_cmd irc_tagmsg_cmd = {
	.name = "TAGMSG",
	.flags = IRC_CMD_QUIET,
	.min = 1,
	.exec = irc_msg_tagmsg,
};

/* face-irc.c: the IRC face: lines in (CR, LF or CRLF), each turned by its irc-*.c command into requests;
 * events out as lines, rendered once per set of tags; it knows no room or nick but what requests and replies say. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "server.h"
#include "irc.h"

static enum face_read	 face_irc_read(struct client *, unsigned int);
static struct frame	*face_irc_render(const struct face *, struct evt *);
static void		 face_irc_answer(struct client *, struct evt *);
static struct frame	*face_irc_close(struct client *, const char *);
static const char	*face_irc_flat(const char *, char *, size_t);
static void		 face_irc_put(struct evbuffer *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
static void		 face_irc_free(struct client *);
static size_t		 face_irc_buffered(const struct client *);

/*
 * One face per set of message tags a client may have asked for (its caps
 * & IRC_CAP_TAGS), so that a message is rendered once per set in use and
 * shared by reference among the clients that asked for the same.
 */
#define FACE_IRC_VARIANT(n) {						\
	.name = "irc",							\
	.id = FACE_IRC + (n),						\
	.read = face_irc_read,						\
	.render = face_irc_render,					\
	.answer = face_irc_answer,					\
	.end = face_irc_close,						\
	.free = face_irc_free,						\
	.buffered = face_irc_buffered,					\
}
const struct face face_irc[FACE_COUNT - FACE_IRC] = {
	FACE_IRC_VARIANT(0), FACE_IRC_VARIANT(1), FACE_IRC_VARIANT(2),
	FACE_IRC_VARIANT(3), FACE_IRC_VARIANT(4), FACE_IRC_VARIANT(5),
	FACE_IRC_VARIANT(6), FACE_IRC_VARIANT(7),
};

/* Every IRC command; the order is free (each entry names itself). */
static const struct irc_cmd *const face_irc_table[] = {
	&irc_privmsg_cmd,	/* first: the busiest */
	&irc_ping_cmd,
	&irc_pong_cmd,
	&irc_notice_cmd,
	&irc_tagmsg_cmd,
	&irc_cap_cmd,
	&irc_authenticate_cmd,
	&irc_pass_cmd,
	&irc_nick_cmd,
	&irc_user_cmd,
	&irc_quit_cmd,
	&irc_join_cmd,
	&irc_part_cmd,
	&irc_topic_cmd,
	&irc_names_cmd,
	&irc_list_cmd,
	&irc_kick_cmd,
	&irc_mode_cmd,
	&irc_who_cmd,
	&irc_motd_cmd,
	&irc_lusers_cmd,
	&irc_version_cmd,
	&irc_oper_cmd,
	&irc_kill_cmd,
	&irc_chathistory_cmd,
	&irc_whois_cmd,
	&irc_away_cmd,
};

/* c's IRC state, made on first use (an error may come before any input). */
static struct irc *
face_irc_state(struct client *c)
{
	struct irc	*i = c->face_state;

	if (i != NULL)
		return (i);
	if ((i = calloc(1, sizeof *i)) == NULL)
		return (NULL);
	i->c = c;
	/*
	 * Until echo-message is asked for, a sender is not echoed; nick
	 * changes are NICK lines (not a part and a join).
	 */
	c->flags |= CLIENT_NO_ECHO | CLIENT_EVENT_NICK | CLIENT_AWAY_REPLY;
	c->face_state = i;
	return (i);
}

static void
face_irc_free(struct client *c)
{
	struct irc	*i = c->face_state;

	if (i == NULL)
		return;
	free(i->nick);
	irc_reg_free(i);
	cJSON_Delete(i->next);
	irc_walk_free(i);
	free(i->next_arg);
	free(i->arg);
	free(i->label);
	free(i->hist);
	if (i->out != NULL)
		evbuffer_free(i->out);
	free(i);
	c->face_state = NULL;
}

/*
 * The answer's lines, made on first use: most commands of an idle client
 * (a PRIVMSG without echo-message) answer nothing.  NULL when out of memory.
 */
static struct evbuffer *
face_irc_out(struct irc *i)
{
	if (i->out == NULL)
		i->out = evbuffer_new();
	return (i->out);
}

/*
 * Nothing is under way (no line, no held request, no next request nor
 * history page): what a command needed goes, so that an idle client keeps
 * only its state.  Called by face_irc_end.
 */
static void
face_irc_done(struct irc *i)
{
	if (i->in_line || i->c->flags & CLIENT_HELD || i->next != NULL ||
	    (i->hist != NULL && i->hist->pages != 0))
		return;
	free(i->hist);
	i->hist = NULL;
	free(i->arg);
	i->arg = NULL;
	free(i->label);
	i->label = NULL;
	if (i->out != NULL && evbuffer_get_length(i->out) == 0) {
		evbuffer_free(i->out);
		i->out = NULL;
	}
}

/*
 * Called by client_close: the last bytes of the stream, whatever ends it.
 * The lines of the answer under way (a 464 before the close it causes)
 * go first, then ERROR with the reason: an IRC client hears why it was
 * closed, every time.
 */
static struct frame *
face_irc_close(struct client *c, const char *reason)
{
	struct irc	*i;
	struct frame	*f;
	char		 buf[IRC_LINE_MAX];
	size_t		 len;

	if ((i = face_irc_state(c)) == NULL || face_irc_out(i) == NULL)
		return (NULL);
	face_irc_put(i->out, "ERROR :Closing link: %s",
	    face_irc_flat(reason, buf, sizeof buf));
	len = evbuffer_get_length(i->out);
	if ((f = frame_alloc_raw(len)) != NULL)
		evbuffer_remove(i->out, f->bytes, len);
	evbuffer_drain(i->out, evbuffer_get_length(i->out));
	free(i->label);
	i->label = NULL;
	i->nout = 0;
	return (f);
}

/* The server's name in prefixes and numerics. */
const char *
irc_server(const struct irc *i)
{
	return (i->c->server->config->server_name);
}

/* The client's nick as numerics address it: "*" until it has one. */
const char *
irc_me(const struct irc *i)
{
	if (i->c->nick != NULL)
		return (i->c->nick);
	return (i->nick != NULL ? i->nick : "*");
}

/*
 * Append one line to b: its part after the tags cut to 510 bytes at a
 * character, CR, LF and NUL in it made spaces (a topic or a reason of an
 * evchat client may hold a newline), then CR LF.  Every line of the face
 * but a message's (face_irc_text cuts those itself) is made here.
 */
static void
face_irc_vput(struct evbuffer *b, const char *fmt, va_list ap)
{
	char	 buf[IRC_INPUT_MAX + 1], *p;
	size_t	 tags = 0, len;
	int	 n;

	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	if (buf[0] == '@')
		tags = strcspn(buf, " ") + 1;
	if (tags > len)
		return;
	len = tags + irc_cut(buf + tags, len - tags, IRC_LINE_MAX - 2);
	for (p = buf + tags; p < buf + len; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	evbuffer_add(b, buf, len);
	evbuffer_add(b, "\r\n", 2);
}

static void
face_irc_put(struct evbuffer *b, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	face_irc_vput(b, fmt, ap);
	va_end(ap);
}

/* Append one line to the answer under way. */
void
irc_line(struct irc *i, const char *fmt, ...)
{
	va_list	ap;

	if (face_irc_out(i) == NULL)
		return;
	va_start(ap, fmt);
	face_irc_vput(i->out, fmt, ap);
	va_end(ap);
	i->nout++;
}

/* A numeric reply: ":server NNN nick " then the rest. */
void
irc_numeric(struct irc *i, int num, const char *fmt, ...)
{
	char	buf[IRC_INPUT_MAX + 1];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	irc_line(i, ":%s %03d %s %s", irc_server(i), num, irc_me(i), buf);
}

/*
 * A request for the core, answered in face_irc_answer: arg is the target
 * its numerics name (a channel or nick as the client wrote it).  The id
 * is given only under a label, so that the sender's echo comes back alone
 * and labeled; without one, the echo is the frame everyone shares.
 */
void
irc_request(struct irc *i, const char *arg, cJSON *obj)
{
	struct request	req;

	if (obj == NULL) {
		client_close(i->c, "out of memory", false);
		return;
	}
	irc_set_arg(i, arg);
	if (i->label != NULL)
		cJSON_AddNumberToObject(obj, "id", 1);
	memset(&req, 0, sizeof req);
	req.obj = obj;
	req.type = json_get_string(obj, "type");
	req.id = cJSON_GetObjectItemCaseSensitive(obj, "id");
	cmd_process(i->c, &req);
	cJSON_Delete(obj);
}

/*
 * The target the answer under way names, as the client wrote it (cut to
 * IRC_ARG_MAX - 1 bytes), or "" when none: kept from irc_request until
 * face_irc_done.
 */
const char *
irc_arg(const struct irc *i)
{
	return (i->arg != NULL ? i->arg : "");
}

void
irc_set_arg(struct irc *i, const char *arg)
{
	char	*copy = NULL;

	if (arg != NULL && arg[0] != '\0' &&
	    (copy = strndup(arg, IRC_ARG_MAX - 1)) == NULL)
		return;		/* keep the old one: a numeric's word only */
	free(i->arg);
	i->arg = copy;
}

/* The same for a room's channel: "#" and the room's name. */
void
irc_set_channel(struct irc *i, const char *room)
{
	char	arg[IRC_ARG_MAX];

	snprintf(arg, sizeof arg, "#%s", room);
	irc_set_arg(i, arg);
}

/* A request object of type with one string member, or none (key NULL). */
cJSON *
irc_object(const char *type, const char *key, const char *value)
{
	cJSON	*obj;

	if ((obj = cmd_object(type)) != NULL && key != NULL && value != NULL)
		cJSON_AddStringToObject(obj, key, value);
	return (obj);
}

/*
 * The room a channel names ("#general" is room "general"), or NULL after
 * telling the client that it is not a channel of this server.
 */
const char *
irc_room(struct irc *i, const char *channel)
{
	if (channel[0] == '#' && channel[1] != '\0')
		return (channel + 1);
	irc_numeric(i, 403, "%s :No such channel", channel);
	return (NULL);
}

/*
 * Enable caps: the tags a client asked for choose its face, so that it
 * shares the frames of every client that asked for the same.
 */
void
irc_set_caps(struct irc *i, unsigned int caps)
{
	i->caps = caps;
	i->c->face = &face_irc[caps & IRC_CAP_TAGS];
	if (caps & IRC_CAP_ECHO)
		i->c->flags &= ~CLIENT_NO_ECHO;
	else
		i->c->flags |= CLIENT_NO_ECHO;
	if (caps & IRC_CAP_AWAY_NOTIFY)
		i->c->flags |= CLIENT_EVENT_AWAY;
	else
		i->c->flags &= ~CLIENT_EVENT_AWAY;
}

/*
 * A request to make once the line (or the held request's answer) is done,
 * when the client may go on: the next page of a list, the second half of
 * a CHATHISTORY AROUND.  It keeps the command and its target.
 */
void
irc_next(struct irc *i, cJSON *obj)
{
	cJSON_Delete(i->next);
	i->next = obj;
	i->next_cmd = i->cmd;
	free(i->next_arg);
	i->next_arg = i->arg != NULL ? strdup(i->arg) : NULL;
}

/* Go on with a list: who of room, or rooms, after after. */
void
irc_more(struct irc *i, const char *room, const char *after)
{
	cJSON	*obj;

	obj = room != NULL ? irc_object("who", "room", room) :
	    cmd_object("rooms");
	if (obj != NULL)
		cJSON_AddStringToObject(obj, "after", after);
	irc_next(i, obj);
}

/* Move the tags of one line (or none) and a tag to add into b. */
static void
face_irc_tagged(struct evbuffer *b, const char *line, size_t len,
    const char *tag)
{
	evbuffer_add_printf(b, "@%s", tag);
	if (line[0] == '@') {
		evbuffer_add(b, ";", 1);
		evbuffer_add(b, line + 1, len - 1);
	} else {
		evbuffer_add(b, " ", 1);
		evbuffer_add(b, line, len);
	}
}

/* Whether line has a batch tag already. */
static bool
face_irc_batched(const char *line)
{
	const char	*p = line;

	if (line[0] != '@')
		return (false);
	while (*p != ' ' && *p != '\0') {
		p++;		/* past '@' or ';' */
		if (strncmp(p, "batch=", 6) == 0)
			return (true);
		p += strcspn(p, "; ");
	}
	return (false);
}

/*
 * labeled-response: the answer's lines under the client's label, one line
 * tagged, several in a batch, none acknowledged.
 */
static void
face_irc_label(struct irc *i)
{
	struct evbuffer	*b;
	char		*line, tag[IRC_LABEL_MAX * 2 + 16];
	size_t		 len;
	struct evbuffer	*lb;
	unsigned int	 id;

	if ((b = evbuffer_new()) == NULL || (lb = evbuffer_new()) == NULL) {
		if (b != NULL)
			evbuffer_free(b);
		return;
	}
	irc_tag_escape(lb, i->label);
	if (face_irc_out(i) == NULL) {
		evbuffer_free(lb);
		evbuffer_free(b);
		return;
	}
	evbuffer_add(lb, "", 1);
	if (i->nout == 0)
		evbuffer_add_printf(b, "@label=%s :%s ACK\r\n",
		    (char *)evbuffer_pullup(lb, -1), irc_server(i));
	else if (i->nout == 1) {
		snprintf(tag, sizeof tag, "label=%s",
		    (char *)evbuffer_pullup(lb, -1));
		line = evbuffer_readln(i->out, &len, EVBUFFER_EOL_CRLF_STRICT);
		if (line != NULL) {
			face_irc_tagged(b, line, len, tag);
			evbuffer_add(b, "\r\n", 2);
			free(line);
		}
	} else {
		id = ++i->batches;
		evbuffer_add_printf(b, "@label=%s :%s BATCH +L%u "
		    "labeled-response\r\n", (char *)evbuffer_pullup(lb, -1),
		    irc_server(i), id);
		snprintf(tag, sizeof tag, "batch=L%u", id);
		while ((line = evbuffer_readln(i->out, &len,
		    EVBUFFER_EOL_CRLF_STRICT)) != NULL) {
			/* A line of an inner batch is tagged by that one. */
			if (face_irc_batched(line))
				evbuffer_add(b, line, len);
			else
				face_irc_tagged(b, line, len, tag);
			evbuffer_add(b, "\r\n", 2);
			free(line);
		}
		evbuffer_add_printf(b, ":%s BATCH -L%u\r\n", irc_server(i), id);
	}
	evbuffer_free(lb);
	evbuffer_drain(i->out, evbuffer_get_length(i->out));
	evbuffer_add_buffer(i->out, b);
	evbuffer_free(b);
}

/* The answer is whole: send its lines as one frame. */
static void
face_irc_end(struct irc *i)
{
	struct frame	*f;
	size_t		 len;

	if (i->label != NULL)
		face_irc_label(i);
	free(i->label);
	i->label = NULL;
	i->nout = 0;
	if (i->out == NULL || (len = evbuffer_get_length(i->out)) == 0) {
		face_irc_done(i);
		return;
	}
	if ((f = frame_alloc_raw(len)) == NULL) {
		evbuffer_drain(i->out, len);
		client_close(i->c, "out of memory", false);
		return;
	}
	evbuffer_remove(i->out, f->bytes, len);
	client_send_frame(i->c, f);
	frame_unref(f);
	face_irc_done(i);
}

static const struct irc_cmd *
face_irc_find(const char *name)
{
	size_t	n;

	for (n = 0; n < nitems(face_irc_table); n++)
		if (strcmp(face_irc_table[n]->name, name) == 0)
			return (face_irc_table[n]);
	return (NULL);
}

/*
 * The requests irc_next left, one after the other, while c may go on, as
 * part of the answer under way (in_line: their answers wait for its end).
 */
static void
face_irc_next(struct irc *i)
{
	cJSON	*obj;
	char	*arg;
	bool	 in_line = i->in_line;

	i->in_line = true;
	while (i->next != NULL && !(i->c->flags & (CLIENT_CLOSING |
	    CLIENT_HELD))) {
		obj = i->next;
		i->next = NULL;
		i->cmd = i->next_cmd;
		arg = i->next_arg;
		i->next_arg = NULL;
		irc_request(i, arg, obj);
		free(arg);
	}
	i->in_line = in_line;
}

/*
 * Called by client_release: a request left by the held one's answer
 * (irc_next) is input still to handle, so that face_irc_read makes it
 * before the client's next line.
 */
static size_t
face_irc_buffered(const struct client *c)
{
	const struct irc	*i = c->face_state;

	return (i != NULL && i->next != NULL);
}

/*
 * One line as sent, without its end (len bytes, changed in place): tags
 * checked, the rest cut to 510 bytes and made UTF-8, parsed, then run by
 * its command; what the command's requests answer goes out as one frame.
 */
static void
face_irc_line(struct irc *i, char *line, size_t len)
{
	char			 buf[2 * IRC_INPUT_MAX + 2];
	char			 label[IRC_LABEL_MAX + 1];
	const struct irc_cmd	*ce;
	struct irc_msg		 m;
	size_t			 tags = 0;

	if (line[0] == '@') {
		tags = strcspn(line, " ") + 1;
		if (tags > IRC_TAGS_MAX || tags > len) {
			irc_numeric(i, 417, ":Input line was too long");
			face_irc_end(i);
			return;
		}
	}
	len = tags + irc_cut(line + tags, len - tags, IRC_LINE_MAX - 2);
	(void)irc_utf8(line, len, buf, sizeof buf);
	if (irc_parse(buf, &m) != 0)
		return;		/* an empty line: nothing to do */
	/* A label is answered only with batch too, as the answer may need one. */
	free(i->label);
	i->label = NULL;
	if ((i->caps & (IRC_CAP_LABELED | IRC_CAP_BATCH)) ==
	    (IRC_CAP_LABELED | IRC_CAP_BATCH) && m.tags != NULL &&
	    irc_tag(&m, "label", label, sizeof label) != NULL &&
	    label[0] != '\0')
		i->label = strdup(label);
	i->in_line = true;
	i->cmd = ce = face_irc_find(m.cmd);
	if (ce == NULL) {
		if (i->c->flags & CLIENT_REGISTERED)
			irc_numeric(i, 421, "%s :Unknown command", m.cmd);
	} else if (!(ce->flags & IRC_CMD_ANY) &&
	    !(i->c->flags & CLIENT_REGISTERED))
		irc_numeric(i, 451, ":You have not registered");
	else if (m.nparams < ce->min)
		irc_numeric(i, 461, "%s :Not enough parameters", m.cmd);
	else {
		i->c->server->stats.frames_in++;
		ce->exec(i, &m);
		face_irc_next(i);
	}
	i->in_line = false;
	if (!(i->c->flags & CLIENT_HELD))
		face_irc_end(i);
}

/*
 * Called by client.c when input has arrived: up to budget whole lines,
 * so that one busy client cannot starve the others.  A line is timed
 * from its first byte (slowloris); one longer than tags and 512 bytes
 * with no end in sight ends the connection.
 */
static enum face_read
face_irc_read(struct client *c, unsigned int budget)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 eol;
	struct irc		*i;
	char			 line[IRC_INPUT_MAX + 1];
	size_t			 eollen, len;

	if ((i = face_irc_state(c)) == NULL) {
		client_close(c, "out of memory", false);
		return (FACE_READ_CLOSED);
	}
	for (; budget > 0; budget--) {
		if (c->flags & CLIENT_CLOSING)
			return (FACE_READ_CLOSED);
		if (c->flags & CLIENT_HELD)
			return (FACE_READ_DONE);	/* client_release resumes */
		if (i->next != NULL) {
			/* Left by a held request's answer: its answer goes on. */
			face_irc_next(i);
			if (c->flags & CLIENT_HELD)
				return (FACE_READ_DONE);
			face_irc_end(i);
		}
		eol = evbuffer_search_eol(in, NULL, &eollen, EVBUFFER_EOL_ANY);
		if (eol.pos < 0) {
			len = evbuffer_get_length(in);
			if (len > IRC_INPUT_MAX) {
				client_close(c, "line too long", true);
				return (FACE_READ_CLOSED);
			}
			if (len == 0)
				c->partial_ms = 0;
			else if (c->partial_ms == 0)
				c->partial_ms = server_mono_ms();
			return (FACE_READ_DONE);
		}
		c->partial_ms = 0;
		len = (size_t)eol.pos;
		c->server->stats.bytes_in += len + eollen;
		if (len > IRC_INPUT_MAX) {
			client_close(c, "line too long", true);
			return (FACE_READ_CLOSED);
		}
		evbuffer_remove(in, line, len);
		evbuffer_drain(in, eollen);
		line[len] = '\0';
		face_irc_line(i, line, len);
	}
	if (c->flags & CLIENT_CLOSING)
		return (FACE_READ_CLOSED);
	eol = evbuffer_search_eol(in, NULL, &eollen, EVBUFFER_EOL_ANY);
	if (c->flags & CLIENT_HELD || eol.pos < 0)
		return (FACE_READ_DONE);
	return (FACE_READ_MORE);
}

/* "nick!user@host" of a nick: no address is ever shown. */
#define FACE_IRC_SOURCE	"%s!%s@" IRC_HOST

/* The size of media from its base64, for a readable line. */
static size_t
face_irc_media_size(const char *data)
{
	ssize_t	n = base64_decoded_len(data, strlen(data));

	return (n > 0 ? (size_t)n : 0);
}

/* The value of field name of m, or "". */
static const char *
face_irc_field(const struct evt_msg *m, const char *name)
{
	size_t	n;

	for (n = 0; n < m->nfields; n++)
		if (strcmp(m->field[n], name) == 0 && m->value[n] != NULL)
			return (m->value[n]);
	return ("");
}

/*
 * One PRIVMSG line per line of text and per 510 bytes, all with the same
 * head (tags and source), so that a long message arrives whole and no
 * line passes 512 bytes.  text is UTF-8: lines are cut at a character.
 */
static unsigned int
face_irc_text(struct evbuffer *b, const char *head, const char *target,
    const char *text, const char *pre, const char *post)
{
	const char	*body;
	size_t		 room, n, bodylen, fixed;
	unsigned int	 lines = 0;

	/* The source's length counts; the tags do not. */
	body = head[0] == '@' ? strchr(head, ' ') + 1 : head;
	fixed = strlen(body) + strlen(" PRIVMSG  :") + strlen(target) +
	    strlen(pre) + strlen(post) + 2;
	room = fixed < IRC_LINE_MAX - 32 ? IRC_LINE_MAX - fixed : 32;
	do {
		bodylen = strcspn(text, "\r\n");
		do {
			n = irc_cut(text, bodylen, room);
			if (n == 0 && bodylen > 0)
				n = bodylen < room ? bodylen : room;
			if (n > 0 || bodylen == 0) {
				evbuffer_add_printf(b, "%s PRIVMSG %s :%s%.*s%s"
				    "\r\n", head, target, pre, (int)n, text,
				    post);
				lines++;
			}
			text += n;
			bodylen -= n;
		} while (bodylen > 0);
		text += strspn(text, "\r\n");
	} while (*text != '\0');
	return (lines);
}

/*
 * A message as IRC lines into b, with the tags of tagbits (IRC_CAP_TAGS)
 * and extra tags (a label or batch, already escaped) when not NULL.
 * Stickers are actions, audio and files one readable line: never base64.
 * Text "/me does" is an action both ways.
 */
unsigned int
irc_msg_lines(struct evbuffer *b, const struct evt_msg *m,
    unsigned int tagbits, const char *extra)
{
	struct evbuffer	*h;
	const char	*head;
	unsigned int	 lines;
	char		 target[NAME_ROOM_SIZE + 2], when[32], info[512];
	const char	*kind = face_irc_field(m, "kind"), *text, *sep = "@";
	struct tm	 tm;
	time_t		 t;

	if ((h = evbuffer_new()) == NULL)
		return (0);
	if (tagbits & IRC_CAP_SERVER_TIME) {
		t = (time_t)(m->ts / 1000);
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		evbuffer_add_printf(h, "%stime=%s.%03dZ", sep, when,
		    (int)(m->ts % 1000));
		sep = ";";
	}
	if (tagbits & IRC_CAP_MESSAGE_TAGS) {
		evbuffer_add_printf(h, "%smsgid=%llu", sep,
		    (unsigned long long)m->msgid);
		sep = ";";
	}
	if (tagbits & IRC_CAP_ACCOUNT_TAG && m->account != NULL) {
		evbuffer_add_printf(h, "%saccount=", sep);
		irc_tag_escape(h, m->account);
		sep = ";";
	}
	if (extra != NULL) {
		evbuffer_add_printf(h, "%s%s", sep, extra);
		sep = ";";
	}
	evbuffer_add_printf(h, "%s:" FACE_IRC_SOURCE, sep[0] == ';' ? " " : "",
	    m->from, m->from);
	evbuffer_add(h, "", 1);
	snprintf(target, sizeof target, "%s%s", m->room != NULL ? "#" : "",
	    m->room != NULL ? m->room : m->to);

	head = (const char *)evbuffer_pullup(h, -1);
	text = face_irc_field(m, "text");
	if (strcmp(kind, "sticker") == 0) {
		snprintf(info, sizeof info, "sends the sticker %s",
		    face_irc_field(m, "sticker"));
		lines = face_irc_text(b, head, target, info, "\001ACTION ",
		    "\001");
	} else if (strcmp(kind, "audio") == 0 || strcmp(kind, "file") == 0) {
		snprintf(info, sizeof info, "[%s] %s (%s, %zu bytes)", kind,
		    face_irc_field(m, "name"), face_irc_field(m, "mime"),
		    face_irc_media_size(face_irc_field(m, "data")));
		lines = face_irc_text(b, head, target, info, "", "");
	} else if (strncmp(text, "/me ", 4) == 0)
		lines = face_irc_text(b, head, target, text + 4, "\001ACTION ",
		    "\001");
	else
		lines = face_irc_text(b, head, target, text, "", "");
	evbuffer_free(h);
	return (lines);
}

/*
 * s made one piece of a line in buf (len bytes): CR and LF (a reason or
 * topic of an evchat client may hold a newline) made spaces, cut at a
 * character where IRC's 512 bytes would cut it anyway.
 */
static const char *
face_irc_flat(const char *s, char *buf, size_t len)
{
	size_t	n;

	if (s == NULL)
		return (NULL);
	n = irc_cut(s, strlen(s), len - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (s = buf; (s = strpbrk(s, "\r\n")) != NULL; s++)
		buf[s - buf] = ' ';
	return (buf);
}

/* A presence event as its IRC line; online and offline have none. */
static void
face_irc_presence(struct evbuffer *b, const struct evt_presence *p)
{
	const char	*ev = p->event, *reason, *topic;
	char		 rbuf[IRC_LINE_MAX], tbuf[IRC_LINE_MAX];

	reason = face_irc_flat(p->reason, rbuf, sizeof rbuf);
	topic = face_irc_flat(p->topic, tbuf, sizeof tbuf);
	if (strcmp(ev, "join") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " JOIN #%s",
		    p->nick, p->nick, p->room);
	else if (strcmp(ev, "part") == 0 && p->sanction != NULL)
		face_irc_put(b, ":" FACE_IRC_SOURCE " KICK #%s %s :%s", p->by,
		    p->by, p->room, p->nick, reason != NULL ?
		    reason : p->sanction);
	else if (strcmp(ev, "part") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " PART #%s%s%s",
		    p->nick, p->nick, p->room, reason != NULL ? " :" : "",
		    reason != NULL ? reason : "");
	else if (strcmp(ev, "quit") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " QUIT :%s",
		    p->nick, p->nick, reason != NULL ? reason : "Client quit");
	else if (strcmp(ev, "topic") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " TOPIC #%s :%s",
		    p->by, p->by, p->room, topic != NULL ? topic : "");
	else if (strcmp(ev, "nick") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " NICK :%s",
		    p->nick, p->nick, p->newnick);
	else if (strcmp(ev, "away") == 0 || strcmp(ev, "back") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " AWAY%s%s",
		    p->nick, p->nick, reason != NULL ? " :" : "",
		    reason != NULL ? reason : "");
	else if (strcmp(ev, "mute") == 0 || strcmp(ev, "unmute") == 0)
		face_irc_put(b, ":" FACE_IRC_SOURCE " NOTICE #%s :%s %s"
		    "d %s", p->by, p->by, p->room, p->by, ev, p->nick);
}

/*
 * Called by evt_frame, once per event and set of tags: the lines of an
 * event many clients share (a message, a presence change, a ping, a bye).
 * An event of no meaning on IRC is an empty frame.
 */
static struct frame *
face_irc_render(const struct face *face, struct evt *e)
{
	struct evbuffer	*b;
	struct frame	*f = NULL;
	size_t		 len;

	if ((b = evbuffer_new()) == NULL)
		return (NULL);
	switch (e->type) {
	case EVT_MSG:
		irc_msg_lines(b, &e->msg, face->id - FACE_IRC, NULL);
		break;
	case EVT_PRESENCE:
		face_irc_presence(b, &e->presence);
		break;
	case EVT_BYE:
		break;		/* face_irc_close: after the answer's lines */
	case EVT_PING:
		evbuffer_add_printf(b, "PING :%lld\r\n", (long long)e->ping);
		break;
	case EVT_REPLY:
	case EVT_ERROR:
		break;		/* alone: face_irc_answer */
	}
	len = evbuffer_get_length(b);
	if ((f = frame_alloc_raw(len)) != NULL)
		evbuffer_remove(b, f->bytes, len);
	evbuffer_free(b);
	return (f);
}

/* An error's numeric when its command has no better one: by code. */
static void
face_irc_error(struct irc *i, const struct evt_error *er)
{
	const char	*arg = i->arg != NULL ? i->arg : "*";

	switch (er->code) {
	case ERR_NOT_IN_ROOM:
		irc_numeric(i, 442, "%s :You're not on that channel", arg);
		break;
	case ERR_NO_SUCH_USER:
		irc_numeric(i, 401, "%s :No such nick/channel", arg);
		break;
	case ERR_NO_SUCH_ROOM:
	case ERR_INVALID_ROOM:
		irc_numeric(i, 403, "%s :No such channel", arg);
		break;
	case ERR_NOT_PERMITTED:
		if (arg[0] == '#')
			irc_numeric(i, 482, "%s :%s", arg, er->message);
		else
			irc_numeric(i, 481, ":Permission Denied- %s",
			    er->message);
		break;
	case ERR_NOT_REGISTERED:
		irc_numeric(i, 451, ":You have not registered");
		break;
	case ERR_BAD_PASSWORD:
		irc_numeric(i, 464, ":Password incorrect");
		break;
	case ERR_INVALID_NICK:
		irc_numeric(i, 432, "%s :Erroneous nickname", arg);
		break;
	case ERR_NICK_TAKEN:
	case ERR_NICK_REGISTERED:
		irc_numeric(i, 433, "%s :%s", arg, er->message);
		break;
	default:
		irc_line(i, ":%s NOTICE %s :%s", irc_server(i), irc_me(i),
		    er->message);
		break;
	}
}

/*
 * What a command does with a reply or error it has no word for: errors by
 * code, pongs as PONG; other replies say nothing on IRC.
 */
void
irc_answer_default(struct irc *i, struct evt *e)
{
	const char	*type;

	if (e->type == EVT_ERROR) {
		if (i->cmd == NULL || !(i->cmd->flags & IRC_CMD_QUIET))
			face_irc_error(i, &e->error);
		return;
	}
	if (e->type != EVT_REPLY)
		return;
	type = json_get_string(e->reply, "type");
	if (type != NULL && strcmp(type, "pong") == 0)
		irc_line(i, ":%s PONG %s :%s", irc_server(i), irc_server(i),
		    irc_arg(i));
}

/*
 * Called by client_send for an event c alone gets (evt_alone): a reply
 * or error goes to the command that asked, the sender's own echo and a
 * replay are rendered with its tags.  An answer that comes after its
 * line (a held request) goes out at once.
 */
static void
face_irc_answer(struct client *c, struct evt *e)
{
	struct irc		*i;
	const struct irc_history *h;
	char			 batch[32];

	if ((i = face_irc_state(c)) == NULL) {
		client_close(c, "out of memory", false);
		return;
	}
	if (e->type == EVT_MSG && e->msg.history && i->cmd != NULL &&
	    i->cmd->flags & IRC_CMD_REPLAY)
		i->cmd->answer(i, e);	/* read, not shown: TARGETS */
	else if (e->type == EVT_MSG) {
		/* A replay goes in its CHATHISTORY batch, if any. */
		h = e->msg.history ? i->hist : NULL;
		if (h != NULL)
			snprintf(batch, sizeof batch, "batch=%s", h->batch);
		if ((h == NULL || e->msg.msgid > h->floor) &&
		    face_irc_out(i) != NULL)
			i->nout += irc_msg_lines(i->out, &e->msg,
			    i->caps & IRC_CAP_TAGS, h != NULL &&
			    h->batch[0] != '\0' ? batch : NULL);
	} else if (e->type == EVT_PRESENCE) {	/* presence_away_to */
		if (i->cmd == NULL || !(i->cmd->flags & IRC_CMD_QUIET))
			irc_numeric(i, 301, "%s :%s", e->presence.nick,
			    e->presence.reason != NULL ? e->presence.reason :
			    "");
	} else if (i->cmd != NULL && i->cmd->answer != NULL)
		i->cmd->answer(i, e);
	else
		irc_answer_default(i, e);
	/*
	 * After its line, most often a held request's answer, given before
	 * the client is released: a request it left is made by face_irc_read
	 * once the client is (face_irc_buffered), and the answer ends there.
	 */
	if (i->in_line || e->type == EVT_MSG)
		return;
	if (c->flags & CLIENT_HELD) {
		if (i->next == NULL)
			face_irc_end(i);
		return;
	}
	face_irc_next(i);
	if (!(c->flags & CLIENT_HELD))
		face_irc_end(i);
}

/* cli-display.c: evchat-cli's output: received frames as human lines or one JSON object per line, colours,
 * neutralised control characters and local notices; it knows nothing of sockets, commands or line editing. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "cli.h"

#define CLI_DISPLAY_RESET	"\033[0m"
#define CLI_DISPLAY_ROOM	"\033[1;34m"
#define CLI_DISPLAY_INFO	"\033[2m"
#define CLI_DISPLAY_ERROR	"\033[1;31m"
#define CLI_DISPLAY_ME		"\033[1m"
#define CLI_DISPLAY_HISTORY	"\033[2m"	/* the whole line */

/* Nick colours: no red (errors) and no blue (rooms). */
static const char *cli_display_nick_colours[] = {
	"\033[32m", "\033[33m", "\033[35m", "\033[36m",
	"\033[92m", "\033[93m", "\033[95m", "\033[96m"
};

/* Append s as it is; in human lines, server text goes by cli_display_add. */
static void
cli_display_put(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

static void
cli_display_colour(struct cli *cli, struct evbuffer *b, const char *sgr)
{
	if (cli->colour)
		cli_display_put(b, sgr);
}

/*
 * Append s with anything that could drive the terminal made harmless: C0
 * controls and DEL in caret notation (^[ for ESC), C1 controls and bytes
 * that are not UTF-8 as '?'.  Whatever a peer or a server sends, it cannot
 * move the cursor, change colours or retitle the window.
 */
static void
cli_display_add(struct evbuffer *b, const char *s)
{
	const char	*end, *p;
	uint32_t	 cp;

	if (s == NULL)
		s = "?";
	end = s + strlen(s);
	while (s < end) {
		p = s;
		if (utf8_next(&s, end, &cp) != 0) {
			cli_display_put(b, "?");
			s = p + 1;
		} else if (cp < 0x20 || cp == 0x7f)
			evbuffer_add_printf(b, "^%c", (char)(cp ^ 0x40));
		else if (cp >= 0x80 && cp <= 0x9f)
			cli_display_put(b, "?");
		else
			evbuffer_add(b, p, s - p);
	}
}

/* A terminal-safe copy of s (see cli_display_add); the caller frees it. */
char *
cli_display_clean(const char *s)
{
	struct evbuffer	*b;
	char		*out;
	size_t		 len;

	if ((b = evbuffer_new()) == NULL)
		return (cli_xstrdup("?"));
	cli_display_add(b, s);
	len = evbuffer_get_length(b);
	out = cli_xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return (out);
}

/* The same nick gets the same colour in every client (FNV-1a, folded). */
static void
cli_display_nick(struct cli *cli, struct evbuffer *b, const char *nick)
{
	uint32_t	h = 2166136261u;
	const char	*p;
	char		 c;

	if (nick == NULL)
		nick = "?";
	for (p = nick; *p != '\0'; p++) {
		c = (*p >= 'A' && *p <= 'Z') ? *p + ('a' - 'A') : *p;
		h = (h ^ (unsigned char)c) * 16777619u;
	}
	if (cli_net_is_me(cli, nick))
		cli_display_colour(cli, b, CLI_DISPLAY_ME);
	else
		cli_display_colour(cli, b, cli_display_nick_colours[h %
		    nitems(cli_display_nick_colours)]);
	cli_display_add(b, nick);
	cli_display_colour(cli, b, CLI_DISPLAY_RESET);
}

static void
cli_display_room(struct cli *cli, struct evbuffer *b, const char *room)
{
	cli_display_colour(cli, b, CLI_DISPLAY_ROOM);
	cli_display_add(b, room);
	cli_display_colour(cli, b, CLI_DISPLAY_RESET);
}

/* Write the line in b (a newline is added) where the user sees it. */
static void
cli_display_emit(struct cli *cli, struct evbuffer *b)
{
	const char	*p;
	size_t		 len;

	cli_display_put(b, "\n");
	len = evbuffer_get_length(b);
	if ((p = (const char *)evbuffer_pullup(b, -1)) == NULL)
		return;
	if (cli->interactive)
		cli_tty_print(cli, p, len);
	else if (fwrite(p, 1, len, stdout) != len || fflush(stdout) == EOF)
		cli_finish(cli, 1, "standard output: %s", strerror(errno));
}

/* An informational line: "* " and the rest dimmed. */
static void
cli_display_info(struct cli *cli, struct evbuffer *b)
{
	cli_display_colour(cli, b, CLI_DISPLAY_INFO);
	cli_display_put(b, "* ");
	cli_display_colour(cli, b, CLI_DISPLAY_RESET);
}

/* The next line of a block of information, indented under its first. */
static void
cli_display_more(struct cli *cli, struct evbuffer *b)
{
	cli_display_put(b, "\n");
	cli_display_info(cli, b);
	cli_display_put(b, "  ");
}

/* An error line, from the server or the client: "error: " in red. */
static void
cli_display_error_tag(struct cli *cli, struct evbuffer *b)
{
	cli_display_colour(cli, b, CLI_DISPLAY_ERROR);
	cli_display_put(b, "error:");
	cli_display_colour(cli, b, CLI_DISPLAY_RESET);
	cli_display_put(b, " ");
}

/*
 * The items of the array key of obj, comma separated, each shown by item
 * after the separator it is given (item returns -1, showing nothing, for
 * one it cannot show), or none when none is shown; a page the server cut
 * ("more") says so, the rest being the server's to give on request.
 */
static void
cli_display_list(struct cli *cli, struct evbuffer *b, const cJSON *obj,
    const char *key,
    int (*item)(struct cli *, struct evbuffer *, const cJSON *, const char *),
    const char *none)
{
	const cJSON	*v;
	const char	*sep = "";

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(obj, key)) {
		if (item(cli, b, v, sep) == 0)
			sep = ", ";
	}
	if (*sep == '\0')
		cli_display_put(b, none);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "more")))
		cli_display_put(b, ", and more");
}

static int
cli_display_list_nick(struct cli *cli, struct evbuffer *b, const cJSON *v,
    const char *sep)
{
	if (!cJSON_IsString(v))
		return (-1);
	cli_display_put(b, sep);
	cli_display_nick(cli, b, v->valuestring);
	return (0);
}

/* A room of a rooms answer: its name and, when told, its member count. */
static int
cli_display_list_room(struct cli *cli, struct evbuffer *b, const cJSON *v,
    const char *sep)
{
	const cJSON	*n;
	const char	*name;

	if ((name = json_get_string(v, "name")) == NULL)
		return (-1);
	cli_display_put(b, sep);
	cli_display_room(cli, b, name);
	n = cJSON_GetObjectItemCaseSensitive(v, "members");
	if (cJSON_IsNumber(n))
		evbuffer_add_printf(b, " (%.0f)", n->valuedouble);
	return (0);
}

/* A room of a list of names (whois). */
static int
cli_display_list_room_name(struct cli *cli, struct evbuffer *b,
    const cJSON *v, const char *sep)
{
	if (!cJSON_IsString(v))
		return (-1);
	cli_display_put(b, sep);
	cli_display_room(cli, b, v->valuestring);
	return (0);
}

/*
 * A span of seconds the way people say it, to its two largest units:
 * 45s, 3m 5s, 2h 10m, 4d 1h.
 */
static void
cli_display_duration(struct evbuffer *b, double seconds)
{
	static const struct {
		const char	*unit;
		long long	 seconds;
	} units[] = {
		{ "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 }
	};
	long long	 left;
	size_t		 i;

	if (!(seconds >= 0 && seconds < 1e15))
		return;
	left = (long long)seconds;
	for (i = 0; i < nitems(units) - 1; i++) {
		if (left >= units[i].seconds)
			break;
	}
	evbuffer_add_printf(b, "%lld%s", left / units[i].seconds,
	    units[i].unit);
	left %= units[i].seconds;
	if (i + 1 < nitems(units) && left / units[i + 1].seconds != 0)
		evbuffer_add_printf(b, " %lld%s", left / units[i + 1].seconds,
		    units[i + 1].unit);
}

static void
cli_display_media(struct cli *cli, struct evbuffer *b, const cJSON *obj,
    const char *kind)
{
	const char	*data, *saved;
	ssize_t		 size = -1;

	evbuffer_add_printf(b, "[%s: ", kind);
	cli_display_add(b, json_get_string(obj, "name"));
	cli_display_put(b, " (");
	cli_display_add(b, json_get_string(obj, "mime"));
	if ((data = json_get_string(obj, "data")) != NULL)
		size = base64_decoded_len(data, strlen(data));
	if (size >= 0)
		evbuffer_add_printf(b, ", %zd bytes", size);
	cli_display_put(b, ")]");
	if ((saved = json_get_string(obj, "saved")) != NULL) {
		cli_display_put(b, " saved to ");
		cli_display_add(b, saved);
	}
}

/*
 * A time of obj's key (milliseconds since the epoch: when a message was
 * sent, when a user signed on) in local time: the time of day, after the
 * date unless it is today; nothing when it is missing or absurd.
 */
static void
cli_display_time(struct evbuffer *b, const cJSON *obj, const char *key)
{
	const cJSON	*ts;
	struct tm	 tm, today;
	time_t		 t, now;
	char		 s[32];

	ts = cJSON_GetObjectItemCaseSensitive(obj, key);
	/* Milliseconds, up to the year 9999. */
	if (!cJSON_IsNumber(ts) || !(ts->valuedouble >= 0 &&
	    ts->valuedouble < 253402300800000.0))
		return;
	t = (time_t)(ts->valuedouble / 1000);
	now = time(NULL);
	if (localtime_r(&t, &tm) == NULL || localtime_r(&now, &today) == NULL)
		return;
	if (strftime(s, sizeof s, tm.tm_year == today.tm_year &&
	    tm.tm_yday == today.tm_yday ? "%H:%M" : "%Y-%m-%d %H:%M",
	    &tm) != 0)
		cli_display_put(b, s);
}

/*
 * A replayed message starts with its time and is dimmed whole, the
 * colours of its room and nicks then resuming the dimming; without
 * colours a word marks it instead.
 */
static void
cli_display_history_start(struct cli *cli, struct evbuffer *b,
    const cJSON *obj)
{
	cli_display_colour(cli, b, CLI_DISPLAY_HISTORY);
	cli_display_put(b, cli->colour ? "[" : "[history ");
	cli_display_time(b, obj, "ts");
	cli_display_put(b, "] ");
}

/*
 * The cli_display_fn of each server message type (cli.h), named by
 * cli-net.c's table of types and called by cli_display_frame.
 */

/*
 * [general] <ana> hola, [pm] <ana> hi, and the sender's own copy of a
 * private message [pm -> bob] <ana> hi.  A replayed one is
 * [history 12:34] [general] <ana> hola, or dimmed [12:34] [general] ...
 */
int
cli_display_msg(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const char	*from, *room, *to, *kind, *resume = "";

	from = json_get_string(obj, "from");
	room = json_get_string(obj, "room");
	to = json_get_string(obj, "to");
	kind = json_get_string(obj, "kind");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "history"))) {
		cli_display_history_start(cli, b, obj);
		resume = CLI_DISPLAY_HISTORY;
	}
	if (room != NULL) {
		cli_display_put(b, "[");
		cli_display_room(cli, b, room);
		cli_display_colour(cli, b, resume);
		cli_display_put(b, "] ");
	} else if (to != NULL && cli_net_is_me(cli, from)) {
		cli_display_put(b, "[pm -> ");
		cli_display_nick(cli, b, to);
		cli_display_colour(cli, b, resume);
		cli_display_put(b, "] ");
	} else
		cli_display_put(b, "[pm] ");
	cli_display_put(b, "<");
	cli_display_nick(cli, b, from);
	cli_display_colour(cli, b, resume);
	cli_display_put(b, "> ");

	if (kind == NULL || strcmp(kind, "text") == 0)
		cli_display_add(b, json_get_string(obj, "text"));
	else if (strcmp(kind, "sticker") == 0) {
		cli_display_put(b, "[sticker: ");
		cli_display_add(b, json_get_string(obj, "sticker"));
		cli_display_put(b, "]");
	} else if (strcmp(kind, "audio") == 0 || strcmp(kind, "file") == 0)
		cli_display_media(cli, b, obj, kind);
	else {
		cli_display_put(b, "[");
		cli_display_add(b, kind);
		cli_display_put(b, " message]");
	}
	if (*resume != '\0')
		cli_display_colour(cli, b, CLI_DISPLAY_RESET);
	return (0);
}

int
cli_display_presence(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const char	*nick, *event, *room, *reason, *by, *sanction;

	nick = json_get_string(obj, "nick");
	event = json_get_string(obj, "event");
	room = json_get_string(obj, "room");
	reason = json_get_string(obj, "reason");
	by = json_get_string(obj, "by");
	sanction = json_get_string(obj, "sanction");
	if (nick == NULL || event == NULL)
		return (-1);
	cli_display_info(cli, b);
	cli_display_nick(cli, b, nick);
	if (strcmp(event, "join") == 0 && room != NULL) {
		cli_display_put(b, " joined ");
		cli_display_room(cli, b, room);
	} else if (strcmp(event, "part") == 0 && room != NULL && by != NULL) {
		cli_display_put(b, strcmp(sanction != NULL ? sanction : "",
		    "ban") == 0 ? " was banned from " : " was kicked from ");
		cli_display_room(cli, b, room);
		cli_display_put(b, " by ");
		cli_display_nick(cli, b, by);
	} else if (strcmp(event, "part") == 0 && room != NULL) {
		cli_display_put(b, " left ");
		cli_display_room(cli, b, room);
	} else if (strcmp(event, "topic") == 0 && room != NULL) {
		cli_display_put(b, " set the topic of ");
		cli_display_room(cli, b, room);
		cli_display_put(b, ": ");
		cli_display_add(b, json_get_string(obj, "topic"));
	} else if ((strcmp(event, "mute") == 0 ||
	    strcmp(event, "unmute") == 0) && room != NULL && by != NULL) {
		cli_display_put(b, event[0] == 'm' ? " was muted in " :
		    " may speak again in ");
		cli_display_room(cli, b, room);
		cli_display_put(b, " by ");
		cli_display_nick(cli, b, by);
	} else if (strcmp(event, "nick") == 0 &&
	    json_get_string(obj, "new") != NULL) {
		cli_display_put(b, " is now known as ");
		cli_display_nick(cli, b, json_get_string(obj, "new"));
	} else if (strcmp(event, "away") == 0) {
		/* The reason is the away message: said here, not after. */
		cli_display_put(b, " is away: ");
		cli_display_add(b, reason);
		return (0);
	} else if (strcmp(event, "back") == 0)
		cli_display_put(b, " is back");
	else if (strcmp(event, "quit") == 0)
		cli_display_put(b, " quit");
	else if (strcmp(event, "online") == 0)
		cli_display_put(b, " is online");
	else if (strcmp(event, "offline") == 0)
		cli_display_put(b, " is offline");
	else
		return (-1);
	if (reason != NULL) {
		cli_display_put(b, " (");
		cli_display_add(b, reason);
		cli_display_put(b, ")");
	}
	return (0);
}

/*
 * The replies of accounts and moderation, one line each: what was done,
 * to whom, where.
 */
int
cli_display_reply(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	static const struct {
		const char	*type;
		const char	*done;	/* after the nick or mask */
	} done[] = {
		{ "kicked", " was kicked from " },
		{ "banned", " is banned from " },
		{ "unbanned", " is no longer banned from " },
		{ "muted", " is muted in " },
		{ "unmuted", " may speak again in " },
	};
	const char	*type = json_get_string(obj, "type");
	const char	*room = json_get_string(obj, "room");
	const char	*nick = json_get_string(obj, "nick");
	const char	*mask = json_get_string(obj, "mask");
	const char	*who = nick != NULL ? nick : mask;
	const cJSON	*v;
	size_t		 i;

	cli_display_info(cli, b);
	for (i = 0; i < nitems(done); i++) {
		if (strcmp(type, done[i].type) != 0 || who == NULL)
			continue;
		cli_display_add(b, who);
		cli_display_put(b, done[i].done);
		if (room != NULL)
			cli_display_room(cli, b, room);
		else
			cli_display_put(b, "the server");
		return (0);
	}
	if (strcmp(type, "registered") == 0 && nick != NULL) {
		cli_display_put(b, "account ");
		cli_display_nick(cli, b, nick);
		cli_display_put(b, " registered: you are logged in to it");
	} else if (strcmp(type, "nick") == 0 && nick != NULL) {
		cli_display_put(b, "you are now known as ");
		cli_display_nick(cli, b, nick);
	} else if (strcmp(type, "away") == 0)
		cli_display_put(b, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    obj, "away")) ? "you are away" : "you are back");
	else if (strcmp(type, "password_changed") == 0)
		cli_display_put(b, "account password changed");
	else if (strcmp(type, "unregistered") == 0 && nick != NULL) {
		cli_display_put(b, "account ");
		cli_display_nick(cli, b, nick);
		cli_display_put(b, " dropped: you are a guest");
	} else if (strcmp(type, "killed") == 0 && nick != NULL) {
		cli_display_nick(cli, b, nick);
		cli_display_put(b, " was disconnected");
	} else if (strcmp(type, "claimed") == 0 && room != NULL) {
		cli_display_put(b, "you own ");
		cli_display_room(cli, b, room);
	} else if (strcmp(type, "topic") == 0 && room != NULL) {
		cli_display_put(b, "topic of ");
		cli_display_room(cli, b, room);
		if ((v = cJSON_GetObjectItemCaseSensitive(obj, "topic")) ==
		    NULL) {
			cli_display_put(b, ": none");
			return (0);
		}
		cli_display_put(b, ": ");
		cli_display_add(b, json_get_string(obj, "topic"));
		cli_display_put(b, " (set by ");
		cli_display_add(b, json_get_string(obj, "topic_by"));
		cli_display_put(b, ")");
	} else if (strcmp(type, "moderators") == 0 && room != NULL) {
		cli_display_room(cli, b, room);
		cli_display_put(b, ": moderators");
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(obj,
		    "moderators")) {
			cli_display_put(b, " ");
			cli_display_add(b, cJSON_IsString(v) ? v->valuestring :
			    "?");
		}
	} else
		return (-1);
	return (0);
}

int
cli_display_error(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	cli_display_error_tag(cli, b);
	cli_display_add(b, json_get_string(obj, "code"));
	cli_display_put(b, ": ");
	cli_display_add(b, json_get_string(obj, "message"));
	return (0);
}

int
cli_display_welcome(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	cli_display_info(cli, b);
	evbuffer_add_printf(b, "connected to %s (", cli->server);
	cli_display_add(b, json_get_string(obj, "server"));
	cli_display_put(b, ") as ");
	cli_display_nick(cli, b, cli->me);
	return (0);
}

int
cli_display_joined(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	cli_display_info(cli, b);
	cli_display_put(b, "you joined ");
	cli_display_room(cli, b, json_get_string(obj, "room"));
	cli_display_put(b, " (members: ");
	cli_display_list(cli, b, obj, "members", cli_display_list_nick,
	    "nobody");
	cli_display_put(b, ")");
	return (0);
}

/*
 * The end of a page of history: how many came (repeats of messages shown
 * already included) and whether older ones remain.
 */
int
cli_display_history(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const cJSON	*count;

	count = cJSON_GetObjectItemCaseSensitive(obj, "count");
	cli_display_info(cli, b);
	cli_display_room(cli, b, json_get_string(obj, "room"));
	if (cJSON_IsNumber(count))
		evbuffer_add_printf(b, ": %.0f message%s of history",
		    count->valuedouble, count->valuedouble == 1 ? "" : "s");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "more")))
		cli_display_put(b, "; older ones with /history");
	else
		cli_display_put(b, "; no older ones");
	return (0);
}

int
cli_display_parted(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	cli_display_info(cli, b);
	cli_display_put(b, "you left ");
	cli_display_room(cli, b, json_get_string(obj, "room"));
	return (0);
}

int
cli_display_rooms(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	cli_display_info(cli, b);
	cli_display_put(b, "rooms: ");
	cli_display_list(cli, b, obj, "rooms", cli_display_list_room, "none");
	return (0);
}

int
cli_display_who(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const char	*room;

	cli_display_info(cli, b);
	if ((room = json_get_string(obj, "room")) != NULL) {
		cli_display_put(b, "in ");
		cli_display_room(cli, b, room);
	} else
		cli_display_put(b, "online");
	cli_display_put(b, ": ");
	cli_display_list(cli, b, obj, "nicks", cli_display_list_nick,
	    "nobody");
	return (0);
}

/*
 * A whois reply, a block of lines, each part when the server gave it:
 *
 *	* anna: logged in as ana, secure connection
 *	*   rooms: general, dev
 *	*   away: at lunch
 *	*   idle 3m 5s, online since 20:44
 */
int
cli_display_whois(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const char	*account, *away;
	const cJSON	*idle, *signon, *secure;

	account = json_get_string(obj, "account");
	away = json_get_string(obj, "away");
	idle = cJSON_GetObjectItemCaseSensitive(obj, "idle");
	signon = cJSON_GetObjectItemCaseSensitive(obj, "signon");
	secure = cJSON_GetObjectItemCaseSensitive(obj, "secure");

	cli_display_info(cli, b);
	cli_display_nick(cli, b, json_get_string(obj, "nick"));
	if (account != NULL) {
		cli_display_put(b, ": logged in as ");
		cli_display_add(b, account);
	} else
		cli_display_put(b, ": a guest");
	if (cJSON_IsBool(secure))
		cli_display_put(b, cJSON_IsTrue(secure) ?
		    ", secure connection" : ", connection not secure");

	cli_display_more(cli, b);
	cli_display_put(b, "rooms: ");
	cli_display_list(cli, b, obj, "rooms", cli_display_list_room_name,
	    "none");
	if (away != NULL) {
		cli_display_more(cli, b);
		cli_display_put(b, "away: ");
		cli_display_add(b, away);
	}
	if (!cJSON_IsNumber(idle) && !cJSON_IsNumber(signon))
		return (0);
	cli_display_more(cli, b);
	if (cJSON_IsNumber(idle)) {
		cli_display_put(b, "idle ");
		cli_display_duration(b, idle->valuedouble);
	}
	if (cJSON_IsNumber(signon)) {
		cli_display_put(b, cJSON_IsNumber(idle) ? ", online since " :
		    "online since ");
		cli_display_time(b, obj, "signon");
	}
	return (0);
}

int
cli_display_bye(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	cli_display_info(cli, b);
	cli_display_put(b, "disconnected: ");
	cli_display_add(b, json_get_string(obj, "reason"));
	return (0);
}

/*
 * Show one received frame: with --json every frame, as the one line that
 * cJSON prints; otherwise the line that show (NULL for a type with none,
 * as ping or one unknown) makes of it.
 */
void
cli_display_frame(struct cli *cli, const cJSON *obj, cli_display_fn *show)
{
	struct evbuffer	*b;
	char		*s;
	int		 rc = -1;

	if ((b = evbuffer_new()) == NULL)
		return;
	if (cli->json) {
		if ((s = cJSON_PrintUnformatted(obj)) != NULL) {
			cli_display_put(b, s);
			cJSON_free(s);
			rc = 0;
		}
	} else if (show != NULL)
		rc = show(cli, b, obj);
	if (rc == 0)
		cli_display_emit(cli, b);
	evbuffer_free(b);
}

/*
 * A message from the client itself.  On a terminal it goes with the chat;
 * otherwise errors, and anything in --json mode, go to stderr so stdout
 * holds only what the server said.
 */
void
cli_display_notice(struct cli *cli, bool error, const char *fmt, ...)
{
	struct evbuffer	*b;
	va_list		 ap;

	if ((b = evbuffer_new()) == NULL)
		return;
	if (!cli->interactive && (error || cli->json)) {
		va_start(ap, fmt);
		evbuffer_add_vprintf(b, fmt, ap);
		va_end(ap);
		fprintf(stderr, "%s: %.*s\n", CLI_NAME,
		    (int)evbuffer_get_length(b),
		    (const char *)evbuffer_pullup(b, -1));
		evbuffer_free(b);
		return;
	}
	if (error)
		cli_display_error_tag(cli, b);
	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	cli_display_emit(cli, b);
	evbuffer_free(b);
}

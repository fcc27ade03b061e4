/* cli-display.c: evchat-cli's output: received frames as human lines or one JSON object per line, colours,
 * neutralised control characters and local notices; it knows nothing of sockets, commands or line editing. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "cli.h"

#define CLI_DISPLAY_RESET	"\033[0m"
#define CLI_DISPLAY_ROOM	"\033[1;34m"
#define CLI_DISPLAY_INFO	"\033[2m"
#define CLI_DISPLAY_ERROR	"\033[1;31m"
#define CLI_DISPLAY_ME		"\033[1m"

/* Nick colours: no red (errors) and no blue (rooms). */
static const char *cli_display_nick_colours[] = {
	"\033[32m", "\033[33m", "\033[35m", "\033[36m",
	"\033[92m", "\033[93m", "\033[95m", "\033[96m"
};

static void
cli_display_colour(struct cli *cli, struct evbuffer *b, const char *sgr)
{
	if (cli->colour)
		evbuffer_add(b, sgr, strlen(sgr));
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
			evbuffer_add(b, "?", 1);
			s = p + 1;
		} else if (cp < 0x20 || cp == 0x7f)
			evbuffer_add_printf(b, "^%c", (char)(cp ^ 0x40));
		else if (cp >= 0x80 && cp <= 0x9f)
			evbuffer_add(b, "?", 1);
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

	evbuffer_add(b, "\n", 1);
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
	evbuffer_add(b, "* ", 2);
	cli_display_colour(cli, b, CLI_DISPLAY_RESET);
}

static void
cli_display_nick_list(struct cli *cli, struct evbuffer *b, const cJSON *a)
{
	const cJSON	*v;
	bool		 first = true;

	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v))
			continue;
		if (!first)
			evbuffer_add(b, ", ", 2);
		cli_display_nick(cli, b, v->valuestring);
		first = false;
	}
	if (first)
		evbuffer_add(b, "nobody", 6);
}

static void
cli_display_media(struct cli *cli, struct evbuffer *b, const cJSON *obj,
    const char *kind)
{
	const char	*data, *saved;
	ssize_t		 size = -1;

	evbuffer_add_printf(b, "[%s: ", kind);
	cli_display_add(b, json_get_string(obj, "name"));
	evbuffer_add(b, " (", 2);
	cli_display_add(b, json_get_string(obj, "mime"));
	if ((data = json_get_string(obj, "data")) != NULL)
		size = base64_decoded_len(data, strlen(data));
	if (size >= 0)
		evbuffer_add_printf(b, ", %zd bytes", size);
	evbuffer_add(b, ")]", 2);
	if ((saved = json_get_string(obj, "saved")) != NULL) {
		evbuffer_add(b, " saved to ", 10);
		cli_display_add(b, saved);
	}
}

/*
 * [general] <ana> hola, [pm] <ana> hi, and the sender's own copy of a
 * private message [pm -> bob] <ana> hi.
 */
static void
cli_display_msg(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const char	*from, *room, *to, *kind, *sticker;

	from = json_get_string(obj, "from");
	room = json_get_string(obj, "room");
	to = json_get_string(obj, "to");
	kind = json_get_string(obj, "kind");
	if (room != NULL) {
		evbuffer_add(b, "[", 1);
		cli_display_room(cli, b, room);
		evbuffer_add(b, "] ", 2);
	} else if (to != NULL && cli_net_is_me(cli, from)) {
		evbuffer_add(b, "[pm -> ", 7);
		cli_display_nick(cli, b, to);
		evbuffer_add(b, "] ", 2);
	} else
		evbuffer_add(b, "[pm] ", 5);
	evbuffer_add(b, "<", 1);
	cli_display_nick(cli, b, from);
	evbuffer_add(b, "> ", 2);

	if (kind == NULL || strcmp(kind, "text") == 0)
		cli_display_add(b, json_get_string(obj, "text"));
	else if (strcmp(kind, "sticker") == 0) {
		sticker = json_get_string(obj, "sticker");
		evbuffer_add(b, "[sticker: ", 10);
		cli_display_add(b, sticker);
		evbuffer_add(b, "]", 1);
	} else if (strcmp(kind, "audio") == 0 || strcmp(kind, "file") == 0)
		cli_display_media(cli, b, obj, kind);
	else {
		evbuffer_add(b, "[", 1);
		cli_display_add(b, kind);
		evbuffer_add(b, " message]", 9);
	}
}

static int
cli_display_presence(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const char	*nick, *event, *room, *reason;

	nick = json_get_string(obj, "nick");
	event = json_get_string(obj, "event");
	room = json_get_string(obj, "room");
	reason = json_get_string(obj, "reason");
	if (nick == NULL || event == NULL)
		return (-1);
	cli_display_info(cli, b);
	cli_display_nick(cli, b, nick);
	if (strcmp(event, "join") == 0 && room != NULL) {
		evbuffer_add(b, " joined ", 8);
		cli_display_room(cli, b, room);
	} else if (strcmp(event, "part") == 0 && room != NULL) {
		evbuffer_add(b, " left ", 6);
		cli_display_room(cli, b, room);
	} else if (strcmp(event, "quit") == 0)
		evbuffer_add(b, " quit", 5);
	else if (strcmp(event, "online") == 0)
		evbuffer_add(b, " is online", 10);
	else if (strcmp(event, "offline") == 0)
		evbuffer_add(b, " is offline", 11);
	else
		return (-1);
	if (reason != NULL) {
		evbuffer_add(b, " (", 2);
		cli_display_add(b, reason);
		evbuffer_add(b, ")", 1);
	}
	return (0);
}

static void
cli_display_rooms(struct cli *cli, struct evbuffer *b, const cJSON *obj)
{
	const cJSON	*a, *v, *n;
	bool		 first = true;

	cli_display_info(cli, b);
	evbuffer_add(b, "rooms: ", 7);
	a = cJSON_GetObjectItemCaseSensitive(obj, "rooms");
	cJSON_ArrayForEach(v, a) {
		if (json_get_string(v, "name") == NULL)
			continue;
		if (!first)
			evbuffer_add(b, ", ", 2);
		cli_display_room(cli, b, json_get_string(v, "name"));
		n = cJSON_GetObjectItemCaseSensitive(v, "members");
		if (cJSON_IsNumber(n))
			evbuffer_add_printf(b, " (%.0f)", n->valuedouble);
		first = false;
	}
	if (first)
		evbuffer_add(b, "none", 4);
}

/* Human form of a frame; -1 when it has none (ping, unknown types). */
static int
cli_display_human(struct cli *cli, struct evbuffer *b, const cJSON *obj,
    const char *type)
{
	const char	*s;

	if (strcmp(type, "msg") == 0)
		cli_display_msg(cli, b, obj);
	else if (strcmp(type, "presence") == 0)
		return (cli_display_presence(cli, b, obj));
	else if (strcmp(type, "error") == 0) {
		cli_display_colour(cli, b, CLI_DISPLAY_ERROR);
		evbuffer_add(b, "error:", 6);
		cli_display_colour(cli, b, CLI_DISPLAY_RESET);
		evbuffer_add(b, " ", 1);
		cli_display_add(b, json_get_string(obj, "code"));
		evbuffer_add(b, ": ", 2);
		cli_display_add(b, json_get_string(obj, "message"));
	} else if (strcmp(type, "welcome") == 0) {
		cli_display_info(cli, b);
		evbuffer_add_printf(b, "connected to %s (", cli->server);
		cli_display_add(b, json_get_string(obj, "server"));
		evbuffer_add(b, ") as ", 5);
		cli_display_nick(cli, b, cli->me);
	} else if (strcmp(type, "joined") == 0) {
		cli_display_info(cli, b);
		evbuffer_add(b, "you joined ", 11);
		cli_display_room(cli, b, json_get_string(obj, "room"));
		evbuffer_add(b, " (members: ", 11);
		cli_display_nick_list(cli, b,
		    cJSON_GetObjectItemCaseSensitive(obj, "members"));
		evbuffer_add(b, ")", 1);
	} else if (strcmp(type, "parted") == 0) {
		cli_display_info(cli, b);
		evbuffer_add(b, "you left ", 9);
		cli_display_room(cli, b, json_get_string(obj, "room"));
	} else if (strcmp(type, "rooms") == 0)
		cli_display_rooms(cli, b, obj);
	else if (strcmp(type, "who") == 0) {
		cli_display_info(cli, b);
		if ((s = json_get_string(obj, "room")) != NULL) {
			evbuffer_add(b, "in ", 3);
			cli_display_room(cli, b, s);
		} else
			evbuffer_add(b, "online", 6);
		evbuffer_add(b, ": ", 2);
		cli_display_nick_list(cli, b,
		    cJSON_GetObjectItemCaseSensitive(obj, "nicks"));
	} else if (strcmp(type, "bye") == 0) {
		cli_display_info(cli, b);
		evbuffer_add(b, "disconnected: ", 14);
		cli_display_add(b, json_get_string(obj, "reason"));
	} else
		return (-1);
	return (0);
}

/*
 * Show one received frame: with --json every frame, as the one line that
 * cJSON prints; otherwise the human line, if the frame has one.
 */
void
cli_display_frame(struct cli *cli, cJSON *obj, const char *type)
{
	struct evbuffer	*b;
	char		*s;
	int		 rc = 0;

	if ((b = evbuffer_new()) == NULL)
		return;
	if (cli->json) {
		if ((s = cJSON_PrintUnformatted(obj)) == NULL)
			rc = -1;
		else {
			evbuffer_add(b, s, strlen(s));
			cJSON_free(s);
		}
	} else
		rc = cli_display_human(cli, b, obj, type);
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
	if (error) {
		cli_display_colour(cli, b, CLI_DISPLAY_ERROR);
		evbuffer_add(b, "error:", 6);
		cli_display_colour(cli, b, CLI_DISPLAY_RESET);
		evbuffer_add(b, " ", 1);
	}
	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	cli_display_emit(cli, b);
	evbuffer_free(b);
}

/* cli-cmd.c: evchat-cli's input lines: the one command table (/join ... /help), running queued lines in
 * order once registered, and text to the current room; it knows nothing of sockets or of the terminal. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "cli.h"

/* How a command's arguments are cut from the rest of the line. */
enum cli_cmd_args {
	CLI_ARGS_NONE,		/* /rooms */
	CLI_ARGS_WORD,		/* /join ROOM */
	CLI_ARGS_OPT_WORD,	/* /part [ROOM] */
	CLI_ARGS_WORD_TEXT,	/* /msg NICK TEXT */
	CLI_ARGS_WORD_OPT_TEXT,	/* /kick NICK [REASON] */
	CLI_ARGS_TEXT,		/* /audio FILE (spaces and all) */
	CLI_ARGS_OPT_TEXT	/* /quit [REASON] */
};

enum cli_cmd_retval {
	CLI_CMD_NORMAL,
	CLI_CMD_ERROR
};

struct cli_cmd_entry {
	const char		*name;
	const char		*usage;
	const char		*help;
	enum cli_cmd_args	 args;
	enum cli_cmd_complete	 complete;	/* the first argument */
	enum cli_cmd_retval	 (*exec)(struct cli *, const char *,
				     const char *);
};

static enum cli_cmd_retval cli_cmd_join(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_part(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_room(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_msg(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_rooms(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_who(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_whois(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_nick(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_away(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_sticker(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_audio(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_file(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_quit(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_help(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_history(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_register(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_passwd(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_claim(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_topic(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_kick(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_ban(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_unban(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_mute(struct cli *, const char *,
		    const char *);
static enum cli_cmd_retval cli_cmd_unmute(struct cli *, const char *,
		    const char *);

static const struct cli_cmd_entry cli_cmd_table[] = {
	{ "join", "ROOM", "join ROOM (created if new) and make it current",
	  CLI_ARGS_WORD, CLI_COMPLETE_ROOM, cli_cmd_join },
	{ "part", "[ROOM]", "leave ROOM, by default the current room",
	  CLI_ARGS_OPT_WORD, CLI_COMPLETE_ROOM, cli_cmd_part },
	{ "room", "ROOM", "make ROOM, already joined, the current room",
	  CLI_ARGS_WORD, CLI_COMPLETE_ROOM, cli_cmd_room },
	{ "msg", "NICK TEXT", "send TEXT to NICK only",
	  CLI_ARGS_WORD_TEXT, CLI_COMPLETE_NICK, cli_cmd_msg },
	{ "rooms", "", "list every room on the server",
	  CLI_ARGS_NONE, CLI_COMPLETE_NONE, cli_cmd_rooms },
	{ "who", "[ROOM]", "list the members of ROOM, or everyone online",
	  CLI_ARGS_OPT_WORD, CLI_COMPLETE_ROOM, cli_cmd_who },
	{ "whois", "NICK", "show what the server tells of NICK",
	  CLI_ARGS_WORD, CLI_COMPLETE_NICK, cli_cmd_whois },
	{ "nick", "NICK", "change your nick to NICK",
	  CLI_ARGS_WORD, CLI_COMPLETE_NONE, cli_cmd_nick },
	{ "away", "[TEXT]", "say you are away, with TEXT, or back without",
	  CLI_ARGS_OPT_TEXT, CLI_COMPLETE_NONE, cli_cmd_away },
	{ "history", "[N]", "show N (50, at most 100) earlier messages of "
	  "the current room",
	  CLI_ARGS_OPT_WORD, CLI_COMPLETE_NONE, cli_cmd_history },
	{ "sticker", "NAME", "send the sticker NAME to the current room",
	  CLI_ARGS_WORD, CLI_COMPLETE_NONE, cli_cmd_sticker },
	{ "audio", "FILE", "send an audio FILE to the current room",
	  CLI_ARGS_TEXT, CLI_COMPLETE_FILE, cli_cmd_audio },
	{ "file", "FILE", "send FILE to the current room",
	  CLI_ARGS_TEXT, CLI_COMPLETE_FILE, cli_cmd_file },
	{ "register", "", "make your nick an account (asks its password)",
	  CLI_ARGS_NONE, CLI_COMPLETE_NONE, cli_cmd_register },
	{ "passwd", "", "change your account's password (asks both)",
	  CLI_ARGS_NONE, CLI_COMPLETE_NONE, cli_cmd_passwd },
	{ "claim", "", "become the owner of the current room",
	  CLI_ARGS_NONE, CLI_COMPLETE_NONE, cli_cmd_claim },
	{ "topic", "[TEXT]", "show the current room's topic, or set it",
	  CLI_ARGS_OPT_TEXT, CLI_COMPLETE_NONE, cli_cmd_topic },
	{ "kick", "NICK [TEXT]", "put NICK out of the current room",
	  CLI_ARGS_WORD_OPT_TEXT, CLI_COMPLETE_NICK, cli_cmd_kick },
	{ "ban", "MASK [TEXT]", "ban MASK (a nick) from the current room",
	  CLI_ARGS_WORD_OPT_TEXT, CLI_COMPLETE_NICK, cli_cmd_ban },
	{ "unban", "MASK", "lift a ban of the current room",
	  CLI_ARGS_WORD, CLI_COMPLETE_NICK, cli_cmd_unban },
	{ "mute", "NICK", "stop NICK's messages to the current room",
	  CLI_ARGS_WORD, CLI_COMPLETE_NICK, cli_cmd_mute },
	{ "unmute", "NICK", "let NICK speak again in the current room",
	  CLI_ARGS_WORD, CLI_COMPLETE_NICK, cli_cmd_unmute },
	{ "quit", "[REASON]", "leave the server and exit",
	  CLI_ARGS_OPT_TEXT, CLI_COMPLETE_NONE, cli_cmd_quit },
	{ "help", "", "list the commands",
	  CLI_ARGS_NONE, CLI_COMPLETE_NONE, cli_cmd_help },
};

/* The name of the i-th command for completion, NULL past the last. */
const char *
cli_cmd_name(size_t i)
{
	if (i >= nitems(cli_cmd_table))
		return (NULL);
	return (cli_cmd_table[i].name);
}

/*
 * Find a command by name or by a prefix that names only one.  The exact
 * name wins, so /room is never mistaken for /rooms.
 */
static const struct cli_cmd_entry *
cli_cmd_find(const char *name, size_t len, bool *ambiguous)
{
	const struct cli_cmd_entry	*found = NULL;
	size_t				 i;

	*ambiguous = false;
	if (len == 0)
		return (NULL);
	for (i = 0; i < nitems(cli_cmd_table); i++) {
		if (strncmp(cli_cmd_table[i].name, name, len) != 0)
			continue;
		if (cli_cmd_table[i].name[len] == '\0')
			return (&cli_cmd_table[i]);
		if (found != NULL)
			*ambiguous = true;
		found = &cli_cmd_table[i];
	}
	return (*ambiguous ? NULL : found);
}

/* What the first argument of the command word (without '/') completes to. */
enum cli_cmd_complete
cli_cmd_completion(const char *word, size_t len)
{
	const struct cli_cmd_entry	*cmd;
	bool				 ambiguous;

	if ((cmd = cli_cmd_find(word, len, &ambiguous)) == NULL)
		return (CLI_COMPLETE_NONE);
	return (cmd->complete);
}

static const char *
cli_cmd_current(struct cli *cli)
{
	const char	*room;

	if ((room = cli_names_last(&cli->joined)) == NULL)
		cli_display_notice(cli, true,
		    "no current room (use /join ROOM)");
	return (room);
}

/*
 * Requests that change what later lines mean (which room is current) or
 * whose answer a script reads hold the next lines until answered, so piped
 * input runs as if typed by someone watching the replies.  cli-history.c
 * sends its requests so too.
 */
void
cli_cmd_send_wait(struct cli *cli, cJSON *req)
{
	long long	id = cli->next_id;	/* req is the latest request */

	if (cli_net_send(cli, req) == 0)
		cli->wait_id = id;
}

/*
 * A request of type with one member, key, set to value (none when value
 * is NULL), waited for.
 */
static enum cli_cmd_retval
cli_cmd_send_one(struct cli *cli, const char *type, const char *key,
    const char *value)
{
	cJSON	*req;

	req = cli_net_request(cli, type);
	if (value != NULL)
		cJSON_AddStringToObject(req, key, value);
	cli_cmd_send_wait(cli, req);
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_join(struct cli *cli, const char *room, const char *unused)
{
	cJSON	*req;

	req = cli_net_request(cli, "join");
	cJSON_AddStringToObject(req, "room", room);
	cli_history_join(cli, req, room);
	cli_cmd_send_wait(cli, req);
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_part(struct cli *cli, const char *room, const char *unused)
{
	if (room == NULL && (room = cli_names_last(&cli->joined)) == NULL) {
		cli_display_notice(cli, true, "no room to leave");
		return (CLI_CMD_ERROR);
	}
	return (cli_cmd_send_one(cli, "part", "room", room));
}

static enum cli_cmd_retval
cli_cmd_room(struct cli *cli, const char *room, const char *unused)
{
	const char	*found;

	if ((found = cli_names_find(&cli->joined, room)) == NULL) {
		cli_display_notice(cli, true, "not in %s (use /join %s)",
		    room, room);
		return (CLI_CMD_ERROR);
	}
	cli_names_add(&cli->joined, found);
	cli_tty_prompt(cli);
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_history(struct cli *cli, const char *count, const char *unused)
{
	const char	*room;
	long		 n = CLI_HISTORY_DEFAULT;

	if (count != NULL &&
	    cli_number(count, 1, CLI_HISTORY_PAGE_MAX, &n) == -1) {
		cli_display_notice(cli, true, "/history: not a number from 1 "
		    "to %d: %s", CLI_HISTORY_PAGE_MAX, count);
		return (CLI_CMD_ERROR);
	}
	if ((room = cli_cmd_current(cli)) == NULL)
		return (CLI_CMD_ERROR);
	cli_history_page(cli, room, (size_t)n);
	return (CLI_CMD_NORMAL);
}

static bool
cli_cmd_text_fits(struct cli *cli, const char *text)
{
	size_t	len = strlen(text);

	if (len <= cli->max_text)
		return (true);
	cli_display_notice(cli, true,
	    "message is %zu bytes, the server allows %zu", len, cli->max_text);
	return (false);
}

static enum cli_cmd_retval
cli_cmd_msg(struct cli *cli, const char *nick, const char *text)
{
	cJSON	*req;

	if (!cli_cmd_text_fits(cli, text))
		return (CLI_CMD_ERROR);
	req = cli_net_request(cli, "msg");
	cJSON_AddStringToObject(req, "to", nick);
	cJSON_AddStringToObject(req, "text", text);
	cli_net_send(cli, req);
	cli_names_add(&cli->nicks, nick);
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_rooms(struct cli *cli, const char *unused1, const char *unused2)
{
	return (cli_cmd_send_one(cli, "rooms", NULL, NULL));
}

static enum cli_cmd_retval
cli_cmd_who(struct cli *cli, const char *room, const char *unused)
{
	return (cli_cmd_send_one(cli, "who", "room", room));
}

static enum cli_cmd_retval
cli_cmd_whois(struct cli *cli, const char *nick, const char *unused)
{
	return (cli_cmd_send_one(cli, "whois", "nick", nick));
}

/*
 * /nick: the client's nick (the prompt, its own messages) changes when the
 * server's reply comes (cli-net.c), not now: the server may refuse it.
 */
static enum cli_cmd_retval
cli_cmd_nick(struct cli *cli, const char *nick, const char *unused)
{
	cli_net_nick_request(cli, nick, NULL);
	return (CLI_CMD_NORMAL);
}

/* /away TEXT is away, a bare /away back: the server's rule, as IRC's. */
static enum cli_cmd_retval
cli_cmd_away(struct cli *cli, const char *text, const char *unused)
{
	return (cli_cmd_send_one(cli, "away", "message", text));
}

/*
 * A message to the current room: text, or with kind "sticker" the sticker
 * named by content.
 */
static enum cli_cmd_retval
cli_cmd_say(struct cli *cli, const char *kind, const char *content)
{
	const char	*room;
	cJSON		*req;

	if ((room = cli_cmd_current(cli)) == NULL ||
	    (kind == NULL && !cli_cmd_text_fits(cli, content)))
		return (CLI_CMD_ERROR);
	req = cli_net_request(cli, "msg");
	cJSON_AddStringToObject(req, "room", room);
	if (kind != NULL)
		cJSON_AddStringToObject(req, "kind", kind);
	cJSON_AddStringToObject(req, kind != NULL ? kind : "text", content);
	cli_net_send(cli, req);
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_sticker(struct cli *cli, const char *name, const char *unused)
{
	if (!name_sticker_valid(name)) {
		cli_display_notice(cli, true, "bad sticker name: %s", name);
		return (CLI_CMD_ERROR);
	}
	return (cli_cmd_say(cli, "sticker", name));
}

static enum cli_cmd_retval
cli_cmd_media(struct cli *cli, const char *kind, const char *path)
{
	const char	*room;
	char		*cause;

	if ((room = cli_cmd_current(cli)) == NULL)
		return (CLI_CMD_ERROR);
	if (cli_media_send(cli, room, kind, path, &cause) == -1) {
		cli_display_notice(cli, true, "%s", cause);
		free(cause);
		return (CLI_CMD_ERROR);
	}
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_audio(struct cli *cli, const char *path, const char *unused)
{
	return (cli_cmd_media(cli, "audio", path));
}

static enum cli_cmd_retval
cli_cmd_file(struct cli *cli, const char *path, const char *unused)
{
	return (cli_cmd_media(cli, "file", path));
}

static enum cli_cmd_retval
cli_cmd_quit(struct cli *cli, const char *reason, const char *unused)
{
	cli_net_quit(cli, reason);
	return (CLI_CMD_NORMAL);
}

/*
 * A request about the current room: member key names who (none when
 * NULL), with text under text_key when given; waited for, as /join.
 */
static enum cli_cmd_retval
cli_cmd_moderate(struct cli *cli, const char *type, const char *key,
    const char *who, const char *text_key, const char *text)
{
	const char	*room;
	cJSON		*req;

	if ((room = cli_cmd_current(cli)) == NULL)
		return (CLI_CMD_ERROR);
	req = cli_net_request(cli, type);
	cJSON_AddStringToObject(req, "room", room);
	if (key != NULL)
		cJSON_AddStringToObject(req, key, who);
	if (text != NULL)
		cJSON_AddStringToObject(req, text_key, text);
	cli_cmd_send_wait(cli, req);
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_claim(struct cli *cli, const char *unused1, const char *unused2)
{
	return (cli_cmd_moderate(cli, "claim", NULL, NULL, NULL, NULL));
}

static enum cli_cmd_retval
cli_cmd_topic(struct cli *cli, const char *text, const char *unused)
{
	return (cli_cmd_moderate(cli, "topic", NULL, NULL, "text", text));
}

static enum cli_cmd_retval
cli_cmd_kick(struct cli *cli, const char *nick, const char *reason)
{
	return (cli_cmd_moderate(cli, "kick", "nick", nick, "reason",
	    reason));
}

static enum cli_cmd_retval
cli_cmd_ban(struct cli *cli, const char *mask, const char *reason)
{
	return (cli_cmd_moderate(cli, "ban", "mask", mask, "reason", reason));
}

static enum cli_cmd_retval
cli_cmd_unban(struct cli *cli, const char *mask, const char *unused)
{
	return (cli_cmd_moderate(cli, "unban", "mask", mask, NULL, NULL));
}

static enum cli_cmd_retval
cli_cmd_mute(struct cli *cli, const char *nick, const char *unused)
{
	return (cli_cmd_moderate(cli, "mute", "nick", nick, NULL, NULL));
}

static enum cli_cmd_retval
cli_cmd_unmute(struct cli *cli, const char *nick, const char *unused)
{
	return (cli_cmd_moderate(cli, "unmute", "nick", nick, NULL, NULL));
}

/*
 * The lines after /register or /passwd wait while the passwords are asked
 * (a line that cannot be an id holds them), and go on once the request is
 * sent or the asking ends.
 */
#define CLI_CMD_ASKING	(-1)

static void
cli_cmd_asked(struct cli *cli)
{
	cli_forget(&cli->asked);
	if (cli->wait_id == CLI_CMD_ASKING)
		cli->wait_id = 0;
	cli_cmd_drain(cli);
}

/* Send a password request: type with the members and values given. */
static void
cli_cmd_send_secret(struct cli *cli, const char *type, const char *k1,
    const char *v1, const char *k2, const char *v2)
{
	cJSON	*req;

	req = cli_net_request(cli, type);
	cJSON_AddStringToObject(req, k1, v1);
	if (k2 != NULL)
		cJSON_AddStringToObject(req, k2, v2);
	cli->wait_id = 0;
	cli_cmd_send_wait(cli, req);
}

/* The new password, typed twice: the second answer. */
static void
cli_cmd_register_again(struct cli *cli, const char *again)
{
	if (again == NULL || cli->asked == NULL ||
	    strcmp(again, cli->asked) != 0)
		cli_display_notice(cli, true, "the passwords differ: not "
		    "registered");
	else
		cli_cmd_send_secret(cli, "register", "password", cli->asked,
		    NULL, NULL);
	cli_cmd_asked(cli);
}

static void
cli_cmd_register_first(struct cli *cli, const char *password)
{
	if (password == NULL || *password == '\0') {
		cli_cmd_asked(cli);
		return;
	}
	cli->asked = cli_xstrdup(password);
	if (cli_tty_ask_secret(cli, "again: ", cli_cmd_register_again) != 0)
		cli_cmd_asked(cli);
}

/*
 * /register: at a terminal the password is asked for twice, without echo;
 * a script gives it with --account-password-file, read again now.
 */
static enum cli_cmd_retval
cli_cmd_register(struct cli *cli, const char *unused1, const char *unused2)
{
	char	*password, *cause;

	if (cli->interactive) {
		if (cli_tty_ask_secret(cli, "new account password: ",
		    cli_cmd_register_first) != 0)
			return (CLI_CMD_ERROR);
		cli->wait_id = CLI_CMD_ASKING;
		return (CLI_CMD_NORMAL);
	}
	if (cli->account_file == NULL) {
		cli_display_notice(cli, true, "/register needs a terminal or "
		    "--account-password-file");
		return (CLI_CMD_ERROR);
	}
	if ((password = cli_password_read(cli->account_file, &cause)) ==
	    NULL) {
		cli_display_notice(cli, true, "%s", cause);
		free(cause);
		return (CLI_CMD_ERROR);
	}
	cli_cmd_send_secret(cli, "register", "password", password, NULL,
	    NULL);
	cli_forget(&password);
	return (CLI_CMD_NORMAL);
}

/* /passwd's questions: the old password, the new one, the new again. */
static void
cli_cmd_passwd_again(struct cli *cli, const char *again)
{
	char	*old, *new;

	/* cli->asked holds "old\nnew": neither may hold a newline. */
	old = cli->asked;
	if (again == NULL || old == NULL || (new = strchr(old, '\n')) == NULL ||
	    strcmp(new + 1, again) != 0) {
		cli_display_notice(cli, true, "the passwords differ: not "
		    "changed");
		cli_cmd_asked(cli);
		return;
	}
	*new++ = '\0';
	cli_cmd_send_secret(cli, "passwd", "old", old, "new", new);
	explicit_bzero(new, strlen(new));
	cli_cmd_asked(cli);
}

static void
cli_cmd_passwd_new(struct cli *cli, const char *new)
{
	char	*both;

	if (new == NULL || *new == '\0' || cli->asked == NULL) {
		cli_cmd_asked(cli);
		return;
	}
	both = cli_xasprintf("%s\n%s", cli->asked, new);
	cli_forget(&cli->asked);
	cli->asked = both;
	if (cli_tty_ask_secret(cli, "again: ", cli_cmd_passwd_again) != 0)
		cli_cmd_asked(cli);
}

static void
cli_cmd_passwd_old(struct cli *cli, const char *old)
{
	if (old == NULL || *old == '\0') {
		cli_cmd_asked(cli);
		return;
	}
	cli->asked = cli_xstrdup(old);
	if (cli_tty_ask_secret(cli, "new account password: ",
	    cli_cmd_passwd_new) != 0)
		cli_cmd_asked(cli);
}

/* /passwd: at a terminal only, where the three answers are not echoed. */
static enum cli_cmd_retval
cli_cmd_passwd(struct cli *cli, const char *unused1, const char *unused2)
{
	if (!cli->interactive || cli_tty_ask_secret(cli,
	    "account password: ", cli_cmd_passwd_old) != 0) {
		cli_display_notice(cli, true, "/passwd needs a terminal");
		return (CLI_CMD_ERROR);
	}
	cli->wait_id = CLI_CMD_ASKING;
	return (CLI_CMD_NORMAL);
}

static enum cli_cmd_retval
cli_cmd_help(struct cli *cli, const char *unused1, const char *unused2)
{
	const struct cli_cmd_entry	*cmd;
	char				*s;
	size_t				 i;

	for (i = 0; i < nitems(cli_cmd_table); i++) {
		cmd = &cli_cmd_table[i];
		s = cli_xasprintf("/%s%s%s", cmd->name,
		    *cmd->usage != '\0' ? " " : "", cmd->usage);
		cli_display_notice(cli, false, "%-18s %s", s, cmd->help);
		free(s);
	}
	cli_display_notice(cli, false, "%-18s %s", "TEXT",
	    "send TEXT to the current room (//TEXT sends /TEXT)");
	return (CLI_CMD_NORMAL);
}

/* Cut the next word off *s. */
static char *
cli_cmd_word(char **s)
{
	char	*word = *s;

	*s += strcspn(*s, " \t");
	if (**s != '\0')
		*(*s)++ = '\0';
	*s += strspn(*s, " \t");
	return (*word != '\0' ? word : NULL);
}

/* Run "/name args" (given without the slash). */
static void
cli_cmd_exec(struct cli *cli, char *line)
{
	const struct cli_cmd_entry	*cmd;
	char				*name, *a = NULL, *b = NULL, *end;
	bool				 ambiguous, bad = false;

	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	name = cli_cmd_word(&line);
	if ((cmd = cli_cmd_find(name != NULL ? name : "",
	    name != NULL ? strlen(name) : 0, &ambiguous)) == NULL) {
		cli_display_notice(cli, true, "%s command /%s (try /help)",
		    ambiguous ? "ambiguous" : "unknown",
		    name != NULL ? name : "");
		return;
	}
	switch (cmd->args) {
	case CLI_ARGS_NONE:
		bad = *line != '\0';
		break;
	case CLI_ARGS_WORD:
		a = cli_cmd_word(&line);
		bad = a == NULL || *line != '\0';
		break;
	case CLI_ARGS_OPT_WORD:
		a = cli_cmd_word(&line);
		bad = *line != '\0';
		break;
	case CLI_ARGS_WORD_TEXT:
		a = cli_cmd_word(&line);
		b = line;
		bad = a == NULL || *b == '\0';
		break;
	case CLI_ARGS_WORD_OPT_TEXT:
		a = cli_cmd_word(&line);
		b = *line != '\0' ? line : NULL;
		bad = a == NULL;
		break;
	case CLI_ARGS_TEXT:
		a = line;
		bad = *a == '\0';
		break;
	case CLI_ARGS_OPT_TEXT:
		a = *line != '\0' ? line : NULL;
		break;
	}
	if (bad) {
		cli_display_notice(cli, true, "usage: /%s %s", cmd->name,
		    cmd->usage);
		return;
	}
	cmd->exec(cli, a, b);
}

static void
cli_cmd_line(struct cli *cli, char *line)
{
	if (*line == '\0')
		return;
	if (!utf8_valid(line, strlen(line))) {
		cli_display_notice(cli, true, "input line is not valid UTF-8");
		return;
	}
	if (line[0] == '/' && line[1] != '/') {
		cli_cmd_exec(cli, line + 1);
		return;
	}
	cli_cmd_say(cli, NULL, line[0] == '/' ? line + 1 : line);
}

/*
 * Whether the next input line may run: registered, and neither a reply
 * nor a replay that it may depend on is still to come.
 */
bool
cli_cmd_ready(struct cli *cli)
{
	return (!cli->finished && cli->state == CLI_READY &&
	    cli->wait_id == 0 && !cli_history_busy(cli));
}

/*
 * Run the queued input lines, in order, while cli_cmd_ready.  Once input
 * has ended and every line has run, quit: the server's bye then confirms
 * that all of them were handled.
 */
void
cli_cmd_drain(struct cli *cli)
{
	char	*line;
	size_t	 len;

	while (cli_cmd_ready(cli)) {
		line = evbuffer_readln(cli->lines, &len, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			/* The last line may lack its newline. */
			len = evbuffer_get_length(cli->lines);
			if (!cli->stdin_eof || len == 0)
				break;
			line = cli_xmalloc(len + 1);
			evbuffer_remove(cli->lines, line, len);
			line[len] = '\0';
		}
		cli_cmd_line(cli, line);
		free(line);
	}
	if (cli_cmd_ready(cli) && cli->stdin_eof &&
	    evbuffer_get_length(cli->lines) == 0)
		cli_net_quit(cli, NULL);
	cli_input_update(cli);
}

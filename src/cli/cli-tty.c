/* cli-tty.c: evchat-cli's interactive terminal on GNU Readline's callback interface: the prompt, lines
 * printed above the line being typed, history and tab completion; it knows nothing of the protocol. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <readline/readline.h>
#include <readline/history.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cli.h"

#define CLI_TTY_ROOM	"\001\033[1;34m\002"
#define CLI_TTY_RESET	"\001\033[0m\002"

/*
 * Readline's callbacks (line handler, completion generators) take no
 * argument, so the one client they serve is kept here, and only while the
 * terminal is in use.
 */
static struct cli	*cli_tty_cli;

static void
cli_tty_read_cb(evutil_socket_t fd, short events, void *arg)
{
	rl_callback_read_char();
}

/* Columns taken by s on the terminal, or -1 when unknown. */
static int
cli_tty_width(const char *s)
{
	wchar_t	*w;
	size_t	 n;
	int	 width;

	n = strlen(s) + 1;
	w = cli_xmalloc(n * sizeof *w);
	if (mbstowcs(w, s, n) == (size_t)-1)
		width = -1;
	else
		width = wcswidth(w, n);
	free(w);
	return (width);
}

/*
 * Readline leaves an accepted line on the screen.  The server's echo shows
 * it again, formatted, and a command's effect shows itself, so take the
 * typed copy away, as chat clients do.  When the width cannot be known
 * (control characters, a dumb terminal) the line is left alone.
 */
static void
cli_tty_erase(struct cli *cli, const char *line)
{
	const char	*term;
	int		 rows, cols, pw, lw, n;

	term = getenv("TERM");
	if (*line == '\0' || term == NULL || strcmp(term, "dumb") == 0)
		return;
	rl_get_screen_size(&rows, &cols);
	if (cols <= 0 || (pw = cli_tty_width(cli->prompt)) < 0 ||
	    (lw = cli_tty_width(line)) < 0)
		return;
	n = (pw + lw + cols - 1) / cols;
	if (n < 1)
		n = 1;
	fprintf(rl_outstream, "\033[%dA\r\033[J", n);
	fflush(rl_outstream);
}

/*
 * The line typed answers the question cli_tty_ask put: hand it (NULL for
 * Ctrl-D) to the asker, then show the chat prompt again unless the asker
 * asked once more.
 */
static void
cli_tty_answer(struct cli *cli, char *line)
{
	void	(*cb)(struct cli *, const char *) = cli->ask_cb;
	bool	 secret = cli->ask_secret;

	cli->ask_cb = NULL;
	if (secret) {
		cli->ask_secret = false;
		rl_redisplay_function = rl_redisplay;
		fputc('\n', rl_outstream);
	}
	if (line == NULL)
		cli_tty_stop(cli);
	cli->in_line = true;
	cb(cli, line);
	if (cli->ask_cb == NULL)
		cli_tty_prompt(cli);
	cli->in_line = false;
	if (line != NULL && secret)
		explicit_bzero(line, strlen(line));
	free(line);
}

/*
 * Readline's display while a secret is typed: the question alone, never
 * the characters, as getpass(3) would.
 */
static void
cli_tty_redisplay_secret(void)
{
	fprintf(rl_outstream, "\r\033[K%s", rl_display_prompt);
	fflush(rl_outstream);
}

/* Readline calls this with each line typed, or NULL for Ctrl-D. */
static void
cli_tty_line_cb(char *line)
{
	struct cli	*cli = cli_tty_cli;

	if (cli->ask_cb != NULL) {
		cli_tty_answer(cli, line);
		return;
	}

	/*
	 * Ctrl-D is /quit.  The terminal is given back now, as the shell's
	 * would be: the last lines before bye print below, without a prompt.
	 */
	if (line == NULL) {
		cli_tty_stop(cli);
		cli->stdin_eof = true;
		cli_cmd_drain(cli);
		return;
	}
	cli->in_line = true;
	cli_tty_erase(cli, line);
	if (*line != '\0')
		add_history(line);
	evbuffer_add_printf(cli->lines, "%s\n", line);
	free(line);
	cli_cmd_drain(cli);
	cli->in_line = false;
}

/*
 * Print len bytes of whole lines above the prompt: clear what readline
 * shows, print, and have readline draw the prompt and the half-typed line
 * again, untouched.  Inside the line handler readline is not showing
 * anything and redraws by itself afterwards.
 */
void
cli_tty_print(struct cli *cli, const char *p, size_t len)
{
	if (cli_tty_cli == NULL || cli->in_line) {
		fwrite(p, 1, len, stdout);
		fflush(stdout);
		return;
	}
	rl_clear_visible_line();
	fflush(rl_outstream);
	fwrite(p, 1, len, stdout);
	fflush(stdout);
	rl_forced_update_display();
}

/*
 * Set cli->prompt to "[room] nick> ", or "nick> " with no room, and return
 * the form readline shows, with the room in colour.
 */
static char *
cli_tty_prompt_new(struct cli *cli)
{
	const char	*nick, *room;
	char		*shown, *room_clean, *nick_clean;

	nick = cli->me != NULL ? cli->me : cli->nick;
	nick_clean = cli_display_clean(nick);
	free(cli->prompt);
	if ((room = cli_names_last(&cli->joined)) == NULL) {
		cli->prompt = cli_xasprintf("%s> ", nick_clean);
		shown = cli_xstrdup(cli->prompt);
	} else {
		room_clean = cli_display_clean(room);
		cli->prompt = cli_xasprintf("[%s] %s> ", room_clean,
		    nick_clean);
		shown = cli_xasprintf("[%s%s%s] %s> ",
		    cli->colour ? CLI_TTY_ROOM : "", room_clean,
		    cli->colour ? CLI_TTY_RESET : "", nick_clean);
		free(room_clean);
	}
	free(nick_clean);
	return (shown);
}

/* The nick or the current room changed. */
void
cli_tty_prompt(struct cli *cli)
{
	char	*shown;

	if (cli_tty_cli == NULL)
		return;
	shown = cli_tty_prompt_new(cli);
	if (cli->in_line)
		rl_set_prompt(shown);
	else {
		rl_clear_visible_line();
		rl_set_prompt(shown);
		rl_forced_update_display();
	}
	free(shown);
}

/*
 * Readline's startup hook, run as it starts a new line: the line handler
 * has asked a question, and only now may the offered answer go in.
 */
static int
cli_tty_offer(void)
{
	struct cli	*cli = cli_tty_cli;

	rl_startup_hook = NULL;
	if (cli != NULL && cli->ask_offer != NULL) {
		rl_insert_text(cli->ask_offer);
		free(cli->ask_offer);
		cli->ask_offer = NULL;
	}
	return (0);
}

/*
 * Ask question on the prompt line, with offer typed in already for the
 * person to take with Enter, or edit; the next line goes to cb instead of
 * the input lines (NULL for Ctrl-D).  Returns -1 when the terminal is not
 * in use.  cli-net.c asks for another nick with it.
 */
int
cli_tty_ask(struct cli *cli, const char *question, const char *offer,
    void (*cb)(struct cli *, const char *))
{
	if (cli_tty_cli == NULL)
		return (-1);
	cli->ask_cb = cb;
	if (cli->in_line) {
		/* Readline clears the line after the handler returns. */
		free(cli->ask_offer);
		cli->ask_offer = cli_xstrdup(offer);
		rl_startup_hook = cli_tty_offer;
		rl_set_prompt(question);
		return (0);
	}
	rl_clear_visible_line();
	rl_set_prompt(question);
	rl_replace_line(offer, 1);
	rl_point = rl_end;
	rl_forced_update_display();
	return (0);
}

/*
 * cli_tty_ask for a password: nothing typed is shown nor kept in the
 * history, and the line is wiped once cb has it.  cli-net.c asks for an
 * account password with it, cli-cmd.c for /register and /passwd.
 */
int
cli_tty_ask_secret(struct cli *cli, const char *question,
    void (*cb)(struct cli *, const char *))
{
	if (cli_tty_cli == NULL)
		return (-1);
	cli->ask_secret = true;
	rl_redisplay_function = cli_tty_redisplay_secret;
	return (cli_tty_ask(cli, question, "", cb));
}

void
cli_tty_resize(struct cli *cli)
{
	if (cli_tty_cli != NULL)
		rl_resize_terminal();
}

/* Readline's generator protocol: state 0 starts over, NULL ends. */
static char *
cli_tty_complete_command(const char *text, int state)
{
	struct cli	*cli = cli_tty_cli;
	const char	*name;
	size_t		 len = strlen(text + 1);

	if (state == 0)
		cli->complete_next = 0;
	while ((name = cli_cmd_name(cli->complete_next)) != NULL) {
		cli->complete_next++;
		if (strncmp(name, text + 1, len) == 0)
			return (cli_xasprintf("/%s", name));
	}
	return (NULL);
}

static char *
cli_tty_complete_list(const struct cli_names *l, const char *text, int state)
{
	struct cli	*cli = cli_tty_cli;
	const char	*name;
	size_t		 len = strlen(text);

	if (state == 0)
		cli->complete_next = 0;
	while (cli->complete_next < l->n) {
		name = l->v[l->n - ++cli->complete_next];
		if (strncasecmp(name, text, len) == 0)
			return (cli_xstrdup(name));
	}
	return (NULL);
}

static char *
cli_tty_complete_nick(const char *text, int state)
{
	return (cli_tty_complete_list(&cli_tty_cli->nicks, text, state));
}

static char *
cli_tty_complete_room(const char *text, int state)
{
	return (cli_tty_complete_list(&cli_tty_cli->rooms, text, state));
}

/*
 * Complete a command name at the start of the line, a command's first
 * argument by what it takes (a room, a nick, a file name), and a nick
 * anywhere in a message.
 */
static char **
cli_tty_complete(const char *text, int start, int end)
{
	enum cli_cmd_complete	 what = CLI_COMPLETE_NICK;
	const char		*line = rl_line_buffer, *arg;
	size_t			 len;

	rl_attempted_completion_over = 1;
	if (start == 0 && text[0] == '/')
		return (rl_completion_matches(text, cli_tty_complete_command));
	if (line[0] == '/') {
		len = strcspn(line + 1, " \t");
		arg = line + 1 + len;
		arg += strspn(arg, " \t");
		if (arg != line + start)
			return (NULL);
		what = cli_cmd_completion(line + 1, len);
	}
	switch (what) {
	case CLI_COMPLETE_NONE:
		return (NULL);
	case CLI_COMPLETE_ROOM:
		return (rl_completion_matches(text, cli_tty_complete_room));
	case CLI_COMPLETE_NICK:
		return (rl_completion_matches(text, cli_tty_complete_nick));
	case CLI_COMPLETE_FILE:
		rl_attempted_completion_over = 0;
		return (NULL);
	}
	return (NULL);
}

int
cli_tty_start(struct cli *cli)
{
	char	*shown;

	cli_tty_cli = cli;
	rl_readline_name = CLI_NAME;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_erase_empty_line = 1;
	rl_completer_word_break_characters = " \t";
	rl_attempted_completion_function = cli_tty_complete;
	if (!isatty(STDOUT_FILENO) && isatty(STDERR_FILENO))
		rl_outstream = stderr;

	shown = cli_tty_prompt_new(cli);
	rl_callback_handler_install(shown, cli_tty_line_cb);
	free(shown);

	cli->ev_stdin = event_new(cli->base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    cli_tty_read_cb, cli);
	if (cli->ev_stdin == NULL || event_add(cli->ev_stdin, NULL) == -1) {
		cli_tty_stop(cli);
		return (-1);
	}
	return (0);
}

/* Give the terminal back as it was, with no prompt left on it. */
void
cli_tty_stop(struct cli *cli)
{
	if (cli_tty_cli == NULL)
		return;
	rl_clear_visible_line();
	fflush(rl_outstream);
	rl_callback_handler_remove();
	if (cli->ev_stdin != NULL)
		event_del(cli->ev_stdin);
	free(cli->ask_offer);
	cli->ask_offer = NULL;
	rl_startup_hook = NULL;
	cli_tty_cli = NULL;
}

/* cli.c: evchat-cli's main: options and environment, the one event loop, signals, piped input and how
 * the client ends; it knows nothing of frame contents, commands or the terminal's line editing. */

#include "config.h"

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cli.h"

static const struct option cli_long_options[] = {
	{ "server",		required_argument,	NULL, 's' },
	{ "nick",		required_argument,	NULL, 'n' },
	{ "join",		required_argument,	NULL, 'j' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "download-dir",	required_argument,	NULL, 'd' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

static const int cli_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

static void
cli_usage(void)
{
	fprintf(stderr,
	    "usage: " CLI_NAME " [--server HOST:PORT] [--nick NICK] "
	    "[--join ROOM]... [--json]\n"
	    "                  [--download-dir DIR] [--help] [--version]\n");
}

static void
cli_help(void)
{
	printf("usage: " CLI_NAME " [--server HOST:PORT] [--nick NICK] "
	    "[--join ROOM]... [--json]\n"
	    "                  [--download-dir DIR] [--help] [--version]\n"
	    "\n"
	    "  -s, --server HOST:PORT  server to connect to (default "
	    CLI_DEFAULT_SERVER ", $EVCHAT_SERVER)\n"
	    "  -n, --nick NICK         nick (default $EVCHAT_NICK, then the "
	    "login name)\n"
	    "  -j, --join ROOM         join ROOM once connected (repeatable)\n"
	    "      --json              print every frame received as one JSON "
	    "line\n"
	    "  -d, --download-dir DIR  save received audio and files in DIR "
	    "(default .)\n"
	    "  -h, --help              show this help\n"
	    "  -V, --version           show the version\n"
	    "\n"
	    "Lines starting with / are commands (/help lists them); other "
	    "lines go to the\ncurrent room.\n");
}

void *
cli_xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size)) == NULL)
		err(1, "malloc");
	return (p);
}

char *
cli_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(1, "strdup");
	return (p);
}

char *
cli_xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		err(1, "vasprintf");
	va_end(ap);
	return (s);
}

/*
 * End the session with status and, when fmt is not NULL, the one line main
 * prints on stderr once the terminal is restored.  The first call wins: a
 * close that follows a fatal error must not replace its reason.
 */
void
cli_finish(struct cli *cli, int status, const char *fmt, ...)
{
	va_list	ap;

	if (cli->finished)
		return;
	cli->finished = true;
	cli->status = status;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&cli->cause, fmt, ap) == -1)
			cli->cause = NULL;
		va_end(ap);
	}
	if (cli->base != NULL)
		event_base_loopbreak(cli->base);
}

/*
 * Piped input is read only when the lines before it have run and the socket
 * keeps up: a long script then neither waits on stdin nor grows the output
 * buffer without bound.
 */
void
cli_input_update(struct cli *cli)
{
	bool	want;

	if (cli->interactive || cli->ev_stdin == NULL)
		return;
	want = !cli->stdin_eof && !cli->finished &&
	    cli->state == CLI_READY && cli->wait_id == 0 &&
	    evbuffer_get_length(cli->lines) < CLI_INPUT_MAX &&
	    cli_net_pending(cli) < CLI_OUTPUT_MAX;
	if (want)
		event_add(cli->ev_stdin, NULL);
	else
		event_del(cli->ev_stdin);
}

static void
cli_stdin_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cli	*cli = arg;
	int		 n;

	n = evbuffer_read(cli->lines, fd, CLI_INPUT_MAX);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n == -1)
		cli_display_notice(cli, true, "reading stdin: %s",
		    strerror(errno));
	if (n <= 0)
		cli->stdin_eof = true;
	cli_cmd_drain(cli);
}

static void
cli_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct cli	*cli = arg;

	if (sig == SIGWINCH) {
		cli_tty_resize(cli);
		return;
	}
	switch (cli->state) {
	case CLI_READY:
		cli_net_quit(cli, NULL);
		break;
	case CLI_QUITTING:
		cli_finish(cli, 1, "interrupted while quitting");
		break;
	default:
		cli_finish(cli, 1, "interrupted");
		break;
	}
}

/* The nick when none is given: $EVCHAT_NICK, then the login name. */
static char *
cli_default_nick(void)
{
	struct passwd	*pw;
	const char	*s;

	if ((s = getenv("EVCHAT_NICK")) != NULL && *s != '\0')
		return (cli_xstrdup(s));
	if ((s = getlogin()) != NULL && *s != '\0')
		return (cli_xstrdup(s));
	if ((pw = getpwuid(getuid())) != NULL)
		return (cli_xstrdup(pw->pw_name));
	return (NULL);
}

static struct cli *
cli_new(void)
{
	struct cli	*cli;

	cli = cli_xmalloc(sizeof *cli);
	memset(cli, 0, sizeof *cli);
	cli->download_fd = -1;
	cli->max_frame = FRAME_MAX_DEFAULT;
	cli->max_text = TEXT_MAX_DEFAULT;
	cli->max_media = MEDIA_MAX_DEFAULT;
	if ((cli->lines = evbuffer_new()) == NULL)
		err(1, "evbuffer_new");
	return (cli);
}

static void
cli_free(struct cli *cli)
{
	size_t	i;

	cli_net_free(cli);
	if (cli->ev_stdin != NULL)
		event_free(cli->ev_stdin);
	for (i = 0; i < nitems(cli->ev_signals); i++) {
		if (cli->ev_signals[i] != NULL)
			event_free(cli->ev_signals[i]);
	}
	if (cli->ev_quit != NULL)
		event_free(cli->ev_quit);
	if (cli->base != NULL)
		event_base_free(cli->base);
	if (cli->download_fd != -1)
		close(cli->download_fd);
	evbuffer_free(cli->lines);
	cli_names_clear(&cli->joined);
	cli_names_clear(&cli->nicks);
	cli_names_clear(&cli->rooms);
	free(cli->server);
	free(cli->nick);
	free(cli->download_dir);
	free(cli->prompt);
	free(cli->me);
	free(cli->cause);
	free(cli);
}

/*
 * Parse the command line into cli.  Returns 0 to go on, or the exit status
 * when --help, --version or a usage error ends the run here.  --join rooms
 * become the first input lines, so they run, in order, before any typed or
 * piped line.
 */
static int
cli_options(struct cli *cli, int argc, char **argv)
{
	const char	*s;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "s:n:j:d:hV", cli_long_options,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			free(cli->server);
			cli->server = cli_xstrdup(optarg);
			break;
		case 'n':
			free(cli->nick);
			cli->nick = cli_xstrdup(optarg);
			break;
		case 'j':
			evbuffer_add_printf(cli->lines, "/join %s\n", optarg);
			break;
		case 'J':
			cli->json = true;
			break;
		case 'd':
			free(cli->download_dir);
			cli->download_dir = cli_xstrdup(optarg);
			break;
		case 'h':
			cli_help();
			return (-1);
		case 'V':
			printf("%s %s\n", CLI_NAME, PACKAGE_VERSION);
			return (-1);
		default:
			cli_usage();
			return (1);
		}
	}
	if (optind != argc) {
		cli_usage();
		return (1);
	}
	if (cli->server == NULL) {
		s = getenv("EVCHAT_SERVER");
		cli->server = cli_xstrdup(s != NULL && *s != '\0' ? s :
		    CLI_DEFAULT_SERVER);
	}
	if (cli->nick == NULL && (cli->nick = cli_default_nick()) == NULL) {
		warnx("no nick: use --nick or set EVCHAT_NICK");
		return (1);
	}
	if (cli->download_dir == NULL)
		cli->download_dir = cli_xstrdup(".");
	return (0);
}

/* Colours only for a person looking at a terminal who has not opted out. */
static bool
cli_want_colour(void)
{
	const char	*s;

	if ((s = getenv("NO_COLOR")) != NULL && *s != '\0')
		return (false);
	return (isatty(STDOUT_FILENO));
}

/*
 * Set up the loop.  poll is asked for rather than epoll because piped input
 * may be a regular file or /dev/null, which epoll refuses; with two
 * descriptors the difference in cost is nil.
 */
static int
cli_setup(struct cli *cli, char **cause)
{
	struct event_config	*cfg;
	size_t			 i;

	if ((cfg = event_config_new()) == NULL)
		err(1, "event_config_new");
	event_config_require_features(cfg, EV_FEATURE_FDS);
	cli->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (cli->base == NULL) {
		*cause = cli_xstrdup("no usable event method");
		return (-1);
	}
	for (i = 0; i < nitems(cli_signals); i++) {
		cli->ev_signals[i] = evsignal_new(cli->base, cli_signals[i],
		    cli_signal_cb, cli);
		if (cli->ev_signals[i] == NULL ||
		    evsignal_add(cli->ev_signals[i], NULL) == -1) {
			*cause = cli_xstrdup("cannot watch signals");
			return (-1);
		}
	}
	cli->download_fd = open(cli->download_dir,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cli->download_fd == -1) {
		*cause = cli_xasprintf("download directory %s: %s",
		    cli->download_dir, strerror(errno));
		return (-1);
	}
	if (cli->interactive) {
		if (cli_tty_start(cli) == -1) {
			*cause = cli_xstrdup("cannot set up the terminal");
			return (-1);
		}
		return (0);
	}
	cli->ev_stdin = event_new(cli->base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    cli_stdin_cb, cli);
	if (cli->ev_stdin == NULL) {
		*cause = cli_xstrdup("cannot watch stdin");
		return (-1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	struct cli	*cli;
	char		*cause = NULL;
	int		 status;

	setlocale(LC_CTYPE, "");
	signal(SIGPIPE, SIG_IGN);

	cli = cli_new();
	if ((status = cli_options(cli, argc, argv)) != 0) {
		cli_free(cli);
		return (status == -1 ? 0 : status);
	}
	cli->interactive = isatty(STDIN_FILENO);
	cli->colour = !cli->json && cli_want_colour();

	/* Connecting may fail at once: the loop must not start then. */
	if (cli_setup(cli, &cause) == -1 || cli_net_connect(cli, &cause) == -1)
		cli_finish(cli, 1, "%s", cause);
	else if (!cli->finished)
		event_base_dispatch(cli->base);
	free(cause);

	if (cli->interactive)
		cli_tty_stop(cli);
	fflush(stdout);
	if (cli->cause != NULL)
		fprintf(stderr, "%s: %s\n", CLI_NAME, cli->cause);
	status = cli->status;
	cli_free(cli);
	return (status);
}

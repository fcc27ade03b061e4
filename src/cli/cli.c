/* cli.c: evchat-cli's main: options and environment (the password among them), the one event loop,
 * signals, piped input and how the client ends; it knows nothing of frame contents, commands or the
 * terminal's line editing. */

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

/* Long options without a letter have one outside the short string. */
static const struct option cli_long_options[] = {
	{ "server",		required_argument,	NULL, 's' },
	{ "nick",		required_argument,	NULL, 'n' },
	{ "join",		required_argument,	NULL, 'j' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "no-echo",		no_argument,		NULL, 'E' },
	{ "history",		required_argument,	NULL, 'H' },
	{ "download-dir",	required_argument,	NULL, 'd' },
	{ "tls",		no_argument,		NULL, 'T' },
	{ "ca",			required_argument,	NULL, 'C' },
	{ "insecure",		no_argument,		NULL, 'I' },
	{ "password-file",	required_argument,	NULL, 'P' },
	{ "account-password-file", required_argument,	NULL, 'A' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

static const int cli_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

#define CLI_USAGE \
	"usage: " CLI_NAME " [--server [tls://]HOST:PORT] [--nick NICK] " \
	"[--join ROOM]...\n" \
	"                  [--history N] [--json] [--no-echo] " \
	"[--download-dir DIR] [--tls]\n" \
	"                  [--ca FILE] [--insecure] [--password-file FILE]\n" \
	"                  [--account-password-file FILE] [--help] " \
	"[--version]\n"

static void
cli_usage(void)
{
	fprintf(stderr, "%s", CLI_USAGE);
}

static void
cli_help(void)
{
	printf("%s", CLI_USAGE);
	printf("\n"
	    "  -s, --server HOST:PORT  server to connect to (default "
	    CLI_DEFAULT_SERVER ", $EVCHAT_SERVER)\n"
	    "                          tls://HOST:PORT means --tls, port "
	    CLI_DEFAULT_TLS_PORT " by default\n"
	    "  -n, --nick NICK         nick (default $EVCHAT_NICK, then the "
	    "login name)\n"
	    "  -j, --join ROOM         join ROOM once connected (repeatable)\n"
	    "      --history N         on join, show the room's last N "
	    "messages (default 50\n"
	    "                          at a terminal, none in a script; 0: "
	    "none)\n"
	    "      --json              print every frame received as one JSON "
	    "line\n"
	    "      --no-echo           in a script, the server sends back none "
	    "of our\n"
	    "                          messages (they are not printed)\n"
	    "  -d, --download-dir DIR  save received audio and files in DIR "
	    "(default .)\n"
	    "      --tls               connect with TLS, checking the server's "
	    "certificate\n"
	    "      --ca FILE           trust the CAs in FILE instead of the "
	    "system's\n"
	    "      --insecure          do not check the certificate (anyone on "
	    "the path can\n"
	    "                          read and change the chat)\n"
	    "      --password-file FILE\n"
	    "                          send the server password on FILE's "
	    "first line\n"
	    "                          (default $EVCHAT_PASSWORD)\n"
	    "      --account-password-file FILE\n"
	    "                          log in to the nick's account with the "
	    "password on\n"
	    "                          FILE's first line (/register uses it "
	    "too)\n"
	    "  -h, --help              show this help\n"
	    "  -V, --version           show the version\n"
	    "\n"
	    "Lines starting with / are commands (/help lists them); other "
	    "lines go to the\ncurrent room.\n");
}

/*
 * Parse s, a whole decimal number from min to max, into *n; -1 when it is
 * anything else.  For --history and /history.
 */
int
cli_number(const char *s, long min, long max, long *n)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*n = v;
	return (0);
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
	want = !cli->stdin_eof && cli_cmd_ready(cli) &&
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
	cli->history = -1;
	TAILQ_INIT(&cli->histories);
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
	cli_history_free(cli);
	free(cli->server);
	free(cli->nick);
	free(cli->download_dir);
	free(cli->ca_file);
	free(cli->account_file);
	cli_forget(&cli->asked);
	free(cli->prompt);
	free(cli->me);
	free(cli->cause);
	free(cli);
}

/* Wipe and free a password, and forget it. */
void
cli_forget(char **password)
{
	if (*password == NULL)
		return;
	explicit_bzero(*password, strlen(*password));
	free(*password);
	*password = NULL;
}

/*
 * The password on the first line of path.  A file that others may read has
 * leaked it already; a pipe, as from a password manager, is fine.  For the
 * server password and the account password (read again by /register).
 */
char *
cli_password_read(const char *path, char **cause)
{
	FILE		*f;
	char		*line = NULL, why[128];
	size_t		 size = 0;
	ssize_t		 n;

	if ((f = fopen(path, "re")) == NULL) {
		*cause = cli_xasprintf("%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (secret_check(fileno(f), false, why, sizeof why) != NULL) {
		*cause = cli_xasprintf("password file %s %s", path, why);
		fclose(f);
		return (NULL);
	}
	n = getline(&line, &size, f);
	fclose(f);
	if (n > 0)
		line[strcspn(line, "\r\n")] = '\0';
	if (n <= 0 || *line == '\0') {
		*cause = cli_xasprintf("password file %s is empty", path);
		if (line != NULL)
			explicit_bzero(line, size);
		free(line);
		return (NULL);
	}
	return (line);
}

/* What follows prefix in s, or NULL when s does not start with it. */
static const char *
cli_after(const char *s, const char *prefix)
{
	size_t	len = strlen(prefix);

	return (strncmp(s, prefix, len) == 0 ? s + len : NULL);
}

/* Whether server is this host, where nobody else sees the traffic. */
static bool
cli_server_local(const char *server)
{
	const char	*rest;

	if ((rest = cli_after(server, "localhost")) != NULL &&
	    (*rest == ':' || *rest == '\0'))
		return (true);
	return (cli_after(server, "127.") != NULL ||
	    cli_after(server, "[::1]") != NULL || strcmp(server, "::1") == 0);
}

/*
 * Settle TLS and the password once the server is known: tls:// and --tls
 * are the same, the password comes from --password-file or else from
 * $EVCHAT_PASSWORD, never from the command line where ps shows it.
 */
static int
cli_options_secure(struct cli *cli, bool tls, const char *password_file)
{
	const char	*s;
	char		*cause, *plain;

	if (cli_after(cli->server, CLI_TLS_SCHEME) != NULL)
		cli->tls = true;
	else if (tls) {
		plain = cli->server;
		cli->server = cli_xasprintf("%s%s", CLI_TLS_SCHEME, plain);
		free(plain);
		cli->tls = true;
	}
	if (!cli->tls && (cli->ca_file != NULL || cli->insecure)) {
		warnx("--ca and --insecure need --tls or a tls:// server");
		return (1);
	}
	if (cli->ca_file != NULL && cli->insecure) {
		warnx("--ca and --insecure exclude each other");
		return (1);
	}
	if (password_file != NULL) {
		if ((cli->password = cli_password_read(password_file,
		    &cause)) == NULL) {
			warnx("%s", cause);
			free(cause);
			return (1);
		}
	} else if ((s = getenv("EVCHAT_PASSWORD")) != NULL && *s != '\0')
		cli->password = cli_xstrdup(s);
	if (cli->account_file != NULL && (cli->account_password =
	    cli_password_read(cli->account_file, &cause)) == NULL) {
		warnx("%s", cause);
		free(cause);
		return (1);
	}

	if (cli->insecure)
		warnx("warning: --insecure: the server's certificate is not "
		    "checked, so anyone on the path can read and change the "
		    "chat");
	if (cli->password != NULL && !cli->tls &&
	    !cli_server_local(cli->server))
		warnx("warning: the password goes to %s unencrypted (use "
		    "--tls)", cli->server);
	return (0);
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
	const char	*s, *password_file = NULL;
	bool		 tls = false;
	long		 n;
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
		case 'E':
			cli->no_echo = true;
			break;
		case 'H':
			if (cli_number(optarg, 0, CLI_HISTORY_MAX, &n) == -1) {
				warnx("--history: not a number from 0 to %d: "
				    "%s", CLI_HISTORY_MAX, optarg);
				return (1);
			}
			cli->history = (int)n;
			break;
		case 'd':
			free(cli->download_dir);
			cli->download_dir = cli_xstrdup(optarg);
			break;
		case 'T':
			tls = true;
			break;
		case 'C':
			free(cli->ca_file);
			cli->ca_file = cli_xstrdup(optarg);
			break;
		case 'I':
			cli->insecure = true;
			break;
		case 'P':
			password_file = optarg;
			break;
		case 'A':
			free(cli->account_file);
			cli->account_file = cli_xstrdup(optarg);
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
	if (cli_options_secure(cli, tls, password_file) != 0)
		return (1);
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
	/* A person joining wants the context; a script only what it asks. */
	if (cli->history == -1)
		cli->history = cli->interactive ? CLI_HISTORY_DEFAULT : 0;
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

/* evchatd.c: main() of the chat daemon: turns the command line into a configuration, an action and an
 * exit status (--hash-password done here), then hands over to the server; it knows nothing of the
 * protocol or of the loop. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "server.h"

#define EVCHATD_HASH_MAX	512	/* libxcrypt's hashes take 384 */

/* Only interrupts the read of a password, so the terminal is restored. */
static void
evchatd_interrupt(int sig)
{
}

/*
 * One line of stdin without its newline, or NULL at end of file or when a
 * signal interrupts.  On a terminal the line is asked for on stderr and
 * not echoed; a signal then ends the read rather than the process, which
 * would leave the terminal without echo.
 */
static char *
evchatd_read_password(const char *prompt)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction	 sa, old[nitems(sigs)];
	struct termios		 tio, noecho;
	char			*line = NULL;
	size_t			 size = 0, i;
	ssize_t			 n;
	bool			 tty;

	tty = tcgetattr(STDIN_FILENO, &tio) == 0;
	if (tty) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = evchatd_interrupt;	/* no SA_RESTART */
		sigemptyset(&sa.sa_mask);
		for (i = 0; i < nitems(sigs); i++)
			sigaction(sigs[i], &sa, &old[i]);
		noecho = tio;
		noecho.c_lflag &= ~ECHO;
		noecho.c_lflag |= ECHONL;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
		fprintf(stderr, "%s", prompt);
	}
	n = getline(&line, &size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);
		for (i = 0; i < nitems(sigs); i++)
			sigaction(sigs[i], &old[i], NULL);
	}
	if (n == -1) {
		if (line != NULL)
			explicit_bzero(line, size);
		free(line);
		return (NULL);
	}
	line[strcspn(line, "\r\n")] = '\0';
	return (line);
}

static void
evchatd_forget(char *password)
{
	if (password != NULL)
		explicit_bzero(password, strlen(password));
	free(password);
}

/*
 * A new password from stdin, or NULL (said why); a terminal is asked
 * twice, against typing mistakes.  --hash-password and --account use it.
 */
static char *
evchatd_new_password(void)
{
	char	*password, *again = NULL;

	password = evchatd_read_password("Password: ");
	if (password != NULL && isatty(STDIN_FILENO))
		again = evchatd_read_password("Again: ");
	if (password == NULL || *password == '\0')
		fprintf(stderr, "%s: no password read\n", SERVER_NAME);
	else if (isatty(STDIN_FILENO) &&
	    (again == NULL || strcmp(password, again) != 0))
		fprintf(stderr, "%s: the passwords differ\n", SERVER_NAME);
	else {
		evchatd_forget(again);
		return (password);
	}
	evchatd_forget(password);
	evchatd_forget(again);
	return (NULL);
}

/*
 * --hash-password: print the config line that holds the hash of the
 * password on stdin.
 */
static int
evchatd_hash_password(void)
{
	char	*password, hash[EVCHATD_HASH_MAX];
	int	 rc = EX_DATAERR;

	if ((password = evchatd_new_password()) == NULL)
		return (rc);
	if (auth_hash(password, hash, sizeof hash) != 0) {
		fprintf(stderr, "%s: cannot hash the password: %s\n",
		    SERVER_NAME, strerror(errno));
		rc = 1;
	} else {
		printf("password = %s\n", hash);
		rc = fflush(stdout) == 0 ? 0 : EX_IOERR;
	}
	evchatd_forget(password);
	return (rc);
}

/*
 * --account ACTION [NICK] on the configured store; the password of add
 * and passwd from stdin only, never from the command line (ps shows it).
 */
static int
evchatd_account(struct config *cf, int argc, char **argv)
{
	const char	*action, *nick;
	char		 err[1024];
	int		 rc;

	config_args_account(argc, argv, &action, &nick);
	log_open(cf->log_level, false);
	rc = admin_account(cf, action, nick, evchatd_new_password, stdout,
	    err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "%s: --account %s: %s\n", SERVER_NAME, action,
		    err);
	config_free(cf);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct config	*cf;
	struct server	*s;
	sigset_t	 set;
	char		 err[1024];
	int		 action, rc;

	if ((action = config_args_action(argc, argv, err, sizeof err)) < 0) {
		fprintf(stderr, "%s: %s\n", SERVER_NAME, err);
		fprintf(stderr, "Try '%s --help'.\n", SERVER_NAME);
		return (EX_USAGE);
	}
	switch (action) {
	case CONFIG_HELP:
		config_usage(stdout);
		return (fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_VERSION:
		printf("%s %s\n", SERVER_NAME, PACKAGE_VERSION);
		return (fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_HASH_PASSWORD:
		return (evchatd_hash_password());
	}

	if ((cf = config_from_args(argc, argv, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", SERVER_NAME, err);
		return (EX_CONFIG);
	}
	if (action == CONFIG_ACCOUNT)
		return (evchatd_account(cf, argc, argv));
	if (action == CONFIG_CHECK) {
		/* A certificate that does not load would stop the start. */
		if (tls_check(cf, err, sizeof err) != 0) {
			fprintf(stderr, "%s: %s\n", SERVER_NAME, err);
			config_free(cf);
			return (EX_CONFIG);
		}
		config_print(cf, stdout);
		config_free(cf);
		return (fflush(stdout) == 0 ? 0 : EX_IOERR);
	}

	/* A peer closing mid-write must be an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	log_open(cf->log_level, cf->syslog);
	/* server_new owns cf from here on, also when it fails. */
	if ((s = server_new(cf, argc, argv, &rc)) == NULL)
		return (rc);
	rc = server_run(s);
	/*
	 * Freeing the signal events gives back their default actions, which
	 * terminate: a second SIGTERM (or any SIGHUP) now would turn a clean
	 * stop into death by signal.  Blocked, they die with the process.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	server_free(s);
	return (rc);
}

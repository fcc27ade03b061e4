/* evchatd.c: main() of the chat daemon: turns the command line into a configuration, an action and an
 * exit status, then hands over to the server; it knows nothing of the protocol or of the loop. */

#include <signal.h>
#include <stdio.h>
#include <sysexits.h>

#include "config.h"
#include "server.h"

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
	}

	if ((cf = config_from_args(argc, argv, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: %s\n", SERVER_NAME, err);
		return (EX_CONFIG);
	}
	if (action == CONFIG_CHECK) {
		config_print(cf, stdout);
		config_free(cf);
		return (fflush(stdout) == 0 ? 0 : EX_IOERR);
	}

	/* A peer closing mid-write must be an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	log_open(cf->log_level, cf->syslog);
	/* server_new owns cf from here on, also when it fails. */
	if ((s = server_new(cf, argc, argv)) == NULL)
		return (1);
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

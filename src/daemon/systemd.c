/* systemd.c: systemd's documented notify, socket-activation and watchdog protocols, spoken from the
 * environment without libsystemd so that every build can notify; it knows nothing of the server. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define SYSTEMD_LISTEN_FDS_START	3

/* A decimal environment value, or -1 when unset or not a number. */
static int
systemd_env_number(const char *name, unsigned long long *out)
{
	const char	*s;
	char		*end;

	if ((s = getenv(name)) == NULL || *s < '0' || *s > '9')
		return (-1);
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return (-1);
	return (0);
}

/*
 * Sends state as one datagram to $NOTIFY_SOCKET, a path or, with a leading
 * '@', an abstract socket.  A socket per call keeps no state between calls;
 * they are a handful in the daemon's life and one per watchdog period.
 */
int
systemd_notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 sunlen;
	size_t			 len, plen;
	ssize_t			 n;
	int			 fd;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return (0);
	plen = strlen(path);
	if ((*path != '/' && *path != '@') || plen >= sizeof sun.sun_path) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (*path == '@')
		sun.sun_path[0] = '\0';
	/* An abstract name is exactly its bytes: no trailing NUL counted. */
	sunlen = offsetof(struct sockaddr_un, sun_path) + plen;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	len = strlen(state);
	n = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    sunlen);
	close(fd);
	return (n == (ssize_t)len ? 0 : -1);
}

/*
 * The number of listening sockets passed from fd 3 on, when they are meant
 * for this process; the variables are removed so that nothing started later
 * takes them for its own.  -1 when the variables are malformed.
 */
int
systemd_listen_fds(void)
{
	unsigned long long	pid, n, fd;
	int			rc = 0;

	if (systemd_env_number("LISTEN_PID", &pid) != 0)
		goto out;
	if (pid != (unsigned long long)getpid())
		goto out;
	if (systemd_env_number("LISTEN_FDS", &n) != 0 || n == 0 ||
	    n > INT_MAX - SYSTEMD_LISTEN_FDS_START) {
		rc = -1;
		goto out;
	}
	for (fd = SYSTEMD_LISTEN_FDS_START;
	    fd < SYSTEMD_LISTEN_FDS_START + n; fd++) {
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			rc = -1;
			goto out;
		}
	}
	rc = n;
out:
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (rc);
}

/* The watchdog period asked of this process, 0 for none. */
unsigned long long
systemd_watchdog_usec(void)
{
	unsigned long long	usec, pid;

	if (systemd_env_number("WATCHDOG_USEC", &usec) != 0)
		return (0);
	if (getenv("WATCHDOG_PID") != NULL &&
	    (systemd_env_number("WATCHDOG_PID", &pid) != 0 ||
	    pid != (unsigned long long)getpid()))
		return (0);
	return (usec);
}

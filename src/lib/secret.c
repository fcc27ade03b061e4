/* secret.c: whether a file that holds a secret (a password, or its hash) is its owner's alone; shared
 * by the daemon's password-file and the client's --password-file; it reads nothing from the file. */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/*
 * NULL when the file open on fd is fit to hold a secret, or why not in
 * buf: fstat failed, it is not a regular file (when regular is true; a
 * pipe, as from a password manager, leaks nothing), or its group or others
 * may read or write it, which gives them the secret or the means to change
 * it.  The caller puts the file's name before the reason: "password-file F
 * is open to others (mode 0644): chmod 600 it".
 */
const char *
secret_check(int fd, bool regular, char *buf, size_t len)
{
	struct stat	sb;

	if (fstat(fd, &sb) != 0)
		snprintf(buf, len, "cannot be checked: %s", strerror(errno));
	else if (!S_ISREG(sb.st_mode) && regular)
		snprintf(buf, len, "is not a regular file");
	else if (S_ISREG(sb.st_mode) && (sb.st_mode & (S_IRWXG | S_IRWXO)))
		snprintf(buf, len, "is open to others (mode %04o): chmod 600 "
		    "it", (unsigned int)(sb.st_mode & 07777));
	else
		return (NULL);
	return (buf);
}

/* cli-media.c: evchat-cli's audio and file messages: reading and sending a local file with its guessed
 * mime type, and saving received ones safely into the download directory; it knows nothing of the terminal. */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

#define CLI_MEDIA_DEFAULT_MIME	"application/octet-stream"
#define CLI_MEDIA_DEFAULT_NAME	"download"
#define CLI_MEDIA_NAME_MAX	200	/* bytes, leaving room for ".N" */

static const struct {
	const char	*ext;
	const char	*mime;
} cli_media_types[] = {
	{ "gif",	"image/gif" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "m4a",	"audio/mp4" },
	{ "mp3",	"audio/mpeg" },
	{ "ogg",	"audio/ogg" },
	{ "opus",	"audio/opus" },
	{ "pdf",	"application/pdf" },
	{ "png",	"image/png" },
	{ "txt",	"text/plain" },
	{ "wav",	"audio/wav" },
};

/* The mime type of a file name, from its extension. */
const char *
cli_media_mime(const char *name)
{
	const char	*dot;
	size_t		 i;

	if ((dot = strrchr(name, '.')) == NULL || dot == name)
		return (CLI_MEDIA_DEFAULT_MIME);
	for (i = 0; i < nitems(cli_media_types); i++) {
		if (strcasecmp(dot + 1, cli_media_types[i].ext) == 0)
			return (cli_media_types[i].mime);
	}
	return (CLI_MEDIA_DEFAULT_MIME);
}

/*
 * Read the regular file at path, at most max bytes, into *data.  O_NONBLOCK
 * keeps a FIFO given by mistake from hanging the client before fstat can
 * refuse it.
 */
static ssize_t
cli_media_read(const char *path, size_t max, unsigned char **data,
    char **cause)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 size, done = 0;
	int		 fd;

	*data = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		*cause = cli_xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = cli_xasprintf("%s: not a regular file", path);
		close(fd);
		return (-1);
	}
	if ((unsigned long long)st.st_size > max) {
		*cause = cli_xasprintf("%s is %lld bytes, over the server's "
		    "limit of %zu bytes", path, (long long)st.st_size, max);
		close(fd);
		return (-1);
	}
	size = (size_t)st.st_size;
	*data = cli_xmalloc(size + 1);
	while (done < size + 1) {
		if ((n = read(fd, *data + done, size + 1 - done)) == -1) {
			if (errno == EINTR)
				continue;
			*cause = cli_xasprintf("%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (*cause == NULL && done != size)
		*cause = cli_xasprintf("%s: changed while being read", path);
	if (*cause != NULL) {
		free(*data);
		*data = NULL;
		return (-1);
	}
	return ((ssize_t)size);
}

/*
 * Send the file at path to room as kind ("audio" or "file").  Files over
 * the server's max_media are refused here, before any byte goes out, with
 * a reason the user can act on.
 */
int
cli_media_send(struct cli *cli, const char *room, const char *kind,
    const char *path, char **cause)
{
	const char	*name;
	unsigned char	*data;
	char		*b64;
	ssize_t		 size;
	cJSON		*req;
	int		 rc;

	*cause = NULL;
	name = (name = strrchr(path, '/')) != NULL ? name + 1 : path;
	if (!name_file_valid(name)) {
		*cause = cli_xasprintf("%s: not a file name the server takes",
		    path);
		return (-1);
	}
	if ((size = cli_media_read(path, cli->max_media, &data, cause)) == -1)
		return (-1);
	b64 = cli_xmalloc(base64_encoded_len((size_t)size) + 1);
	base64_encode(data, (size_t)size, b64);
	free(data);

	/* The encoded data is large: let cJSON point at it, not copy it. */
	req = cli_net_request(cli, "msg");
	cJSON_AddStringToObject(req, "room", room);
	cJSON_AddStringToObject(req, "kind", kind);
	cJSON_AddStringToObject(req, "mime", cli_media_mime(name));
	cJSON_AddStringToObject(req, "name", name);
	cJSON_AddItemToObject(req, "data", cJSON_CreateStringReference(b64));
	rc = cli_net_send(cli, req);
	free(b64);
	if (rc == -1) {
		*cause = cli_xasprintf("%s: too large for the server's frames "
		    "(max_frame %zu bytes)", path, cli->max_frame);
		return (-1);
	}
	return (0);
}

/*
 * Reduce a sender's file name to one safe to create in the download
 * directory: only the part after the last '/' or '\', control characters
 * and leading dots made '_' (no "..", no hidden files), cut at a character
 * boundary to leave room for a ".N" suffix, never empty.  Returns the
 * length written to out (outlen bytes at least CLI_MEDIA_NAME_MAX + 1).
 */
size_t
cli_media_safe_name(const char *name, char *out, size_t outlen)
{
	const char	*p, *end;
	uint32_t	 cp;
	size_t		 n = 0, max, i;

	max = outlen - 1 < CLI_MEDIA_NAME_MAX ? outlen - 1 : CLI_MEDIA_NAME_MAX;
	if (name == NULL)
		name = "";
	for (p = name; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			name = p + 1;
	}
	end = name + strlen(name);
	while (name < end && n < max) {
		p = name;
		if (utf8_next(&name, end, &cp) != 0) {
			name = p + 1;
			out[n++] = '_';
			continue;
		}
		if (name_is_control(cp)) {
			out[n++] = '_';
			continue;
		}
		if (n + (size_t)(name - p) > max)
			break;
		memcpy(out + n, p, (size_t)(name - p));
		n += (size_t)(name - p);
	}
	for (i = 0; i < n && out[i] == '.'; i++)
		out[i] = '_';
	if (n == 0) {
		n = strlen(CLI_MEDIA_DEFAULT_NAME);
		memcpy(out, CLI_MEDIA_DEFAULT_NAME, n);
	}
	out[n] = '\0';
	return (n);
}

/*
 * Create name, or name.1, name.2 ... in the download directory, never
 * replacing anything: O_EXCL also refuses to follow a planted symlink.
 */
static int
cli_media_create(struct cli *cli, const char *name, char *final, size_t len)
{
	int	fd, i;

	for (i = 0; i < CLI_SAVE_TRIES; i++) {
		if (i == 0)
			snprintf(final, len, "%s", name);
		else
			snprintf(final, len, "%s.%d", name, i);
		fd = openat(cli->download_fd, final,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd != -1 || errno != EEXIST)
			return (fd);
	}
	errno = EEXIST;
	return (-1);
}

/*
 * Save the audio or file message obj into the download directory.  Returns
 * the path written (the caller frees it), or NULL and *cause.
 */
char *
cli_media_save(struct cli *cli, const cJSON *obj, char **cause)
{
	const char	*data, *dir;
	char		 safe[CLI_MEDIA_NAME_MAX + 1];
	char		 final[CLI_MEDIA_NAME_MAX + 16];
	unsigned char	*buf;
	ssize_t		 size, n;
	size_t		 len, done = 0;
	int		 fd;

	*cause = NULL;
	if ((data = json_get_string(obj, "data")) == NULL ||
	    (size = base64_decoded_len(data, strlen(data))) == -1) {
		*cause = cli_xstrdup("no valid data");
		return (NULL);
	}
	buf = cli_xmalloc((size_t)size + 1);
	len = base64_decode(data, strlen(data), buf);

	cli_media_safe_name(json_get_string(obj, "name"), safe, sizeof safe);
	if ((fd = cli_media_create(cli, safe, final, sizeof final)) == -1) {
		*cause = cli_xasprintf("%s/%s: %s", cli->download_dir, safe,
		    strerror(errno));
		free(buf);
		return (NULL);
	}
	while (done < len) {
		if ((n = write(fd, buf + done, len - done)) == -1) {
			if (errno == EINTR)
				continue;
			*cause = cli_xasprintf("%s/%s: %s", cli->download_dir,
			    final, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	free(buf);
	if (close(fd) == -1 && *cause == NULL)
		*cause = cli_xasprintf("%s/%s: %s", cli->download_dir, final,
		    strerror(errno));
	if (*cause != NULL) {
		unlinkat(cli->download_fd, final, 0);
		return (NULL);
	}
	dir = cli->download_dir;
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	return (cli_xasprintf("%.*s%s%s", (int)len, dir,
	    dir[len - 1] == '/' ? "" : "/", final));
}

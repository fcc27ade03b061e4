/* web.c: the web page's files, built into evchatd or read from web-root at start and reload, each with its
 * responses (200, HEAD, 304) made once and shared by reference; it knows no socket, request or client. */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "server.h"

#define WEB_FILES_MAX	1024		/* files in web-root */
#define WEB_BYTES_MAX	(64 << 20)	/* their bytes in all */
#define WEB_DEPTH_MAX	8		/* folders deep */

/*
 * Nothing but the page's own files and the WebSocket: no inline script or
 * style, no frame around it, no plugin.  Recordings, files and pictures
 * the page makes from messages are blob: or data: URLs.
 */
#define WEB_CSP \
	"default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' blob: data:; media-src 'self' blob: data:; " \
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; " \
	"form-action 'none'; frame-ancestors 'none'"

/* The headers every response carries. */
#define WEB_HEADERS \
	"Content-Security-Policy: " WEB_CSP "\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n"

/*
 * A file's response head: its type, length and validator (the page is
 * checked for a new version on each load, and a 304 costs little).
 */
#define WEB_FILE_HEAD \
	"HTTP/1.1 200 OK\r\n" \
	"Content-Type: %s\r\n" \
	"Content-Length: %zu\r\n" \
	"ETag: %s\r\n" \
	"Cache-Control: no-cache\r\n" \
	WEB_HEADERS \
	"\r\n"

static const struct {
	const char	*ext;
	const char	*type;
} web_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".webp", "image/webp" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const struct {
	int		 status;
	const char	*text;
} web_statuses[] = {
	{ 200, "OK" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 413, "Content Too Large" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

/* The Content-Type of a path by its extension, or NULL: not served. */
static const char *
web_type(const char *path)
{
	const char	*dot = strrchr(path, '.');
	size_t		 i;

	for (i = 0; dot != NULL && i < nitems(web_types); i++) {
		if (strcmp(dot, web_types[i].ext) == 0)
			return (web_types[i].type);
	}
	return (NULL);
}

static const char *
web_status_text(int status)
{
	size_t	i;

	for (i = 0; i < nitems(web_statuses); i++) {
		if (web_statuses[i].status == status)
			return (web_statuses[i].text);
	}
	return ("Error");
}

/* A frame of the text fmt makes, followed by body (len bytes) if any. */
static struct frame * __attribute__((format(printf, 4, 5)))
web_frame(const char *body, size_t len, bool with_body, const char *fmt, ...)
{
	struct frame	*f;
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (f = frame_alloc_raw(n + 1 + (with_body ?
	    len : 0))) == NULL)
		return (NULL);
	va_start(ap, fmt);
	vsnprintf((char *)f->bytes, n + 1, fmt, ap);
	va_end(ap);
	if (with_body && len > 0)
		memcpy(f->bytes + n, body, len);
	f->size = n + (with_body ? len : 0);
	return (f);
}

/*
 * A response with a short plain-text body, the status text unless body is
 * given; headers (whole "Name: value\r\n" lines) or NULL.  The connection
 * closes after it: it answers a request that was refused.  Called by
 * face-http.c for its refusals.
 */
struct frame *
web_response(int status, const char *headers, const char *body)
{
	char	text[128];

	if (body == NULL) {
		snprintf(text, sizeof text, "%d %s\n", status,
		    web_status_text(status));
		body = text;
	}
	return (web_frame(body, strlen(body), true,
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    WEB_HEADERS
	    "%s"
	    "Connection: close\r\n"
	    "\r\n", status, web_status_text(status), strlen(body),
	    headers != NULL ? headers : ""));
}

/* A strong validator from the bytes: a change of content changes it. */
static int
web_etag(const unsigned char *bytes, size_t len, char *etag, size_t size)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen;

	if (EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return (-1);
	snprintf(etag, size, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0],
	    md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	return (0);
}

/* Add the file at path (as requested) holding len bytes. */
static int
web_add(struct web *w, const char *path, const unsigned char *bytes,
    size_t len, char *err, size_t errlen)
{
	struct web_file	*wf;
	const char	*type;

	if ((type = web_type(path)) == NULL)
		return (0);	/* not a kind of file the page uses */
	if (w->nfiles == WEB_FILES_MAX || len > WEB_BYTES_MAX - w->bytes) {
		snprintf(err, errlen, "more than %d files or %d MiB",
		    WEB_FILES_MAX, WEB_BYTES_MAX >> 20);
		return (-1);
	}
	wf = reallocarray(w->files, w->nfiles + 1, sizeof *wf);
	if (wf == NULL)
		goto nomem;
	w->files = wf;
	wf = &w->files[w->nfiles];
	memset(wf, 0, sizeof *wf);
	wf->type = type;
	if ((wf->path = strdup(path)) == NULL ||
	    web_etag(bytes, len, wf->etag, sizeof wf->etag) != 0)
		goto fail;
	wf->get = web_frame((const char *)bytes, len, true, WEB_FILE_HEAD,
	    type, len, wf->etag);
	wf->head = web_frame(NULL, 0, false, WEB_FILE_HEAD, type, len,
	    wf->etag);
	wf->not_modified = web_frame(NULL, 0, false,
	    "HTTP/1.1 304 Not Modified\r\n"
	    "ETag: %s\r\n"
	    "Cache-Control: no-cache\r\n"
	    "\r\n", wf->etag);
	if (wf->get == NULL || wf->head == NULL || wf->not_modified == NULL)
		goto fail;
	w->nfiles++;
	w->bytes += len;
	return (0);

fail:
	free(wf->path);
	frame_unref(wf->get);
	frame_unref(wf->head);
	frame_unref(wf->not_modified);
nomem:
	snprintf(err, errlen, "out of memory");
	return (-1);
}

/* Read the regular file fd, of st's size, and add it as path. */
static int
web_read(struct web *w, int fd, const struct stat *st, const char *path,
    char *err, size_t errlen)
{
	unsigned char	*buf;
	size_t		 len = st->st_size, got = 0;
	ssize_t		 n;
	int		 rc;

	if (st->st_size > WEB_BYTES_MAX) {
		snprintf(err, errlen, "%s: larger than %d MiB", path,
		    WEB_BYTES_MAX >> 20);
		return (-1);
	}
	if ((buf = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			return (-1);
		}
		got += n;
	}
	rc = web_add(w, path, buf, got, err, errlen);
	free(buf);
	return (rc);
}

/*
 * Add every file of the folder dir (rel: its path as requested, "" for
 * web-root itself), and its folders' in turn.  Hidden names are skipped,
 * and names a URL would have to escape.
 */
static int
web_load_dir(struct web *w, int dir, const char *rel, int depth,
    char *err, size_t errlen)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 path[PATH_MAX];
	int		 fd, rc = 0;

	if ((d = fdopendir(dir)) == NULL) {
		snprintf(err, errlen, "%s/: %s", rel, strerror(errno));
		close(dir);
		return (-1);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_name[strspn(de->d_name,
		    "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", rel,
		    de->d_name) >= sizeof path)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC |
		    O_NONBLOCK);
		if (fd == -1 || fstat(fd, &st) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			rc = -1;
		} else if (S_ISDIR(st.st_mode) && depth < WEB_DEPTH_MAX)
			rc = web_load_dir(w, fd, path, depth + 1, err, errlen);
		else {
			if (S_ISREG(st.st_mode))
				rc = web_read(w, fd, &st, path, err, errlen);
			close(fd);
		}
	}
	closedir(d);
	return (rc);
}

/*
 * The page's files for cf: web-root's when it is set, else the ones built
 * in.  Called at start and on reload; NULL and err when they cannot be
 * read (a reload then keeps the files in use).
 */
struct web *
web_new(const struct config *cf, char *err, size_t errlen)
{
	struct web	*w;
	size_t		 i;
	int		 fd, rc = 0;
	char		 why[PATH_MAX + 64];

	if ((w = calloc(1, sizeof *w)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (cf->web_root == NULL) {
		for (i = 0; rc == 0 && i < web_nbuiltin; i++)
			rc = web_add(w, web_builtin[i].path,
			    web_builtin[i].bytes, web_builtin[i].size, why,
			    sizeof why);
	} else if ((fd = open(cf->web_root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		snprintf(why, sizeof why, "%s", strerror(errno));
		rc = -1;
	} else
		rc = web_load_dir(w, fd, "", 0, why, sizeof why);
	if (rc == 0 && web_find(w, "/", 1) == NULL) {
		snprintf(why, sizeof why, "no index.html");
		rc = -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "web-root %s: %s", cf->web_root != NULL ?
		    cf->web_root : "(built in)", why);
		web_free(w);
		return (NULL);
	}
	return (w);
}

void
web_free(struct web *w)
{
	size_t	i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nfiles; i++) {
		free(w->files[i].path);
		frame_unref(w->files[i].get);
		frame_unref(w->files[i].head);
		frame_unref(w->files[i].not_modified);
	}
	free(w->files);
	free(w);
}

/* The file at a request's path (len bytes, no query), "/" the index. */
const struct web_file *
web_find(const struct web *w, const char *path, size_t len)
{
	size_t	i;

	if (len == 1 && path[0] == '/') {
		path = "/index.html";
		len = strlen(path);
	}
	for (i = 0; i < w->nfiles; i++) {
		if (strncmp(w->files[i].path, path, len) == 0 &&
		    w->files[i].path[len] == '\0')
			return (&w->files[i]);
	}
	return (NULL);
}

/* irc.c: IRC lines (RFC 1459/2812 with IRCv3 message tags): one line parsed into its parts, text from
 * Latin-1 made UTF-8, tag values escaped and unescaped, cuts at a character; it knows no client or server. */

#include <ctype.h>
#include <string.h>

#include <event2/buffer.h>

#include "server.h"
#include "irc.h"

/*
 * Split line (NUL-terminated, no CR or LF, changed in place) into m: the
 * tags as sent (without '@'), the source (without ':'), the command in
 * upper case and up to IRC_PARAMS_MAX parameters, the last of which may
 * hold spaces when it starts with ':' or is the fifteenth.  Returns -1
 * when there is no command.
 */
int
irc_parse(char *line, struct irc_msg *m)
{
	char	*p = line, *q;

	memset(m, 0, sizeof *m);
	if (*p == '@') {
		m->tags = ++p;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
	}
	p += strspn(p, " ");
	if (*p == ':') {
		m->source = ++p;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
	}
	p += strspn(p, " ");
	if (*p == '\0')
		return (-1);
	m->cmd = p;
	p += strcspn(p, " ");
	if (*p != '\0')
		*p++ = '\0';
	for (q = m->cmd; *q != '\0'; q++)
		*q = toupper((unsigned char)*q);
	while (m->nparams < IRC_PARAMS_MAX) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		if (*p == ':' || m->nparams == IRC_PARAMS_MAX - 1) {
			m->param[m->nparams++] = p + (*p == ':');
			break;
		}
		m->param[m->nparams++] = p;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
	}
	return (0);
}

/*
 * The value of tag key of m (its client-only "+" form too, when key
 * starts with '+'), unescaped into buf (len bytes); NULL when absent.
 */
const char *
irc_tag(const struct irc_msg *m, const char *key, char *buf, size_t len)
{
	const char	*p = m->tags, *v;
	size_t		 klen = strlen(key), o = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && (p[klen] == '=' ||
		    p[klen] == ';' || p[klen] == '\0')) {
			v = p + klen + (p[klen] == '=');
			for (; *v != '\0' && *v != ';' && o + 1 < len; v++) {
				if (*v != '\\') {
					buf[o++] = *v;
					continue;
				}
				switch (*++v) {
				case ':':
					buf[o++] = ';';
					break;
				case 's':
					buf[o++] = ' ';
					break;
				case 'r':
					buf[o++] = '\r';
					break;
				case 'n':
					buf[o++] = '\n';
					break;
				case '\0':
					v--;	/* a lone backslash at the end */
					break;
				default:
					buf[o++] = *v;
					break;
				}
			}
			buf[o] = '\0';
			return (buf);
		}
		p = strchr(p, ';');
		p = p != NULL ? p + 1 : NULL;
	}
	return (NULL);
}

/* Append s to b as a tag value: ';', space, '\', CR and LF escaped. */
void
irc_tag_escape(struct evbuffer *b, const char *s)
{
	size_t	n;

	while (*s != '\0') {
		n = strcspn(s, "; \\\r\n");
		evbuffer_add(b, s, n);
		s += n;
		switch (*s) {
		case ';':
			evbuffer_add(b, "\\:", 2);
			break;
		case ' ':
			evbuffer_add(b, "\\s", 2);
			break;
		case '\\':
			evbuffer_add(b, "\\\\", 2);
			break;
		case '\r':
			evbuffer_add(b, "\\r", 2);
			break;
		case '\n':
			evbuffer_add(b, "\\n", 2);
			break;
		default:
			return;
		}
		s++;
	}
}

/*
 * s (len bytes) as UTF-8 into out (size bytes, at least 2 * len + 1):
 * copied when it is valid UTF-8, else read as Latin-1, the encoding of
 * most IRC clients that are not set to UTF-8.  Returns the length.
 */
size_t
irc_utf8(const char *s, size_t len, char *out, size_t size)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, o = 0;

	if (utf8_valid(s, len)) {
		len = len < size ? len : size - 1;
		memcpy(out, s, len);
		out[len] = '\0';
		return (len);
	}
	for (i = 0; i < len && o + 2 < size; i++) {
		if (u[i] < 0x80)
			out[o++] = u[i];
		else {
			out[o++] = 0xc0 | u[i] >> 6;
			out[o++] = 0x80 | (u[i] & 0x3f);
		}
	}
	out[o] = '\0';
	return (o);
}

/*
 * The bytes of s (len bytes of UTF-8) that fit in max without cutting a
 * character: where a long line or message is split.
 */
size_t
irc_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (len);
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (max);
}

/* Whether a nick can travel in IRC's lines and masks unharmed. */
bool
irc_nick_ok(const char *nick)
{
	return (nick[0] != '\0' && strchr("$&+~%-'0123456789", nick[0]) ==
	    NULL && strpbrk(nick, "!*?.") == NULL);
}

/* errcode.c: the table of protocol error codes (stable wire strings) and their one-line messages,
 * shared by the daemon that sends them and the clients that show them; it knows nothing of when they apply. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

static const struct {
	const char	*name;
	const char	*message;
} errcode_table[ERR__COUNT] = {
	[ERR_BAD_FRAME] = { "bad_frame",
	    "frame is not a JSON object with a string type" },
	[ERR_FRAME_TOO_LARGE] = { "frame_too_large",
	    "frame is larger than max_frame" },
	[ERR_NOT_REGISTERED] = { "not_registered",
	    "send hello first" },
	[ERR_ALREADY_REGISTERED] = { "already_registered",
	    "hello was already sent" },
	[ERR_INVALID_NICK] = { "invalid_nick",
	    "nick must be 1 to 32 characters, no spaces, controls or , : # @ /" },
	[ERR_NICK_TAKEN] = { "nick_taken",
	    "nick is already in use" },
	[ERR_INVALID_ROOM] = { "invalid_room",
	    "room name must be 1 to 64 characters, no spaces, controls or ," },
	[ERR_ALREADY_IN_ROOM] = { "already_in_room",
	    "already a member of that room" },
	[ERR_NOT_IN_ROOM] = { "not_in_room",
	    "not a member of that room" },
	[ERR_NO_SUCH_USER] = { "no_such_user",
	    "user is not online" },
	[ERR_NO_SUCH_ROOM] = { "no_such_room",
	    "room does not exist" },
	[ERR_BAD_REQUEST] = { "bad_request",
	    "a field is missing or of the wrong type" },
	[ERR_UNKNOWN_TYPE] = { "unknown_type",
	    "unknown message type" },
	[ERR_TEXT_TOO_LONG] = { "text_too_long",
	    "text is longer than max_text" },
	[ERR_MEDIA_TOO_LARGE] = { "media_too_large",
	    "media is larger than max_media" },
	[ERR_TOO_MANY_ROOMS] = { "too_many_rooms",
	    "joined too many rooms" },
	[ERR_RATE_LIMITED] = { "rate_limited",
	    "too many frames: slow down" },
	[ERR_SERVER_FULL] = { "server_full",
	    "server is full" },
	[ERR_ROOM_FULL] = { "room_full",
	    "room is full" },
	[ERR_BAD_PASSWORD] = { "bad_password",
	    "the server password is missing or wrong" },
	[ERR_UNAVAILABLE] = { "unavailable",
	    "the server cannot do that now: try again later" },
	[ERR_NICK_REGISTERED] = { "nick_registered",
	    "nick is registered: its account password is needed" },
	[ERR_INSECURE] = { "insecure",
	    "passwords travel over TLS or loopback only" },
	[ERR_NOT_PERMITTED] = { "not_permitted",
	    "not permitted" },
	[ERR_MUTED] = { "muted",
	    "muted in that room" },
	[ERR_BANNED] = { "banned",
	    "banned from that room or server" },
};

const char *
errcode_name(enum errcode e)
{
	if ((unsigned)e >= ERR__COUNT)
		return ("unknown");
	return (errcode_table[e].name);
}

const char *
errcode_message(enum errcode e)
{
	if ((unsigned)e >= ERR__COUNT)
		return ("unknown error");
	return (errcode_table[e].message);
}

/*
 * The message of an error into buf: fmt's, or the code's own when fmt is
 * NULL; a long one cut short on a character boundary, so that a name in
 * it never ends inside a character.
 */
void
errcode_vformat(char *buf, size_t len, enum errcode e, const char *fmt,
    va_list ap)
{
	int	n;

	if (fmt == NULL) {
		snprintf(buf, len, "%s", errcode_message(e));
		return;
	}
	n = vsnprintf(buf, len, fmt, ap);
	if (n >= 0 && (size_t)n >= len)
		buf[utf8_trim(buf, len - 1)] = '\0';
}

/* The code named s, or -1. */
int
errcode_lookup(const char *s)
{
	int	i;

	for (i = 0; i < ERR__COUNT; i++) {
		if (strcmp(errcode_table[i].name, s) == 0)
			return (i);
	}
	return (-1);
}

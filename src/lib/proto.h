/* proto.h: the evchat library shared by evchatd, evchat-cli, evchat-bench and the tests: frame codec, JSON,
 * validators, error codes, addresses as text, timevals, secret files; it knows nothing of rooms or clients. */

#ifndef EVCHAT_PROTO_H
#define EVCHAT_PROTO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <cjson/cJSON.h>

struct evbuffer;
struct timeval;

/* Number of elements of a static table. */
#ifndef nitems
#define nitems(a)		(sizeof (a) / sizeof (a)[0])
#endif

#define PROTO_VERSION		1

#define FRAME_HEADER		4		/* big-endian payload length */
#define FRAME_MAX_DEFAULT	262144		/* max_frame: largest payload */
#define TEXT_MAX_DEFAULT	4096		/* max_text, in bytes */
#define MEDIA_MAX_DEFAULT	(160 * 1024)	/* max_media, decoded bytes */

#define NAME_NICK_MAX		32		/* code points */
#define NAME_ROOM_MAX		64		/* code points */
#define NAME_STICKER_MAX	64		/* bytes */
#define NAME_FILE_MAX		255		/* bytes */
#define NAME_MIME_MAX		127		/* bytes */
/* Bytes of a name's NFC form with its NUL, of its key, of a nick's skeleton. */
#define NAME_NICK_SIZE		(NAME_NICK_MAX * 4 + 1)
#define NAME_ROOM_SIZE		(NAME_ROOM_MAX * 4 + 1)
#define NAME_FOLD_MAX		(NAME_ROOM_MAX * 12)
#define NAME_SKEL_MAX		(NAME_NICK_MAX * 32)
#define PROTO_ID_MAX		64		/* bytes of a request "id" */

/* frame.c: the codec over evbuffers. */
enum frame_status {
	FRAME_NEED,		/* not a whole frame yet */
	FRAME_OK,		/* a whole frame is at the front */
	FRAME_EMPTY,		/* header says L = 0: a framing error */
	FRAME_TOO_LARGE		/* header says L > max_frame: a framing error */
};

/*
 * A serialized frame (header and payload), built once and queued to any
 * number of output buffers.  Reference counted: the builder holds one
 * reference and drops it with frame_unref when done.
 */
struct frame {
	unsigned int	refs;
	size_t		size;		/* FRAME_HEADER + payload length */
	unsigned char	bytes[];
};

enum frame_status frame_peek(struct evbuffer *, size_t, size_t *);
enum frame_status frame_decode(struct evbuffer *, size_t, const char **,
		    size_t *);
void		frame_consume(struct evbuffer *, size_t);
int		frame_encode(struct evbuffer *, const void *, size_t);
struct frame	*frame_alloc(size_t);
struct frame	*frame_alloc_raw(size_t);
void		 frame_truncate(struct frame *, size_t);
struct frame	*frame_new(const void *, size_t);
struct frame	*frame_ref(struct frame *);
void		 frame_unref(struct frame *);
int		 frame_queue(struct evbuffer *, struct frame *);
const char	*frame_status_string(enum frame_status);

/* json.c: payload <-> cJSON object. */
enum json_status {
	JSON_OK,
	JSON_BAD_UTF8,		/* payload is not valid UTF-8 */
	JSON_BAD_SYNTAX,	/* not JSON, or trailing bytes after it */
	JSON_NOT_OBJECT,	/* JSON, but not an object */
	JSON_NO_TYPE		/* object without a string "type" */
};

/* The text of one top-level member as sent: key with its quotes, value. */
struct json_member {
	const char	*key;
	size_t		 keylen;
	const char	*value;
	size_t		 valuelen;
};

enum json_status json_parse(const char *, size_t, cJSON **, const char **);
bool		 json_parse_flat(const char *, size_t, char *, size_t, cJSON **,
		     const char **);
cJSON		*json_duplicate(const cJSON *);
bool		 json_member_next(const char *, size_t, size_t *,
		     struct json_member *);
bool		 json_member_is(const struct json_member *, const char *);
const char	*json_member_text(const char *, size_t, const char *,
		     size_t *);
const char	*json_status_string(enum json_status);
struct frame	*json_frame(const cJSON *);
int		 json_encode(struct evbuffer *, const cJSON *);
const char	*json_get_string(const cJSON *, const char *);
size_t		 json_string_len(const char *);
char		*json_put_string(char *, const char *);

/* utf8.c: strict UTF-8. */
int		 utf8_next(const char **, const char *, uint32_t *);
bool		 utf8_valid(const char *, size_t);
ssize_t		 utf8_count(const char *, size_t);
size_t		 utf8_trim(const char *, size_t);

/* name.c: nick, room, sticker, file and mime names; NFC, folding, skeletons. */
bool		 name_is_control(uint32_t);
bool		 name_is_space(uint32_t);
bool		 name_is_hidden(uint32_t);
bool		 name_is_ascii(const char *);
int		 name_nick_norm(const char *, char *, size_t);
int		 name_room_norm(const char *, char *, size_t);
bool		 name_nick_valid(const char *);
bool		 name_room_valid(const char *);
bool		 name_sticker_valid(const char *);
bool		 name_file_valid(const char *);
bool		 name_mime_valid(const char *);
int		 name_casefold(const char *, char *, size_t);
int		 name_skeleton(const char *, char *, size_t);
int		 name_cmp(const char *, const char *);
void		 name_cleanup(void);

/* base64.c: standard alphabet, padding required. */
ssize_t		 base64_decoded_len(const char *, size_t);
bool		 base64_valid(const char *, size_t);
size_t		 base64_decode(const char *, size_t, unsigned char *);
size_t		 base64_encoded_len(size_t);
size_t		 base64_encode(const unsigned char *, size_t, char *);

/* errcode.c: the protocol's error codes, stable strings. */
enum errcode {
	ERR_BAD_FRAME,
	ERR_FRAME_TOO_LARGE,
	ERR_NOT_REGISTERED,
	ERR_ALREADY_REGISTERED,
	ERR_INVALID_NICK,
	ERR_NICK_TAKEN,
	ERR_INVALID_ROOM,
	ERR_ALREADY_IN_ROOM,
	ERR_NOT_IN_ROOM,
	ERR_NO_SUCH_USER,
	ERR_NO_SUCH_ROOM,
	ERR_BAD_REQUEST,
	ERR_UNKNOWN_TYPE,
	ERR_TEXT_TOO_LONG,
	ERR_MEDIA_TOO_LARGE,
	ERR_TOO_MANY_ROOMS,
	ERR_RATE_LIMITED,
	ERR_SERVER_FULL,
	ERR_ROOM_FULL,
	ERR_BAD_PASSWORD,
	ERR_UNAVAILABLE,
	ERR_NICK_REGISTERED,
	ERR_INSECURE,
	ERR_NOT_PERMITTED,
	ERR_MUTED,
	ERR_BANNED,
	ERR__COUNT
};

const char	*errcode_name(enum errcode);
const char	*errcode_message(enum errcode);
void		 errcode_vformat(char *, size_t, enum errcode, const char *,
		     va_list);
int		 errcode_lookup(const char *);

/* addr.c: numeric "ADDR:PORT" and "[ADDR6]:PORT" as text. */
#define ADDR_STRLEN		(INET6_ADDRSTRLEN + 8)	/* "[", "]:PORT" */

int		 addr_split(const char *, char *, size_t, const char **);
int		 addr_parse(const char *, struct sockaddr_storage *,
		    socklen_t *, char *, size_t);
int		 addr_port(const struct sockaddr *);
int		 addr_format(const struct sockaddr *, char *, size_t);

/* timeval.c: durations for libevent's timers. */
struct timeval	*timeval_us(struct timeval *, uint64_t);
struct timeval	*timeval_ms(struct timeval *, uint64_t);

/* secret.c: a file holding a secret must be its owner's alone. */
const char	*secret_check(int, bool, char *, size_t);

#endif /* EVCHAT_PROTO_H */

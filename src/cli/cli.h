/* cli.h: the structures and functions of evchat-cli: the one client state, the connection, the command
 * table, the terminal, the output and media; the framing library (proto.h) stays below it. */

#ifndef EVCHAT_CLI_H
#define EVCHAT_CLI_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

struct bufferevent;
struct event;
struct event_base;
struct evbuffer;
struct evutil_addrinfo;
struct ssl_ctx_st;			/* OpenSSL's SSL_CTX */

#define CLI_NAME		"evchat-cli"
#define CLI_DEFAULT_SERVER	"127.0.0.1:7667"
#define CLI_DEFAULT_PORT	"7667"
#define CLI_DEFAULT_TLS_PORT	"7697"
#define CLI_TLS_SCHEME		"tls://"

/* Seconds: to connect, without write progress, past two heartbeats of
 * silence, and for bye after quit. */
#define CLI_CONNECT_TIMEOUT	10
#define CLI_WRITE_TIMEOUT	60
#define CLI_SILENCE_GRACE	10
#define CLI_QUIT_TIMEOUT	5

#define CLI_INPUT_MAX		65536		/* stdin read ahead */
#define CLI_OUTPUT_MAX		(256 * 1024)	/* unsent, pauses input */
#define CLI_NAMES_MAX		512		/* names remembered */
#define CLI_SAVE_TRIES		1000		/* name.1 ... name.999 */

/*
 * Room history: what a join replays at a terminal and a /history page by
 * default, the protocol's largest page, and the largest replay any
 * evchatd can be set to allow (its history-max-replay).
 */
#define CLI_HISTORY_DEFAULT	50
#define CLI_HISTORY_PAGE_MAX	100
#define CLI_HISTORY_MAX		10000000

enum cli_state {
	CLI_CONNECTING,		/* resolving and connecting */
	CLI_HELLO,		/* hello sent, no welcome yet */
	CLI_READY,		/* registered: lines are run */
	CLI_QUITTING		/* quit sent, waiting for bye */
};

/* cli-names.c: names in order of last use, newest last. */
struct cli_names {
	char		**v;
	size_t		  n;
};

void		 cli_names_add(struct cli_names *, const char *);
void		 cli_names_remove(struct cli_names *, const char *);
const char	*cli_names_find(const struct cli_names *, const char *);
const char	*cli_names_last(const struct cli_names *);
void		 cli_names_clear(struct cli_names *);

/* The whole client: there is no other state. */
struct cli {
	/* Options and environment. */
	char			*server;	/* [tls://]HOST:PORT */
	char			*nick;		/* asked for: in hello,
						   then by /nick */
	char			*download_dir;
	char			*password;	/* sent in hello, then wiped */
	char			*account_password; /* hello's, then wiped */
	char			*account_file;	/* --account-password-file */
	char			*ca_file;	/* --ca, or NULL: system's */
	bool			 tls;		/* server is tls:// */
	bool			 insecure;	/* no certificate check */
	bool			 json;
	bool			 no_echo;	/* hello echo:false, scripted */
	bool			 interactive;	/* stdin is a terminal */
	bool			 colour;
	int			 history;	/* replay asked on join, or 0;
						   -1 until settled */

	/* The loop and its events. */
	struct event_base	*base;
	struct bufferevent	*bev;
	struct ssl_ctx_st	*tls_ctx;
	char			*host;		/* of server, for TLS */
	struct evutil_addrinfo	*ai;		/* server addresses */
	struct evutil_addrinfo	*ai_next;	/* next to try */
	struct event		*ev_stdin;
	struct event		*ev_signals[4];
	struct event		*ev_quit;	/* bye is late */
	int			 download_fd;

	/* Input lines (typed or piped) waiting to run. */
	struct evbuffer		*lines;
	bool			 stdin_eof;
	bool			 in_line;	/* in line handler */
	char			*prompt;	/* without colours */
	size_t			 complete_next;	/* completion state */
	void			(*ask_cb)(struct cli *, const char *);
					/* takes the next line, or NULL */
	char			*ask_offer;	/* to pre-fill, or NULL */
	bool			 ask_secret;	/* not echoed, no history */
	char			*asked;		/* a secret kept for the
					   next question, or NULL */

	/* The session. */
	enum cli_state		 state;
	long long		 next_id;
	long long		 hello_id;
	long long		 wait_id;	/* lines wait for it */
	long long		 nick_id;	/* the last /nick's */
	char			*me;		/* registered nick */
	bool			 password_sent;
	bool			 account_sent;	/* account_password */
	size_t			 max_frame;
	size_t			 max_text;
	size_t			 max_media;
	unsigned int		 heartbeat;
	struct cli_names	 joined;	/* current room last */
	struct cli_names	 nicks;		/* seen, for completion */
	struct cli_names	 rooms;		/* seen, for completion */
	TAILQ_HEAD(, cli_history) histories;	/* cli-history.c's */
	bool			 history_refused; /* that large a replay:
						   page after joined */

	/* How it ends. */
	bool			 finished;
	int			 status;
	char			*cause;
};

/* cli.c */
void		 cli_finish(struct cli *, int, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 cli_input_update(struct cli *);
int		 cli_number(const char *, long, long, long *);
void		*cli_xmalloc(size_t);
char		*cli_password_read(const char *, char **);
void		 cli_forget(char **);
char		*cli_xstrdup(const char *);
char		*cli_xasprintf(const char *, ...)
		     __attribute__((format(printf, 1, 2)));

/* cli-net.c: the connection, frames in and out, protocol state. */
int		 cli_net_connect(struct cli *, char **);
void		 cli_net_hello(struct cli *);
void		 cli_net_nick_request(struct cli *, const char *,
		     const char *);
void		 cli_net_free(struct cli *);
size_t		 cli_net_number(const cJSON *, const char *, size_t);
cJSON		*cli_net_request(struct cli *, const char *);
int		 cli_net_send(struct cli *, cJSON *);
void		 cli_net_quit(struct cli *, const char *);
size_t		 cli_net_pending(struct cli *);
bool		 cli_net_is_me(struct cli *, const char *);

/* cli-tls.c: TLS to the server, checked against the trust store. */
int		 cli_tls_init(struct cli *, char **);
struct bufferevent *cli_tls_bufferevent(struct cli *);
char		*cli_tls_failure(struct cli *, short);
void		 cli_tls_free(struct cli *);

/* cli-cmd.c: input lines and the command table. */
enum cli_cmd_complete {
	CLI_COMPLETE_NONE,
	CLI_COMPLETE_ROOM,
	CLI_COMPLETE_NICK,
	CLI_COMPLETE_FILE
};

bool		 cli_cmd_ready(struct cli *);
void		 cli_cmd_drain(struct cli *);
void		 cli_cmd_send_wait(struct cli *, cJSON *);
const char	*cli_cmd_name(size_t);
enum cli_cmd_complete cli_cmd_completion(const char *, size_t);

/*
 * cli-history.c: each joined room's replay and pages, and the msgids seen
 * there, so that no message shows twice.
 */
struct cli_history;

void		 cli_history_join(struct cli *, cJSON *, const char *);
void		 cli_history_page(struct cli *, const char *, size_t);
bool		 cli_history_frame(struct cli *, const cJSON *, const char *);
bool		 cli_history_busy(struct cli *);
void		 cli_history_free(struct cli *);

/*
 * cli-display.c: received frames and local notices as output lines.  A
 * cli_display_fn gives the human line of one server message type in the
 * buffer, or returns -1 when the frame has none; cli-net.c's table of
 * types pairs each with the type's session update.
 */
typedef int	 cli_display_fn(struct cli *, struct evbuffer *, const cJSON *);

cli_display_fn	 cli_display_bye;
cli_display_fn	 cli_display_error;
cli_display_fn	 cli_display_history;
cli_display_fn	 cli_display_joined;
cli_display_fn	 cli_display_msg;
cli_display_fn	 cli_display_parted;
cli_display_fn	 cli_display_presence;
cli_display_fn	 cli_display_rooms;
cli_display_fn	 cli_display_welcome;
cli_display_fn	 cli_display_who;
cli_display_fn	 cli_display_whois;
cli_display_fn	 cli_display_reply;
void		 cli_display_frame(struct cli *, const cJSON *,
		     cli_display_fn *);
void		 cli_display_notice(struct cli *, bool, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
char		*cli_display_clean(const char *);

/* cli-tty.c: the interactive terminal through GNU Readline. */
int		 cli_tty_start(struct cli *);
void		 cli_tty_stop(struct cli *);
void		 cli_tty_print(struct cli *, const char *, size_t);
void		 cli_tty_prompt(struct cli *);
void		 cli_tty_resize(struct cli *);
int		 cli_tty_ask(struct cli *, const char *, const char *,
		     void (*)(struct cli *, const char *));
int		 cli_tty_ask_secret(struct cli *, const char *,
		     void (*)(struct cli *, const char *));

/* cli-media.c: stickers, audio and files, sent and saved. */
const char	*cli_media_mime(const char *);
int		 cli_media_send(struct cli *, const char *, const char *,
		     const char *, char **);
char		*cli_media_save(struct cli *, const cJSON *, char **);
size_t		 cli_media_safe_name(const char *, char *, size_t);

#endif /* EVCHAT_CLI_H */

/* irc.h: what the IRC face's files share: a client's IRC state, the command table entry, the line parser
 * and the output helpers; only face-irc.c and irc*.c include it, the core never does. */

#ifndef EVCHAT_IRC_H
#define EVCHAT_IRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IRC_LINE_MAX	512	/* bytes of a line, CR LF in, tags apart */
#define IRC_TAGS_MAX	8191	/* bytes of a client's tags, '@' in */
#define IRC_INPUT_MAX	(IRC_TAGS_MAX + 1 + IRC_LINE_MAX)
#define IRC_PARAMS_MAX	15
#define IRC_ARG_MAX	256	/* the target an answer names */
#define IRC_LABEL_MAX	64	/* labeled-response: a label's bytes */
#define IRC_SASL_MAX	1024	/* AUTHENTICATE's decoded payload */
#define IRC_HOST	"evchat" /* the host of every prefix: no address
				   is ever shown */
#define IRC_TARGETS	4	/* MAXTARGETS: PRIVMSG a,b,c,d */

/* IRCv3 capabilities; the first three choose the tags of a message. */
#define IRC_CAP_SERVER_TIME	0x001
#define IRC_CAP_MESSAGE_TAGS	0x002
#define IRC_CAP_ACCOUNT_TAG	0x004
#define IRC_CAP_TAGS		0x007	/* the face variant: face_irc[] */
#define IRC_CAP_ECHO		0x008
#define IRC_CAP_BATCH		0x010
#define IRC_CAP_LABELED		0x020
#define IRC_CAP_SASL		0x040
#define IRC_CAP_AWAY_NOTIFY	0x080
#define IRC_CAP_CHATHISTORY	0x100

struct evbuffer;
struct irc_cmd;
struct irc_walk;

/* One line from a client, parsed in place. */
struct irc_msg {
	char		*tags;		/* as sent, without '@', or NULL */
	char		*source;	/* ignored, as servers do */
	char		*cmd;		/* upper case */
	char		*param[IRC_PARAMS_MAX];
	int		 nparams;
};

/*
 * A client's IRC state, in client->face_state.  An idle client keeps only
 * what lasts: what a command needs (its target, label, answer lines, next
 * request) is allocated while it is under way and freed once it is
 * answered (face_irc_done), the registration's strings at the welcome.
 */
struct irc {
	struct client		*c;
	char			*nick;		/* NICK, until registered; the
						   old one during a change */
	struct irc_reg		*reg;		/* until welcomed, or NULL */
	unsigned int		 caps;		/* IRC_CAP_* enabled */
	bool			 negotiating;	/* CAP LS or REQ, not END */
	bool			 hello;		/* hello sent, not answered */
	bool			 welcomed;	/* 001 sent */
	bool			 sasl_done;	/* logged in through SASL */

	/* The command being answered (face-irc.c: irc_run). */
	const struct irc_cmd	*cmd;
	char			*arg;		/* its target: irc_arg */
	char			*label;		/* or NULL */
	struct evbuffer		*out;		/* the answer's lines or NULL */
	unsigned int		 nout;		/* how many */
	unsigned int		 batches;	/* batch ids made */
	bool			 in_line;	/* its line is being read */

	/* A request to make next (irc_next): a list's page, and so on. */
	cJSON			*next;		/* NULL: none */
	const struct irc_cmd	*next_cmd;
	char			*next_arg;

	struct irc_history	*hist;		/* a CHATHISTORY, or NULL */
	struct irc_walk		*walk;		/* a walk of its rooms, or NULL */
};

/* What registration gathers (irc-reg.c), freed at the welcome. */
struct irc_reg {
	char			*user;		/* USER's user name */
	char			*realname;
	char			*pass;		/* PASS */
	char			*sasl;		/* AUTHENTICATE's data so far */
};

/* A CHATHISTORY under way (irc-history.c), freed by face_irc_done. */
struct irc_history {
	unsigned int		 pages;		/* requests not answered */
	uint64_t		 floor;		/* drop msgids up to this */
	char			 batch[16];	/* its batch id, or "" */
	char			 sub[16];	/* its subcommand */
};

/*
 * A command that makes one request per room the client is in, the rooms
 * from its own whois (irc-chan.c): JOIN 0 parts each; CHATHISTORY TARGETS
 * asks each for its latest message and keeps what it finds.
 */
struct irc_walk {
	cJSON			*rooms;		/* whois's, NULL until then */
	cJSON			*at;		/* the room asked last */
	int64_t			 from, to;	/* TARGETS: ms, both in */
	unsigned int		 limit;
	size_t			 n;		/* found */
	struct irc_walk_found {
		const char	*room;		/* in rooms */
		int64_t		 ts;
	}			*found;
};

/*
 * An IRC command: its table entry lives beside its handler (irc-*.c).
 * exec turns the line into requests (irc_request); answer renders the
 * replies and errors of those requests (NULL: irc_answer_default).
 */
struct irc_cmd {
	const char	*name;
	int		 flags;
#define IRC_CMD_ANY	0x1		/* before registration too */
#define IRC_CMD_QUIET	0x2		/* NOTICE: errors are never told */
#define IRC_CMD_REPLAY	0x4		/* answer reads history replays */
	int		 min;		/* parameters, else 461 */
	void		(*exec)(struct irc *, struct irc_msg *);
	void		(*answer)(struct irc *, struct evt *);
};

/* irc.c */
int		 irc_parse(char *, struct irc_msg *);
const char	*irc_tag(const struct irc_msg *, const char *, char *, size_t);
void		 irc_tag_escape(struct evbuffer *, const char *);
size_t		 irc_utf8(const char *, size_t, char *, size_t);
size_t		 irc_cut(const char *, size_t, size_t);
bool		 irc_nick_ok(const char *);

/* face-irc.c: output, requests, and what every command shares. */
const char	*irc_server(const struct irc *);
const char	*irc_me(const struct irc *);
void		 irc_line(struct irc *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
void		 irc_numeric(struct irc *, int, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 irc_request(struct irc *, const char *, cJSON *);
const char	*irc_arg(const struct irc *);
void		 irc_set_arg(struct irc *, const char *);
void		 irc_set_channel(struct irc *, const char *);
cJSON		*irc_object(const char *, const char *, const char *);
void		 irc_answer_default(struct irc *, struct evt *);
unsigned int	 irc_msg_lines(struct evbuffer *, const struct evt_msg *,
		     unsigned int, const char *);
void		 irc_next(struct irc *, cJSON *);
void		 irc_more(struct irc *, const char *, const char *);
const char	*irc_room(struct irc *, const char *);
void		 irc_set_caps(struct irc *, unsigned int);

/* irc-reg.c: registration and the connection's own commands. */
void		 irc_reg_try(struct irc *);
void		 irc_reg_free(struct irc *);
extern const struct irc_cmd irc_cap_cmd, irc_authenticate_cmd, irc_pass_cmd,
		     irc_nick_cmd, irc_user_cmd, irc_ping_cmd, irc_pong_cmd,
		     irc_quit_cmd;
/* irc-chan.c: channels. */
const char	*irc_chan_prefix(const cJSON *, const char *);
struct irc_walk	*irc_walk_start(struct irc *, const struct irc_cmd *);
const char	*irc_walk_next(struct irc *, const struct evt *);
void		 irc_walk_free(struct irc *);
extern const struct irc_cmd irc_join_cmd, irc_part_cmd, irc_topic_cmd,
		     irc_names_cmd, irc_list_cmd, irc_kick_cmd, irc_mode_cmd;
/* irc-msg.c: messages. */
extern const struct irc_cmd irc_privmsg_cmd, irc_notice_cmd, irc_tagmsg_cmd;
/* irc-history.c: CHATHISTORY. */
extern const struct irc_cmd irc_chathistory_cmd;
/* irc-query.c: about users and the server. */
void		 irc_query_lusers(struct irc *);
void		 irc_query_motd(struct irc *);
extern const struct irc_cmd irc_whois_cmd, irc_away_cmd;
extern const struct irc_cmd irc_who_cmd, irc_motd_cmd, irc_lusers_cmd,
		     irc_version_cmd, irc_oper_cmd, irc_kill_cmd;

#endif /* EVCHAT_IRC_H */

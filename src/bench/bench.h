/* bench.h: evchat-bench, the loopback load generator: its one state struct, connections, histogram,
 * sequence accounting, /proc sampling, the WebSocket, TLS, Redis and MQTT transports and the five modes; it
 * knows the wire protocol, not evchatd's code. */

#ifndef EVCHAT_BENCH_H
#define EVCHAT_BENCH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

struct event;
struct event_base;
struct evbuffer;
struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;

#define BENCH_SERVER_DEFAULT	"127.0.0.1:7667"
#define BENCH_READ_SIZE		65536	/* bytes asked of one read(2) */
#define BENCH_SETUP_INFLIGHT	64	/* connections being set up at once */
#define BENCH_SRC_MAX		254	/* 127.0.0.1 .. 127.0.0.254 */
#define BENCH_NICK_MAX		32	/* bytes: ours are ASCII */
#define BENCH_ROOM_MAX		64
#define BENCH_SERVERS_MAX	16	/* --server given several times */
#define BENCH_CONNECTS		2000	/* connect's default */

/*
 * The text of every timed message: a kind letter, a 10-digit sequence
 * number, '/', the 20-digit send time in nanoseconds, '/', then padding up
 * to the payload size.  Fixed offsets make reading it back a few compares.
 */
#define BENCH_TEXT_SEQ		1
#define BENCH_TEXT_TIME		12
#define BENCH_TEXT_MIN		33
#define BENCH_TEXT_DEFAULT	128

/* join's defaults: 1,000 clients replaying 100 of 1,000 in a busy room. */
#define BENCH_JOIN_CLIENTS	1000
#define BENCH_JOIN_HISTORY	100
#define BENCH_JOIN_FILL		1000
#define BENCH_JOIN_INFLIGHT	64
#define BENCH_JOIN_RATE		100	/* live messages/s */

#define BENCH_HIST_SUB_BITS	5
#define BENCH_HIST_SUB		(1 << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS	(64 * BENCH_HIST_SUB)

/* bench-hist.c: log-bucketed histogram of nanoseconds, ~3% precision. */
struct bench_hist {
	uint64_t	 count[BENCH_HIST_BUCKETS];
	uint64_t	 n;
	uint64_t	 min;
	uint64_t	 max;
	double		 sum;
};

void		 bench_hist_init(struct bench_hist *);
void		 bench_hist_add(struct bench_hist *, uint64_t);
uint64_t	 bench_hist_quantile(const struct bench_hist *, double);
double		 bench_hist_mean(const struct bench_hist *);

/* bench-seq.c: exactly-once, in-order accounting of one message stream. */
struct bench_seq {
	uint64_t	 received;	/* every arrival */
	uint64_t	 unique;	/* distinct sequence numbers */
	uint64_t	 duplicated;	/* arrivals of one already seen */
	uint64_t	 out_of_order;	/* first arrivals below a later one */
	uint64_t	 next;		/* highest seen + 1 */
	unsigned char	*seen;		/* bitmap */
	uint64_t	 cap;		/* bits in seen */
};

void		 bench_seq_init(struct bench_seq *);
void		 bench_seq_free(struct bench_seq *);
int		 bench_seq_add(struct bench_seq *, uint64_t);
uint64_t	 bench_seq_lost(const struct bench_seq *, uint64_t);

/* bench-proc.c: CPU and memory of the server (/proc) and of ourselves. */
struct bench_proc {
	bool		 ok;
	uint64_t	 cpu_ns;	/* utime + stime */
	uint64_t	 rss_kb;	/* VmRSS */
	uint64_t	 anon_kb;	/* RssAnon, 0: not known */
};

int		 bench_proc_read(pid_t, struct bench_proc *);
struct bench;
int		 bench_proc_read_all(const struct bench *, struct bench_proc *);
uint64_t	 bench_proc_self_ns(void);
uint64_t	 bench_now(void);

/* bench-scan.c: the few fields we need of a frame, and the timed text. */
struct bench_scan {
	const char	*type;
	size_t		 typelen;
	const char	*text;		/* raw, NULL if escaped or absent */
	size_t		 textlen;
	uint64_t	 msgid;		/* 0 if absent */
	bool		 history;	/* a replayed message */
};

int		 bench_scan(const char *, size_t, struct bench_scan *);
int		 bench_scan_fast(const char *, size_t, size_t,
		     struct bench_scan *);
bool		 bench_scan_is(const char *, size_t, const char *);
int		 bench_scan_request(const void *, size_t, cJSON **,
		     const char **, const char **);

struct bench_tmpl {
	char		*buf;		/* serialized request */
	size_t		 len;
	size_t		 text_off;	/* where the text starts in buf */
	size_t		 text_len;
};

int		 bench_tmpl_init(struct bench_tmpl *, cJSON *, size_t);
void		 bench_tmpl_free(struct bench_tmpl *);
void		 bench_tmpl_fill(struct bench_tmpl *, char, uint64_t, uint64_t);
int		 bench_text_parse(const char *, size_t, size_t, char *,
		     uint64_t *, uint64_t *);

/* bench-ws.c: a connection's WebSocket transport (opaque to the rest). */
struct bench_ws;
struct bench_conn;

struct bench_ws	*bench_ws_new(struct bench_conn *);
void		 bench_ws_free(struct bench_ws *);
int		 bench_ws_request(struct bench_ws *);
int		 bench_ws_send(struct bench_ws *, const void *, size_t);
int		 bench_ws_read(struct bench_ws *, uint64_t, char *, size_t);

/* bench-conn.c: one client connection, non-blocking, raw reads. */
#define BENCH_CONN_CONNECTING	0x01
#define BENCH_CONN_WELCOMED	0x02
#define BENCH_CONN_JOINED	0x04
#define BENCH_CONN_CLOSED	0x08
#define BENCH_CONN_READY	0x10	/* counted by its setup */
#define BENCH_CONN_PAGED	0x20	/* got the reply to history */

/*
 * What a mode does with the frames and state changes of its connections;
 * msg gets the msg frames whose text is plain (sc->text is not NULL).
 */
struct bench_conn_ops {
	void	(*msg)(struct bench_conn *, const struct bench_scan *,
		    uint64_t);
	void	(*state)(struct bench_conn *);
	void	(*drained)(struct bench_conn *);
};

struct bench_conn {
	struct bench			*b;
	const struct bench_conn_ops	*ops;
	void				*arg;		/* the mode's */
	unsigned int			 index;
	int				 fd;
	int				 flags;
	struct event			*rd;
	struct event			*wr;
	struct evbuffer			*in;
	struct evbuffer			*out;
	struct bench_ws			*ws;		/* NULL: native */
	unsigned int			 server;	/* of opts.servers */
	struct ssl_st			*ssl;		/* --tls, or NULL */
	size_t				 tls_wlen;	/* a write to repeat */
	bool				 tls_wait_read;	/* it waits for input */
	size_t				 max_frame;
	char				 nick[BENCH_NICK_MAX + 1];
	char				 room[BENCH_ROOM_MAX + 1];
	char				 error[128];	/* first error or bye */
	uint64_t			 errors;	/* error frames */
	uint64_t			 bad;		/* unreadable frames */
	int64_t				 replay;	/* joined's history, or -1 */
	int64_t				 paged;		/* history's count, or -1 */
};

struct bench_conn *bench_conn_new(struct bench *, const struct bench_conn_ops *,
		     void *, unsigned int, const char *, const char *);
void		 bench_conn_free(struct bench_conn *);
int		 bench_conn_websocket(struct bench_conn *);
int		 bench_conn_start(struct bench_conn *, char *, size_t);
void		 bench_conn_close(struct bench_conn *, bool);
int		 bench_conn_send(struct bench_conn *, const void *, size_t);
int		 bench_conn_join(struct bench_conn *, const char *, int64_t);
int		 bench_conn_history(struct bench_conn *, const char *, uint64_t,
		     unsigned int);
int		 bench_conn_flush(struct bench_conn *);
size_t		 bench_conn_pending(const struct bench_conn *);
void		 bench_conn_frame(struct bench_conn *, const char *, size_t,
		     uint64_t);
void		 bench_conn_note(struct bench_conn *, const char *,
		     const char *);

/* bench-tls.c: --tls, a connection's TLS (bench-conn.c calls it). */
struct ssl_ctx_st *bench_tls_ctx_new(const char *, char *, size_t);
void		 bench_tls_ctx_free(struct ssl_ctx_st *);
int		 bench_tls_start(struct bench_conn *, struct ssl_ctx_st *,
		     struct ssl_session_st *);
void		 bench_tls_stop(struct bench_conn *, bool);
bool		 bench_tls_resumed(const struct bench_conn *);
struct ssl_session_st *bench_tls_session(const struct bench_conn *);
void		 bench_tls_session_free(struct ssl_session_st *);
ssize_t		 bench_tls_read(struct bench_conn *);
int		 bench_tls_write(struct bench_conn *);

/* bench-redis.c: --redis, RESP3 pub/sub in place of the protocol. */
int		 bench_redis_hello(struct bench_conn *);
int		 bench_redis_join(struct bench_conn *, const char *);
int		 bench_redis_send(struct bench_conn *, const void *, size_t);
int		 bench_redis_read(struct bench_conn *, uint64_t);

/* bench-mqtt.c: --mqtt, MQTT 3.1.1 QoS 0 publish and subscribe instead. */
int		 bench_mqtt_hello(struct bench_conn *);
int		 bench_mqtt_join(struct bench_conn *, const char *);
int		 bench_mqtt_send(struct bench_conn *, const void *, size_t);
int		 bench_mqtt_read(struct bench_conn *, uint64_t, char *, size_t);

/*
 * Setting up many connections: at most BENCH_SETUP_INFLIGHT at a time, so
 * the server's listen backlog never overflows (a dropped SYN costs 1 s).
 */
struct bench_setup {
	struct bench_conn	**conns;
	unsigned int		  n;
	unsigned int		  started;
	unsigned int		  ready;
	unsigned int		  failed;
	int			  want;		/* WELCOMED or JOINED */
	uint64_t		  t0;		/* first connect */
	uint64_t		  t1;		/* last ready */
	char			  error[160];	/* first failure */
};

void		 bench_setup_init(struct bench_setup *, struct bench_conn **,
		     unsigned int, int);
int		 bench_setup_run(struct bench *, struct bench_setup *,
		     uint64_t);
bool		 bench_setup_state(struct bench *, struct bench_setup *,
		     struct bench_conn *);

/* bench-report.c: one result, as a table row (stderr) and JSON (stdout). */
struct bench_meter {
	uint64_t	 t0;		/* bench_now() */
	uint64_t	 t1;
	uint64_t	 self0;		/* our CPU, ns */
	uint64_t	 self1;
	struct bench_proc srv0;
	struct bench_proc srv1;
};

struct bench_result {
	const char	*mode;
	unsigned int	 clients;
	struct bench_meter meter;
	uint64_t	 ops;		/* deliveries, connections, trips */
	const char	*ops_name;	/* what ops counts */
	uint64_t	 deliveries;	/* for the server's CPU per delivery */
	bool		 timed;		/* hist holds latencies */
	struct bench_hist hist;
	double		 rss_per_conn;	/* bytes; < 0: not measured */
	uint64_t	 lost;
	uint64_t	 duplicated;
	uint64_t	 out_of_order;
	uint64_t	 errors;	/* error frames, bad frames, bogus */
	uint64_t	 closed;	/* connections lost mid-run */
	bool		 complete;	/* finished before the deadline */
	char		 why[160];	/* first reason it failed */
	char		 note[200];	/* a line under the row, if any */
	cJSON		*json;		/* the mode's own fields */
};

void		 bench_meter_start(struct bench *, struct bench_meter *);
void		 bench_meter_stop(struct bench *, struct bench_meter *);
void		 bench_result_init(struct bench_result *, const char *);
void		 bench_result_free(struct bench_result *);
bool		 bench_result_ok(const struct bench_result *);
void		 bench_report_header(void);
int		 bench_report(const struct bench_result *);

/* bench.c: options and the run. */

/* What the servers are: evchatd, or a broker measured side by side. */
enum bench_target {
	BENCH_TARGET_EVCHATD,
	BENCH_TARGET_REDIS,		/* --redis: RESP3 pub/sub */
	BENCH_TARGET_MQTT		/* --mqtt: MQTT 3.1.1, QoS 0 */
};

struct bench_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*name;		/* as given; NULL: none */
};

struct bench_opts {
	struct bench_addr	 servers[BENCH_SERVERS_MAX]; /* --server */
	unsigned int		 nservers;
	struct bench_addr	 ws;		/* --ws: the web listener */
	pid_t			 server_pid;	/* 0: not measured */
	pid_t			 server_pids[BENCH_SERVERS_MAX]; /* summed */
	unsigned int		 npids;
	bool			 tls;		/* --tls */
	const char		*tls_ca;	/* NULL: no verification */
	bool			 resume;	/* connect: resume sessions */
	enum bench_target	 target;	/* --redis, --mqtt */
	bool			 no_echo;	/* pingpong: hello echo:false */
	unsigned int		 connects;	/* connect: connections */
	double			 duration;	/* bound on one run, seconds */
	double			 rate;		/* 0: as fast as possible */
	bool			 rate_set;	/* given: join's default is not 0 */
	unsigned int		 subscribers;
	unsigned int		 messages;
	unsigned int		 window;
	unsigned int		 size;
	unsigned int		 connections;
	unsigned int		 room_size;
	double			 hold;
	unsigned int		 pairs;
	double			 time;
	unsigned int		 clients;
	unsigned int		 fill;
	unsigned int		 rooms;
	unsigned int		 history;
	unsigned int		 inflight;
	unsigned int		 kill_after;	/* test aid, 0: off */
	unsigned int		 sources;	/* --sources, 0: one by one */
	bool			 header;
	char			 prefix[12];	/* of nicks and rooms */
};

struct bench {
	struct bench_opts	 opts;
	struct event_base	*base;
	struct event		*deadline;
	bool			 expired;
	unsigned int		 src;		/* n: from 127.0.0.n+1 */
	unsigned int		 src_used;	/* highest src used */
	struct ssl_ctx_st	*tls_ctx;	/* --tls */
	struct ssl_session_st	*tls_session;	/* the last one set up */
};

int		 bench_loop(struct bench *, uint64_t);
void		 bench_loop_stop(struct bench *);
uint64_t	 bench_deadline(const struct bench *);
int		 bench_need_fds(struct bench_result *, unsigned int);
void		 bench_fail(struct bench_result *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));

int		 bench_broadcast(struct bench *, struct bench_result *);
int		 bench_idle(struct bench *, struct bench_result *);
int		 bench_pingpong(struct bench *, struct bench_result *);
int		 bench_join(struct bench *, struct bench_result *);
int		 bench_connect(struct bench *, struct bench_result *);

#endif /* EVCHAT_BENCH_H */

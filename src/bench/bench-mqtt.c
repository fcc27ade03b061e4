/* bench-mqtt.c: evchat-bench's MQTT 3.1.1 transport (--mqtt), for measuring a broker side by side as
 * bench-redis.c measures Redis: hello is CONNECT and a SUBSCRIBE of the connection's nick (and room), a msg
 * is a QoS 0 PUBLISH to its room or to the nick it is for; it knows MQTT's packets, not the modes. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "bench.h"

#define BENCH_MQTT_CONNECT	0x10
#define BENCH_MQTT_CONNACK	0x20
#define BENCH_MQTT_PUBLISH	0x30
#define BENCH_MQTT_SUBSCRIBE	0x82	/* with its required flags */
#define BENCH_MQTT_SUBACK	0x90
#define BENCH_MQTT_HEAD_MAX	5	/* type, up to 4 bytes of length */
#define BENCH_MQTT_TOPIC_MAX	65535

/* SUBSCRIBE's packet identifiers: which SUBACK is the welcome, the join. */
#define BENCH_MQTT_ID_NICK	1
#define BENCH_MQTT_ID_ROOM	2

/* Queue a packet's fixed header: type, then len in MQTT's varint. */
static int
bench_mqtt_head(struct bench_conn *c, unsigned char type, size_t len)
{
	unsigned char	p[BENCH_MQTT_HEAD_MAX];
	size_t		n = 0;

	p[n++] = type;
	do {
		p[n] = len % 128;
		if ((len /= 128) > 0)
			p[n] |= 0x80;
		n++;
	} while (len > 0 && n < BENCH_MQTT_HEAD_MAX);
	if (len > 0)
		return (-1);
	return (evbuffer_add(c->out, p, n));
}

/* Queue an MQTT string: two bytes of length, then the bytes. */
static int
bench_mqtt_string(struct bench_conn *c, const char *s, size_t len)
{
	unsigned char	l[2] = { len >> 8, len & 0xff };

	if (len > BENCH_MQTT_TOPIC_MAX)
		return (-1);
	if (evbuffer_add(c->out, l, 2) != 0)
		return (-1);
	return (evbuffer_add(c->out, s, len));
}

/* Queue a SUBSCRIBE of topic at QoS 0, with packet identifier id. */
static int
bench_mqtt_subscribe(struct bench_conn *c, const char *topic, unsigned char id)
{
	unsigned char	pid[2] = { 0, id }, qos = 0;
	size_t		tl = strlen(topic);

	if (bench_mqtt_head(c, BENCH_MQTT_SUBSCRIBE, 2 + 2 + tl + 1) != 0 ||
	    evbuffer_add(c->out, pid, 2) != 0 ||
	    bench_mqtt_string(c, topic, tl) != 0)
		return (-1);
	return (evbuffer_add(c->out, &qos, 1));
}

/*
 * Called by bench_conn_start instead of the native hello: CONNECT (the
 * nick is the client identifier; clean session, no keep-alive), then
 * SUBSCRIBEs of the nick (its private messages) and of the room: the
 * nick's SUBACK is the welcome, the room's the joined.
 */
int
bench_mqtt_hello(struct bench_conn *c)
{
	/* Protocol "MQTT", level 4, clean session, keep-alive 0. */
	static const unsigned char var[] = { 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02,
	    0, 0 };
	size_t		nl = strlen(c->nick);

	if (bench_mqtt_head(c, BENCH_MQTT_CONNECT, sizeof var + 2 + nl) != 0 ||
	    evbuffer_add(c->out, var, sizeof var) != 0 ||
	    bench_mqtt_string(c, c->nick, nl) != 0 ||
	    bench_mqtt_subscribe(c, c->nick, BENCH_MQTT_ID_NICK) != 0)
		return (-1);
	if (c->room[0] != '\0')
		return (bench_mqtt_subscribe(c, c->room, BENCH_MQTT_ID_ROOM));
	return (0);
}

/* bench_conn_join's: the room's subscription. */
int
bench_mqtt_join(struct bench_conn *c, const char *room)
{
	snprintf(c->room, sizeof c->room, "%s", room);
	return (bench_mqtt_subscribe(c, room, BENCH_MQTT_ID_ROOM));
}

/*
 * bench_conn_send's: a mode's msg request (the JSON of a template, its
 * room or its recipient and its text) becomes a QoS 0 PUBLISH, which the
 * broker does not answer (evchatd's echo has no counterpart).  Parsing it
 * is the generator's cost, as in bench-redis.c.
 */
int
bench_mqtt_send(struct bench_conn *c, const void *payload, size_t len)
{
	cJSON		*o;
	const char	*to, *text;
	size_t		 tl, xl;
	int		 rc = -1;

	if (bench_scan_request(payload, len, &o, &to, &text) != 0)
		return (-1);
	tl = strlen(to);
	xl = strlen(text);
	if (bench_mqtt_head(c, BENCH_MQTT_PUBLISH, 2 + tl + xl) == 0 &&
	    bench_mqtt_string(c, to, tl) == 0 &&
	    evbuffer_add(c->out, text, xl) == 0)
		rc = 0;
	cJSON_Delete(o);
	return (rc);
}

/*
 * One whole packet (type byte, body of len bytes): a PUBLISH is handed to
 * the mode as a msg, a SUBACK is the welcome or the joined, a refused
 * CONNECT or SUBSCRIBE an error; the rest is dropped.
 */
static void
bench_mqtt_packet(struct bench_conn *c, unsigned char type,
    const unsigned char *body, size_t len, uint64_t now)
{
	struct bench_scan	 sc;
	size_t			 tl, off;
	int			 flags = c->flags;

	switch (type & 0xf0) {
	case BENCH_MQTT_CONNACK:
		if (len >= 2 && body[1] == 0)
			return;
		c->errors++;
		bench_conn_note(c, "%s", "mqtt: connection refused");
		break;
	case BENCH_MQTT_SUBACK:
		if (len < 3 || body[2] == 0x80) {
			c->errors++;
			bench_conn_note(c, "%s", "mqtt: subscription refused");
		} else if (body[0] == 0 && body[1] == BENCH_MQTT_ID_NICK)
			c->flags |= BENCH_CONN_WELCOMED;
		else if (body[0] == 0 && body[1] == BENCH_MQTT_ID_ROOM)
			c->flags |= BENCH_CONN_JOINED;
		if (c->errors == 0 && flags == c->flags)
			return;
		break;
	case BENCH_MQTT_PUBLISH:
		if (len < 2 || (tl = (size_t)body[0] << 8 | body[1]) + 2 > len)
			goto bad;
		off = 2 + tl + ((type & 0x06) != 0 ? 2 : 0);	/* QoS > 0 */
		if (off > len)
			goto bad;
		memset(&sc, 0, sizeof sc);
		sc.type = "msg";
		sc.typelen = 3;
		sc.text = (const char *)body + off;
		sc.textlen = len - off;
		if (c->ops->msg != NULL)
			c->ops->msg(c, &sc, now);
		return;
	default:
		return;
	}
	if (c->ops->state != NULL)
		c->ops->state(c);
	return;
bad:
	c->bad++;
	bench_conn_note(c, "%s", "unreadable PUBLISH from the broker");
}

/*
 * Every whole packet in c->in, stamped now; -1 and err when a length is
 * not MQTT's (the connection is then lost).
 */
int
bench_mqtt_read(struct bench_conn *c, uint64_t now, char *err, size_t errlen)
{
	const unsigned char	*p;
	size_t			 len, body, n, i, off = 0;

	len = evbuffer_get_length(c->in);
	if ((p = evbuffer_pullup(c->in, -1)) == NULL)
		return (len == 0 ? 0 : -1);
	while ((c->flags & BENCH_CONN_CLOSED) == 0 && len - off >= 2) {
		for (i = 1, body = 0, n = 1; off + i < len; i++, n *= 128) {
			body += (p[off + i] & 0x7f) * n;
			if ((p[off + i] & 0x80) == 0)
				break;
			if (i == BENCH_MQTT_HEAD_MAX - 1) {
				c->bad++;
				snprintf(err, errlen, "unreadable packet from "
				    "the MQTT broker");
				return (-1);
			}
		}
		if (off + i == len || len - off < i + 1 + body)
			break;
		bench_mqtt_packet(c, p[off], p + off + i + 1, body, now);
		off += i + 1 + body;
	}
	evbuffer_drain(c->in, off);
	return (0);
}

/* bench-mqtt.c: evchat-bench's MQTT 3.1.1 transport for one connection (pingpong --mqtt, the comparison
 * with a broker that never echoes): QoS 0 publish and subscribe only; it knows no mode and nothing of evchatd. */

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

/*
 * The connection's own topic is its nick, as bench-redis.c's channel: a
 * peer PUBLISHes (QoS 0) to it what evchat would send as a private message.
 * The broker sends nothing back for a publish: the pattern of evchat
 * without its echo (hello echo:false).
 */
struct bench_mqtt {
	struct bench_conn	*c;
};

struct bench_mqtt *
bench_mqtt_new(struct bench_conn *c)
{
	struct bench_mqtt	*m;

	if ((m = calloc(1, sizeof *m)) == NULL)
		return (NULL);
	m->c = c;
	return (m);
}

void
bench_mqtt_free(struct bench_mqtt *m)
{
	free(m);
}

/* The fixed header of a packet of type with len bytes after it, at p. */
static size_t
bench_mqtt_head(unsigned char *p, unsigned char type, size_t len)
{
	size_t	n = 0;

	p[n++] = type;
	do {
		p[n] = len % 128;
		if ((len /= 128) > 0)
			p[n] |= 0x80;
		n++;
	} while (len > 0);
	return (n);
}

/* A string of MQTT: two bytes of length, then the bytes. */
static void
bench_mqtt_string(unsigned char *p, const char *s, size_t len)
{
	p[0] = len >> 8;
	p[1] = len & 0xff;
	memcpy(p + 2, s, len);
}

/* Queue CONNECT and SUBSCRIBE to the own topic: the "hello" of MQTT. */
int
bench_mqtt_request(struct bench_mqtt *m)
{
	const char	*nick = m->c->nick;
	size_t		 nl = strlen(nick), n;
	/* Protocol "MQTT", level 4, clean session, no keep-alive. */
	unsigned char	 var[] = { 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0 };
	unsigned char	 p[BENCH_MQTT_HEAD_MAX + sizeof var + 2 * (2 +
			     BENCH_NICK_MAX) + 3];

	n = bench_mqtt_head(p, BENCH_MQTT_CONNECT, sizeof var + 2 + nl);
	memcpy(p + n, var, sizeof var);
	bench_mqtt_string(p + n + sizeof var, nick, nl);
	n += sizeof var + 2 + nl;
	if (evbuffer_add(m->c->out, p, n) != 0)
		return (-1);
	n = bench_mqtt_head(p, BENCH_MQTT_SUBSCRIBE, 2 + 2 + nl + 1);
	p[n++] = 0;			/* packet identifier 1 */
	p[n++] = 1;
	bench_mqtt_string(p + n, nick, nl);
	n += 2 + nl;
	p[n++] = 0;			/* QoS 0 */
	return (evbuffer_add(m->c->out, p, n));
}

/*
 * A QoS 0 PUBLISH of a timed text of size bytes to topic, as a template
 * whose text bench_tmpl_fill stamps.
 */
int
bench_mqtt_tmpl(struct bench_tmpl *t, const char *topic, size_t size)
{
	unsigned char	head[BENCH_MQTT_HEAD_MAX];
	size_t		tl = strlen(topic), n;

	memset(t, 0, sizeof *t);
	n = bench_mqtt_head(head, BENCH_MQTT_PUBLISH, 2 + tl + size);
	t->len = n + 2 + tl + size;
	if ((t->buf = malloc(t->len)) == NULL)
		return (-1);
	memcpy(t->buf, head, n);
	bench_mqtt_string((unsigned char *)t->buf + n, topic, tl);
	t->text_off = n + 2 + tl;
	t->text_len = size;
	memset(t->buf + t->text_off, BENCH_TEXT_PAD[0], size);
	return (0);
}

/*
 * One whole packet (type byte p[0], body of len bytes at body): a PUBLISH
 * is the mode's msg, a SUBACK sets the connection up; a refused CONNECT or
 * SUBSCRIBE is an error.
 */
static void
bench_mqtt_packet(struct bench_mqtt *m, unsigned char type,
    const unsigned char *body, size_t len, uint64_t now)
{
	struct bench_conn	*c = m->c;
	struct bench_scan	 sc;
	size_t			 tl, off;

	switch (type & 0xf0) {
	case BENCH_MQTT_CONNACK:
		if (len < 2 || body[1] != 0) {
			c->errors++;
			bench_conn_note(c, "%s", "mqtt: connection refused");
			break;
		}
		return;
	case BENCH_MQTT_SUBACK:
		if (len < 3 || body[2] == 0x80) {
			c->errors++;
			bench_conn_note(c, "%s", "mqtt: subscription refused");
			break;
		}
		c->flags |= BENCH_CONN_WELCOMED;
		break;
	case BENCH_MQTT_PUBLISH:
		if (len < 2 || (tl = (size_t)body[0] << 8 | body[1]) + 2 > len)
			return;
		off = 2 + tl + ((type & 0x06) != 0 ? 2 : 0);	/* QoS > 0 */
		if (off > len || c->ops->msg == NULL)
			return;
		memset(&sc, 0, sizeof sc);
		sc.type = "msg";
		sc.typelen = 3;
		sc.text = (const char *)body + off;
		sc.textlen = len - off;
		c->ops->msg(c, &sc, now);
		return;
	default:
		return;
	}
	if (c->ops->state != NULL)
		c->ops->state(c);
}

/*
 * Every whole packet in the connection's input, stamped now; -1 and err
 * when a length is not MQTT's.
 */
int
bench_mqtt_read(struct bench_mqtt *m, uint64_t now, char *err, size_t errlen)
{
	struct bench_conn	*c = m->c;
	const unsigned char	*p;
	size_t			 len, body, n, i;

	while ((c->flags & BENCH_CONN_CLOSED) == 0 &&
	    (len = evbuffer_get_length(c->in)) >= 2) {
		if ((p = evbuffer_pullup(c->in, -1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		for (i = 1, body = 0, n = 1; i < len; i++, n *= 128) {
			body += (p[i] & 0x7f) * n;
			if ((p[i] & 0x80) == 0)
				break;
			if (i == BENCH_MQTT_HEAD_MAX - 1) {
				c->bad++;
				snprintf(err, errlen, "unreadable packet from "
				    "the MQTT broker");
				return (-1);
			}
		}
		if (i == len || len < i + 1 + body)
			break;
		bench_mqtt_packet(m, p[0], p + i + 1, body, now);
		evbuffer_drain(c->in, i + 1 + body);
	}
	return (0);
}

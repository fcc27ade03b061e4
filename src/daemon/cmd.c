/* cmd.c: the command layer: the list of message types, the checks every request goes through (rate,
 * id, registration), the dispatch, and the one place a handler's refusal becomes an error reply. */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Every message type; the order is free (each entry names its type). */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_msg_entry,		/* first: the busiest */
	&cmd_ping_entry,
	&cmd_pong_entry,
	&cmd_hello_entry,
	&cmd_join_entry,
	&cmd_part_entry,
	&cmd_quit_entry,
	&cmd_rooms_entry,
	&cmd_who_entry,
	&cmd_history_entry,
	&cmd_register_entry,
	&cmd_passwd_entry,
	&cmd_unregister_entry,
	&cmd_claim_entry,
	&cmd_moderator_entry,
	&cmd_topic_entry,
	&cmd_kick_entry,
	&cmd_ban_entry,
	&cmd_unban_entry,
	&cmd_mute_entry,
	&cmd_unmute_entry,
	&cmd_kill_entry,
	&cmd_nick_entry,
	&cmd_away_entry,
	&cmd_whois_entry,
};

static const struct cmd_entry *
cmd_find(const char *type)
{
	size_t	i;

	for (i = 0; i < nitems(cmd_table); i++) {
		if (strcmp(cmd_table[i]->type, type) == 0)
			return (cmd_table[i]);
	}
	return (NULL);
}

/* A request id is echoed back, so it must be small and plain. */
static bool
cmd_id_valid(const cJSON *id)
{
	if (cJSON_IsNumber(id))
		return (true);
	return (cJSON_IsString(id) && strlen(id->valuestring) <= PROTO_ID_MAX);
}

/*
 * The token buckets, before anything else is looked at, so that garbage
 * costs a flooder its tokens too.  A pong, the answer to our own ping, is
 * never limited: a slow link must not drop.  A ping takes from a budget of
 * its own.  Returns false when the request is refused.
 */
static bool
cmd_limit(struct client *c, struct request *req,
    const struct cmd_entry *ce)
{
	if (ce != NULL && ce->flags & CMD_UNLIMITED)
		return (true);
	switch (limit_rate(c, ce != NULL && ce->flags & CMD_PING)) {
	case LIMIT_OK:
		return (true);
	case LIMIT_REFUSED:
		c->server->stats.drops++;
		/* A refusal answers the request: it carries its id. */
		if (req->id != NULL && !cmd_id_valid(req->id))
			req->id = NULL;
		cmd_error(req, ERR_RATE_LIMITED, NULL);
		return (false);
	case LIMIT_KICK:
		log_info("client %llu (%s): flood", (unsigned long long)c->id,
		    c->addr);
		req->close = "flood";
		return (false);
	}
	return (false);
}

/* Send the error a handler (or a check here) recorded in req. */
static void
cmd_fail(struct client *c, struct request *req)
{
	if (req->code != ERR__COUNT)
		client_error(c, req->code, cmd_re(req), "%s", req->message);
}

/*
 * Called by a face for each request it decoded (req->bad says why one is
 * not a request): check, dispatch, and map the handler's outcome to the
 * reply.  The face owns req->obj and frees it on return.
 */
void
cmd_process(struct client *c, struct request *req)
{
	const struct cmd_entry	*ce = NULL;
	int			 rc = -1;

	req->code = ERR__COUNT;
	if (req->bad == NULL)
		ce = cmd_find(req->type);
	if (!cmd_limit(c, req, ce))
		goto done;
	if (req->bad != NULL) {
		req->id = NULL;		/* nothing to answer */
		cmd_error(req, ERR_BAD_FRAME, "%s", req->bad);
		goto done;
	}
	if (req->id != NULL && !cmd_id_valid(req->id)) {
		req->id = NULL;
		cmd_error(req, ERR_BAD_REQUEST, "id must be a number or a "
		    "string of at most %d bytes", PROTO_ID_MAX);
		goto done;
	}
	if (ce == NULL) {
		cmd_error(req, ERR_UNKNOWN_TYPE, "unknown message type");
		goto done;
	}
	if (ce->flags & CMD_REGISTERED && !(c->flags & CLIENT_REGISTERED)) {
		cmd_error(req, ERR_NOT_REGISTERED, NULL);
		goto done;
	}
	log_debug("client %llu: %s", (unsigned long long)c->id, req->type);
	rc = ce->exec(c, req);
done:
	if (ce != NULL && ce->flags & CMD_SECRET)
		cmd_wipe(req->obj);
	cmd_done(c, req, rc);
}

/*
 * Map a handler's outcome to what the client gets: the error it recorded
 * and, when it asked, the close.  Called by cmd_process, or by the handler
 * itself once a held request has its verdict (CMD_HELD: nothing yet).
 */
void
cmd_done(struct client *c, struct request *req, int rc)
{
	if (rc == CMD_HELD)
		return;
	if (rc != 0)
		cmd_fail(c, req);
	if (req->close != NULL)
		client_close(c, req->close, true);
	cJSON_free(req->re);
	req->re = NULL;
}

/*
 * Record a refusal: code and message (errcode.c's own when fmt is NULL).
 * Returns -1, for handlers to return it: "return (cmd_error(...));".
 */
int
cmd_error(struct request *req, enum errcode code, const char *fmt, ...)
{
	va_list	ap;

	req->code = code;
	va_start(ap, fmt);
	errcode_vformat(req->message, sizeof req->message, code, fmt, ap);
	va_end(ap);
	return (-1);
}

/* Refuse and close: the error, then a bye with reason. */
int
cmd_close(struct request *req, enum errcode code, const char *reason)
{
	req->close = reason;
	if (code == ERR__COUNT)
		return (0);	/* no error to send: only the bye */
	return (cmd_error(req, code, NULL));
}

/*
 * The member key of the request, of the cJSON type given (cJSON_String,
 * cJSON_True for a bool, cJSON_Number); *v is NULL when it is absent and
 * optional.  The one shape check of every handler.
 */
int
cmd_get(struct request *req, const char *key, int type, bool required,
    const cJSON **v)
{
	static const struct {
		int		 type;
		const char	*name;
	} names[] = {
		{ cJSON_String, "a string" },
		{ cJSON_True, "a bool" },
		{ cJSON_Number, "a number" },
	};
	const char	*what = "of another type";
	size_t		 i;
	bool		 ok;

	*v = cJSON_GetObjectItemCaseSensitive(req->obj, key);
	if (*v == NULL && !required)
		return (0);
	if (type == cJSON_True)
		ok = cJSON_IsBool(*v);
	else
		ok = *v != NULL && ((*v)->type & 0xff) == type;
	if (ok)
		return (0);
	*v = NULL;
	for (i = 0; i < nitems(names); i++) {
		if (names[i].type == type)
			what = names[i].name;
	}
	return (cmd_error(req, ERR_BAD_REQUEST, "%s must be %s", key, what));
}

/*
 * The optional whole number key of req, from min to max, def when absent
 * (join's history, history's before and limit).
 */
int
cmd_number(struct request *req, const char *key, double min,
    double max, uint64_t def, uint64_t *out)
{
	const cJSON	*v;

	*out = def;
	if (cmd_get(req, key, cJSON_Number, false, &v) != 0)
		return (-1);
	if (v == NULL)
		return (0);
	if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < min ||
	    v->valuedouble > max)
		return (cmd_error(req, ERR_BAD_REQUEST,
		    "%s must be a whole number from %.0f to %.0f", key, min,
		    max));
	*out = (uint64_t)v->valuedouble;
	return (0);
}

/* cmd_get for a string: *s is its value, or NULL when absent. */
int
cmd_string(struct request *req, const char *key, bool required,
    const char **s)
{
	const cJSON	*v;

	*s = NULL;
	if (cmd_get(req, key, cJSON_String, required, &v) != 0)
		return (-1);
	if (v != NULL)
		*s = v->valuestring;
	return (0);
}

/* The "room" of join and part: a string naming a valid room. */
int
cmd_room_name(struct request *req, const char **name)
{
	if (cmd_string(req, "room", true, name) != 0)
		return (-1);
	if (!name_room_valid(*name))
		return (cmd_error(req, ERR_INVALID_ROOM, NULL));
	return (0);
}

/* The optional "reason" of part and quit, at most max_text bytes. */
int
cmd_reason(struct client *c, struct request *req, const char **reason)
{
	if (cmd_string(req, "reason", false, reason) != 0)
		return (-1);
	if (*reason != NULL && strlen(*reason) > c->server->config->max_text)
		return (cmd_error(req, ERR_TEXT_TOO_LONG,
		    "reason is longer than max_text"));
	return (0);
}

/*
 * The request's id as it goes back in "re", or NULL when it had none: its
 * text as sent when the face kept it, so that a number the client wrote
 * (9007199254740993, 1e999) returns unchanged rather than as a double.
 */
const char *
cmd_re(struct request *req)
{
	const char	*text;
	size_t		 len;

	/* A held request keeps only its re (client_hold). */
	if (req->re != NULL)
		return (req->re);
	if (req->id == NULL)
		return (NULL);
	if (req->text != NULL && (text = json_member_text(req->text, req->len,
	    "id", &len)) != NULL) {
		if ((req->re = cJSON_malloc(len + 1)) != NULL) {
			memcpy(req->re, text, len);
			req->re[len] = '\0';
		}
	} else
		req->re = cJSON_PrintUnformatted(req->id);
	return (req->re);
}

/* A new outgoing object {"type": type}. */
cJSON *
cmd_object(const char *type)
{
	cJSON	*obj;

	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "type", type);
	return (obj);
}

/* Send obj (owned from here on) as the reply to req. */
void
cmd_reply(struct client *c, struct request *req, cJSON *obj)
{
	struct evt	e;
	const char	*re = cmd_re(req);

	if (re != NULL)
		cJSON_AddRawToObject(obj, "re", re);
	evt_init(&e, EVT_REPLY);
	e.reply = obj;
	client_send(c, &e);
	evt_clear(&e);
}

/*
 * Start a page of a list for the reply to req: the budget is max_frame, or
 * half of max-sendq when smaller (so that a reply alone can never get its
 * requester dropped), less the envelope: the reply's other members, the
 * room it names (NULL when none) and the echoed id.
 */
void
cmd_page_init(struct cmd_page *pg, struct client *c, struct request *req,
    const char *room)
{
	const struct config	*cf = c->server->config;
	const char		*re = cmd_re(req);
	size_t			 max = cf->max_frame, envelope;

	if (cf->max_sendq != 0 && cf->max_sendq / 2 < max)
		max = cf->max_sendq / 2;
	envelope = CMD_PAGE_ENVELOPE;
	if (room != NULL)
		envelope += json_string_len(room);
	if (re != NULL)
		envelope += strlen(re);
	pg->left = max > envelope ? max - envelope : 0;
	pg->n = 0;
	pg->more = false;
}

/*
 * Whether the next entry, len bytes of JSON, joins the page; the first
 * always does, so that paging moves on.  A refusal marks the page cut.
 */
bool
cmd_page_take(struct cmd_page *pg, size_t len)
{
	len++;			/* the comma before it */
	if (pg->n != 0 && len > pg->left) {
		pg->more = true;
		return (false);
	}
	pg->left = len < pg->left ? pg->left - len : 0;
	pg->n++;
	return (true);
}

/* "more": true on a cut page; absent when all fit, as protocol v1 had it. */
void
cmd_page_end(struct cmd_page *pg, cJSON *reply)
{
	if (pg->more)
		cJSON_AddTrueToObject(reply, "more");
}

/*
 * The members of requests that carry a password: wiped before the memory
 * they were parsed into is freed, and never copied where they are not
 * needed (hello, register, passwd, unregister).
 */
static const char *const cmd_secrets[] = {
	"password", "account_password", "old", "new",
};

/* Overwrite the passwords obj holds (a request, or a held copy of one). */
void
cmd_wipe(cJSON *obj)
{
	cJSON	*v;
	size_t	 i;

	if (obj == NULL)
		return;
	for (i = 0; i < nitems(cmd_secrets); i++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, cmd_secrets[i]);
		if (cJSON_IsString(v))
			explicit_bzero(v->valuestring, strlen(v->valuestring));
	}
}

/*
 * What client_hold keeps of req while a check or a hash runs: a copy
 * without drop, the password just handed to auth.c (NULL: all kept; the
 * others are wiped with the copy).  NULL when out of memory.
 */
cJSON *
cmd_held(struct request *req, const char *drop)
{
	cJSON	*held;

	if ((held = json_duplicate(req->obj)) == NULL)
		return (NULL);
	if (drop != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(held, drop);
	return (held);
}

/*
 * The request c held, back from its verdict: req made from what was kept
 * (the handler owns req->obj, and gives it to cmd_resumed).
 */
void
cmd_resume(struct client *c, struct request *req, const char *type)
{
	c->auth_ticket = NULL;
	memset(req, 0, sizeof *req);
	req->code = ERR__COUNT;
	req->type = type;
	req->obj = c->held;
	req->id = cJSON_GetObjectItemCaseSensitive(req->obj, "id");
	req->re = c->held_re;
	c->held = NULL;
	c->held_re = NULL;
}

/*
 * A resumed request is answered (rc as from exec): the reply or error
 * goes out, and c's input is taken up again unless it is held anew.
 */
void
cmd_resumed(struct client *c, struct request *req, int rc)
{
	cmd_done(c, req, rc);
	cmd_wipe(req->obj);
	cJSON_Delete(req->obj);
	req->obj = NULL;
	if (rc != CMD_HELD)
		client_release(c);
}

/*
 * The password of req is with auth.c (ticket, NULL when out of memory):
 * wipe it, and hold c with held, cmd_held's copy, until the answer.
 * Returns CMD_HELD, or closes.  For hello and cmd_hold_password.
 */
int
cmd_hold(struct client *c, struct request *req, struct auth_ticket *ticket,
    cJSON *held)
{
	cmd_wipe(req->obj);
	if (ticket == NULL) {
		cmd_wipe(held);
		cJSON_Delete(held);
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	}
	client_hold(c, req, ticket, held);
	return (CMD_HELD);
}

/*
 * Hold req while auth.c checks against account acct's (done) or hashes
 * (hashed) the password in member key of req, checked present and a
 * string: the key is left out of what is held, and wiped.  Returns
 * CMD_HELD, or the error (out of memory closes).
 */
static int
cmd_hold_password(struct client *c, struct request *req, const char *key,
    const struct account *acct, auth_done_cb *done, auth_hashed_cb *hashed)
{
	struct auth		*a = &c->server->auth;
	struct auth_ticket	*ticket;
	const char		*password, *why;
	cJSON			*held;

	if (!(c->flags & CLIENT_SECURE))
		return (cmd_error(req, ERR_INSECURE, NULL));
	if (cmd_string(req, key, true, &password) != 0)
		return (-1);
	if (hashed != NULL && (why = account_password_weak(password)) != NULL)
		return (cmd_error(req, ERR_BAD_REQUEST, "%s", why));
	if ((held = cmd_held(req, key)) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	if (hashed != NULL)
		ticket = auth_hash_start(a, password, hashed, c);
	else
		ticket = auth_check_start(a, acct->hash, password, c->addr,
		    acct->fold, done, c);
	return (cmd_hold(c, req, ticket, held));
}

/*
 * For passwd and unregister: the password in member key must be that of
 * the account c is logged in to; cb(c, ok) has the verdict, off the loop
 * and slowed per account as hello's.  Returns CMD_HELD or the error.
 */
int
cmd_check_password(struct client *c, struct request *req, const char *key,
    auth_done_cb *cb)
{
	if (c->account == NULL)
		return (cmd_error(req, ERR_NOT_PERMITTED, "not logged in to "
		    "an account"));
	return (cmd_hold_password(c, req, key, c->account, cb, NULL));
}

/*
 * For nick: the password in member key must be that of account a, which
 * c is not logged in to; as cmd_check_password otherwise.
 */
int
cmd_check_account(struct client *c, struct request *req, const char *key,
    const struct account *a, auth_done_cb *cb)
{
	return (cmd_hold_password(c, req, key, a, cb, NULL));
}

/*
 * For register and passwd: a yescrypt hash of the new password in member
 * key, made off the loop; cb(c, hash) has it.  Returns CMD_HELD or the
 * error (a weak password is refused here).
 */
int
cmd_hash_password(struct client *c, struct request *req, const char *key,
    auth_hashed_cb *cb)
{
	return (cmd_hold_password(c, req, key, NULL, NULL, cb));
}

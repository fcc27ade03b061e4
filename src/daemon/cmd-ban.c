/* cmd-ban.c: the ban request: a moderator bans a nick or account from a room, an operator an address
 * range from the server, for a time or for good, kept in the store; those it covers are put out. */

#include <event2/util.h>

#include "server.h"

#define CMD_BAN_MAX_SECONDS	(3650LL * 86400)	/* ten years */

static int	cmd_ban_exec(struct client *, struct request *);

const struct cmd_entry cmd_ban_entry = {
	.type = "ban",
	.flags = CMD_REGISTERED,
	.exec = cmd_ban_exec,
};

/*
 * What ban and unban name: with "room", a room c moderates (*rp) and a
 * nick or account "mask", case-folded into mask; without, the server (*rp
 * NULL, operators only) and an address range, ADDR/BITS as written back
 * by inet_ntop.  0, or the error recorded in req.
 */
int
cmd_ban_mask(struct client *c, struct request *req, struct room **rp,
    char *mask, size_t len)
{
	const char	*m;
	struct cidr	 range;
	char		 nfc[NAME_NICK_SIZE], addr[64];

	*rp = NULL;
	if (cmd_string(req, "mask", true, &m) != 0)
		return (-1);
	if (cJSON_GetObjectItemCaseSensitive(req->obj, "room") != NULL) {
		if (role_room(c, req, ROLE_MODERATOR, rp) != 0)
			return (-1);
		if (name_nick_norm(m, nfc, sizeof nfc) < 0 ||
		    name_casefold(nfc, mask, len) < 0)
			return (cmd_error(req, ERR_BAD_REQUEST, "mask must be "
			    "a nick or an account"));
		if (role_of_fold(c->server, *rp, mask) >= role_of(c, *rp))
			return (cmd_error(req, ERR_NOT_PERMITTED, "%s may not "
			    "be banned by you", m));
		return (0);
	}
	if (role_of(c, NULL) != ROLE_OPERATOR)
		return (cmd_error(req, ERR_NOT_PERMITTED, "only operators "
		    "ban from the whole server"));
	if (limit_cidr_parse(m, &range) != 0 || evutil_inet_ntop(range.family,
	    range.addr, addr, sizeof addr) == NULL)
		return (cmd_error(req, ERR_BAD_REQUEST, "mask must be "
		    "ADDR or ADDR/BITS without a room"));
	snprintf(mask, len, "%s/%u", addr, range.bits);
	return (0);
}

/* Put out of r every member b covers, that c outranks. */
static void
cmd_ban_room(struct client *c, struct room *r, struct ban *b)
{
	struct server	*s = c->server;
	struct client	*m;
	size_t		 i;

	/* From the end: removing one moves the last into its place. */
	for (i = r->nmembers; i-- > 0;) {
		m = r->members[i];
		if (ban_room_match(s, r->fold, m) == b &&
		    role_of(m, r) < role_of(c, r))
			role_remove(r, m, c->nick, "ban", b->reason);
	}
}

/* Disconnect every client from b's range but operators. */
static void
cmd_ban_server(struct client *c, struct ban *b)
{
	struct server		*s = c->server;
	struct client		*m;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 why[128];

	TAILQ_FOREACH(m, &s->clients, entry) {
		if (m->flags & CLIENT_CLOSING || role_of(m, NULL) ==
		    ROLE_OPERATOR || addr_parse(m->addr, &ss, &sl, why,
		    sizeof why) != 0 || !limit_cidr_has(&b->range,
		    (struct sockaddr *)&ss))
			continue;
		log_info("client %llu (%s) banned from the server by %s",
		    (unsigned long long)m->id, m->addr, c->nick);
		ban_refuse(m, b);
	}
}

static int
cmd_ban_exec(struct client *c, struct request *req)
{
	struct server	*s = c->server;
	struct room	*r;
	struct ban	*b;
	const char	*reason;
	uint64_t	 duration;
	int64_t		 expires = 0;
	char		 mask[NAME_FOLD_MAX + 1];
	cJSON		*reply;

	if (cmd_ban_mask(c, req, &r, mask, sizeof mask) != 0 ||
	    cmd_number(req, "duration", 1, CMD_BAN_MAX_SECONDS, 0,
	    &duration) != 0 || cmd_reason(c, req, &reason) != 0)
		return (-1);
	if (duration != 0)
		expires = server_now_ms(s) + (int64_t)duration * 1000;
	if ((b = ban_add(s, r != NULL ? r->fold : "", mask, c->nick, reason,
	    expires)) == NULL)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	log_info("%s banned %s from %s", c->nick, mask, r != NULL ? r->name :
	    "the server");
	reply = cmd_object("banned");
	if (r != NULL)
		cJSON_AddStringToObject(reply, "room", r->name);
	cJSON_AddStringToObject(reply, "mask", mask);
	if (expires != 0)
		cJSON_AddNumberToObject(reply, "expires", (double)expires);
	cmd_reply(c, req, reply);
	if (r != NULL)
		cmd_ban_room(c, r, b);
	else
		cmd_ban_server(c, b);
	return (0);
}

/* cmd-moderator.c: the moderator request: a room's owner names or drops the accounts that moderate it,
 * kept in the store; it knows nothing of sockets or wire formats. */

#include "server.h"

static int	cmd_moderator_exec(struct client *, struct request *);

const struct cmd_entry cmd_moderator_entry = {
	.type = "moderator",
	.flags = CMD_REGISTERED,
	.exec = cmd_moderator_exec,
};

/* An account's name as registered, from its fold. */
static const char *
cmd_moderator_name(struct server *s, const char *fold)
{
	struct account	*a = account_find(&s->accounts, fold);

	return (a != NULL ? a->nick : fold);
}

static int
cmd_moderator_exec(struct client *c, struct request *req)
{
	struct server	*s = c->server;
	struct room	*r;
	struct account	*a;
	const char	*nick;
	const cJSON	*remove;
	cJSON		*reply, *list;
	size_t		 i;

	if (role_room(c, req, ROLE_OWNER, &r) != 0 ||
	    cmd_string(req, "nick", true, &nick) != 0 ||
	    cmd_get(req, "remove", cJSON_True, false, &remove) != 0)
		return (-1);
	if ((a = account_find(&s->accounts, nick)) == NULL)
		return (cmd_error(req, ERR_NO_SUCH_USER, "no account %s",
		    nick));
	if (room_list_set(&r->moderators, &r->nmoderators, a->fold,
	    !cJSON_IsTrue(remove)) != 0)
		return (cmd_close(req, ERR__COUNT, "out of memory"));
	if (room_keep(s, r) != 0)
		log_warn("moderators of %s not kept", r->name);
	reply = cmd_object("moderators");
	cJSON_AddStringToObject(reply, "room", r->name);
	if (r->owner != NULL)
		cJSON_AddStringToObject(reply, "owner",
		    cmd_moderator_name(s, r->owner));
	list = cJSON_AddArrayToObject(reply, "moderators");
	for (i = 0; i < r->nmoderators; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(
		    cmd_moderator_name(s, r->moderators[i])));
	cmd_reply(c, req, reply);
	return (0);
}

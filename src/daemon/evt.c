/* evt.c: events, what the core tells clients, and the cache of their rendered frames, one per face;
 * it knows neither what a face's bytes look like nor who receives them. */

#include <string.h>

#include "server.h"

void
evt_init(struct evt *e, enum evt_type type)
{
	memset(e, 0, sizeof *e);
	e->type = type;
}

/* Drop the rendered frames (queues keep their own references). */
void
evt_clear(struct evt *e)
{
	size_t	i;

	for (i = 0; i < FACE_COUNT; i++) {
		if (e->frames[i] != NULL)
			frame_unref(e->frames[i]);
		e->frames[i] = NULL;
	}
	if (e->type == EVT_REPLY) {
		cJSON_Delete(e->reply);
		e->reply = NULL;
	}
}

/*
 * Whether e goes to one client only, so that its face may render it for
 * that client (face->answer): a reply, an error, the sender's own echo
 * (it carries "re") and a replay.  Everything else is shared by reference.
 */
bool
evt_alone(const struct evt *e)
{
	switch (e->type) {
	case EVT_REPLY:
	case EVT_ERROR:
		return (true);
	case EVT_MSG:
		return (e->msg.re != NULL || e->msg.history);
	case EVT_PRESENCE:
		return (e->presence.alone);
	default:
		return (false);
	}
}

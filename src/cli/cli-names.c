/* cli-names.c: evchat-cli's short lists of names (rooms joined, nicks and rooms seen), kept in order of
 * last use and compared case-insensitively like the server does; it knows nothing of where names come from. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static ssize_t
cli_names_index(const struct cli_names *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (name_cmp(l->v[i], name) == 0)
			return ((ssize_t)i);
	}
	return (-1);
}

static void
cli_names_delete(struct cli_names *l, size_t i)
{
	free(l->v[i]);
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

/*
 * Add name as the newest entry, keeping the case it has now.  The list is
 * bounded so a busy server cannot grow it without limit: the oldest goes.
 */
void
cli_names_add(struct cli_names *l, const char *name)
{
	ssize_t	 i;
	char	*copy;

	if (name == NULL || *name == '\0')
		return;
	copy = cli_xstrdup(name);	/* name may be the entry replaced */
	if ((i = cli_names_index(l, copy)) != -1)
		cli_names_delete(l, (size_t)i);
	else if (l->n == CLI_NAMES_MAX)
		cli_names_delete(l, 0);
	if (l->v == NULL)
		l->v = cli_xmalloc(CLI_NAMES_MAX * sizeof *l->v);
	l->v[l->n++] = copy;
}

void
cli_names_remove(struct cli_names *l, const char *name)
{
	ssize_t	i;

	if ((i = cli_names_index(l, name)) != -1)
		cli_names_delete(l, (size_t)i);
}

/* The entry equal to name, in the case it was stored with, or NULL. */
const char *
cli_names_find(const struct cli_names *l, const char *name)
{
	ssize_t	i;

	if ((i = cli_names_index(l, name)) == -1)
		return (NULL);
	return (l->v[i]);
}

const char *
cli_names_last(const struct cli_names *l)
{
	if (l->n == 0)
		return (NULL);
	return (l->v[l->n - 1]);
}

void
cli_names_clear(struct cli_names *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}

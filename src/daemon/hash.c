/* hash.c: a string-keyed open-addressing table (linear probing, backward-shift deletion) with a keyed
 * SipHash so that chosen names cannot force collisions; it knows nothing of what the values are. */

#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "server.h"

/*
 * 16 bytes: a slot keeps no hash value.  Each nick is in two tables, so a
 * stored hash cost an idle client 26 bytes; probes compare keys instead
 * (runs are short below 3/4 full), resizing and deletion hash again.
 */
struct hash_slot {
	const char	*key;		/* owned by the value */
	void		*value;
};

struct hash {
	struct hash_slot	*slots;
	size_t			 size;		/* a power of two */
	size_t			 count;
	uint64_t		 k0, k1;
};

/*
 * The table doubles when an insert would fill more than GROW_NUM/GROW_DEN
 * of it, which keeps probe runs short, and halves when less than
 * 1/SHRINK_DEN is used.  They must agree: a table just halved must be well
 * under the growth mark, or a name joining and leaving at the edge would
 * resize it every time.
 */
#define HASH_MIN_SIZE	16
#define HASH_GROW_NUM	3
#define HASH_GROW_DEN	4
#define HASH_SHRINK_DEN	8
_Static_assert(2 * HASH_GROW_DEN < HASH_GROW_NUM * HASH_SHRINK_DEN,
    "a halved table would be full enough to grow again");

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* SipHash-1-3 of a NUL-terminated key. */
static uint64_t
hash_sip(const struct hash *h, const char *key)
{
	const unsigned char	*p = (const unsigned char *)key;
	size_t			 len = strlen(key), i, left = len & 7;
	uint64_t		 v0 = 0x736f6d6570736575ULL ^ h->k0;
	uint64_t		 v1 = 0x646f72616e646f6dULL ^ h->k1;
	uint64_t		 v2 = 0x6c7967656e657261ULL ^ h->k0;
	uint64_t		 v3 = 0x7465646279746573ULL ^ h->k1;
	uint64_t		 m, b = (uint64_t)len << 56;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (m = 0; left > 0; left--)
		m |= (uint64_t)p[i + left - 1] << (8 * (left - 1));
	b |= m;
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return (v0 ^ v1 ^ v2 ^ v3);
}

struct hash *
hash_new(void)
{
	struct hash	*h;

	if ((h = calloc(1, sizeof *h)) == NULL)
		return (NULL);
	h->size = HASH_MIN_SIZE;
	if ((h->slots = calloc(h->size, sizeof *h->slots)) == NULL) {
		free(h);
		return (NULL);
	}
	evutil_secure_rng_get_bytes(&h->k0, sizeof h->k0);
	evutil_secure_rng_get_bytes(&h->k1, sizeof h->k1);
	return (h);
}

void
hash_free(struct hash *h)
{
	if (h == NULL)
		return;
	free(h->slots);
	free(h);
}

static size_t
hash_lookup(const struct hash *h, const char *key, uint64_t hv)
{
	size_t	i, mask = h->size - 1;

	for (i = hv & mask; h->slots[i].key != NULL; i = (i + 1) & mask) {
		if (strcmp(h->slots[i].key, key) == 0)
			break;
	}
	return (i);
}

/* Find by a name not folded yet: nicks and rooms compare folded. */
void *
hash_find_fold(const struct hash *h, const char *name)
{
	char	fold[NAME_FOLD_MAX + 1];

	if (name_casefold(name, fold, sizeof fold) < 0)
		return (NULL);	/* no valid name folds so */
	return (hash_find(h, fold));
}

void *
hash_find(const struct hash *h, const char *key)
{
	size_t	i;

	i = hash_lookup(h, key, hash_sip(h, key));
	return (h->slots[i].key != NULL ? h->slots[i].value : NULL);
}

static int
hash_resize(struct hash *h, size_t size)
{
	struct hash_slot	*old = h->slots, *s;
	size_t			 oldsize = h->size, i, j;

	if ((h->slots = calloc(size, sizeof *h->slots)) == NULL) {
		h->slots = old;
		return (-1);
	}
	h->size = size;
	for (i = 0; i < oldsize; i++) {
		s = &old[i];
		if (s->key == NULL)
			continue;
		for (j = hash_sip(h, s->key) & (size - 1);
		    h->slots[j].key != NULL;
		    j = (j + 1) & (size - 1))
			;
		h->slots[j] = *s;
	}
	free(old);
	return (0);
}

/* Insert key (not present yet); the table keeps the pointer, not a copy. */
int
hash_insert(struct hash *h, const char *key, void *value)
{
	uint64_t	hv;
	size_t		i;

	if ((h->count + 1) * HASH_GROW_DEN > h->size * HASH_GROW_NUM &&
	    hash_resize(h, h->size * 2) != 0)
		return (-1);
	hv = hash_sip(h, key);
	i = hash_lookup(h, key, hv);
	if (h->slots[i].key != NULL)
		return (-1);
	h->slots[i].key = key;
	h->slots[i].value = value;
	h->count++;
	return (0);
}

/* Remove key and return its value, shifting later entries of its run back. */
void *
hash_remove(struct hash *h, const char *key)
{
	size_t	 i, j, home, mask = h->size - 1;
	void	*value;

	i = hash_lookup(h, key, hash_sip(h, key));
	if (h->slots[i].key == NULL)
		return (NULL);
	value = h->slots[i].value;
	for (j = (i + 1) & mask; h->slots[j].key != NULL; j = (j + 1) & mask) {
		home = hash_sip(h, h->slots[j].key) & mask;
		/* Move j into the hole unless its home lies in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			h->slots[i] = h->slots[j];
			i = j;
		}
	}
	memset(&h->slots[i], 0, sizeof h->slots[i]);
	h->count--;
	if (h->size > HASH_MIN_SIZE && h->count * HASH_SHRINK_DEN < h->size)
		(void)hash_resize(h, h->size / 2);
	return (value);
}

size_t
hash_count(const struct hash *h)
{
	return (h->count);
}

/*
 * Iterate: start with *pos = 0; returns each value once, NULL at the end.
 * The table must not change during the walk.
 */
void *
hash_next(const struct hash *h, size_t *pos)
{
	while (*pos < h->size) {
		if (h->slots[(*pos)++].key != NULL)
			return (h->slots[*pos - 1].value);
	}
	return (NULL);
}

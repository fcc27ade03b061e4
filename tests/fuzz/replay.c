/* replay.c: main() of the fuzz targets in builds without libFuzzer: each file named on the command line
 * goes once through LLVMFuzzerTestOneInput, so the corpora are regression tests; it knows no target. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/*
 * Read path into a buffer of exactly its size, so that the sanitizers see
 * any read past the input.  Returns 0 or -1 (errno set).
 */
static int
replay_read(const char *path, uint8_t **data, size_t *size)
{
	FILE	*f;
	uint8_t	*buf, *p;
	size_t	 len = 0, n;
	uint8_t	 chunk[8192];

	if ((f = fopen(path, "rb")) == NULL)
		return (-1);
	/* Never NULL, even when empty: libFuzzer gives a pointer too. */
	if ((buf = malloc(1)) == NULL) {
		fclose(f);
		return (-1);
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if ((p = realloc(buf, len + n)) == NULL) {
			free(buf);
			fclose(f);
			return (-1);
		}
		buf = p;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return (-1);
	}
	fclose(f);
	*data = buf;
	*size = len;
	return (0);
}

int
main(int argc, char **argv)
{
	uint8_t	*data;
	size_t	 size;
	int	 i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return (2);
	}
	for (i = 1; i < argc; i++) {
		if (replay_read(argv[i], &data, &size) != 0) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i],
			    strerror(errno));
			return (1);
		}
		LLVMFuzzerTestOneInput(data, size);
		free(data);
	}
	printf("%s: %d input(s) replayed\n", argv[0], argc - 1);
	return (0);
}

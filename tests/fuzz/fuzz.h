/* fuzz.h: the entry point that every fuzz target defines, called by libFuzzer or by replay.c's main;
 * it knows nothing of what a target tests. */

#ifndef EVCHAT_FUZZ_H
#define EVCHAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif /* EVCHAT_FUZZ_H */

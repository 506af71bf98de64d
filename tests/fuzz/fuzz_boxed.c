/* fuzz_boxed.c — libFuzzer target for convert_last_boxed, the \boxed{} parser
 * of to-messages --boxed-answer: on any bytes it must stay inside them, and
 * what it returns must be a trimmed span of the input. */
#include "convert.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = malloc(size ? size : 1);   /* exactly size bytes: ASan sees any read past them */
	memcpy(s, data, size);
	const char *a;
	size_t n;
	if (convert_last_boxed(s, size, &a, &n) == 0) {
		if (a < s || a + n > s + size) abort();
		if (n && (a[0] == ' ' || a[n - 1] == ' ')) abort();
	}
	free(s);
	return 0;
}

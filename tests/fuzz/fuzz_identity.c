/* fuzz_identity.c — libFuzzer target for the rules of drop-identity: on any
 * text, the literal prefilter must not change the verdict (abort when
 * matching with it and without it differ), and when the input parses as a
 * JSON object the record rule, which scans most strings as raw JSON bytes,
 * must agree with the same rule without the prefilter, which decodes and
 * matches every string. Texts holding the Kelvin sign or the long s, which
 * PCRE2 folds to k and s and the prefilter does not (drop-identity(1) says
 * so), are left out of the comparison. */
#include "identity.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static identity_rules *R;

static int same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static int unfolded(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] == 0xC5 && s[i + 1] == 0xBF) return 1;                                        /* ſ */
		if (i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x84 && s[i + 2] == 0xAA) return 1;        /* K */
		/* the same written as JSON escapes */
		if (s[i] == '\\' && i + 5 < n && (s[i + 1] == 'u') &&
		    (!strncasecmp((const char *)s + i + 2, "017f", 4) || !strncasecmp((const char *)s + i + 2, "212a", 4)))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[256], detail[256];
	if (!R && !(R = identity_rules_new(err, sizeof err))) abort();
	if (unfolded(data, size)) return 0;
	identity_ctx c;
	identity_init(&c, R);
	const char *t[2];
	for (int ref = 0; ref < 2; ref++) {
		c.reference = ref;
		t[ref] = identity_text(&c, (const char *)data, size, detail, sizeof detail);
	}
	if (!same(t[0], t[1])) abort();

	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, (const char *)data, size) == 0 && json_type_of(&d, 0) == JSON_OBJECT) {
		const char *r[2];
		for (int ref = 0; ref < 2; ref++) {
			c.reference = ref;
			r[ref] = identity_check(&c, &d, detail, sizeof detail);
		}
		if (!same(r[0], r[1])) abort();
	}
	json_doc_free(&d);
	identity_free(&c);
	return 0;
}

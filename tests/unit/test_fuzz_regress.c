/* test_fuzz_regress — every input a fuzzer once crashed on (tests/fuzz/regress/
 * <target>/), run through the same entry point as the fuzzer, so the fix stays
 * (under make check SANITIZE=1 a leak or overflow fails the run). */
#define LLVMFuzzerTestOneInput fuzz_parquet_one
#include "../fuzz/fuzz_parquet.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tokjson_one
#include "../fuzz/fuzz_tokjson.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_card_one
#include "../fuzz/fuzz_card.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_jinja_one
#include "../fuzz/fuzz_jinja.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_identity_one
#include "../fuzz/fuzz_identity.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_rows_one
#define on_row on_row_rows
#include "../fuzz/fuzz_rows.c"
#undef on_row
#undef LLVMFuzzerTestOneInput
#include "t.h"

#include <dirent.h>

static int run_dir(const char *target, int (*fn)(const unsigned char *, size_t))
{
	char dir[512];
	snprintf(dir, sizeof dir, "tests/fuzz/regress/%s", target);
	DIR *dp = opendir(dir);
	if (!dp) return 0;
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.') continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		size_t len;
		char *data = t_read_file(p, &len);
		if (!data) continue;
		fn((const unsigned char *)data, len);
		free(data);
		n++;
	}
	closedir(dp);
	return n;
}

static void test_parquet(void) { T_CHECK(run_dir("fuzz_parquet", fuzz_parquet_one) >= 1); }
static void test_tokjson(void) { T_CHECK(run_dir("fuzz_tokjson", fuzz_tokjson_one) >= 1); }
static void test_jinja(void) { T_CHECK(run_dir("fuzz_jinja", fuzz_jinja_one) >= 1); }
static void test_card(void) { T_CHECK(run_dir("fuzz_card", fuzz_card_one) >= 1); }   /* exponential globs once hung */
static void test_identity(void) { T_CHECK(run_dir("fuzz_identity", fuzz_identity_one) >= 1); }   /* invalid UTF-8 behind the start once crashed PCRE2's JIT */
static void test_rows(void) { if (!run_dir("fuzz_rows", fuzz_rows_one)) T_SKIP("no fuzz_rows regressions recorded"); }

int main(void)
{
	T_RUN(test_parquet);
	T_RUN(test_tokjson);
	T_RUN(test_jinja);
	T_RUN(test_card);
	T_RUN(test_identity);
	T_RUN(test_rows);
	return t_done();
}

/* test_hub_lock.c — hf-fetch's lock file (src/lib/hub/lock.h): lookup by
 * repo and kind, the manifest's JSON array, bad lines named by number, and
 * recording under flock without duplicates. */
#include "hub/lock.h"
#include "t.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char good[] =
	"{\"repo\":\"a/b\",\"kind\":\"datasets\",\"revision\":\"main\",\"commit\":\"c1\"}\n"
	"\n"
	"  \r\n"
	"{\"repo\":\"m/x\",\"kind\":\"models\",\"commit\":\"c2\"}\r\n"
	"{\"repo\":\"any/kind\",\"commit\":\"c\\u0033\"}";

static void test_find(void)
{
	char err[512], *c;
	T_EQ_INT(hub_lock_find(good, strlen(good), "l", "datasets", "a/b", &c, err, sizeof err), 1);
	T_EQ_STR(c, "c1");
	free(c);
	T_EQ_INT(hub_lock_find(good, strlen(good), "l", "models", "m/x", &c, err, sizeof err), 1);
	T_EQ_STR(c, "c2");
	free(c);
	/* a kind that differs does not match; an absent kind matches either */
	T_EQ_INT(hub_lock_find(good, strlen(good), "l", "datasets", "m/x", &c, err, sizeof err), 0);
	T_CHECK(c == NULL);
	T_EQ_INT(hub_lock_find(good, strlen(good), "l", "models", "any/kind", &c, err, sizeof err), 1);
	T_EQ_STR(c, "c3");
	free(c);
	T_EQ_INT(hub_lock_find(good, strlen(good), "l", "datasets", "a/bb", &c, err, sizeof err), 0);
	T_EQ_INT(hub_lock_find("", 0, "l", "datasets", "a/b", &c, err, sizeof err), 0);
}

static void test_bad_lines(void)
{
	char err[512], *c;
	const char *notjson = "{\"repo\":\"a/b\",\"commit\":\"c\"}\nnot json\n";
	T_EQ_INT(hub_lock_find(notjson, strlen(notjson), "L", "datasets", "z/z", &c, err, sizeof err), -1);
	T_CHECKF(strstr(err, "L:2: expected a JSON object per line") != NULL, "%s", err);
	const char *arr = "[1]\n";
	T_EQ_INT(hub_lock_find(arr, strlen(arr), "L", "datasets", "z/z", &c, err, sizeof err), -1);
	T_CHECKF(strstr(err, "L:1: expected a JSON object per line (hf-fetch's lock file), found another value") != NULL, "%s", err);
	const char *nocommit = "\n{\"repo\":\"a/b\",\"commit\":7}\n";
	T_EQ_INT(hub_lock_find(nocommit, strlen(nocommit), "L", "datasets", "a/b", &c, err, sizeof err), -1);
	T_CHECKF(strstr(err, "L:2: a lock line needs \"repo\" and \"commit\"") != NULL, "%s", err);
	/* a match before a bad line still stops the walk with the answer */
	const char *early = "{\"repo\":\"a/b\",\"commit\":\"c\"}\nnot json\n";
	T_EQ_INT(hub_lock_find(early, strlen(early), "L", "datasets", "a/b", &c, err, sizeof err), 1);
	free(c);
}

static void test_json(void)
{
	char err[512];
	strbuf b = STRBUF_INIT;
	T_EQ_INT(hub_lock_json(good, strlen(good), "l", &b, err, sizeof err), 0);
	strbuf_putc(&b, 0);
	T_EQ_STR(b.p, "[\n    {\"repo\":\"a/b\",\"kind\":\"datasets\",\"revision\":\"main\",\"commit\":\"c1\"},\n"
		 "    {\"repo\":\"m/x\",\"kind\":\"models\",\"commit\":\"c2\"},\n"
		 "    {\"repo\":\"any/kind\",\"commit\":\"c3\"}\n  ]");
	strbuf_free(&b);
	T_EQ_INT(hub_lock_json("\n", 1, "l", &b, err, sizeof err), 0);
	strbuf_putc(&b, 0);
	T_EQ_STR(b.p, "[]");
	strbuf_free(&b);
}

static void test_record(void)
{
	char dir[] = "/tmp/test_hub_lock.XXXXXX", path[600], err[512], *c, *text;
	size_t len;
	T_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/lock.jsonl", dir);
	/* a missing file pins nothing, then is created by the first record */
	T_EQ_INT(hub_lock_pin(path, "datasets", "a/b", &c, err, sizeof err), 0);
	T_CHECK(c == NULL);
	T_EQ_INT(hub_lock_record(path, "datasets", "a/b", "main", "c1", err, sizeof err), 1);
	T_EQ_INT(hub_lock_record(path, "datasets", "a/b", "v2", "c9", err, sizeof err), 0);
	T_EQ_INT(hub_lock_record(path, "models", "a/b", "re\"v", "c2", err, sizeof err), 1);
	T_EQ_INT(hub_lock_load(path, &text, &len, err, sizeof err), 0);
	T_EQ_STR(text, "{\"repo\":\"a/b\",\"kind\":\"datasets\",\"revision\":\"main\",\"commit\":\"c1\"}\n"
		 "{\"repo\":\"a/b\",\"kind\":\"models\",\"revision\":\"re\\\"v\",\"commit\":\"c2\"}\n");
	free(text);
	T_EQ_INT(hub_lock_pin(path, "models", "a/b", &c, err, sizeof err), 1);
	T_EQ_STR(c, "c2");
	free(c);
	/* a bad line stops recording rather than appending after it */
	FILE *f = fopen(path, "a");
	fputs("oops\n", f);
	fclose(f);
	T_EQ_INT(hub_lock_record(path, "datasets", "new/one", "main", "c3", err, sizeof err), -1);
	T_CHECKF(strstr(err, ":3: expected a JSON object per line") != NULL, "%s", err);
	T_EQ_INT(hub_lock_pin(path, "datasets", "new/one", &c, err, sizeof err), -1);
	unlink(path);
	/* a directory in the way: a message naming it, not a crash */
	T_EQ_INT(hub_lock_record(dir, "datasets", "a/b", "main", "c1", err, sizeof err), -1);
	T_CHECKF(strstr(err, dir) != NULL, "%s", err);
	rmdir(dir);
}

static void test_load_bound(void)
{
	char err[512], *text;
	size_t len;
	T_EQ_INT(hub_lock_load("/dev/zero", &text, &len, err, sizeof err), -1);
	T_EQ_INT(errno, EFBIG);
	T_EQ_STR(err, "/dev/zero: more than 64 MiB: not a lock file");
	T_EQ_INT(hub_lock_load("/nonexistent/lock", &text, &len, err, sizeof err), -1);
	T_EQ_STR(err, "/nonexistent/lock: No such file or directory");
}

int main(void)
{
	T_RUN(test_find);
	T_RUN(test_bad_lines);
	T_RUN(test_json);
	T_RUN(test_record);
	T_RUN(test_load_bound);
	return t_done();
}

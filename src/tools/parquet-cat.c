/* parquet-cat — print the rows of Parquet files as JSONL (or the schema). */
#include "cli.h"
#include "parquet/parquet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"Usage: parquet-cat [--columns a,b] [--where COL=VALUE|COL!=VALUE] [--limit N] FILE...\n"
	"       parquet-cat --schema FILE...\n"
	"Print the rows of Parquet files as JSON objects, one per line, in file order.\n"
	"FILE '-' is standard input; as Parquet's footer is at the end, a pipe is first\n"
	"copied to a temporary file in $TMPDIR (default /tmp), deleted when done.\n"
	"\n"
	"  -c, --columns A,B      only these top-level columns (the others are not decoded)\n"
	"  -w, --where COL=VALUE  only rows whose top-level column COL equals VALUE (COL!=VALUE:\n"
	"                         differs from it, nulls included); the filter column is\n"
	"                         decoded first, and row groups whose statistics rule the\n"
	"                         value out are skipped\n"
	"  -n, --limit N          stop after N rows\n"
	"      --schema           print each file's schema and row-group layout as JSON\n"
	"\n"
	"Values: integers exact; floats shortest round-trip, NaN/Infinity as strings;\n"
	"DECIMAL exact numbers; DATE/TIME/TIMESTAMP ISO 8601 strings (Z when UTC);\n"
	"binary as a string when valid UTF-8, else {\"$base64\":...}; LIST arrays; MAP objects.\n";

/* Standard input as a descriptor the reader can map: itself when it is a
 * regular file read from its start (< file.parquet), else a copy in an
 * unlinked temporary file (a pipe: the footer the reader starts from comes
 * last). The copy is gone when the process ends, however it ends. */
static int stdin_file(cli *c)
{
	struct stat st;
	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode) && lseek(0, 0, SEEK_CUR) == 0) return 0;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir) dir = "/tmp";
	int fd = util_spool_open(dir, "parquet-cat", NULL, 0);
	if (fd < 0) cli_fatal(c, "<stdin>: a temporary file in %s for the copy Parquet needs: %s", dir, strerror(errno));
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) cli_fatal(c, "<stdin>: read error: %s", strerror(errno));
		if (n == 0) break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR) continue;
			if (w < 0) cli_fatal(c, "<stdin>: copying to a temporary file in %s: %s", dir, strerror(errno));
			off += w;
		}
	}
	return fd;
}

static int on_row(void *ctx, const char *json, size_t len)
{
	cli_add_read(ctx, 1);   /* a row read from the file, and kept */
	cli_emit(ctx, json, len);
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_SCHEMA = CLI_OPT_TOOL_BASE };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"columns", required_argument, 0, 'c'},
		{"where", required_argument, 0, 'w'},
		{"limit", required_argument, 0, 'n'},
		{"schema", no_argument, 0, O_SCHEMA},
		{0, 0, 0, 0},
	};
	cli c;
	pq_options po;
	memset(&po, 0, sizeof po);
	const char *cols[256];
	int schema = 0, o;
	char *where = NULL;
	cli_init(&c, "parquet-cat", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "c:w:n:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 'c':
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				if (po.ncolumns == 256) cli_usage_error(&c, "--columns: at most 256");
				cols[po.ncolumns++] = t;
			}
			po.columns = cols;
			break;
		case 'w': where = optarg; break;
		case 'n': po.limit = cli_uint_arg(&c, "--limit", optarg, 1, UINT64_MAX); break;
		case O_SCHEMA: schema = 1; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (where) {
		char *eq = strchr(where, '=');
		if (!eq || eq == where) cli_usage_error(&c, "--where: COL=VALUE or COL!=VALUE, not '%s'", where);
		if (eq[-1] == '!') { po.where_negate = 1; eq[-1] = 0; }
		*eq = 0;
		po.where_col = where;
		po.where_val = eq + 1;
		if (!*po.where_col) cli_usage_error(&c, "--where: no column name");
	}
	if (optind >= argc) cli_usage_error(&c, "no Parquet file given");
	int nstdin = 0;
	for (int i = optind; i < argc; i++) nstdin += !strcmp(argv[i], "-");
	if (nstdin > 1) cli_usage_error(&c, "standard input ('-') can be read only once");
	cli_open_output(&c, optind);
	c.quiet = c.quiet || schema;
	char err[512];
	uint64_t left = po.limit;
	for (int i = optind; i < argc; i++) {
		int in = strcmp(argv[i], "-") ? -1 : stdin_file(&c);
		c.cur_file = in < 0 ? argv[i] : "<stdin>";
		if (schema) {
			strbuf s = STRBUF_INIT;
			if (in < 0 ? pq_schema_json(argv[i], &s, err, sizeof err)
			           : pq_schema_json_fd(in, c.cur_file, &s, err, sizeof err))
				cli_fatal(&c, "%s", err + 4);
			cli_add_read(&c, 1);   /* the file's schema: one record in, one out */
			cli_emit(&c, s.p, s.len);
			strbuf_free(&s);
			if (in > 0) close(in);
			continue;
		}
		uint64_t before = c.n_kept;
		po.limit = left;
		int rc = in < 0 ? pq_cat_file(argv[i], &po, on_row, &c, err, sizeof err)
		                : pq_cat_fd(in, c.cur_file, &po, on_row, &c, err, sizeof err);
		if (in > 0) close(in);
		if (rc < 0) cli_fatal(&c, "%s", err + 4);   /* drop the "pq: " prefix: the tool names itself */
		if (po.limit) {
			left -= c.n_kept - before;
			if (!left) break;
		}
	}
	return cli_finish(&c);
}

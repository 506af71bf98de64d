/* sft-report — one self-contained HTML page (inline SVG, no network) showing
 * what a built SFT set is made of. */
#include "cli.h"
#include "json.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sft-report [--manifest FILE] [--summaries DIR] [-o FILE] TRAIN.jsonl [VALIDATION.jsonl]\n"
	"Write an HTML report of an SFT set: composition by source, token lengths per\n"
	"source (n_tokens; character counts when absent, and it says so), turns per\n"
	"conversation, records dropped per reason per stage (from the --summary files\n"
	"in DIR), the recipe's counts (from blend's manifest), and examples per source.\n"
	"\n"
	"  -m, --manifest FILE   blend's manifest.json\n"
	"  -s, --summaries DIR   the stages' --summary files (*.json)\n"
	"  -o, --output FILE     the report (default: standard output)\n";

#define NBINS 17          /* 0-512, ..., 7680-8192, >8192 */
#define NTURN 12
#define NEX 3

typedef struct src {
	char *name;
	uint64_t n, tokens, chars_only;
	uint64_t bins[NBINS], turns[NTURN];
	uint32_t *lens;       /* every record's length, binned at the end */
	size_t nlens, caplens;
	char *ex[NEX];
	uint64_t seen;
} src;

typedef struct rep {
	src *s;
	int ns;
	uint64_t total, with_tokens;
	uint64_t rng;
} rep;

static src *get_src(rep *r, const char *name, size_t n)
{
	for (int i = 0; i < r->ns; i++)
		if (strlen(r->s[i].name) == n && !memcmp(r->s[i].name, name, n)) return &r->s[i];
	r->s = xrealloc(r->s, (size_t)(r->ns + 1) * sizeof *r->s);
	src *s = &r->s[r->ns++];
	memset(s, 0, sizeof *s);
	s->name = xstrndup(name, n);
	return s;
}

static void html_esc(jbuf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': jbuf_puts(o, "&lt;"); break;
		case '>': jbuf_puts(o, "&gt;"); break;
		case '&': jbuf_puts(o, "&amp;"); break;
		case '"': jbuf_puts(o, "&quot;"); break;
		default: jbuf_putc(o, s[i]);
		}
	}
}

static uint64_t next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void add(rep *r, const json_doc *d, const char *line, size_t len)
{
	uint32_t sv = json_get(d, 0, "source");
	size_t sl = 3;
	const char *sn = "all";
	if (json_type_of(d, sv) == JSON_STRING) sn = json_str_raw(d, sv, &sl);
	src *s = get_src(r, sn, sl);
	s->n++;
	r->total++;
	uint32_t ms = json_get(d, 0, "messages");
	uint64_t turns = json_type_of(d, ms) == JSON_ARRAY ? d->nodes[ms].count : 0;
	s->turns[turns < NTURN ? turns : NTURN - 1]++;
	int64_t nt = -1;
	uint32_t tk = json_get(d, 0, "n_tokens");
	if (json_type_of(d, tk) == JSON_NUMBER) json_num_i64(d, tk, &nt);
	if (nt < 0) {
		nt = 0;
		if (turns) JSON_FOR_ELEMS(d, ms, m, k) {
			(void)k;
			uint32_t c = json_type_of(d, m) == JSON_OBJECT ? json_get(d, m, "content") : JSON_NONE;
			if (json_type_of(d, c) == JSON_STRING) nt += d->nodes[c].len;
		}
		s->chars_only++;
	} else r->with_tokens++;
	s->tokens += (uint64_t)nt;
	if (s->nlens == s->caplens) { s->caplens = s->caplens ? s->caplens * 2 : 1024; s->lens = xrealloc(s->lens, s->caplens * sizeof *s->lens); }
	s->lens[s->nlens++] = nt > UINT32_MAX ? UINT32_MAX : (uint32_t)nt;
	/* reservoir of NEX examples, seeded: the same set gives the same report */
	s->seen++;
	uint64_t j = s->seen <= NEX ? s->seen - 1 : next_rand(&r->rng) % s->seen;
	if (j < NEX) { free(s->ex[j]); s->ex[j] = xstrndup(line, len); }
}

static const char *palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7" };

static void bar_chart(jbuf *o, const char *title, const char *const *labels, const uint64_t *vals, int n, const char *color)
{
	uint64_t mx = 1;
	for (int i = 0; i < n; i++) if (vals[i] > mx) mx = vals[i];
	int w = 40 * n + 60, h = 200;
	jbuf_printf(o, "<figure><figcaption>");
	html_esc(o, title, strlen(title));
	jbuf_printf(o, "</figcaption><svg width=\"%d\" height=\"%d\" role=\"img\">", w, h + 70);
	for (int i = 0; i < n; i++) {
		int bh = (int)(vals[i] * (uint64_t)h / mx);
		int x = 50 + 40 * i;
		jbuf_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"32\" height=\"%d\" fill=\"%s\"><title>%llu</title></rect>", x, h - bh + 20, bh, color, (unsigned long long)vals[i]);
		jbuf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%llu</text>", x, h - bh + 16, (unsigned long long)vals[i]);
		jbuf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"9\" transform=\"rotate(45 %d %d)\">", x + 4, h + 34, x + 4, h + 34);
		html_esc(o, labels[i], strlen(labels[i]));
		jbuf_puts(o, "</text>");
	}
	jbuf_printf(o, "<line x1=\"45\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/></svg></figure>\n", h + 20, w, h + 20);
}

/* Horizontal bars with full labels, for few long-named categories. */
static void hbar_chart(jbuf *o, const char *title, const char *const *labels, const uint64_t *vals, int n)
{
	uint64_t mx = 1;
	for (int i = 0; i < n; i++) if (vals[i] > mx) mx = vals[i];
	int lw = 320, bw = 420, rh = 26;
	jbuf_puts(o, "<figure><figcaption>");
	html_esc(o, title, strlen(title));
	jbuf_printf(o, "</figcaption><svg width=\"%d\" height=\"%d\" role=\"img\">", lw + bw + 80, n * rh + 10);
	for (int i = 0; i < n; i++) {
		int w = (int)(vals[i] * (uint64_t)bw / mx);
		jbuf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", lw - 6, i * rh + 20);
		html_esc(o, labels[i], strlen(labels[i]));
		jbuf_printf(o, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", lw, i * rh + 6, w, rh - 8, palette[i % 8]);
		jbuf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%llu</text>", lw + w + 6, i * rh + 20, (unsigned long long)vals[i]);
	}
	jbuf_puts(o, "</svg></figure>\n");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	jbuf b = {0};
	char t[8192];
	size_t n;
	while ((n = fread(t, 1, sizeof t, f)) > 0) jbuf_put(&b, t, n);
	fclose(f);
	jbuf_put(&b, "", 0);
	return jbuf_detach(&b, NULL);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"manifest", required_argument, 0, 'm'},
		{"summaries", required_argument, 0, 's'},
		{"output", required_argument, 0, 'o'},
		{0, 0, 0, 0},
	};
	cli c;
	const char *manifest = NULL, *sums = NULL, *outp = NULL;
	int o;
	cli_init(&c, "sft-report", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "m:s:o:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 'm': manifest = optarg; break;
		case 's': sums = optarg; break;
		case 'o': outp = optarg; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (optind >= argc) cli_usage_error(&c, "no data file given");
	cli_open_output(&c, optind);
	rep r;
	memset(&r, 0, sizeof r);
	r.rng = 42;
	const char *line;
	size_t len;
	while (cli_next_record(&c, &line, &len)) { add(&r, &c.doc, line, len); c.n_kept++; }

	jbuf h = {0};
	jbuf_puts(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sftkit report</title><style>"
		  "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}"
		  "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
		  "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:1em}"
		  "pre{white-space:pre-wrap;background:#f7f7f7;border:1px solid #ddd;padding:8px;max-height:240px;overflow:auto;font-size:12px}"
		  "h1{color:#4e79a7}</style></head><body>\n<h1>SFT set report</h1>\n");
	jbuf_printf(&h, "<p>%llu records in %d source(s); inputs:", (unsigned long long)r.total, r.ns);
	for (int i = optind; i < argc; i++) { jbuf_putc(&h, ' '); html_esc(&h, argv[i], strlen(argv[i])); }
	jbuf_puts(&h, ".</p>\n");
	if (r.with_tokens < r.total)
		jbuf_printf(&h, "<p><b>Note:</b> %llu records have no n_tokens; their lengths below are characters, not tokens.</p>\n",
			    (unsigned long long)(r.total - r.with_tokens));

	/* composition */
	jbuf_puts(&h, "<h2>Composition by source</h2>\n<table><tr><th>source</th><th>records</th><th>share</th><th>tokens</th><th>mean length</th></tr>\n");
	const char **labels = xcalloc(r.ns + NBINS + NTURN + 1, sizeof *labels);
	uint64_t *vals = xcalloc(r.ns + NBINS + NTURN + 1, sizeof *vals);
	for (int i = 0; i < r.ns; i++) {
		src *s = &r.s[i];
		jbuf_puts(&h, "<tr><td>");
		html_esc(&h, s->name, strlen(s->name));
		jbuf_printf(&h, "</td><td>%llu</td><td>%.1f%%</td><td>%llu</td><td>%.0f</td></tr>\n", (unsigned long long)s->n,
			    100.0 * s->n / (r.total ? r.total : 1), (unsigned long long)s->tokens, s->n ? (double)s->tokens / s->n : 0);
		labels[i] = s->name;
		vals[i] = s->n;
	}
	jbuf_puts(&h, "</table>\n");
	hbar_chart(&h, "records per source", labels, vals, r.ns);

	/* lengths and turns per source */
	jbuf_puts(&h, "<h2>Length (tokens) per source</h2>\n");
	/* one bin width for every source: the smallest power of two from 32 that
	 * puts the longest record (up to 8192) in 16 bins; the last bin is open */
	uint32_t mxlen = 0;
	for (int i = 0; i < r.ns; i++)
		for (size_t k = 0; k < r.s[i].nlens; k++) if (r.s[i].lens[k] > mxlen) mxlen = r.s[i].lens[k];
	uint32_t width = 32;
	while (width < 512 && (uint64_t)width * (NBINS - 1) <= (mxlen < 8192 ? mxlen : 8192)) width *= 2;
	for (int i = 0; i < r.ns; i++)
		for (size_t k = 0; k < r.s[i].nlens; k++) {
			uint32_t b = r.s[i].lens[k] / width;
			r.s[i].bins[b < NBINS - 1 ? b : NBINS - 1]++;
		}
	char binlab[NBINS][24];
	const char *bl[NBINS];
	for (int b = 0; b < NBINS; b++) {
		if (b < NBINS - 1) snprintf(binlab[b], sizeof binlab[b], "%u-%u", b * width, (b + 1) * width);
		else snprintf(binlab[b], sizeof binlab[b], ">=%u", (NBINS - 1) * width);
		bl[b] = binlab[b];
	}
	for (int i = 0; i < r.ns; i++) bar_chart(&h, r.s[i].name, bl, r.s[i].bins, NBINS, palette[(i + 1) % 8]);
	jbuf_puts(&h, "<h2>Turns per conversation</h2>\n");
	char tl[NTURN][16];
	const char *tls[NTURN];
	for (int t = 0; t < NTURN; t++) { snprintf(tl[t], sizeof tl[t], t < NTURN - 1 ? "%d" : "%d+", t); tls[t] = tl[t]; }
	for (int i = 0; i < r.ns; i++) bar_chart(&h, r.s[i].name, tls, r.s[i].turns, NTURN, palette[(i + 3) % 8]);

	/* the stages */
	if (sums) {
		jbuf_puts(&h, "<h2>Records dropped per stage</h2>\n<table><tr><th>stage</th><th>tool</th><th>read</th><th>kept</th><th>dropped</th><th>reasons</th></tr>\n");
		DIR *dp = opendir(sums);
		if (!dp) cli_fatal(&c, "%s: %m", sums);
		char **names = NULL;
		int nn = 0;
		struct dirent *de;
		while ((de = readdir(dp))) {
			size_t l = strlen(de->d_name);
			if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) { names = xrealloc(names, (size_t)(nn + 1) * sizeof *names); names[nn++] = xstrdup(de->d_name); }
		}
		closedir(dp);
		qsort(names, nn, sizeof *names, cmp_str);
		json_doc d;
		json_doc_init(&d);
		for (int i = 0; i < nn; i++) {
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", sums, names[i]);
			char *t = slurp(p);
			if (!t || json_parse(&d, t, strlen(t)) || json_type_of(&d, 0) != JSON_OBJECT) cli_fatal(&c, "%s: not a summary", p);
			jbuf_puts(&h, "<tr><td>");
			html_esc(&h, names[i], strlen(names[i]) - 5);
			jbuf_puts(&h, "</td><td>");
			uint32_t tool = json_get(&d, 0, "tool");
			if (json_type_of(&d, tool) == JSON_STRING) { size_t l; const char *s = json_str_raw(&d, tool, &l); html_esc(&h, s, l); }
			const char *keys[] = { "read", "kept", "dropped" };
			for (int k = 0; k < 3; k++) {
				size_t l = 1;
				uint32_t v = json_get(&d, 0, keys[k]);
				const char *s = json_type_of(&d, v) == JSON_NUMBER ? json_raw(&d, v, &l) : "?";
				jbuf_puts(&h, "</td><td>");
				jbuf_put(&h, s, l);
			}
			jbuf_puts(&h, "</td><td>");
			uint32_t rs = json_get(&d, 0, "reasons");
			if (json_type_of(&d, rs) == JSON_OBJECT) JSON_FOR_MEMBERS(&d, rs, k, v, m) {
				size_t kl, vl;
				const char *ks = json_str_raw(&d, k, &kl), *vs = json_raw(&d, v, &vl);
				if (m) jbuf_puts(&h, ", ");
				html_esc(&h, ks, kl);
				jbuf_putc(&h, ' ');
				jbuf_put(&h, vs, vl);
			}
			jbuf_puts(&h, "</td></tr>\n");
			free(t);
			free(names[i]);
		}
		free(names);
		json_doc_free(&d);
		jbuf_puts(&h, "</table>\n");
	}
	if (manifest) {
		char *t = slurp(manifest);
		json_doc d;
		json_doc_init(&d);
		if (!t || json_parse(&d, t, strlen(t)) || json_type_of(&d, 0) != JSON_OBJECT) cli_fatal(&c, "%s: not a manifest", manifest);
		jbuf_puts(&h, "<h2>Recipe</h2>\n<table><tr><th>part</th><th>requested</th><th>available</th><th>taken</th><th>train</th><th>validation</th><th>epochs</th><th>shortfall</th></tr>\n");
		uint32_t parts = json_get(&d, 0, "parts");
		if (json_type_of(&d, parts) == JSON_ARRAY) JSON_FOR_ELEMS(&d, parts, p, k) {
			(void)k;
			const char *keys[] = { "name", "requested", "available", "taken", "train", "validation", "epochs", "shortfall" };
			jbuf_puts(&h, "<tr>");
			for (int i = 0; i < 8; i++) {
				uint32_t v = json_get(&d, p, keys[i]);
				jbuf_puts(&h, "<td>");
				if (json_type_of(&d, v) == JSON_STRING) { size_t l; const char *s = json_str_raw(&d, v, &l); html_esc(&h, s, l); }
				else if (v != JSON_NONE) { size_t l; const char *s = json_raw(&d, v, &l); html_esc(&h, s, l); }
				jbuf_puts(&h, "</td>");
			}
			jbuf_puts(&h, "</tr>\n");
		}
		jbuf_puts(&h, "</table>\n");
		uint32_t seed = json_get(&d, 0, "seed");
		if (seed != JSON_NONE) { size_t l; const char *s = json_raw(&d, seed, &l); jbuf_puts(&h, "<p>seed "); jbuf_put(&h, s, l); jbuf_puts(&h, "</p>\n"); }
		json_doc_free(&d);
		free(t);
	}

	/* examples */
	jbuf_puts(&h, "<h2>Examples</h2>\n");
	for (int i = 0; i < r.ns; i++) {
		jbuf_puts(&h, "<h3>");
		html_esc(&h, r.s[i].name, strlen(r.s[i].name));
		jbuf_puts(&h, "</h3>\n");
		for (int k = 0; k < NEX; k++) {
			if (!r.s[i].ex[k]) continue;
			jbuf_puts(&h, "<pre>");
			size_t l = strlen(r.s[i].ex[k]);
			html_esc(&h, r.s[i].ex[k], l > 4000 ? 4000 : l);
			if (l > 4000) jbuf_puts(&h, " ...");
			jbuf_puts(&h, "</pre>\n");
			free(r.s[i].ex[k]);
		}
		free(r.s[i].name);
		free(r.s[i].lens);
	}
	jbuf_puts(&h, "<footer><p>sftkit " SFTKIT_VERSION "</p></footer></body></html>\n");
	if (outp) {
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.tmp", outp);
		FILE *f = fopen(tmp, "w");
		if (!f || fwrite(h.p, 1, h.len, f) != h.len || fclose(f) || rename(tmp, outp)) cli_fatal(&c, "%s: %m", outp);
	} else cli_write(&c, h.p, h.len);
	jbuf_free(&h);
	free(labels);
	free(vals);
	free(r.s);
	c.n_kept = c.n_read;
	c.quiet = 1;
	return cli_finish(&c);
}

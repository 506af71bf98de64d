/* report.c — statistics and the HTML page of sft-report(1). Contract in report.h. */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_init(report *r, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	rng_seed(&r->rng, seed);
}

void report_free(report *r)
{
	for (int i = 0; i < r->nsrc; i++) {
		free(r->src[i].name);
		for (int k = 0; k < REPORT_EXAMPLES; k++) free(r->src[i].ex[k]);
	}
	free(r->src);
	for (int i = 0; i < r->nstages; i++) {
		report_stage *s = &r->stages[i];
		free(s->name);
		free(s->tool);
		for (int k = 0; k < s->nreasons; k++) free(s->reason[k]);
		free(s->reason);
		free(s->count);
	}
	free(r->stages);
	for (int i = 0; i < r->ncontam; i++) {
		report_contam *c = &r->contam[i];
		free(c->bench);
		for (int k = 0; k < c->nsources; k++) free(c->sources[k]);
		free(c->sources);
		for (int k = 0; k < c->nex; k++) { free(c->ex[k].item); free(c->ex[k].example); free(c->ex[k].source); free(c->ex[k].excerpt); }
	}
	free(r->contam);
	free(r->manifest);
	strbuf_free(&r->scratch);
	memset(r, 0, sizeof *r);
}

void report_html_escape(strbuf *o, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case 0: rep = "&#xFFFD;"; break;
		default: continue;
		}
		strbuf_put(o, s + run, i - run);
		strbuf_puts(o, rep);
		run = i + 1;
	}
	strbuf_put(o, s + run, n - run);
}

static void esc(strbuf *o, const char *s) { report_html_escape(o, s, strlen(s)); }

static report_src *get_src(report *r, const char *name, size_t n)
{
	for (int i = 0; i < r->nsrc; i++)
		if (strlen(r->src[i].name) == n && !memcmp(r->src[i].name, name, n)) return &r->src[i];
	r->src = xrealloc(r->src, (size_t)(r->nsrc + 1) * sizeof *r->src);
	report_src *s = &r->src[r->nsrc++];
	memset(s, 0, sizeof *s);
	s->name = xstrndup(name, n);
	return s;
}

/* code points of a string node (decoded) */
static uint64_t chars_of(report *r, const json_doc *d, uint32_t v)
{
	strbuf_reset(&r->scratch);
	json_str_append(d, v, &r->scratch);
	return utf8_count(r->scratch.p, r->scratch.len);
}

/* characters of a message's content: a string, or the "text" of its parts */
static uint64_t content_chars(report *r, const json_doc *d, uint32_t c)
{
	if (json_type_of(d, c) == JSON_STRING) return chars_of(r, d, c);
	uint64_t n = 0;
	if (json_type_of(d, c) == JSON_ARRAY) JSON_FOR_ELEMS(d, c, e, k) {
		(void)k;
		uint32_t t = json_type_of(d, e) == JSON_OBJECT ? json_get(d, e, "text") : JSON_NONE;
		if (json_type_of(d, t) == JSON_STRING) n += chars_of(r, d, t);
	}
	return n;
}

void report_add(report *r, int set, const json_doc *d, const char *line, size_t len)
{
	uint32_t sv = json_get(d, 0, "source");
	size_t sl;
	const char *sn;
	strbuf_reset(&r->scratch);
	if (json_type_of(d, sv) == JSON_STRING) {
		json_str_append(d, sv, &r->scratch);
		sn = r->scratch.p;
		sl = r->scratch.len;
	} else {
		sn = "(no source)";
		sl = strlen(sn);
		r->no_source++;
	}
	report_src *s = get_src(r, sn, sl);
	s->n[set ? 1 : 0]++;
	r->total++;
	uint32_t ms = json_get(d, 0, "messages");
	uint64_t turns = json_type_of(d, ms) == JSON_ARRAY ? d->nodes[ms].count : 0;
	s->turns[turns < REPORT_TURNS ? turns : REPORT_TURNS - 1]++;
	uint64_t ch = 0;
	if (turns) JSON_FOR_ELEMS(d, ms, m, k) {
		(void)k;
		if (json_type_of(d, m) == JSON_OBJECT) ch += content_chars(r, d, json_get(d, m, "content"));
	}
	s->chars += ch;
	if (ch > s->max_chars) s->max_chars = ch;
	s->chr_bins[ch / 128 < REPORT_FINE ? ch / 128 : REPORT_FINE]++;
	int64_t nt;
	uint32_t tk = json_get(d, 0, "n_tokens");
	if (json_type_of(d, tk) == JSON_NUMBER && !json_num_i64(d, tk, &nt) && nt >= 0) {
		uint64_t t = (uint64_t)nt;
		s->with_tokens++;
		r->with_tokens++;
		s->tokens += t;
		if (t > s->max_tokens) s->max_tokens = t;
		s->tok_bins[t / 32 < REPORT_FINE ? t / 32 : REPORT_FINE]++;
	}
	/* reservoir sampling (Algorithm R), seeded */
	s->seen++;
	uint64_t j = s->seen <= REPORT_EXAMPLES ? s->seen - 1 : rng_below(&r->rng, s->seen);
	if (j < REPORT_EXAMPLES) {
		free(s->ex[j]);
		s->ex[j] = xstrndup(line, len);
		s->exlen[j] = len;
	}
}

static report_contam *get_contam(report *r, const char *name, size_t n);

int report_add_summary(report *r, const char *stage, const char *text, size_t len, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	int rc = 0;
	if (json_parse(&d, text, len)) rc = util_err_set(err, errlen, "%s: expected a JSON summary object: %s", stage, d.err);
	else if (json_type_of(&d, 0) != JSON_OBJECT) rc = util_err_set(err, errlen, "%s: expected a JSON object, found another value", stage);
	if (rc) { json_doc_free(&d); return rc; }
	r->stages = xrealloc(r->stages, (size_t)(r->nstages + 1) * sizeof *r->stages);
	report_stage *s = &r->stages[r->nstages++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(stage);
	uint32_t t = json_get(&d, 0, "tool");
	strbuf b = STRBUF_INIT;
	if (json_type_of(&d, t) == JSON_STRING) json_str_append(&d, t, &b);
	s->tool = xstrdup(b.len ? b.p : "?");
	strbuf_free(&b);
	const char *keys[3] = {"read", "kept", "dropped"};
	uint64_t *vals[3] = {&s->read, &s->kept, &s->dropped};
	for (int i = 0; i < 3 && !rc; i++) {
		int64_t v;
		uint32_t n = json_get(&d, 0, keys[i]);
		if (json_type_of(&d, n) != JSON_NUMBER || json_num_i64(&d, n, &v) || v < 0)
			rc = util_err_set(err, errlen, "%s: expected \"%s\" as a count, found %s", stage, keys[i], n == JSON_NONE ? "nothing" : "another value");
		else *vals[i] = (uint64_t)v;
	}
	uint32_t rs = json_get(&d, 0, "reasons");
	if (!rc && json_type_of(&d, rs) == JSON_OBJECT) JSON_FOR_MEMBERS(&d, rs, k, v, i) {
		(void)i;
		int64_t n;
		if (json_type_of(&d, v) != JSON_NUMBER || json_num_i64(&d, v, &n) || n < 0) {
			rc = util_err_set(err, errlen, "%s: expected reason counts, found another value", stage);
			break;
		}
		strbuf kb = STRBUF_INIT;
		json_str_append(&d, k, &kb);
		s->reason = xrealloc(s->reason, (size_t)(s->nreasons + 1) * sizeof *s->reason);
		s->count = xrealloc(s->count, (size_t)(s->nreasons + 1) * sizeof *s->count);
		s->reason[s->nreasons] = strbuf_detach(&kb, NULL);
		if (!s->reason[s->nreasons]) s->reason[s->nreasons] = xstrdup("");
		s->count[s->nreasons++] = (uint64_t)n;
	}
	uint32_t bs = json_get(&d, 0, "benchmarks");   /* decontam's drops per benchmark */
	if (!rc && json_type_of(&d, bs) == JSON_OBJECT) {
		r->have_contam = 1;
		JSON_FOR_MEMBERS(&d, bs, k, v, i) {
			(void)i;
			int64_t n;
			if (json_type_of(&d, v) != JSON_NUMBER || json_num_i64(&d, v, &n) || n < 0) {
				rc = util_err_set(err, errlen, "%s: expected counts per benchmark, found another value", stage);
				break;
			}
			strbuf kb = STRBUF_INIT;
			json_str_append(&d, k, &kb);
			get_contam(r, kb.p ? kb.p : "", kb.len)->dropped += (uint64_t)n;
			strbuf_free(&kb);
		}
	}
	json_doc_free(&d);
	return rc;
}

static report_contam *get_contam(report *r, const char *name, size_t n)
{
	for (int i = 0; i < r->ncontam; i++)
		if (strlen(r->contam[i].bench) == n && !memcmp(r->contam[i].bench, name, n)) return &r->contam[i];
	r->contam = xrealloc(r->contam, (size_t)(r->ncontam + 1) * sizeof *r->contam);
	report_contam *c = &r->contam[r->ncontam++];
	memset(c, 0, sizeof *c);
	c->bench = xstrndup(name, n);
	return c;
}

static char *str_of(const json_doc *d, uint32_t obj, const char *key, strbuf *b)
{
	uint32_t v = json_get(d, obj, key);
	strbuf_reset(b);
	if (json_type_of(d, v) == JSON_STRING) json_str_append(d, v, b);
	else if (v != JSON_NONE && json_type_of(d, v) != JSON_NULL) { size_t l; const char *raw = json_raw(d, v, &l); strbuf_put(b, raw, l); }
	return xstrndup(b->p ? b->p : "", b->len);
}

int report_add_decontam(report *r, const char *text, size_t len, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	strbuf b = STRBUF_INIT;
	int rc = 0;
	uint64_t lineno = 0;
	r->have_contam = 1;
	for (size_t p = 0; p < len && !rc;) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - text) : len;
		lineno++;
		if (e > p) {
			uint32_t bn, rows, srcs;
			int64_t nrows;
			if (json_parse(&d, text + p, e - p) || json_type_of(&d, 0) != JSON_OBJECT ||
			    json_type_of(&d, bn = json_get(&d, 0, "benchmark")) != JSON_STRING ||
			    json_type_of(&d, rows = json_get(&d, 0, "rows")) != JSON_NUMBER || json_num_i64(&d, rows, &nrows) || nrows < 0) {
				rc = util_err_set(err, errlen, "line %llu: expected a decontam --report line (benchmark, item, rows, ...)", (unsigned long long)lineno);
				break;
			}
			strbuf_reset(&b);
			json_str_append(&d, bn, &b);
			report_contam *c = get_contam(r, b.p, b.len);
			c->items++;
			c->hits += (uint64_t)nrows;
			char *src0 = NULL;
			srcs = json_get(&d, 0, "sources");
			if (json_type_of(&d, srcs) == JSON_ARRAY) JSON_FOR_ELEMS(&d, srcs, v, k) {
				if (json_type_of(&d, v) != JSON_STRING) continue;
				strbuf_reset(&b);
				json_str_append(&d, v, &b);
				int have = 0;
				for (int q = 0; q < c->nsources && !have; q++) have = !strcmp(c->sources[q], b.p);
				if (!have) {
					c->sources = xrealloc(c->sources, (size_t)(c->nsources + 1) * sizeof *c->sources);
					c->sources[c->nsources++] = xstrdup(b.p);
				}
				if (!src0) src0 = xstrdup(b.p);
			}
			if (c->nex < REPORT_EXAMPLES) {
				c->ex[c->nex].item = str_of(&d, 0, "item", &b);
				c->ex[c->nex].example = str_of(&d, 0, "example", &b);
				c->ex[c->nex].excerpt = str_of(&d, 0, "excerpt", &b);
				c->ex[c->nex].source = src0 ? src0 : xstrdup("");
				src0 = NULL;
				c->nex++;
			}
			free(src0);
		}
		p = e + 1;
	}
	strbuf_free(&b);
	json_doc_free(&d);
	return rc;
}

int report_set_manifest(report *r, const char *text, size_t len, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	int rc = 0;
	if (json_parse(&d, text, len)) rc = util_err_set(err, errlen, "expected blend's manifest (a JSON object): %s", d.err);
	else if (json_type_of(&d, 0) != JSON_OBJECT) rc = util_err_set(err, errlen, "expected blend's manifest (a JSON object), found another value");
	else if (json_type_of(&d, json_get(&d, 0, "parts")) != JSON_ARRAY) rc = util_err_set(err, errlen, "expected blend's manifest, found no \"parts\" array");
	json_doc_free(&d);
	if (rc) return rc;
	free(r->manifest);
	r->manifest = xstrndup(text, len);
	r->manifest_len = len;
	return 0;
}

/* ---- rendering ---- */
static const char *const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
#define NPAL 10

static void fmt_n(char *b, size_t n, uint64_t v)
{
	/* 1234567 -> 1,234,567 */
	char t[32];
	int l = snprintf(t, sizeof t, "%llu", (unsigned long long)v), o = 0;
	for (int i = 0; i < l && (size_t)o + 2 < n; i++) {
		if (i && (l - i) % 3 == 0) b[o++] = ',';
		b[o++] = t[i];
	}
	b[o] = 0;
}

/* vertical bars: a histogram */
static void vbars(strbuf *o, const char *title, const char *sub, char labels[][24], const uint64_t *vals, int n, const char *color)
{
	uint64_t mx = 1;
	for (int i = 0; i < n; i++) if (vals[i] > mx) mx = vals[i];
	int bw = 28, gap = 4, h = 150, left = 10, w = left + n * (bw + gap) + 40;
	strbuf_puts(o, "<figure><figcaption>");
	esc(o, title);
	if (sub) { strbuf_puts(o, " <span class=\"sub\">"); esc(o, sub); strbuf_puts(o, "</span>"); }
	strbuf_printf(o, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">", w, h + 80);
	for (int i = 0; i < n; i++) {
		int bh = (int)((double)vals[i] * h / (double)mx + 0.5);
		if (vals[i] && bh < 1) bh = 1;
		int x = left + i * (bw + gap);
		strbuf_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", x, h - bh + 16, bw, bh, color);
		esc(o, labels[i]);
		strbuf_printf(o, ": %llu</title></rect>", (unsigned long long)vals[i]);
		if (vals[i]) strbuf_printf(o, "<text x=\"%d\" y=\"%d\" class=\"v\">%llu</text>", x + bw / 2, h - bh + 12, (unsigned long long)vals[i]);
		strbuf_printf(o, "<text x=\"%d\" y=\"%d\" class=\"l\" transform=\"rotate(50 %d %d)\">", x + bw / 2, h + 28, x + bw / 2, h + 28);
		esc(o, labels[i]);
		strbuf_puts(o, "</text>");
	}
	strbuf_printf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/></svg></figure>\n", left - 2, h + 16, w - 6, h + 16);
}

/* horizontal stacked bars: rows with segments (nseg per row, vals[row*nseg+seg]) */
static void hbars(strbuf *o, const char *title, const char *const *rows, int nrows, const char *const *segs, int nseg, const uint64_t *vals)
{
	uint64_t mx = 1;
	for (int i = 0; i < nrows; i++) {
		uint64_t t = 0;
		for (int s = 0; s < nseg; s++) t += vals[i * nseg + s];
		if (t > mx) mx = t;
	}
	int lw = 300, bw = 460, rh = 24, legend = nseg > 1 ? 22 * ((nseg + 3) / 4) : 0;
	strbuf_puts(o, "<figure><figcaption>");
	esc(o, title);
	strbuf_printf(o, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">", lw + bw + 110, nrows * rh + 8 + legend);
	for (int i = 0; i < nrows; i++) {
		int y = i * rh + 4, x = lw;
		uint64_t t = 0;
		strbuf_printf(o, "<text x=\"%d\" y=\"%d\" class=\"r\">", lw - 8, y + 15);
		/* long names: keep the end, which tells sources apart */
		size_t l = strlen(rows[i]);
		if (l > 44) { strbuf_puts(o, "\xe2\x80\xa6"); size_t k = l - 43; while (k < l && ((unsigned char)rows[i][k] & 0xC0) == 0x80) k++; esc(o, rows[i] + k); }
		else esc(o, rows[i]);
		strbuf_puts(o, "</text>");
		for (int s = 0; s < nseg; s++) {
			uint64_t v = vals[i * nseg + s];
			t += v;
			if (!v) continue;
			int w = (int)((double)v * bw / (double)mx + 0.5);
			if (w < 1) w = 1;
			strbuf_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", x, y, w, rh - 6, palette[(nseg > 1 ? s : i) % NPAL]);
			esc(o, rows[i]);
			if (nseg > 1) { strbuf_puts(o, " / "); esc(o, segs[s]); }
			strbuf_printf(o, ": %llu</title></rect>", (unsigned long long)v);
			x += w;
		}
		char nb[32];
		fmt_n(nb, sizeof nb, t);
		strbuf_printf(o, "<text x=\"%d\" y=\"%d\">%s</text>", x + 6, y + 15, nb);
	}
	for (int s = 0; s < nseg && nseg > 1; s++) {
		int x = 10 + (s % 4) * 220, y = nrows * rh + 10 + (s / 4) * 22;
		strbuf_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", x, y, palette[s % NPAL], x + 18, y + 11);
		esc(o, segs[s]);
		strbuf_puts(o, "</text>");
	}
	strbuf_puts(o, "</svg></figure>\n");
}

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;color:#222;max-width:1150px;padding:0 1em}"
	"h1{color:#2f4b7c;margin-bottom:.2em}h2{border-bottom:2px solid #e4e4e4;padding-bottom:.2em;margin-top:2em}"
	"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d6d6d6;padding:4px 9px;text-align:right;vertical-align:top}"
	"th{background:#f1f3f6}td:first-child,th:first-child,td.t,th.t{text-align:left}"
	"figure{display:inline-block;margin:.6em 1.2em .6em 0;vertical-align:top}figcaption{font-weight:600}"
	".sub{font-weight:400;color:#666}.note{background:#fff7e0;border-left:4px solid #edc948;padding:.5em 1em}"
	"svg text{font-size:11px;fill:#333}svg text.v{font-size:9px;text-anchor:middle;fill:#555}svg text.l{font-size:10px}"
	"svg text.r{text-anchor:end;font-size:12px}"
	"pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;border:1px solid #e0e0e0;padding:8px;font-size:12px;max-height:260px;overflow:auto}"
	".conv{border:1px solid #ddd;border-radius:6px;margin:.8em 0;padding:.4em .8em;background:#fcfcfc}"
	".msg{margin:.4em 0}.role{display:inline-block;min-width:6em;font-weight:600;font-size:12px;text-transform:uppercase;color:#fff;"
	"padding:1px 6px;border-radius:3px}.role.user{background:#4e79a7}.role.assistant{background:#59a14f}.role.system{background:#b07aa1}"
	".role.other{background:#999}.meta{color:#666;font-size:12px}code{font-size:12px}";

/* content text of a message, decoded, cut at max bytes on a character boundary */
static void show_text(strbuf *o, const json_doc *d, uint32_t c, strbuf *tmp)
{
	strbuf_reset(tmp);
	if (json_type_of(d, c) == JSON_STRING) json_str_append(d, c, tmp);
	else if (c != JSON_NONE) json_write_compact(tmp, d, c);
	size_t max = 1500, n = tmp->len;
	if (n > max) {
		n = max;
		while (n && ((unsigned char)tmp->p[n] & 0xC0) == 0x80) n--;
	}
	strbuf_puts(o, "<pre>");
	report_html_escape(o, tmp->p ? tmp->p : "", n);
	if (n < tmp->len) strbuf_printf(o, "\n<span class=\"meta\">[\xe2\x80\xa6 %zu more bytes]</span>", tmp->len - n);
	strbuf_puts(o, "</pre>");
}

static void example(strbuf *o, const char *line, size_t len, strbuf *tmp)
{
	json_doc d;
	json_doc_init(&d);
	strbuf_puts(o, "<div class=\"conv\">");
	if (json_parse(&d, line, len) || json_type_of(&d, 0) != JSON_OBJECT) {
		strbuf_puts(o, "<pre>");
		report_html_escape(o, line, len > 2000 ? 2000 : len);
		strbuf_puts(o, "</pre></div>\n");
		json_doc_free(&d);
		return;
	}
	uint32_t id = json_get(&d, 0, "id"), nt = json_get(&d, 0, "n_tokens"), ms = json_get(&d, 0, "messages");
	strbuf_puts(o, "<div class=\"meta\">");
	if (json_type_of(&d, id) == JSON_STRING) {
		strbuf_reset(tmp);
		json_str_append(&d, id, tmp);
		strbuf_puts(o, "id <code>");
		report_html_escape(o, tmp->p, tmp->len);
		strbuf_puts(o, "</code> ");
	}
	if (json_type_of(&d, nt) == JSON_NUMBER) {
		size_t l;
		const char *s = json_raw(&d, nt, &l);
		strbuf_puts(o, "&middot; ");
		report_html_escape(o, s, l);
		strbuf_puts(o, " tokens ");
	}
	strbuf_printf(o, "&middot; %u messages</div>", json_type_of(&d, ms) == JSON_ARRAY ? d.nodes[ms].count : 0);
	if (json_type_of(&d, ms) == JSON_ARRAY) JSON_FOR_ELEMS(&d, ms, m, k) {
		if (k >= 8) {
			strbuf_printf(o, "<div class=\"meta\">[%u more messages]</div>", d.nodes[ms].count - 8);
			break;
		}
		uint32_t role = json_type_of(&d, m) == JSON_OBJECT ? json_get(&d, m, "role") : JSON_NONE;
		strbuf_reset(tmp);
		if (json_type_of(&d, role) == JSON_STRING) json_str_append(&d, role, tmp);
		const char *cls = "other";
		if (tmp->len && (!strcmp(tmp->p, "user") || !strcmp(tmp->p, "assistant") || !strcmp(tmp->p, "system"))) cls = tmp->p;
		strbuf_printf(o, "<div class=\"msg\"><span class=\"role %s\">", cls);
		report_html_escape(o, tmp->p ? tmp->p : "", tmp->len);
		strbuf_puts(o, "</span>");
		show_text(o, &d, json_type_of(&d, m) == JSON_OBJECT ? json_get(&d, m, "content") : JSON_NONE, tmp);
		strbuf_puts(o, "</div>");
	}
	strbuf_puts(o, "</div>\n");
	json_doc_free(&d);
}

/* the text of a string or the source text of another node, escaped */
static void cell(strbuf *o, const json_doc *d, uint32_t v, strbuf *tmp)
{
	if (json_type_of(d, v) == JSON_STRING) {
		strbuf_reset(tmp);
		json_str_append(d, v, tmp);
		report_html_escape(o, tmp->p, tmp->len);
	} else if (v != JSON_NONE) {
		strbuf_reset(tmp);
		json_write_compact(tmp, d, v);
		report_html_escape(o, tmp->p, tmp->len);
	}
}

static void manifest_section(strbuf *h, const report *r, strbuf *tmp)
{
	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, r->manifest, r->manifest_len)) { json_doc_free(&d); return; }
	strbuf_puts(h, "<h2>Recipe</h2>\n<table><tr><th>part</th><th>count</th><th class=\"t\">where</th><th>requested</th><th>available</th>"
		     "<th>taken</th><th>train</th><th>validation</th><th>epochs</th><th>shortfall</th></tr>\n");
	uint32_t parts = json_get(&d, 0, "parts");
	const char *keys[] = {"name", "spec", "where", "requested", "available", "taken", "train", "validation", "epochs", "shortfall"};
	JSON_FOR_ELEMS(&d, parts, p, k) {
		(void)k;
		strbuf_puts(h, "<tr>");
		for (int i = 0; i < 10; i++) {
			uint32_t v = json_type_of(&d, p) == JSON_OBJECT ? json_get(&d, p, keys[i]) : JSON_NONE;
			int64_t n;
			int warn = (!strcmp(keys[i], "shortfall") || !strcmp(keys[i], "epochs")) && json_type_of(&d, v) == JSON_NUMBER &&
				   !json_num_i64(&d, v, &n) && n > 0;
			strbuf_printf(h, "<td%s>", i < 3 ? " class=\"t\"" : warn ? " style=\"background:#fde2e1\"" : "");
			if (i == 2 && json_type_of(&d, v) == JSON_ARRAY) {
				JSON_FOR_ELEMS(&d, v, c, j) {
					if (j) strbuf_puts(h, " ");
					strbuf_puts(h, "<code>");
					cell(h, &d, c, tmp);
					strbuf_puts(h, "</code>");
				}
			} else cell(h, &d, v, tmp);
			strbuf_puts(h, "</td>");
		}
		strbuf_puts(h, "</tr>\n");
	}
	strbuf_puts(h, "</table>\n<p>");
	const char *top[][2] = {{"seed", "seed"}, {"validation", "validation"}, {"version", "blend version"}, {"matched", "records in a part"}, {"unmatched", "records in no part"}};
	for (int i = 0; i < 5; i++) {
		uint32_t v = json_get(&d, 0, top[i][0]);
		if (v == JSON_NONE) continue;
		strbuf_printf(h, "%s%s <b>", i ? " &middot; " : "", top[i][1]);
		cell(h, &d, v, tmp);
		strbuf_puts(h, "</b>");
	}
	strbuf_puts(h, "</p>\n");
	uint32_t rt = json_get(&d, 0, "recipe");
	if (json_type_of(&d, rt) == JSON_STRING) {
		strbuf_puts(h, "<details><summary>recipe text</summary><pre>");
		cell(h, &d, rt, tmp);
		strbuf_puts(h, "</pre></details>\n");
	}
	const char *lists[] = {"inputs", "outputs"};
	for (int l = 0; l < 2; l++) {
		uint32_t a = json_get(&d, 0, lists[l]);
		if (json_type_of(&d, a) != JSON_ARRAY || !d.nodes[a].count) continue;
		strbuf_printf(h, "<table><tr><th>%s</th><th>%s</th><th class=\"t\">sha256</th></tr>\n", lists[l], l ? "records" : "lines");
		JSON_FOR_ELEMS(&d, a, e, k) {
			(void)k;
			if (json_type_of(&d, e) != JSON_OBJECT) continue;
			strbuf_puts(h, "<tr><td>");
			cell(h, &d, json_get(&d, e, "path"), tmp);
			strbuf_puts(h, "</td><td>");
			cell(h, &d, json_get(&d, e, l ? "records" : "lines"), tmp);
			strbuf_puts(h, "</td><td class=\"t\"><code>");
			cell(h, &d, json_get(&d, e, "sha256"), tmp);
			strbuf_puts(h, "</code></td></tr>\n");
		}
		strbuf_puts(h, "</table>\n");
	}
	uint32_t lk = json_get(&d, 0, "lock");
	if (json_type_of(&d, lk) == JSON_ARRAY && d.nodes[lk].count) {
		strbuf_puts(h, "<table><tr><th>dataset (lock file)</th><th class=\"t\">revision</th><th class=\"t\">commit</th></tr>\n");
		JSON_FOR_ELEMS(&d, lk, e, k) {
			(void)k;
			if (json_type_of(&d, e) != JSON_OBJECT) continue;
			strbuf_puts(h, "<tr><td>");
			cell(h, &d, json_get(&d, e, "repo"), tmp);
			strbuf_puts(h, "</td><td class=\"t\">");
			cell(h, &d, json_get(&d, e, "revision"), tmp);
			strbuf_puts(h, "</td><td class=\"t\"><code>");
			cell(h, &d, json_get(&d, e, "commit"), tmp);
			strbuf_puts(h, "</code></td></tr>\n");
		}
		strbuf_puts(h, "</table>\n");
	}
	json_doc_free(&d);
}

static void stages_section(strbuf *h, const report *r)
{
	strbuf_puts(h, "<h2>Records dropped per stage</h2>\n<table><tr><th>stage</th><th class=\"t\">tool</th><th>read</th><th>kept</th><th>dropped</th><th class=\"t\">reasons</th></tr>\n");
	/* every reason of every stage, in first-seen order, for the chart */
	const char **reasons = NULL;
	int nr = 0;
	for (int i = 0; i < r->nstages; i++) {
		const report_stage *s = &r->stages[i];
		strbuf_puts(h, "<tr><td>");
		esc(h, s->name);
		strbuf_puts(h, "</td><td class=\"t\">");
		esc(h, s->tool);
		strbuf_printf(h, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td class=\"t\">", (unsigned long long)s->read,
			    (unsigned long long)s->kept, (unsigned long long)s->dropped);
		for (int k = 0; k < s->nreasons; k++) {
			if (k) strbuf_puts(h, ", ");
			esc(h, s->reason[k]);
			strbuf_printf(h, " %llu", (unsigned long long)s->count[k]);
			int j = 0;
			while (j < nr && strcmp(reasons[j], s->reason[k])) j++;
			if (j == nr) { reasons = xrealloc(reasons, (size_t)(nr + 1) * sizeof *reasons); reasons[nr++] = s->reason[k]; }
		}
		strbuf_puts(h, "</td></tr>\n");
	}
	strbuf_puts(h, "</table>\n");
	if (nr && r->nstages) {
		/* the chart shows the stages that dropped something */
		const char **rows = xcalloc((size_t)r->nstages, sizeof *rows);
		uint64_t *v = xcalloc((size_t)r->nstages * (size_t)nr, sizeof *v);
		int nrow = 0;
		for (int i = 0; i < r->nstages; i++) {
			if (!r->stages[i].nreasons) continue;
			rows[nrow] = r->stages[i].name;
			for (int k = 0; k < r->stages[i].nreasons; k++)
				for (int j = 0; j < nr; j++)
					if (!strcmp(reasons[j], r->stages[i].reason[k])) v[nrow * nr + j] += r->stages[i].count[k];
			nrow++;
		}
		hbars(h, "records per reason, per stage (stages that dropped records)", rows, nrow, reasons, nr, v);
		free(rows);
		free(v);
	}
	free(reasons);
}

static void contam_section(strbuf *h, const report *r)
{
	strbuf_puts(h, "<h2>Contamination</h2>\n");
	uint64_t dropped = 0;
	int hit = 0;
	for (int i = 0; i < r->ncontam; i++) { dropped += r->contam[i].dropped; hit += r->contam[i].dropped || r->contam[i].items; }
	strbuf_printf(h, "<p class=\"meta\">Training records that held an evaluation benchmark item, dropped by <code>decontam</code>: "
		       "%llu, against %d benchmark%s (%d hit). Rows dropped count each record once, under its best match; "
		       "records hit count every item a record held.</p>\n", (unsigned long long)dropped, r->ncontam, r->ncontam == 1 ? "" : "s", hit);
	if (!hit) return;
	strbuf_puts(h, "<table><tr><th class=\"t\">benchmark</th><th>rows dropped</th><th>items hit</th><th>records hit</th>"
		     "<th class=\"t\">sources</th><th class=\"t\">examples (item: the record's matched text)</th></tr>\n");
	for (int i = 0; i < r->ncontam; i++) {
		const report_contam *c = &r->contam[i];
		if (!c->dropped && !c->items) continue;
		strbuf_puts(h, "<tr><td class=\"t\">");
		esc(h, c->bench);
		strbuf_printf(h, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td class=\"t\">", (unsigned long long)c->dropped,
			    (unsigned long long)c->items, (unsigned long long)c->hits);
		for (int k = 0; k < c->nsources; k++) { if (k) strbuf_puts(h, "<br>"); esc(h, c->sources[k]); }
		strbuf_puts(h, "</td><td class=\"t\">");
		for (int k = 0; k < c->nex; k++) {
			if (k) strbuf_puts(h, "<br>");
			strbuf_puts(h, "<b>");
			esc(h, c->ex[k].item);
			strbuf_puts(h, "</b>: &ldquo;");
			esc(h, c->ex[k].excerpt);
			strbuf_puts(h, "&rdquo; <span class=\"meta\">(");
			esc(h, c->ex[k].example);
			strbuf_puts(h, ")</span>");
		}
		strbuf_puts(h, "</td></tr>\n");
	}
	strbuf_puts(h, "</table>\n");
}

void report_render(report *r, const char *const *inputs, int ninputs, const char *version, strbuf *h)
{
	strbuf tmp = STRBUF_INIT;
	int chars = r->with_tokens < r->total;
	const char *unit = chars ? "characters" : "tokens";
	uint64_t n[2] = {0, 0};
	for (int i = 0; i < r->nsrc; i++) { n[0] += r->src[i].n[0]; n[1] += r->src[i].n[1]; }
	char a[32], b[32], c[32];
	strbuf_puts(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width\"><title>sftkit report</title><style>");
	strbuf_puts(h, css);
	strbuf_puts(h, "</style></head><body>\n<h1>SFT set report</h1>\n");
	fmt_n(a, sizeof a, r->total);
	fmt_n(b, sizeof b, n[0]);
	fmt_n(c, sizeof c, n[1]);
	strbuf_printf(h, "<p><b>%s</b> conversations (train %s, validation %s) from %d source%s. Files:", a, b, c, r->nsrc, r->nsrc == 1 ? "" : "s");
	for (int i = 0; i < ninputs; i++) {
		strbuf_puts(h, i ? ", <code>" : " <code>");
		esc(h, inputs[i]);
		strbuf_puts(h, "</code>");
	}
	strbuf_puts(h, ".</p>\n");
	if (chars)
		strbuf_printf(h, "<p class=\"note\"><b>Lengths are in characters, not tokens:</b> %llu of %llu records have no "
			       "<code>n_tokens</code> (run <code>tok-len</code> and keep the field with <code>blend --keep-fields n_tokens</code>).</p>\n",
			    (unsigned long long)(r->total - r->with_tokens), (unsigned long long)r->total);
	if (r->no_source)
		strbuf_printf(h, "<p class=\"note\">%llu records have no <code>source</code> field; they are shown as "
			       "&ldquo;(no source)&rdquo; (<code>blend --keep-fields source</code> keeps it).</p>\n",
			    (unsigned long long)r->no_source);

	/* composition */
	strbuf_printf(h, "<h2>Composition by source</h2>\n<table><tr><th>source</th><th>train</th><th>validation</th><th>share</th>"
		       "<th>%s</th><th>mean</th><th>max</th></tr>\n", unit);
	const char **names = xcalloc((size_t)r->nsrc + 1, sizeof *names);
	uint64_t *vals = xcalloc((size_t)r->nsrc * 2 + 2, sizeof *vals);
	for (int i = 0; i < r->nsrc; i++) {
		report_src *s = &r->src[i];
		uint64_t tot = s->n[0] + s->n[1], len = chars ? s->chars : s->tokens, mx = chars ? s->max_chars : s->max_tokens;
		strbuf_puts(h, "<tr><td>");
		esc(h, s->name);
		fmt_n(a, sizeof a, s->n[0]);
		fmt_n(b, sizeof b, s->n[1]);
		fmt_n(c, sizeof c, len);
		char d[32];
		fmt_n(d, sizeof d, mx);
		strbuf_printf(h, "</td><td>%s</td><td>%s</td><td>%.1f%%</td><td>%s</td><td>%.0f</td><td>%s</td></tr>\n", a, b,
			    100.0 * (double)tot / (double)(r->total ? r->total : 1), c, tot ? (double)len / (double)tot : 0.0, d);
		names[i] = s->name;
	}
	int nseg = n[1] ? 2 : 1;
	for (int i = 0; i < r->nsrc; i++)
		for (int s = 0; s < nseg; s++) vals[i * nseg + s] = r->src[i].n[s];
	strbuf_puts(h, "</table>\n");
	static const char *const sets[] = {"train", "validation"};
	if (r->nsrc) hbars(h, "conversations per source", names, r->nsrc, sets, nseg, vals);

	if (r->manifest) manifest_section(h, r, &tmp);
	if (r->nstages) stages_section(h, r);
	if (r->have_contam) contam_section(h, r);

	/* lengths: one bin width for every source, the smallest power of two
	 * (from the fine width) that puts the longest record, up to the fine
	 * range, in 16 bins; the 17th bin is open */
	uint64_t mxl = 0, fine = chars ? 128 : 32;
	for (int i = 0; i < r->nsrc; i++) {
		uint64_t m = chars ? r->src[i].max_chars : r->src[i].max_tokens;
		if (m > mxl) mxl = m;
	}
	uint64_t lim = fine * REPORT_FINE, width = fine;
	while (width * 16 < lim && width * 16 <= (mxl < lim ? mxl : lim)) width *= 2;
	char lab[17][24];
	for (int k = 0; k < 17; k++) {
		if (k < 16) snprintf(lab[k], sizeof lab[k], "%llu-%llu", (unsigned long long)(k * width), (unsigned long long)((k + 1) * width));
		else snprintf(lab[k], sizeof lab[k], ">=%llu", (unsigned long long)(16 * width));
	}
	strbuf_printf(h, "<h2>Length per source (%s)</h2>\n", unit);
	for (int i = 0; i < r->nsrc; i++) {
		uint64_t bins[17] = {0};
		const uint64_t *fb = chars ? r->src[i].chr_bins : r->src[i].tok_bins;
		for (int f = 0; f <= REPORT_FINE; f++) {
			uint64_t k = f == REPORT_FINE ? 16 : (uint64_t)f * fine / width;
			bins[k < 16 ? k : 16] += fb[f];
		}
		char sub[64];
		snprintf(sub, sizeof sub, "(%s per conversation)", unit);
		vbars(h, r->src[i].name, sub, lab, bins, 17, palette[i % NPAL]);
	}
	strbuf_puts(h, "<h2>Messages per conversation</h2>\n");
	char tl[REPORT_TURNS][24];
	for (int t = 0; t < REPORT_TURNS; t++) snprintf(tl[t], sizeof tl[t], t < REPORT_TURNS - 1 ? "%d" : "%d+", t);
	for (int i = 0; i < r->nsrc; i++) vbars(h, r->src[i].name, NULL, tl, r->src[i].turns, REPORT_TURNS, palette[i % NPAL]);

	strbuf_printf(h, "<h2>Examples</h2>\n<p class=\"meta\">Up to %d conversations per source, drawn at random with a fixed seed.</p>\n", REPORT_EXAMPLES);
	for (int i = 0; i < r->nsrc; i++) {
		strbuf_puts(h, "<h3>");
		esc(h, r->src[i].name);
		strbuf_puts(h, "</h3>\n");
		for (int k = 0; k < REPORT_EXAMPLES; k++)
			if (r->src[i].ex[k]) example(h, r->src[i].ex[k], r->src[i].exlen[k], &tmp);
	}
	strbuf_puts(h, "<footer><p class=\"meta\">sftkit ");
	esc(h, version ? version : "");
	strbuf_puts(h, " &middot; sft-report</p></footer></body></html>\n");
	free(names);
	free(vals);
	strbuf_free(&tmp);
}

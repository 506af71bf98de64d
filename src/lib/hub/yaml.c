/* yaml.c — see yaml.h. A line-oriented recursive-descent parser over the
 * indentation structure. */
#include "yaml.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct yline {
	int indent;
	const char *s;   /* content after indent, without trailing comment/space */
	size_t n;
	int lineno;
} yline;

typedef struct yp {
	yline *lines;
	int nlines, pos;
	char *err;
	size_t errlen;
	int failed;
	int depth;
} yp;

static ynode *ynew(int type, int line)
{
	ynode *n = xcalloc(1, sizeof *n);
	n->type = type;
	n->line = line;
	return n;
}

void yaml_free(ynode *n)
{
	if (!n) return;
	free(n->str);
	for (int i = 0; i < n->n; i++) {
		if (n->keys) free(n->keys[i]);
		yaml_free(n->vals[i]);
	}
	free(n->keys);
	free(n->vals);
	free(n);
}

static void *yfail(yp *p, int line, const char *msg)
{
	if (!p->failed) snprintf(p->err, p->errlen, "YAML line %d: %s", line, msg);
	p->failed = 1;
	return NULL;
}

static void push(ynode *n, char *key, ynode *v)
{
	n->vals = xrealloc(n->vals, (size_t)(n->n + 1) * sizeof *n->vals);
	if (n->type == Y_MAP) {
		n->keys = xrealloc(n->keys, (size_t)(n->n + 1) * sizeof *n->keys);
		n->keys[n->n] = key;
	}
	n->vals[n->n++] = v;
}

/* scalar text: quotes removed, escapes in double quotes handled for \" \\ \n \t */
static char *scalar(yp *p, const char *s, size_t n, int line)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
	if (n >= 1 && (s[0] == '"' || s[0] == '\'')) {
		char q = s[0];
		if (n < 2 || s[n - 1] != q) return yfail(p, line, "unterminated quoted scalar");
		char *o = xmalloc(n);
		size_t k = 0;
		for (size_t i = 1; i + 1 < n; i++) {
			if (q == '"' && s[i] == '\\' && i + 2 < n) {
				char c = s[++i];
				o[k++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
			} else if (q == '\'' && s[i] == '\'' && i + 2 < n && s[i + 1] == '\'') {
				o[k++] = '\''; i++;
			} else {
				o[k++] = s[i];
			}
		}
		o[k] = 0;
		return o;
	}
	if (n && (s[0] == '&' || s[0] == '*' || s[0] == '!' || s[0] == '|' || s[0] == '>' || s[0] == '{'))
		return yfail(p, line, "unsupported YAML construct (anchor, alias, tag, block scalar or flow mapping)");
	return xstrndup(s, n);
}

static ynode *value_inline(yp *p, const char *s, size_t n, int line)
{
	if (n && s[0] == '[') {
		if (s[n - 1] != ']') return yfail(p, line, "unterminated flow sequence");
		ynode *seq = ynew(Y_SEQ, line);
		size_t i = 1;
		while (i < n - 1) {
			while (i < n - 1 && (s[i] == ' ' || s[i] == ',')) i++;
			if (i >= n - 1) break;
			size_t j = i;
			if (s[i] == '"' || s[i] == '\'') {
				char q = s[i];
				j++;
				while (j < n - 1 && s[j] != q) j++;
				j++;
			} else {
				while (j < n - 1 && s[j] != ',') j++;
			}
			if (j > n - 1) { yaml_free(seq); return yfail(p, line, "bad flow sequence"); }
			char *str = scalar(p, s + i, j - i, line);
			if (!str) { yaml_free(seq); return NULL; }
			ynode *it = ynew(Y_SCALAR, line);
			it->str = str;
			push(seq, NULL, it);
			i = j;
		}
		return seq;
	}
	char *str = scalar(p, s, n, line);
	if (!str) return NULL;
	ynode *v = ynew(Y_SCALAR, line);
	v->str = str;
	return v;
}

/* find "key:" at the start of s; returns key length or 0 */
static size_t key_len(const char *s, size_t n)
{
	if (!n) return 0;
	if (s[0] == '"' || s[0] == '\'') {
		char q = s[0];
		const char *e = memchr(s + 1, q, n - 1);
		if (!e) return 0;
		size_t k = (size_t)(e - s) + 1;
		return k < n && s[k] == ':' && (k + 1 == n || s[k + 1] == ' ') ? k : 0;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] == ':' && (i + 1 == n || s[i + 1] == ' ')) return i;
	return 0;
}

static ynode *block(yp *p, int indent);

/* a mapping whose first entry is the text s (may sit after "- ") at column indent */
static ynode *mapping(yp *p, int indent, const char *s, size_t n, int line)
{
	ynode *map = ynew(Y_MAP, line);
	for (;;) {
		size_t kl = key_len(s, n);
		if (!kl) { yaml_free(map); return yfail(p, line, "expected 'key: value'"); }
		char *key = scalar(p, s, kl, line);
		if (!key) { yaml_free(map); return NULL; }
		const char *v = s + kl + 1;
		size_t vn = n - kl - 1;
		while (vn && *v == ' ') { v++; vn--; }
		ynode *val;
		if (vn) {
			val = value_inline(p, v, vn, line);
		} else if (p->pos < p->nlines && (p->lines[p->pos].indent > indent ||
		           (p->lines[p->pos].indent == indent && p->lines[p->pos].n && p->lines[p->pos].s[0] == '-'))) {
			val = block(p, p->lines[p->pos].indent);
		} else {
			val = ynew(Y_SCALAR, line);
			val->str = xstrdup("");
		}
		if (!val) { free(key); yaml_free(map); return NULL; }
		push(map, key, val);
		if (p->pos >= p->nlines || p->lines[p->pos].indent != indent || (p->lines[p->pos].n && p->lines[p->pos].s[0] == '-'))
			break;
		yline *l = &p->lines[p->pos++];
		s = l->s; n = l->n; line = l->lineno;
	}
	return map;
}

static ynode *block(yp *p, int indent)
{
	if (++p->depth > 64) return yfail(p, p->lines[p->pos].lineno, "nesting too deep");
	yline *l = &p->lines[p->pos];
	ynode *r;
	if (l->n && l->s[0] == '-' && (l->n == 1 || l->s[1] == ' ')) {
		ynode *seq = ynew(Y_SEQ, l->lineno);
		while (p->pos < p->nlines && p->lines[p->pos].indent == indent && p->lines[p->pos].s[0] == '-' &&
		       (p->lines[p->pos].n == 1 || p->lines[p->pos].s[1] == ' ')) {
			yline *it = &p->lines[p->pos++];
			const char *s = it->s + 1;
			size_t n = it->n - 1;
			int col = indent + 1;
			while (n && *s == ' ') { s++; n--; col++; }
			ynode *v;
			if (!n) v = p->pos < p->nlines && p->lines[p->pos].indent > indent ? block(p, p->lines[p->pos].indent) : NULL;
			else if (key_len(s, n)) v = mapping(p, col, s, n, it->lineno);
			else v = value_inline(p, s, n, it->lineno);
			if (!v) { yaml_free(seq); p->depth--; return p->failed ? NULL : yfail(p, it->lineno, "empty sequence item"); }
			push(seq, NULL, v);
		}
		r = seq;
	} else {
		p->pos++;
		r = mapping(p, indent, l->s, l->n, l->lineno);
	}
	p->depth--;
	if (r && p->pos < p->nlines && p->lines[p->pos].indent > indent && !p->failed) {
		yaml_free(r);
		return yfail(p, p->lines[p->pos].lineno, "unexpected indentation");
	}
	return r;
}

ynode *yaml_parse(const char *src, size_t len, char *err, size_t errlen)
{
	yp p = {0};
	p.err = err;
	p.errlen = errlen;
	int lineno = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(src + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - src) : len;
		lineno++;
		size_t k = i;
		while (k < e && src[k] == ' ') k++;
		if (k < e && src[k] == '\t') { free(p.lines); yfail(&p, lineno, "tab in indentation"); return NULL; }
		/* strip comments (a # after a space, outside quotes) and trailing space */
		size_t end = e;
		int q = 0;
		for (size_t j = k; j < e; j++) {
			if (!q && (src[j] == '"' || src[j] == '\'')) q = src[j];
			else if (q && src[j] == q) q = 0;
			else if (!q && src[j] == '#' && (j == k || src[j - 1] == ' ')) { end = j; break; }
		}
		while (end > k && (src[end - 1] == ' ' || src[end - 1] == '\r')) end--;
		if (end > k) {
			p.lines = xrealloc(p.lines, (size_t)(p.nlines + 1) * sizeof *p.lines);
			p.lines[p.nlines++] = (yline){(int)(k - i), src + k, end - k, lineno};
		}
		i = e + 1;
	}
	ynode *root = NULL;
	if (p.nlines) {
		root = block(&p, p.lines[0].indent);
		if (root && p.pos < p.nlines) { yaml_free(root); root = yfail(&p, p.lines[p.pos].lineno, "unexpected line"); }
	} else {
		root = ynew(Y_MAP, 0);
	}
	free(p.lines);
	return root;
}

const ynode *yaml_get(const ynode *m, const char *key)
{
	if (!m || m->type != Y_MAP) return NULL;
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key)) return m->vals[i];
	return NULL;
}

const char *yaml_front_matter(const char *md, size_t len, size_t *ylen)
{
	if (len < 4 || memcmp(md, "---", 3) || (md[3] != '\n' && md[3] != '\r')) return NULL;
	const char *s = memchr(md, '\n', len);
	if (!s) return NULL;
	s++;
	const char *p = s;
	while (p < md + len) {
		const char *nl = memchr(p, '\n', (size_t)(md + len - p));
		size_t ln = nl ? (size_t)(nl - p) : (size_t)(md + len - p);
		if (ln >= 3 && !memcmp(p, "---", 3) && (ln == 3 || p[3] == '\r')) { *ylen = (size_t)(p - s); return s; }
		if (!nl) break;
		p = nl + 1;
	}
	return NULL;
}

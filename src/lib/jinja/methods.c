/* methods.c — the Python methods of str, dict and list that templates call,
 * one function per method (or per family sharing code, told apart by mode) in
 * a table sorted by (name, type). See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <utf8proc.h>

#include <stdio.h>
#include <stdlib.h>

/* mode of the methods that share a function */
enum { M_FIRST, M_SECOND, M_THIRD, M_FOURTH };

/* a call-site node for the methods that reuse a filter's code */
static node filter_node(const char *name, int line)
{
	node fn;
	memset(&fn, 0, sizeof fn);
	fn.name = name; fn.nlen = strlen(name); fn.line = line;
	return fn;
}

/* the last occurrence of x in o, NULL: none */
static const char *str_rfind(value o, value x)
{
	for (size_t k = o.u.s.n >= x.u.s.n ? o.u.s.n - x.u.s.n + 1 : 0; k > 0; k--)
		if (!memcmp(o.u.s.p + k - 1, x.u.s.p, x.u.s.n)) return o.u.s.p + k - 1;
	return NULL;
}

/* Unicode properties Python's str methods read that utf8proc has not, as
 * differences from the categories utf8proc gives, generated from Python 3.11
 * (Unicode 14) with unicodedata:
 *   numeric_extra: [c for c in range(0x110000) if chr(c).isnumeric() and
 *                   unicodedata.category(chr(c)) not in ('Nd', 'Nl', 'No')]
 *   digit_extra:   chr(c).isdigit() and category != 'Nd'
 *   idstart_flip:  chr(c).isidentifier() != (category L*, Nl or '_')
 *   idcont_flip:   ('a' + chr(c)).isidentifier() != (L*, Nl, Mn, Mc, Nd, Pc or '_') */
/* str.isnumeric() true outside the categories Nd, Nl, No (Numeric_Type=Numeric ideographs) */
static const uint32_t numeric_extra[][2] = {
	{ 0x3405, 0x3405 }, { 0x3483, 0x3483 }, { 0x382a, 0x382a }, { 0x3b4d, 0x3b4d }, { 0x4e00, 0x4e00 },
	{ 0x4e03, 0x4e03 }, { 0x4e07, 0x4e07 }, { 0x4e09, 0x4e09 }, { 0x4e5d, 0x4e5d }, { 0x4e8c, 0x4e8c },
	{ 0x4e94, 0x4e94 }, { 0x4e96, 0x4e96 }, { 0x4ebf, 0x4ec0 }, { 0x4edf, 0x4edf }, { 0x4ee8, 0x4ee8 },
	{ 0x4f0d, 0x4f0d }, { 0x4f70, 0x4f70 }, { 0x5104, 0x5104 }, { 0x5146, 0x5146 }, { 0x5169, 0x5169 },
	{ 0x516b, 0x516b }, { 0x516d, 0x516d }, { 0x5341, 0x5341 }, { 0x5343, 0x5345 }, { 0x534c, 0x534c },
	{ 0x53c1, 0x53c4 }, { 0x56db, 0x56db }, { 0x58f1, 0x58f1 }, { 0x58f9, 0x58f9 }, { 0x5e7a, 0x5e7a },
	{ 0x5efe, 0x5eff }, { 0x5f0c, 0x5f0e }, { 0x5f10, 0x5f10 }, { 0x62fe, 0x62fe }, { 0x634c, 0x634c },
	{ 0x67d2, 0x67d2 }, { 0x6f06, 0x6f06 }, { 0x7396, 0x7396 }, { 0x767e, 0x767e }, { 0x8086, 0x8086 },
	{ 0x842c, 0x842c }, { 0x8cae, 0x8cae }, { 0x8cb3, 0x8cb3 }, { 0x8d30, 0x8d30 }, { 0x9621, 0x9621 },
	{ 0x9646, 0x9646 }, { 0x964c, 0x964c }, { 0x9678, 0x9678 }, { 0x96f6, 0x96f6 }, { 0xf96b, 0xf96b },
	{ 0xf973, 0xf973 }, { 0xf978, 0xf978 }, { 0xf9b2, 0xf9b2 }, { 0xf9d1, 0xf9d1 }, { 0xf9d3, 0xf9d3 },
	{ 0xf9fd, 0xf9fd }, { 0x20001, 0x20001 }, { 0x20064, 0x20064 }, { 0x200e2, 0x200e2 }, { 0x20121, 0x20121 },
	{ 0x2092a, 0x2092a }, { 0x20983, 0x20983 }, { 0x2098c, 0x2098c }, { 0x2099c, 0x2099c }, { 0x20aea, 0x20aea },
	{ 0x20afd, 0x20afd }, { 0x20b19, 0x20b19 }, { 0x22390, 0x22390 }, { 0x22998, 0x22998 }, { 0x23b1b, 0x23b1b },
	{ 0x2626d, 0x2626d }, { 0x2f890, 0x2f890 },
};
/* str.isdigit() true outside Nd (Numeric_Type=Digit) */
static const uint32_t digit_extra[][2] = {
	{ 0xb2, 0xb3 }, { 0xb9, 0xb9 }, { 0x1369, 0x1371 }, { 0x19da, 0x19da }, { 0x2070, 0x2070 }, { 0x2074, 0x2079 },
	{ 0x2080, 0x2089 }, { 0x2460, 0x2468 }, { 0x2474, 0x247c }, { 0x2488, 0x2490 }, { 0x24ea, 0x24ea },
	{ 0x24f5, 0x24fd }, { 0x24ff, 0x24ff }, { 0x2776, 0x277e }, { 0x2780, 0x2788 }, { 0x278a, 0x2792 },
	{ 0x10a40, 0x10a43 }, { 0x10e60, 0x10e68 }, { 0x11052, 0x1105a }, { 0x1f100, 0x1f10a },
};
/* XID_Start differs from L*, Nl, '_' (either way) */
static const uint32_t idstart_flip[][2] = {
	{ 0x37a, 0x37a }, { 0xe33, 0xe33 }, { 0xeb3, 0xeb3 }, { 0x1885, 0x1886 }, { 0x2118, 0x2118 }, { 0x212e, 0x212e },
	{ 0x2e2f, 0x2e2f }, { 0xfc5e, 0xfc63 }, { 0xfdfa, 0xfdfb }, { 0xfe70, 0xfe70 }, { 0xfe72, 0xfe72 },
	{ 0xfe74, 0xfe74 }, { 0xfe76, 0xfe76 }, { 0xfe78, 0xfe78 }, { 0xfe7a, 0xfe7a }, { 0xfe7c, 0xfe7c },
	{ 0xfe7e, 0xfe7e }, { 0xff9e, 0xff9f },
};
/* XID_Continue differs from L*, Nl, Mn, Mc, Nd, Pc, '_' (either way) */
static const uint32_t idcont_flip[][2] = {
	{ 0xb7, 0xb7 }, { 0x37a, 0x37a }, { 0x387, 0x387 }, { 0x1369, 0x1371 }, { 0x19da, 0x19da }, { 0x2118, 0x2118 },
	{ 0x212e, 0x212e }, { 0x2e2f, 0x2e2f }, { 0xfc5e, 0xfc63 }, { 0xfdfa, 0xfdfb }, { 0xfe70, 0xfe70 },
	{ 0xfe72, 0xfe72 }, { 0xfe74, 0xfe74 }, { 0xfe76, 0xfe76 }, { 0xfe78, 0xfe78 }, { 0xfe7a, 0xfe7a },
	{ 0xfe7c, 0xfe7c }, { 0xfe7e, 0xfe7e },
};

static int in_ranges(const uint32_t (*r)[2], size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < r[mid][0]) hi = mid; else if (cp > r[mid][1]) lo = mid + 1; else return 1;
	}
	return 0;
}
#define IN_TAB(t, cp) in_ranges(t, sizeof t / sizeof *t, cp)

static utf8proc_category_t cat_of(uint32_t cp) { return utf8proc_category((utf8proc_int32_t)cp); }

/* The code points of a str: from the str, into an arena array */
static uint32_t *cps_of(rt *R, value o, size_t *n)
{
	uint32_t *c = arena_alloc(R->ar, (o.u.s.n + 1) * sizeof *c);
	size_t k = 0;
	for (size_t i = 0; i < o.u.s.n;) i += (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &c[k++]);
	*n = k;
	return c;
}

/* Python's optional start and end arguments (slice rules, in code points) as
 * byte offsets into o: the receiver's part o[start:end] */
static value sub_range(rt *R, int line, value o, const args *a, int first, size_t *skipped_cps)
{
	int64_t len = (int64_t)utf8_count(o.u.s.p, o.u.s.n), lo = 0, hi = len;
	value st = jj_kwarg(a, "start", first, V(V_NONE)), en = jj_kwarg(a, "end", first + 1, V(V_NONE));
	if ((st.t != V_NONE && st.t != V_INT) || (en.t != V_NONE && en.t != V_INT))
		jj_fail(R->e, line, "slice indices must be integers or None");
	if (st.t == V_INT) { lo = st.u.i < 0 ? st.u.i + len : st.u.i; if (lo < 0) lo = 0; }
	if (en.t == V_INT) { hi = en.u.i < 0 ? en.u.i + len : en.u.i; if (hi < 0) hi = 0; if (hi > len) hi = len; }
	*skipped_cps = (size_t)lo;
	if (lo > len) return V(V_UNDEF);   /* past the end: Python finds nothing, not even '' */
	if (hi < lo) hi = lo;
	size_t b0 = jj_cp_offset(o.u.s.p, o.u.s.n, (size_t)lo), b1 = jj_cp_offset(o.u.s.p, o.u.s.n, (size_t)hi);
	return vstr(o.u.s.p + b0, b1 - b0);
}

/* str.swapcase: upper to lower and lower to upper, full mappings */
static value m_swapcase(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)a; (void)mode;
	strbuf b = {0};
	jj_live_push(R, &b);
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		utf8proc_category_t c = cat_of(cp);
		value ch = vstr(o.u.s.p + i, k);
		if (cp == 0x3a3 && jj_final_sigma(o.u.s.p, o.u.s.n, i)) ch = vstr("\xcf\x82", 2);   /* lower_ucs4's final sigma */
		else if (c == UTF8PROC_CATEGORY_LU) ch = jj_case_conv(R, ch, 'l');
		else if (c == UTF8PROC_CATEGORY_LL) ch = jj_case_conv(R, ch, 'u');
		strbuf_put(&b, ch.u.s.p, ch.u.s.n);
		i += k;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* str.casefold: Unicode full case folding (utf8proc's) */
static value m_casefold(rt *R, int line, value o, const args *a, int mode)
{
	(void)a; (void)mode;
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)o.u.s.p, (utf8proc_ssize_t)o.u.s.n, &dst, UTF8PROC_CASEFOLD);
	if (n < 0) jj_fail(R->e, line, "casefold: %s", utf8proc_errmsg(n));
	value r = vstr(rdup(R, (const char *)dst, (size_t)n), (size_t)n);
	free(dst);
	return r;
}

/* str.expandtabs(tabsize=8): columns counted in code points, from each \n or \r */
static value m_expandtabs(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value ts = jj_kwarg(a, "tabsize", 0, vint(8));
	if (ts.t != V_INT && ts.t != V_BOOL) jj_fail(R->e, line, "expandtabs: an integer is required (got type %s)", jj_tname(ts.t));
	int64_t t = ts.t == V_INT ? ts.u.i : ts.u.b, col = 0;
	if (t > 1024) jj_fail(R->e, line, "unsupported: expandtabs with a tab size over 1024");
	strbuf b = {0};
	jj_live_push(R, &b);
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		if (cp == '\t') {
			if (t > 0) { int64_t sp = t - col % t; for (int64_t j = 0; j < sp; j++) strbuf_putc(&b, ' '); col += sp; }
		} else {
			strbuf_put(&b, o.u.s.p + i, k);
			col = cp == '\n' || cp == '\r' ? 0 : col + 1;
		}
		if (b.len > R->out_limit) jj_fail(R->e, line, "expandtabs grew past the output limit");
		i += k;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* str.format_map(mapping): str.format with the mapping's keys as keywords */
static value m_format_map(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value m = jj_kwarg(a, "mapping", 0, V(V_UNDEF));
	if (m.t != V_DICT) jj_fail(R->e, line, "format_map: a mapping is required, not %s", m.t == V_NS ? "Namespace" : jj_tname(m.t));
	args k = { NULL, 0, 0, NULL, NULL, NULL };
	k.kw = arena_alloc(R->ar, (m.u.d->n + 1) * sizeof *k.kw);
	k.kn = arena_alloc(R->ar, (m.u.d->n + 1) * sizeof *k.kn);
	k.kl = arena_alloc(R->ar, (m.u.d->n + 1) * sizeof *k.kl);
	for (size_t i = 0; i < m.u.d->n; i++) {
		if (!m.u.d->k[i].p) continue;   /* a key no {name} can name */
		k.kn[k.nk] = m.u.d->k[i].p; k.kl[k.nk] = m.u.d->k[i].n; k.kw[k.nk++] = m.u.d->v[i];
	}
	return jj_brace_format(R, line, o, &k);
}

/* str.isdecimal, isnumeric (1), isprintable (2), isascii (3), isidentifier (4), istitle (5) */
static value m_isprop(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)a;
	size_t n;
	uint32_t *c = cps_of(R, o, &n);
	if (mode == 3) { for (size_t i = 0; i < o.u.s.n; i++) if ((unsigned char)o.u.s.p[i] >= 0x80) return vbool(0); return vbool(1); }
	if (mode == 2) {
		for (size_t i = 0; i < n; i++) {
			utf8proc_category_t k = cat_of(c[i]);
			if (c[i] != ' ' && (k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CS ||
					    k == UTF8PROC_CATEGORY_CO || k == UTF8PROC_CATEGORY_CN || k == UTF8PROC_CATEGORY_ZL ||
					    k == UTF8PROC_CATEGORY_ZP || k == UTF8PROC_CATEGORY_ZS)) return vbool(0);
		}
		return vbool(1);
	}
	if (!n) return vbool(0);
	if (mode == 5) {
		/* cased characters: upper or title case only after an uncased one, lower only after a cased one */
		int cased = 0, prev = 0;
		for (size_t i = 0; i < n; i++) {
			utf8proc_category_t k = cat_of(c[i]);
			if (k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LT) { if (prev) return vbool(0); prev = cased = 1; }
			else if (k == UTF8PROC_CATEGORY_LL) { if (!prev) return vbool(0); prev = cased = 1; }
			else prev = 0;
		}
		return vbool(cased);
	}
	for (size_t i = 0; i < n; i++) {
		utf8proc_category_t k = cat_of(c[i]);
		int ok;
		if (mode == 0) ok = k == UTF8PROC_CATEGORY_ND;
		else if (mode == 1) ok = k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO || IN_TAB(numeric_extra, c[i]);
		else {
			int start = (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) || k == UTF8PROC_CATEGORY_NL || c[i] == '_';
			if (i == 0) ok = start != IN_TAB(idstart_flip, c[i]);
			else ok = (start || k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ND ||
				   k == UTF8PROC_CATEGORY_PC) != IN_TAB(idcont_flip, c[i]);
		}
		if (!ok) return vbool(0);
	}
	return vbool(1);
}

/* str.maketrans(x[, y[, z]]): the translation dict, keyed by code point */
static value m_maketrans(rt *R, int line, value o, const args *a, int mode)
{
	(void)o; (void)mode;
	value d = V(V_DICT);
	d.u.d = jj_dict_new(R);
	if (a->n == 1) {
		value x = a->v[0];
		if (x.t != V_DICT) jj_fail(R->e, line, "if you give only one argument to maketrans it must be a dict");
		for (size_t i = 0; i < x.u.d->n; i++) {
			value k = jj_dict_key(x.u.d, i);
			if (k.t == V_STR) {
				size_t nk;
				uint32_t *c = cps_of(R, k, &nk);
				if (nk != 1) jj_fail(R->e, line, "string keys in translate table must be of length 1");
				k = vint(c[0]);
			} else if (k.t != V_INT) jj_fail(R->e, line, "keys in translate table must be strings or integers");
			jj_dict_setv(R, line, d.u.d, k, x.u.d->v[i]);
		}
		return d;
	}
	if (a->n < 2 || a->n > 3) jj_fail(R->e, line, "maketrans() takes from 1 to 3 arguments (%d given)", a->n);
	for (int i = 0; i < a->n; i++) if (a->v[i].t != V_STR) jj_fail(R->e, line, "maketrans() argument %d must be str, not %s", i + 1, jj_tname(a->v[i].t));
	size_t nx, ny, nz = 0;
	uint32_t *x = cps_of(R, a->v[0], &nx), *y = cps_of(R, a->v[1], &ny), *z = a->n == 3 ? cps_of(R, a->v[2], &nz) : NULL;
	if (nx != ny) jj_fail(R->e, line, "the first two maketrans arguments must have equal length");
	for (size_t i = 0; i < nx; i++) jj_dict_setv(R, line, d.u.d, vint(x[i]), vint(y[i]));
	for (size_t i = 0; i < nz; i++) jj_dict_setv(R, line, d.u.d, vint(z[i]), V(V_NONE));
	return d;
}

/* str.translate(table): each character looked up by code point: None
 * deletes it, an int or a str replaces it, no entry keeps it */
static value m_translate(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value t = jj_kwarg(a, "table", 0, V(V_UNDEF));
	if (t.t != V_DICT) jj_fail(R->e, line, "unsupported: str.translate with a table other than a dict");
	strbuf b = {0};
	jj_live_push(R, &b);
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		value *x = jj_dict_findv(t.u.d, vint(cp));
		if (!x) strbuf_put(&b, o.u.s.p + i, k);
		else if (x->t == V_STR) strbuf_put(&b, x->u.s.p, x->u.s.n);
		else if (x->t == V_INT) {
			if (x->u.i < 0 || x->u.i > 0x10FFFF) jj_fail(R->e, line, "character mapping must be in range(0x110000)");
			char u[4];
			strbuf_put(&b, u, (size_t)utf8_encode((uint32_t)x->u.i, u));
		} else if (x->t != V_NONE) jj_fail(R->e, line, "character mapping must return integer, None or str");
		if (b.len > R->out_limit) jj_fail(R->e, line, "translate grew past the output limit");
		i += k;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* dict.copy, list.copy: shallow copies */
static value m_copy(rt *R, int line, value o, const args *a, int mode)
{
	(void)a; (void)mode;
	if (o.t == V_LIST) {
		if (o.u.l->tuple || o.u.l->view) jj_fail(R->e, line, "'%s object' has no attribute 'copy'", o.u.l->tuple ? "tuple" : "dict view");
		vlist *l = jj_list_new(R, o.u.l->n);
		for (size_t i = 0; i < o.u.l->n; i++) jj_list_push(R, l, o.u.l->v[i]);
		return vlistv(l);
	}
	value d = V(V_DICT);
	d.u.d = jj_dict_new(R);
	for (size_t i = 0; i < o.u.d->n; i++) jj_dict_setv(R, line, d.u.d, jj_dict_key(o.u.d, i), o.u.d->v[i]);
	return d;
}

/* dict.fromkeys(iterable, value=None): a new dict */
static value m_fromkeys(rt *R, int line, value o, const args *a, int mode)
{
	(void)o; (void)mode;
	vlist *keys = jj_to_items(R, line, jj_kwarg(a, "iterable", 0, V(V_UNDEF)), "fromkeys");
	value v = jj_kwarg(a, "value", 1, V(V_NONE));
	value d = V(V_DICT);
	d.u.d = jj_dict_new(R);
	for (size_t i = 0; i < keys->n; i++) jj_dict_setv(R, line, d.u.d, keys->v[i], v);
	return d;
}

/* str.center, ljust, rjust with any one-character fill: Python's margins */
static value pad_any(rt *R, int line, value o, int64_t width, value fill, char align)
{
	if (fill.t != V_STR || utf8_count(fill.u.s.p, fill.u.s.n) != 1) jj_fail(R->e, line, "The fill character must be exactly one character long");
	int64_t len = (int64_t)utf8_count(o.u.s.p, o.u.s.n);
	if (width <= len) return o;
	if (width > (int64_t)R->out_limit) jj_fail(R->e, line, "a string padded past the output limit");
	int64_t marg = width - len, left = align == '<' ? 0 : align == '>' ? marg : marg / 2 + (marg & width & 1);
	strbuf b = {0};
	jj_live_push(R, &b);
	for (int64_t i = 0; i < left; i++) strbuf_put(&b, fill.u.s.p, fill.u.s.n);
	strbuf_put(&b, o.u.s.p, o.u.s.n);
	for (int64_t i = left; i < marg; i++) strbuf_put(&b, fill.u.s.p, fill.u.s.n);
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* str.strip, lstrip (mode 1), rstrip (mode 2) */
static value m_strip(rt *R, int line, value o, const args *a, int mode)
{
	(void)line;
	value ch = jj_kwarg(a, "chars", 0, V(V_NONE));
	return jj_strip(R, o, mode != 2, mode != 1, ch.t == V_STR ? &ch : NULL);
}

/* str.split, rsplit (mode 1) */
static value m_split(rt *R, int line, value o, const args *a, int mode)
{
	(void)line;
	value sep = jj_kwarg(a, "sep", 0, V(V_NONE));
	value mx = jj_kwarg(a, "maxsplit", 1, vint(-1));
	return jj_split(R, o, sep, mx.t == V_INT ? mx.u.i : -1, mode);
}

/* str.startswith, endswith (mode 1): a prefix or a tuple of them */
static value m_startswith(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "prefix", 0, V(V_UNDEF));
	size_t skip;
	o = sub_range(R, line, o, a, 1, &skip);
	if (o.t == V_UNDEF) return vbool(0);
	vlist one = { .v = &x, .n = 1, .cap = 1 };
	vlist *cands = x.t == V_LIST ? x.u.l : &one;
	for (size_t i = 0; i < cands->n; i++) {
		value c = cands->v[i];
		jj_need_str(R, line, c, "startswith/endswith");
		if (c.u.s.n <= o.u.s.n && !memcmp(mode ? o.u.s.p + o.u.s.n - c.u.s.n : o.u.s.p, c.u.s.p, c.u.s.n)) return vbool(1);
	}
	return vbool(0);
}

/* str.upper, lower, capitalize, title: mode is jj_case_conv's */
static value m_case(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)a;
	return jj_case_conv(R, o, mode);
}

static value m_replace(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	node fn = filter_node("replace", line);
	return jj_apply_filter(R, &fn, o, a);
}

static value m_format(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	return jj_brace_format(R, line, o, a);
}

static value m_splitlines(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)mode;
	return vlistv(jj_splitlines(R, o, jj_truthy(jj_kwarg(a, "keepends", 0, vbool(0)))));
}

/* str.removeprefix, removesuffix (mode 1) */
static value m_removeprefix(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, mode ? "suffix" : "prefix", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "removesuffix" : "removeprefix");
	if (x.u.s.n > o.u.s.n) return o;
	if (!mode) return memcmp(o.u.s.p, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p + x.u.s.n, o.u.s.n - x.u.s.n);
	return memcmp(o.u.s.p + o.u.s.n - x.u.s.n, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p, o.u.s.n - x.u.s.n);
}

/* str.partition, rpartition (mode 1): a 3-tuple */
static value m_partition(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "sep", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "rpartition" : "partition");
	if (!x.u.s.n) jj_fail(R->e, line, "empty separator");
	const char *f = mode ? str_rfind(o, x) : memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n);
	vlist *l = jj_list_new(R, 3);
	l->tuple = 1;
	if (!f) {
		value e = vstr("", 0);
		jj_list_push(R, l, mode ? e : o);
		jj_list_push(R, l, e);
		jj_list_push(R, l, mode ? o : e);
	} else {
		size_t at = (size_t)(f - o.u.s.p);
		jj_list_push(R, l, vstr(o.u.s.p, at));
		jj_list_push(R, l, x);
		jj_list_push(R, l, vstr(o.u.s.p + at + x.u.s.n, o.u.s.n - at - x.u.s.n));
	}
	return vlistv(l);
}

/* str.zfill: zeros after any sign */
static value zfill(rt *R, value o, int64_t width)
{
	int64_t len = (int64_t)utf8_count(o.u.s.p, o.u.s.n);
	if (width <= len) return o;
	int sign = o.u.s.n && (o.u.s.p[0] == '+' || o.u.s.p[0] == '-');
	value padded = jj_str_pad(R, vstr(o.u.s.p + sign, o.u.s.n - (size_t)sign), width - sign, '0', '>');
	if (!sign) return padded;
	char *r = arena_alloc(R->ar, padded.u.s.n + 2);
	r[0] = o.u.s.p[0];
	memcpy(r + 1, padded.u.s.p, padded.u.s.n);
	return vstr(r, padded.u.s.n + 1);
}

/* str.center, ljust, rjust, zfill: mode is jj_str_pad's alignment, 'z' zfill */
static value m_pad(rt *R, int line, value o, const args *a, int mode)
{
	value w = jj_kwarg(a, "width", 0, V(V_UNDEF)), fc = jj_kwarg(a, "fillchar", 1, vstr(" ", 1));
	if (w.t != V_INT)
		jj_fail(R->e, line, "%s: the width must be an integer",
			mode == 'z' ? "zfill" : mode == '^' ? "center" : mode == '<' ? "ljust" : "rjust");
	if (mode == 'z') return zfill(R, o, w.u.i);
	return pad_any(R, line, o, w.u.i, fc, (char)mode);
}

/* str.islower, isupper (mode 1): at least one cased character, and every
 * cased one in that case */
static value m_iscase(rt *R, int line, value o, const args *a, int mode)
{
	(void)R; (void)line; (void)a;
	int cased = 0;
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		i += (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
		if (c == UTF8PROC_CATEGORY_LT) return vbool(0);
		if (mode ? c == UTF8PROC_CATEGORY_LL : c == UTF8PROC_CATEGORY_LU) return vbool(0);
		if (c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL) cased = 1;
	}
	return vbool(cased);
}

/* str.rfind, rindex (mode 1): in code points */
static value m_rfind(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "rindex" : "rfind");
	size_t skip;
	o = sub_range(R, line, o, a, 1, &skip);
	const char *f = o.t == V_UNDEF ? NULL : str_rfind(o, x);
	if (!f && mode) jj_fail(R->e, line, "substring not found");
	if (!f) return vint(-1);
	return vint((int64_t)(skip + utf8_count(o.u.s.p, (size_t)(f - o.u.s.p))));
}

/* str.find, index (mode 1): in code points */
static value m_find(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "index" : "find");
	size_t skip;
	o = sub_range(R, line, o, a, 1, &skip);
	const char *f = o.t == V_UNDEF ? NULL : x.u.s.n ? memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n) : o.u.s.p;
	if (!f && mode) jj_fail(R->e, line, "substring not found");
	if (!f) return vint(-1);
	return vint((int64_t)(skip + utf8_count(o.u.s.p, (size_t)(f - o.u.s.p))));
}

/* str.count: non-overlapping occurrences */
static value m_count(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
	jj_need_str(R, line, x, "count");
	int64_t c = 0;
	size_t skip;
	o = sub_range(R, line, o, a, 1, &skip);
	if (o.t == V_UNDEF) return vint(0);
	if (!x.u.s.n) return vint((int64_t)utf8_count(o.u.s.p, o.u.s.n) + 1);
	for (size_t i = 0; i + x.u.s.n <= o.u.s.n;) {
		if (!memcmp(o.u.s.p + i, x.u.s.p, x.u.s.n)) { c++; i += x.u.s.n; }
		else i++;
	}
	return vint(c);
}

/* str.join: the join filter with the receiver as separator */
static value m_join(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value l = jj_kwarg(a, "iterable", 0, V(V_UNDEF));
	/* str.join takes strings only (the join filter str()s its items) */
	vlist *items = jj_to_items(R, line, l, "join");
	for (size_t i = 0; i < items->n; i++)
		if (items->v[i].t != V_STR)
			jj_fail(R->e, line, "TypeError: sequence item %zu: expected str instance, %s found", i, jj_tname(items->v[i].t));
	node fn = filter_node("join", line);
	args sub = { &o, 1, 0, NULL, NULL, NULL };
	return jj_apply_filter(R, &fn, l, &sub);
}

/* str.isdigit, isalpha (1), isspace (2), isalnum (3) */
static value m_isclass(rt *R, int line, value o, const args *a, int mode)
{
	(void)R; (void)line; (void)a;
	if (!o.u.s.n) return vbool(0);
	/* by Unicode category, as Python does: letters L*, digits Nd and
	 * Numeric_Type=Digit (digit_extra), spaces as str.isspace */
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
		int alpha = c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
		int digit = c == UTF8PROC_CATEGORY_ND || (mode == M_FIRST && IN_TAB(digit_extra, cp));
		int num = digit || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
		int ok = mode == M_FIRST ? digit : mode == M_SECOND ? alpha : mode == M_FOURTH ? alpha || num :
			jj_ws_len(o.u.s.p + i, o.u.s.n - i) == k;
		if (!ok) return vbool(0);
		i += k;
	}
	return vbool(1);
}

/* dict.items: the items filter's list, as a view */
static value m_items(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	node fn = filter_node("items", line);
	value r = jj_apply_filter(R, &fn, o, a);
	r.u.l->view = 1;
	r.u.l->gen = 0;   /* a view, not the filter's generator */
	return r;
}

/* dict.keys, values (mode 1): views */
static value m_keys(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)a;
	vlist *l = jj_list_new(R, o.u.d->n);
	for (size_t i = 0; i < o.u.d->n; i++) jj_list_push(R, l, mode ? o.u.d->v[i] : jj_dict_key(o.u.d, i));
	l->view = mode ? 3 : 2;
	return vlistv(l);
}

static value m_get(rt *R, int line, value o, const args *a, int mode)
{
	(void)R; (void)line; (void)mode;
	value k = jj_kwarg(a, "key", 0, V(V_UNDEF));
	value *x = jj_dict_findv(o.u.d, k);
	return x ? *x : jj_kwarg(a, "default", 1, V(V_NONE));
}

/* list.index, count (mode 1) */
static value m_list_index(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "x", 0, V(V_UNDEF));
	int64_t c = 0, len = (int64_t)o.u.l->n, lo = 0, hi = len;
	if (!mode && a->n > 1) {   /* list.index(x, start, end): slice rules */
		if (a->v[1].t != V_INT || (a->n > 2 && a->v[2].t != V_INT)) jj_fail(R->e, line, "slice indices must be integers");
		lo = a->v[1].u.i < 0 ? a->v[1].u.i + len : a->v[1].u.i;
		if (a->n > 2) hi = a->v[2].u.i < 0 ? a->v[2].u.i + len : a->v[2].u.i;
		if (lo < 0) lo = 0;
		if (hi > len) hi = len;
	}
	for (size_t i = (size_t)lo; (int64_t)i < hi; i++)
		if (jj_vequal_py(R, line, o.u.l->v[i], x, 1)) {
			if (!mode) return vint((int64_t)i);
			c++;
		}
	if (!mode) {
		strbuf b = {0};
		jj_live_push(R, &b);
		jj_put_str(R, &b, jj_tostr(R, x));   /* Python: "5 is not in list" (repr) */
		char msg[128];
		snprintf(msg, sizeof msg, "%.*s", (int)(b.len < 100 ? b.len : 100), b.p ? b.p : "");
		jj_live_pop(R, &b);
		jj_fail(R->e, line, "%s is not in list", msg);
	}
	return vint(c);
}

#define S V_STR
#define L V_LIST
#define D V_DICT
/* Sorted by name, then type, so that the methods of one name sit together:
 * a call site resolves the name when parsed (jj_method_named) and picks the
 * receiver's type among those few when called. fn NULL: a method that would
 * change a list or dict, which ImmutableSandboxedEnvironment refuses.
 * arity: the positional arguments taken here at most, -1 any. */
static const jj_method methods[] = {
	{ "append", L, NULL, 0, -1 },
	{ "capitalize", S, m_case, 'c', 0 },
	{ "casefold", S, m_casefold, 0, 0 },
	{ "center", S, m_pad, '^', 2 },
	{ "clear", L, NULL, 0, -1 },
	{ "clear", D, NULL, 0, -1 },
	{ "copy", L, m_copy, 0, 0 },
	{ "copy", D, m_copy, 0, 0 },
	{ "count", S, m_count, 0, 3 },
	{ "count", L, m_list_index, 1, 1 },
	{ "endswith", S, m_startswith, 1, 3 },
	{ "expandtabs", S, m_expandtabs, 0, 1 },
	{ "extend", L, NULL, 0, -1 },
	{ "find", S, m_find, 0, 3 },
	{ "format", S, m_format, 0, -1 },
	{ "format_map", S, m_format_map, 0, 1 },
	{ "fromkeys", D, m_fromkeys, 0, 2 },
	{ "get", D, m_get, 0, 2 },
	{ "index", S, m_find, 1, 3 },
	{ "index", L, m_list_index, 0, 3 },
	{ "insert", L, NULL, 0, -1 },
	{ "isalnum", S, m_isclass, M_FOURTH, 0 },
	{ "isalpha", S, m_isclass, M_SECOND, 0 },
	{ "isascii", S, m_isprop, 3, 0 },
	{ "isdecimal", S, m_isprop, 0, 0 },
	{ "isdigit", S, m_isclass, M_FIRST, 0 },
	{ "isidentifier", S, m_isprop, 4, 0 },
	{ "islower", S, m_iscase, 0, 0 },
	{ "isnumeric", S, m_isprop, 1, 0 },
	{ "isprintable", S, m_isprop, 2, 0 },
	{ "isspace", S, m_isclass, M_THIRD, 0 },
	{ "istitle", S, m_isprop, 5, 0 },
	{ "isupper", S, m_iscase, 1, 0 },
	{ "items", D, m_items, 0, 0 },
	{ "join", S, m_join, 0, 1 },
	{ "keys", D, m_keys, 0, 0 },
	{ "ljust", S, m_pad, '<', 2 },
	{ "lower", S, m_case, 'l', 0 },
	{ "lstrip", S, m_strip, 1, 1 },
	{ "maketrans", S, m_maketrans, 0, 3 },
	{ "partition", S, m_partition, 0, 1 },
	{ "pop", L, NULL, 0, -1 },
	{ "pop", D, NULL, 0, -1 },
	{ "popitem", D, NULL, 0, -1 },
	{ "remove", L, NULL, 0, -1 },
	{ "removeprefix", S, m_removeprefix, 0, 1 },
	{ "removesuffix", S, m_removeprefix, 1, 1 },
	{ "replace", S, m_replace, 0, 3 },
	{ "reverse", L, NULL, 0, -1 },
	{ "rfind", S, m_rfind, 0, 3 },
	{ "rindex", S, m_rfind, 1, 3 },
	{ "rjust", S, m_pad, '>', 2 },
	{ "rpartition", S, m_partition, 1, 1 },
	{ "rsplit", S, m_split, 1, 2 },
	{ "rstrip", S, m_strip, 2, 1 },
	{ "setdefault", D, NULL, 0, -1 },
	{ "sort", L, NULL, 0, -1 },
	{ "split", S, m_split, 0, 2 },
	{ "splitlines", S, m_splitlines, 0, 1 },
	{ "startswith", S, m_startswith, 0, 3 },
	{ "strip", S, m_strip, 0, 1 },
	{ "swapcase", S, m_swapcase, 0, 0 },
	{ "title", S, m_case, 't', 0 },
	{ "translate", S, m_translate, 0, 1 },
	{ "update", D, NULL, 0, -1 },
	{ "upper", S, m_case, 'u', 0 },
	{ "values", D, m_keys, 1, 0 },
	{ "zfill", S, m_pad, 'z', 1 },
};
#undef S
#undef L
#undef D
#define NMETHODS (sizeof methods / sizeof *methods)

const jj_method *jj_method_named(const char *name, size_t n)
{
	size_t lo = 0, hi = NMETHODS;
	while (lo < hi) {   /* the first entry not below name */
		size_t mid = (lo + hi) / 2;
		if (jj_name_cmp(methods[mid].name, name, n) < 0) lo = mid + 1; else hi = mid;
	}
	return lo < NMETHODS && !jj_name_cmp(methods[lo].name, name, n) ? &methods[lo] : NULL;
}

const jj_method *jj_method_pick(const jj_method *named, int t)
{
	if (!named) return NULL;
	for (const jj_method *p = named; p < methods + NMETHODS && !strcmp(p->name, named->name); p++)
		if (p->type == t) return p;
	return NULL;
}

/* markupsafe's Markup wraps str's methods: the string ones give a Markup
 * (their fill or replacement escaped first), partition and split a Markup
 * for each part, join escapes the items, format and format_map escape each
 * field (jj_brace_format's EscapeFormatter); the others answer as str's. */
static int in_list(const char *const *l, const char *m, size_t ml)
{
	for (; *l; l++) if (strlen(*l) == ml && !memcmp(*l, m, ml)) return 1;
	return 0;
}
static value markup_method(rt *R, int line, value o, const jj_method *f, const char *m, size_t ml, const args *a)
{
	static const char *const same[] = { "capitalize", "title", "lower", "upper", "lstrip", "rstrip", "strip", "translate",
		"expandtabs", "swapcase", "zfill", "casefold", "removeprefix", "removesuffix", NULL };
	static const char *const esc1[] = { "replace", "ljust", "rjust", "center", NULL };   /* argument 1: new, fillchar */
	static const char *const parts[] = { "partition", "rpartition", "split", "rsplit", "splitlines", NULL };
	args b = *a;
	if (ml == 4 && !memcmp(m, "join", 4) && a->n >= 1) {
		vlist *items = jj_to_items(R, line, a->v[0], "join");
		vlist *e = jj_list_new(R, items->n);
		for (size_t i = 0; i < items->n; i++) jj_list_push(R, e, jj_escape(R, items->v[i]));
		value *v = arena_alloc(R->ar, (size_t)a->n * sizeof *v);
		memcpy(v, a->v, (size_t)a->n * sizeof *v);
		v[0] = vlistv(e);
		b.v = v;
		return vmarkup(f->fn(R, line, o, &b, f->mode));
	}
	if (in_list(esc1, m, ml) && a->n >= 2) {
		value *v = arena_alloc(R->ar, (size_t)a->n * sizeof *v);
		memcpy(v, a->v, (size_t)a->n * sizeof *v);
		if (v[1].t == V_STR) v[1] = jj_escape(R, v[1]);
		b.v = v;
	}
	value r = f->fn(R, line, o, &b, f->mode);
	if (in_list(same, m, ml) || in_list(esc1, m, ml)) return vmarkup(r);
	if (in_list(parts, m, ml) && r.t == V_LIST)
		for (size_t i = 0; i < r.u.l->n; i++) r.u.l->v[i] = vmarkup(r.u.l->v[i]);
	return r;
}

value jj_call_method(rt *R, int line, value o, const jj_method *named, const char *m, size_t ml, const args *a)
{
	const jj_method *f = jj_method_pick(named, o.t);
	if (f && !f->fn)
		jj_fail(R->e, line, "SecurityError: access to attribute '%.*s' of '%s' object is unsafe.", (int)ml, m, o.t == V_LIST ? "list" : "dict");
	if (f && f->arity >= 0 && a->n > f->arity)
		jj_fail(R->e, line, "unsupported: %s.%.*s() with %d positional arguments (at most %d here)", jj_tname(o.t), (int)ml, m, a->n,
			f->arity);
	if (f && o.t == V_STR && o.markup) return markup_method(R, line, o, f, m, ml, a);
	if (f) return f->fn(R, line, o, a, f->mode);
	if (o.t == V_UNDEF) jj_fail(R->e, line, "'%.*s' of an undefined value", (int)ml, m);
	if (jj_is_py_method(o.t, m, ml)) jj_fail(R->e, line, "unsupported: the method %s.%.*s", jj_tname(o.t), (int)ml, m);
	/* jinja2 finds no such attribute (an Undefined it cannot call), or a key that is no function */
	jj_fail(R->e, line, "'%s object' has no attribute '%.*s'", jj_tname(o.t), (int)ml, m);
}

/* lex.c — the template cut into text and tags, with jinja2's whitespace
 * rules (trim_blocks, lstrip_blocks, {%- -%}, raw blocks) applied there, and the
 * tokens of the expressions inside a tag. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

static void seg_push(lexer *L, int kind, int line, const char *p, size_t n)
{
	if (L->n == L->cap) { L->cap = L->cap ? L->cap * 2 : 64; L->s = xrealloc(L->s, (size_t)L->cap * sizeof *L->s); }
	L->s[L->n].kind = kind; L->s[L->n].line = line; L->s[L->n].p = p; L->s[L->n].n = n;
	L->n++;
}

static int count_lines(const char *a, const char *b) { int k = 0; for (; a < b; a++) k += *a == '\n'; return k; }

/* Cut src into segments, applying {%- -%}, trim_blocks and lstrip_blocks. */
void jj_lex(lexer *L, const char *src, size_t len)
{
	const char *p = src, *end = src + len;
	int line = 1;
	int strip_next = 0;      /* '-' on the previous tag's right */
	int trim_next = 0;       /* trim_blocks after the previous block tag */
	while (p < end) {
		const char *t = p;
		while (t + 1 < end && !(t[0] == '{' && (t[1] == '{' || t[1] == '%' || t[1] == '#'))) t++;
		if (t + 1 >= end) t = end;
		/* text p..t */
		const char *ts = p, *te = t;
		if (strip_next) while (ts < te && isspace((unsigned char)*ts)) ts++;
		else if (trim_next && ts < te && *ts == '\n') ts++;
		else if (trim_next && te - ts >= 2 && ts[0] == '\r' && ts[1] == '\n') ts += 2;
		strip_next = trim_next = 0;
		int tline = line + count_lines(p, t);
		if (t == end) { if (te > ts) seg_push(L, S_TEXT, line, ts, te - ts); break; }
		char kind = t[1];
		int lminus = t + 2 < end && t[2] == '-';
		int lplus = t + 2 < end && t[2] == '+';
		if (lminus) while (te > ts && isspace((unsigned char)te[-1])) te--;
		else if (kind != '{' && !lplus) {
			/* lstrip_blocks: spaces and tabs from the line's start to the tag */
			const char *q = te;
			while (q > ts && (q[-1] == ' ' || q[-1] == '\t')) q--;
			if ((q > ts && q[-1] == '\n') || (q == ts && (ts == src || ts[-1] == '\n'))) te = q;
		}
		if (te > ts) seg_push(L, S_TEXT, line, ts, te - ts);
		/* the tag */
		const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
		const char *b = t + 2 + (lminus || lplus);
		const char *q = b;
		/* find the close, skipping string literals in expressions and
		 * statements; as jinja2's lexer, a close is one only where the
		 * brackets opened in the tag are closed ({{ {'a': {'b': 1}} }}) */
		char quote = 0;
		int depth = 0;
		for (; q + 1 < end; q++) {
			if (kind != '#') {
				if (quote) { if (*q == '\\') { q++; continue; } if (*q == quote) quote = 0; continue; }
				if (*q == '\'' || *q == '"') { quote = *q; continue; }
			}
			if (!depth && q[0] == close[0] && q[1] == close[1]) break;
			if (kind != '#') {
				if (*q == '(' || *q == '[' || *q == '{') depth++;
				else if ((*q == ')' || *q == ']' || *q == '}') && depth) depth--;
			}
		}
		if (q + 1 >= end) jj_fail(L->e, tline, "unclosed %s tag", kind == '{' ? "{{" : kind == '%' ? "{%" : "{#");
		int rminus = q > b && q[-1] == '-';
		int rplus = kind == '%' && q > b && q[-1] == '+';   /* {% ... +%}: no trim_blocks after it */
		const char *be = rminus || rplus ? q - 1 : q;
		if (kind == '{') seg_push(L, S_EXPR, tline, b, be - b);
		else if (kind == '%') {
			/* raw blocks: everything up to {% endraw %} is text */
			const char *w = b;
			while (w < be && isspace((unsigned char)*w)) w++;
			if (be - w >= 3 && !memcmp(w, "raw", 3) && (w + 3 == be || isspace((unsigned char)w[3]))) {
				const char *r = q + 2, *found = NULL;
				for (const char *x = r; x + 1 < end; x++) {
					if (x[0] == '{' && x[1] == '%') {
						const char *y = x + 2;
						if (*y == '-') y++;
						while (y < end && isspace((unsigned char)*y)) y++;
						if (end - y >= 6 && !memcmp(y, "endraw", 6)) { found = x; break; }
					}
				}
				if (!found) jj_fail(L->e, tline, "raw block without endraw");
				const char *re = found;
				if (found + 2 < end && found[2] == '-') while (re > r && isspace((unsigned char)re[-1])) re--;
				if (rminus) while (r < re && isspace((unsigned char)*r)) r++;
				if (re > r) seg_push(L, S_TEXT, tline, r, re - r);
				const char *ce = strstr(found, "%}");
				if (!ce || ce >= end) jj_fail(L->e, tline, "unclosed endraw tag");
				line = tline + count_lines(t, ce + 2);
				strip_next = ce > found && ce[-1] == '-';
				trim_next = !strip_next;
				p = ce + 2;
				continue;
			}
			seg_push(L, S_STMT, tline, b, be - b);
		}
		line = tline + count_lines(t, q + 2);
		strip_next = rminus;
		trim_next = !rminus && !rplus && kind != '{';
		p = q + 2;
	}
}


/* (\d+_)*\d+ at p: its length, 0 when p holds no digit */
static size_t digit_run(const char *p, const char *e)
{
	const char *q = p;
	if (q >= e || !isdigit((unsigned char)*q)) return 0;
	for (;;) {
		while (q < e && isdigit((unsigned char)*q)) q++;
		if (q + 1 < e && *q == '_' && isdigit((unsigned char)q[1])) { q++; continue; }
		return (size_t)(q - p);
	}
}

/* e[+-](\d+_)*\d+ at p: its end, or NULL */
static const char *exponent(const char *p, const char *e)
{
	if (p >= e || (*p != 'e' && *p != 'E')) return NULL;
	p++;
	if (p < e && (*p == '+' || *p == '-')) p++;
	size_t d = digit_run(p, e);
	return d ? p + d : NULL;
}

/* (_?[digit of the radix])+ after 0b, 0o or 0x: its end, or NULL */
static const char *radix_run(const char *p, const char *e, char kind)
{
	const char *q = p;
	for (;;) {
		const char *x = q < e && *q == '_' ? q + 1 : q;
		if (x >= e) break;
		unsigned char c = (unsigned char)*x;
		int ok = kind == 'b' || kind == 'B' ? c == '0' || c == '1' : kind == 'o' || kind == 'O' ? c >= '0' && c <= '7' : isxdigit(c);
		if (!ok) break;
		q = x + 1;
	}
	return q > p ? q : NULL;
}

void jj_next_tok(parser *P)
{
	const char *p = P->p;
	while (p < P->end && isspace((unsigned char)*p)) p++;
	tok_t *t = &P->cur;
	memset(t, 0, sizeof *t);
	t->p = p;
	if (p >= P->end) { t->t = T_END; P->p = p; return; }
	unsigned char c = (unsigned char)*p;
	if (isalpha(c) || c == '_') {
		const char *q = p;
		while (q < P->end && (isalnum((unsigned char)*q) || *q == '_')) q++;
		t->t = T_NAME; t->n = q - p; P->p = q; return;
	}
	if (isdigit(c)) {
		/* jinja2's lexer: float_re first (not right after a '.'), then
		 * integer_re; what they leave is the next token (007 is 00 then 7,
		 * a parse error) */
		const char *q = p, *e = P->end;
		int isf = 0, base = 10;
		size_t m = digit_run(p, e);
		if (p[-1] != '.') {   /* the tag's text follows its opening brace: p[-1] is there */
			const char *r = p + m, *x;
			size_t f = r < e && *r == '.' ? digit_run(r + 1, e) : 0;
			if (f && (x = exponent(r + 1 + f, e))) q = x, isf = 1;   /* 1.5e3 */
			else if ((x = exponent(r, e))) q = x, isf = 1;           /* 1e3 */
			else if (f) q = r + 1 + f, isf = 1;                      /* 1.5 */
		}
		if (!isf) {
			if (c == '0' && p + 1 < e && strchr("bBoOxX", p[1]) && (q = radix_run(p + 2, e, p[1])) != NULL)
				base = p[1] == 'x' || p[1] == 'X' ? 16 : p[1] == 'o' || p[1] == 'O' ? 8 : 2;
			else if (c == '0') { q = p + 1; while (q < e && (*q == '0' || (*q == '_' && q + 1 < e && q[1] == '0'))) q += *q == '_' ? 2 : 1; }
			else q = p + m;   /* [1-9](_?\d)* */
		}
		char buf[64];
		size_t n = 0, nd = 0;
		const char *ds = base == 10 ? p : p + 2;
		for (const char *x = ds; x < q; x++) nd += *x != '_';
		for (const char *x = ds; x < q && n < sizeof buf - 1; x++) if (*x != '_') buf[n++] = *x;
		buf[n] = 0;
		if (isf) { t->t = T_FLOAT; t->f = strtod(buf, NULL); }
		else {
			t->t = T_INT;
			t->base = base;
			errno = 0;
			t->i = strtoll(buf, NULL, base);
			/* beyond int64: the digits, for the parser to make a big integer of */
			if (errno == ERANGE || nd >= sizeof buf - 1) {
				char *d = arena_alloc(P->ar, nd + 1);
				size_t w = 0;
				for (const char *x = ds; x < q; x++) if (*x != '_') d[w++] = *x;
				d[w] = 0;
				t->s = d; t->sn = w;
			}
		}
		t->n = q - p; P->p = q; return;
	}
	if (c == '\'' || c == '"') {
		/* a Python string literal: escapes decoded */
		strbuf b = {0};
		const char *q = p + 1;
		while (q < P->end && *q != (char)c) {
			if (*q == '\\' && q + 1 < P->end) {
				q++;
				switch (*q) {
				case 'n': strbuf_putc(&b, '\n'); break;
				case 't': strbuf_putc(&b, '\t'); break;
				case 'r': strbuf_putc(&b, '\r'); break;
				case '\\': strbuf_putc(&b, '\\'); break;
				case '\'': strbuf_putc(&b, '\''); break;
				case '"': strbuf_putc(&b, '"'); break;
				case 'a': strbuf_putc(&b, '\a'); break;
				case 'b': strbuf_putc(&b, '\b'); break;
				case 'f': strbuf_putc(&b, '\f'); break;
				case 'v': strbuf_putc(&b, '\v'); break;
				case '\n': break;   /* a backslash-newline continues the line */
				case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
					/* octal, up to three digits */
					uint32_t cp = 0;
					int k = 0;
					while (k < 3 && q < P->end && *q >= '0' && *q <= '7') { cp = cp * 8 + (uint32_t)(*q - '0'); q++; k++; }
					char u[4];
					strbuf_put(&b, u, (size_t)utf8_encode(cp, u));
					continue;
				}
				case 'N': strbuf_free(&b); jj_fail(P->e, P->line, "unsupported: \\N{...} escapes in a string");
				case 'u': case 'x': case 'U': {
					int k = *q == 'u' ? 4 : *q == 'U' ? 8 : 2;
					uint32_t cp = 0;
					int ok = q + k < P->end;
					for (int j = 1; j <= k && ok; j++) {
						char h = q[j];
						ok = isxdigit((unsigned char)h);
						cp = cp * 16 + (uint32_t)(isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
					}
					if (!ok || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) { strbuf_free(&b); jj_fail(P->e, P->line, "bad \\%c escape in a string", *q); }
					char u[4];
					strbuf_put(&b, u, (size_t)utf8_encode(cp, u));
					q += k;
					break;
				}
				default: strbuf_putc(&b, '\\'); strbuf_putc(&b, *q);
				}
				q++;
				continue;
			}
			strbuf_putc(&b, *q++);
		}
		if (q >= P->end) { strbuf_free(&b); jj_fail(P->e, P->line, "unterminated string literal"); }
		t->t = T_STR;
		t->sn = b.len;
		t->s = arena_strndup(P->ar, b.p ? b.p : "", b.len);
		strbuf_free(&b);
		P->p = q + 1;
		t->n = P->p - p;
		return;
	}
	static const char *const two[] = { "==", "!=", "<=", ">=", "//", "**", NULL };
	for (int k = 0; two[k]; k++)
		if (p + 1 < P->end && p[0] == two[k][0] && p[1] == two[k][1]) { t->t = T_OP; t->n = 2; P->p = p + 2; return; }
	if (strchr("()[]{}.,:|~+-*/%<>=", c)) { t->t = T_OP; t->n = 1; P->p = p + 1; return; }
	jj_fail(P->e, P->line, "unexpected character '%c' in an expression", c);
}

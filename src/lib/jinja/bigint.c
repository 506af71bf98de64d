/* bigint.c — Python's arbitrary-precision integers: int64 stays the fast
 * path (V_INT); a result that does not fit becomes a V_BIG (sign and 32-bit
 * limbs, least significant first, in the render's or the template's arena)
 * and one that fits again is demoted, so a V_BIG never holds an int64 value.
 * Arithmetic + - * // % ** with Python's floor semantics, exact comparison
 * with floats, correctly rounded conversion to float (OverflowError past
 * DBL_MAX) and true division, and the text forms in bases 2, 8, 10 and 16
 * with CPython's 4300-digit limit on decimal conversion. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <ctype.h>
#include <math.h>

/* a magnitude with its sign, borrowed or in the arena */
typedef struct bn { int neg; size_t n; const uint32_t *d; } bn;

static size_t mag_norm(const uint32_t *d, size_t n) { while (n && !d[n - 1]) n--; return n; }

static int mag_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn_)
{
	if (an != bn_) return an < bn_ ? -1 : 1;
	for (size_t i = an; i-- > 0;) if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* r = a + b; r has room for max(an, bn) + 1 limbs */
static size_t mag_add(uint32_t *r, const uint32_t *a, size_t an, const uint32_t *b, size_t bn_)
{
	if (an < bn_) { const uint32_t *t = a; a = b; b = t; size_t tn = an; an = bn_; bn_ = tn; }
	uint64_t c = 0;
	for (size_t i = 0; i < an; i++) { c += (uint64_t)a[i] + (i < bn_ ? b[i] : 0); r[i] = (uint32_t)c; c >>= 32; }
	r[an] = (uint32_t)c;
	return mag_norm(r, an + 1);
}

/* r = a - b, a >= b */
static size_t mag_sub(uint32_t *r, const uint32_t *a, size_t an, const uint32_t *b, size_t bn_)
{
	int64_t c = 0;
	for (size_t i = 0; i < an; i++) {
		c += (int64_t)a[i] - (i < bn_ ? (int64_t)b[i] : 0);
		r[i] = (uint32_t)c;
		c = c < 0 ? -1 : 0;
	}
	return mag_norm(r, an);
}

static size_t mag_mul(uint32_t *r, const uint32_t *a, size_t an, const uint32_t *b, size_t bn_)
{
	memset(r, 0, (an + bn_) * sizeof *r);
	for (size_t i = 0; i < an; i++) {
		uint64_t c = 0;
		for (size_t j = 0; j < bn_; j++) { c += (uint64_t)a[i] * b[j] + r[i + j]; r[i + j] = (uint32_t)c; c >>= 32; }
		r[i + bn_] = (uint32_t)c;
	}
	return mag_norm(r, an + bn_);
}

/* a /= d in place; the remainder */
static uint32_t mag_divsmall(uint32_t *a, size_t n, uint32_t d)
{
	uint64_t r = 0;
	for (size_t i = n; i-- > 0;) { r = (r << 32) | a[i]; a[i] = (uint32_t)(r / d); r %= d; }
	return (uint32_t)r;
}

/* q = a / b, r = a % b (Knuth's algorithm D, TAOCP 4.3.1); b nonzero,
 * q has room for an - bn + 1 limbs, r for bn; returns q's length, *rn r's */
static size_t mag_divmod(arena *ar, uint32_t *q, uint32_t *r, size_t *rn, const uint32_t *a, size_t an, const uint32_t *b, size_t bn_)
{
	if (mag_cmp(a, an, b, bn_) < 0) { memcpy(r, a, an * sizeof *r); *rn = an; return 0; }
	if (bn_ == 1) {
		memcpy(q, a, an * sizeof *q);
		r[0] = mag_divsmall(q, an, b[0]);
		*rn = mag_norm(r, 1);
		return mag_norm(q, an);
	}
	int s = __builtin_clz(b[bn_ - 1]);
	uint32_t *u = arena_alloc(ar, (an + 1) * sizeof *u), *v = arena_alloc(ar, bn_ * sizeof *v);
	for (size_t i = bn_; i-- > 0;) v[i] = (b[i] << s) | (s && i ? b[i - 1] >> (32 - s) : 0);
	u[an] = s ? a[an - 1] >> (32 - s) : 0;
	for (size_t i = an; i-- > 0;) u[i] = (a[i] << s) | (s && i ? a[i - 1] >> (32 - s) : 0);
	size_t m = an - bn_;
	for (size_t j = m + 1; j-- > 0;) {
		uint64_t num = ((uint64_t)u[j + bn_] << 32) | u[j + bn_ - 1];
		uint64_t qh = num / v[bn_ - 1], rh = num % v[bn_ - 1];
		while (qh >> 32 || qh * v[bn_ - 2] > ((rh << 32) | u[j + bn_ - 2])) {
			qh--; rh += v[bn_ - 1];
			if (rh >> 32) break;
		}
		int64_t t = 0, k;
		uint64_t c = 0;
		for (size_t i = 0; i < bn_; i++) {
			uint64_t p = qh * v[i] + c;
			c = p >> 32;
			k = (int64_t)u[i + j] - (int64_t)(uint32_t)p + t;
			u[i + j] = (uint32_t)k;
			t = k >> 32;
		}
		k = (int64_t)u[j + bn_] - (int64_t)c + t;
		u[j + bn_] = (uint32_t)k;
		if (k < 0) {   /* qh was one too large: add v back */
			qh--;
			uint64_t cc = 0;
			for (size_t i = 0; i < bn_; i++) { cc += (uint64_t)u[i + j] + v[i]; u[i + j] = (uint32_t)cc; cc >>= 32; }
			u[j + bn_] += (uint32_t)cc;
		}
		q[j] = (uint32_t)qh;
	}
	for (size_t i = 0; i < bn_; i++) r[i] = (u[i] >> s) | (s ? u[i + 1] << (32 - s) : 0);
	*rn = mag_norm(r, bn_);
	return mag_norm(q, m + 1);
}

/* an integer value (bool, int, big) as a bn over buf (2 limbs) */
static bn to_bn(value v, uint32_t *buf)
{
	bn x = { 0, 0, buf };
	if (v.t == V_BIG) { x.neg = v.u.big->neg; x.n = v.u.big->n; x.d = v.u.big->d; return x; }
	int64_t i = v.t == V_BOOL ? v.u.b : v.u.i;
	uint64_t m = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	x.neg = i < 0;
	buf[0] = (uint32_t)m; buf[1] = (uint32_t)(m >> 32);
	x.n = mag_norm(buf, 2);
	return x;
}

static size_t bn_bits(const uint32_t *d, size_t n) { return n ? (n - 1) * 32 + (32 - (size_t)__builtin_clz(d[n - 1])) : 0; }

/* a magnitude and sign as a value: an int when it fits int64, else a V_BIG copied into ar */
value jj_big_make(arena *ar, jerr *e, int line, int neg, const uint32_t *d, size_t n)
{
	n = mag_norm(d, n);
	if (n <= 2) {
		uint64_t m = n ? d[0] | (n > 1 ? (uint64_t)d[1] << 32 : 0) : 0;
		if (m <= (uint64_t)INT64_MAX) return vint(neg ? -(int64_t)m : (int64_t)m);
		if (neg && m == (uint64_t)INT64_MAX + 1) return vint(INT64_MIN);
	}
	if (bn_bits(d, n) > JJ_BIG_MAXBITS) jj_fail(e, line, "unsupported: an integer of more than %d bits", JJ_BIG_MAXBITS);
	jbig *b = arena_alloc(ar, sizeof *b + n * sizeof *b->d);
	b->neg = neg; b->n = n;
	memcpy(b->d, d, n * sizeof *d);
	value v = V(V_BIG);
	v.u.big = b;
	return v;
}

static uint32_t *limbs(rt *R, size_t n) { return arena_alloc(R->ar, (n ? n : 1) * sizeof(uint32_t)); }

/* a + b or a - b (sub) */
static value big_addsub(rt *R, int line, bn a, bn b, int sub)
{
	if (sub) b.neg = !b.neg;
	uint32_t *r = limbs(R, (a.n > b.n ? a.n : b.n) + 1);
	if (a.neg == b.neg) return jj_big_make(R->ar, R->e, line, a.neg, r, mag_add(r, a.d, a.n, b.d, b.n));
	int c = mag_cmp(a.d, a.n, b.d, b.n);
	if (c >= 0) return jj_big_make(R->ar, R->e, line, a.neg, r, mag_sub(r, a.d, a.n, b.d, b.n));
	return jj_big_make(R->ar, R->e, line, b.neg, r, mag_sub(r, b.d, b.n, a.d, a.n));
}

static void check_bits(rt *R, int line, size_t bits)
{
	if (bits > JJ_BIG_MAXBITS + 64) jj_fail(R->e, line, "unsupported: an integer of more than %d bits", JJ_BIG_MAXBITS);
}

static value big_mul(rt *R, int line, bn a, bn b)
{
	check_bits(R, line, bn_bits(a.d, a.n) + bn_bits(b.d, b.n));
	uint32_t *r = limbs(R, a.n + b.n);
	return jj_big_make(R->ar, R->e, line, a.neg != b.neg, r, mag_mul(r, a.d, a.n, b.d, b.n));
}

/* Python's floor division and modulo: the remainder takes the divisor's sign */
static void big_divmod(rt *R, int line, bn a, bn b, value *qv, value *rv)
{
	if (!b.n) jj_fail(R->e, line, "integer division or modulo by zero");
	uint32_t *q = limbs(R, a.n + 1), *r = limbs(R, b.n + 1);
	size_t rn, qn = mag_divmod(R->ar, q, r, &rn, a.d, a.n, b.d, b.n);
	if (a.neg != b.neg && rn) {
		/* floor: q = -(q + 1), r = |b| - r */
		uint32_t one = 1;
		uint32_t *q1 = limbs(R, qn + 1), *r1 = limbs(R, b.n);
		qn = mag_add(q1, q, qn, &one, 1); q = q1;
		rn = mag_sub(r1, b.d, b.n, r, rn); r = r1;
	}
	if (qv) *qv = jj_big_make(R->ar, R->e, line, a.neg != b.neg, q, qn);
	if (rv) *rv = jj_big_make(R->ar, R->e, line, b.neg, r, rn);
}

static value big_pow(rt *R, int line, bn a, value ev)
{
	/* ev >= 0; |a| >= 2 here (0, 1 and -1 need no multiplying) */
	if (ev.t == V_BIG) check_bits(R, line, SIZE_MAX);
	uint64_t e = ev.t == V_BOOL ? (uint64_t)ev.u.b : (uint64_t)ev.u.i;
	if (e && (double)bn_bits(a.d, a.n) - 1 > (double)(JJ_BIG_MAXBITS + 1) / (double)e) check_bits(R, line, SIZE_MAX);
	uint32_t one = 1;
	value acc = jj_big_make(R->ar, R->e, line, 0, &one, 1), base = jj_big_make(R->ar, R->e, line, a.neg, a.d, a.n);
	uint32_t b1[2], b2[2];
	for (; e; e >>= 1) {
		if (e & 1) acc = big_mul(R, line, to_bn(acc, b1), to_bn(base, b2));
		if (e > 1) base = big_mul(R, line, to_bn(base, b1), to_bn(base, b2));
	}
	return acc;
}

/* 32 bits of a magnitude from bit pos up */
static uint32_t bits_at(const uint32_t *d, size_t n, size_t pos)
{
	size_t w = pos / 32;
	unsigned o = pos % 32;
	uint32_t lo = w < n ? d[w] : 0, hi = w + 1 < n ? d[w + 1] : 0;
	return o ? (lo >> o) | (hi << (32 - o)) : lo;
}

/* the top 64 bits of a magnitude, the lowest set when any bit below is (sticky), and the shift */
static uint64_t top64(const uint32_t *d, size_t n, int *shift)
{
	size_t bits = bn_bits(d, n), s = bits > 64 ? bits - 64 : 0;
	uint64_t m = bits_at(d, n, s) | (uint64_t)bits_at(d, n, s + 32) << 32;
	int sticky = 0;
	for (size_t i = 0; i < s / 32 && !sticky; i++) sticky = d[i] != 0;
	if (s % 32 && (d[s / 32] & ((1u << (s % 32)) - 1))) sticky = 1;
	*shift = (int)s;
	return m | (uint64_t)sticky;
}

/* float(x) of an integer value, rounded half to even as Python's int.__float__ */
double jj_int_to_double(rt *R, int line, value v)
{
	if (v.t == V_BOOL) return v.u.b;
	if (v.t == V_INT) return (double)v.u.i;
	int s;
	uint64_t m = top64(v.u.big->d, v.u.big->n, &s);
	double d = ldexp((double)m, s);
	if (isinf(d)) jj_fail(R->e, line, "OverflowError: int too large to convert to float");
	return v.u.big->neg ? -d : d;
}

/* |trunc(f)| of a finite float as limbs (at most 34: 2^1024 has 1025 bits) */
static size_t dbl_mag(double f, uint32_t *d)
{
	f = fabs(trunc(f));
	if (f < 18446744073709551616.0) { uint64_t m = (uint64_t)f; d[0] = (uint32_t)m; d[1] = (uint32_t)(m >> 32); return mag_norm(d, 2); }
	int e;
	double m = frexp(f, &e);                     /* f = m * 2^e, 0.5 <= m < 1 */
	uint64_t mi = (uint64_t)ldexp(m, 53);        /* 53 bits, shifted by e - 53 >= 12 */
	size_t sh = (size_t)(e - 53), n = sh / 32 + 3;
	memset(d, 0, n * sizeof *d);
	unsigned __int128 w = (unsigned __int128)mi << (sh % 32);
	for (int k = 0; k < 3; k++) d[sh / 32 + (size_t)k] = (uint32_t)(w >> (32 * k));
	return mag_norm(d, n);
}

/* int(f) of a float: truncated, exact; Python's errors for NaN and infinities */
value jj_int_from_double(rt *R, int line, double f)
{
	if (isnan(f)) jj_fail(R->e, line, "ValueError: cannot convert float NaN to integer");
	if (isinf(f)) jj_fail(R->e, line, "OverflowError: cannot convert float infinity to integer");
	if (fabs(f) < 9.2e18) return vint((int64_t)f);
	uint32_t d[36];
	size_t n = dbl_mag(f, d);
	return jj_big_make(R->ar, R->e, line, f < 0, d, n);
}

static int bn_cmp(bn x, bn y)
{
	int xs = x.n ? (x.neg ? -1 : 1) : 0, ys = y.n ? (y.neg ? -1 : 1) : 0;
	if (xs != ys) return xs < ys ? -1 : 1;
	int c = mag_cmp(x.d, x.n, y.d, y.n);
	return xs < 0 ? -c : c;
}

int jj_isint(value v) { return v.t == V_INT || v.t == V_BOOL || v.t == V_BIG; }

size_t jj_int_bits(value v)
{
	uint32_t b[2];
	bn x = to_bn(v, b);
	return bn_bits(x.d, x.n);
}

int jj_int_cmp(value a, value b)
{
	if (a.t != V_BIG && b.t != V_BIG) {
		int64_t x = a.t == V_BOOL ? a.u.b : a.u.i, y = b.t == V_BOOL ? b.u.b : b.u.i;
		return x < y ? -1 : x > y;
	}
	uint32_t b1[2], b2[2];
	return bn_cmp(to_bn(a, b1), to_bn(b, b2));
}

/* an integer against a float, exactly (Python compares them without
 * rounding either); 2 when f is NaN (unordered) */
int jj_int_float_cmp(value a, double f)
{
	if (isnan(f)) return 2;
	if (isinf(f)) return f > 0 ? -1 : 1;
	double fl = floor(f);
	uint32_t b1[2], d[36];
	bn y = { fl < 0, 0, d };
	y.n = dbl_mag(fl, d);
	int c = bn_cmp(to_bn(a, b1), y);
	if (c) return c;
	return f > fl ? -1 : 0;
}

/* a / b of two integers, correctly rounded as Python's int true division */
static double int_truediv(rt *R, int line, value a, value b)
{
	uint32_t b1[2], b2[2];
	bn x = to_bn(a, b1), y = to_bn(b, b2);
	if (!y.n) jj_fail(R->e, line, "ZeroDivisionError: division by zero");
	size_t xb = bn_bits(x.d, x.n), yb = bn_bits(y.d, y.n);
	if (xb <= 53 && yb <= 53) return jj_int_to_double(R, line, a) / jj_int_to_double(R, line, b);
	if (!x.n) return x.neg != y.neg ? -0.0 : 0.0;
	/* q = |a| * 2^s / |b| with 55 or 56 bits, a remainder noted in its lowest bit */
	long s = (long)yb - (long)xb + 55;
	size_t sh = (size_t)(s < 0 ? -s : s);
	const uint32_t *nd = x.d, *dd = y.d;
	size_t nn = x.n, dn = y.n;
	uint32_t *t = limbs(R, (s < 0 ? y.n : x.n) + sh / 32 + 1);
	const uint32_t *src = s < 0 ? y.d : x.d;
	size_t sn = s < 0 ? y.n : x.n, w = sh / 32;
	unsigned o = sh % 32;
	memset(t, 0, (sn + w + 1) * sizeof *t);
	for (size_t i = 0; i < sn; i++) {
		t[i + w] |= src[i] << o;
		if (o) t[i + w + 1] |= src[i] >> (32 - o);
	}
	if (s < 0) { dd = t; dn = mag_norm(t, sn + w + 1); } else { nd = t; nn = mag_norm(t, sn + w + 1); }
	uint32_t *q = limbs(R, nn + 1), *r = limbs(R, dn + 1);
	size_t rn, qn = mag_divmod(R->ar, q, r, &rn, nd, nn, dd, dn);
	uint64_t qi = q[0] | (qn > 1 ? (uint64_t)q[1] << 32 : 0);
	if (rn) qi |= 1;
	double d = ldexp((double)qi, (int)-s);
	if (isinf(d)) jj_fail(R->e, line, "OverflowError: integer division result too large for a float");
	return x.neg != y.neg ? -d : d;
}

/* Integer arithmetic (op + - * F(//) % P(**) and / ), both operands ints or
 * bools; a negative power and / give floats. */
value jj_int_arith(rt *R, int line, int op, value a, value b)
{
	uint32_t b1[2], b2[2];
	bn x = to_bn(a, b1), y = to_bn(b, b2);
	value q, r;
	switch (op) {
	case '+': return big_addsub(R, line, x, y, 0);
	case '-': return big_addsub(R, line, x, y, 1);
	case '*': return big_mul(R, line, x, y);
	case 'F': big_divmod(R, line, x, y, &q, NULL); return q;
	case '%': big_divmod(R, line, x, y, NULL, &r); return r;
	case '/': { value f = V(V_FLOAT); f.u.f = int_truediv(R, line, a, b); return f; }
	case 'P':
		if (y.neg) {
			double fx = jj_int_to_double(R, line, a), fy = jj_int_to_double(R, line, b);
			if (fx == 0) jj_fail(R->e, line, "ZeroDivisionError: 0.0 cannot be raised to a negative power");
			value f = V(V_FLOAT); f.u.f = pow(fx, fy); return f;
		}
		if (x.n == 0) return vint(y.n == 0);
		if (x.n == 1 && x.d[0] == 1) return vint(x.neg && y.d[0] % 2 ? -1 : 1);
		return big_pow(R, line, x, b);
	}
	jj_fail(R->e, line, "bad operator");
}

value jj_int_neg(rt *R, int line, value v)
{
	uint32_t b1[2];
	bn x = to_bn(v, b1);
	return jj_big_make(R->ar, R->e, line, x.n && !x.neg, x.d, x.n);
}

value jj_int_abs(rt *R, int line, value v)
{
	uint32_t b1[2];
	bn x = to_bn(v, b1);
	return jj_big_make(R->ar, R->e, line, 0, x.d, x.n);
}

int jj_int_sign(value v)
{
	if (v.t == V_BIG) return v.u.big->neg ? -1 : 1;
	int64_t i = v.t == V_BOOL ? v.u.b : v.u.i;
	return i < 0 ? -1 : i > 0;
}

/* An integer's digits in base 2, 8, 10 or 16 (hex in upper case with upper),
 * without sign or prefix. Decimal beyond 4300 digits is CPython's ValueError
 * (sys.int_info.default_max_str_digits). */
void jj_int_digits(rt *R, int line, strbuf *b, value v, int base, int upper)
{
	uint32_t b1[2];
	bn x = to_bn(v, b1);
	if (!x.n) { strbuf_putc(b, '0'); return; }
	size_t bits = bn_bits(x.d, x.n);
	if (base == 10 && bits > 14300)   /* past 4300 digits for certain */
		jj_fail(R->e, line, "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit");
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t start = b->len;
	if (base != 10) {
		int w = base == 2 ? 1 : base == 8 ? 3 : 4;
		size_t nd = (bits + (size_t)w - 1) / (size_t)w;
		for (size_t k = nd; k-- > 0;) {
			size_t bit = k * (size_t)w;
			unsigned val = 0;
			for (int j = w - 1; j >= 0; j--) {
				size_t bb = bit + (size_t)j;
				val = val << 1 | (bb / 32 < x.n ? (x.d[bb / 32] >> (bb % 32)) & 1 : 0);
			}
			strbuf_putc(b, dig[val]);
		}
		return;
	}
	uint32_t *t = limbs(R, x.n);
	memcpy(t, x.d, x.n * sizeof *t);
	size_t n = x.n;
	char chunk[10];
	while (n) {
		uint32_t r = mag_divsmall(t, n, 1000000000u);
		n = mag_norm(t, n);
		for (int k = 0; k < 9; k++) { chunk[k] = (char)('0' + r % 10); r /= 10; }
		/* chunks are written least significant first, reversed at the end */
		int len = 9;
		if (!n) while (len > 1 && chunk[len - 1] == '0') len--;
		strbuf_put(b, chunk, (size_t)len);
	}
	for (size_t i = start, j = b->len - 1; i < j; i++, j--) { char c = b->p[i]; b->p[i] = b->p[j]; b->p[j] = c; }
	if (b->len - start > 4300) {
		b->len = start;
		jj_fail(R->e, line, "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit");
	}
}

/* str(x) of an integer value */
void jj_put_int(rt *R, int line, strbuf *b, value v)
{
	if (v.t == V_INT) { strbuf_printf(b, "%lld", (long long)v.u.i); return; }
	if (jj_int_sign(v) < 0) strbuf_putc(b, '-');
	jj_int_digits(R, line, b, v, 10, 0);
}

/* digits (a sign, digits of the base, single underscores between them, as
 * jj_py_int has checked them) as an integer value; 0 past 4300 decimal digits */
int jj_int_parse(arena *ar, jerr *e, int line, const char *p, size_t n, int base, value *out)
{
	int neg = 0;
	size_t i = 0;
	if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
	size_t nd = 0;
	for (size_t k = i; k < n; k++) nd += p[k] != '_';
	if (base == 10 && nd > 4300) return 0;
	size_t cap = nd * 5 / 32 + 2;   /* log2(36) < 5.2: 5 bits a digit suffices for 32 */
	if (base > 32) cap = nd * 6 / 32 + 2;
	uint32_t *d = arena_alloc(ar, cap * sizeof *d);
	size_t dn = 0;
	for (; i < n; i++) {
		if (p[i] == '_') continue;
		int c = tolower((unsigned char)p[i]);
		uint64_t carry = (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
		for (size_t k = 0; k < dn; k++) { carry += (uint64_t)d[k] * (uint64_t)base; d[k] = (uint32_t)carry; carry >>= 32; }
		if (carry) d[dn++] = (uint32_t)carry;
	}
	*out = jj_big_make(ar, e, line, neg, d, dn);
	return 1;
}

/* an int == a float, as Python's == */
int jj_int_float_eq(value a, double f)
{
	return jj_int_float_cmp(a, f) == 0;
}

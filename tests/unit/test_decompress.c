/* test_decompress.c — Parquet page codecs (pq_decompress) take a page only
 * when its stream is whole: a gzip page cut before its trailer, or a later
 * member cut short, is an error even when the bytes before the cut have the
 * size the page header names. Every message names the column. */
#include "parquet/pq_internal.h"
#include "t.h"

#include <zlib.h>

enum { GZIP = 2 };

/* gzip src (n bytes) into out; returns the compressed length */
static size_t gz(const char *src, size_t n, unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)src;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t got = cap - z.avail_out;
	deflateEnd(&z);
	return got;
}

/* 0 when the page decompresses, else 1 with the message in msg */
static int page(const unsigned char *src, size_t n, unsigned char *dst, size_t dn, char *msg, size_t ml)
{
	pq_err e;
	e.msg = msg;
	e.len = ml;
	msg[0] = 0;
	if (setjmp(e.jb)) return 1;
	pq_decompress(GZIP, src, n, dst, dn, "text", &e);
	return 0;
}

static void test_gzip_page_whole_and_cut(void)
{
	static const char text[] = "0123456789 parquet page bytes, repeated: abcabcabcabcabcabcabc";
	const size_t tn = sizeof text - 1;
	unsigned char c[512], two[1024], out[256];
	char msg[200];
	size_t cn = gz(text, tn, c, sizeof c);
	T_EQ_INT(page(c, cn, out, tn, msg, sizeof msg), 0);
	T_CHECK(!memcmp(out, text, tn));
	/* the trailer (CRC32, ISIZE) stripped: every data byte is there */
	T_EQ_INT(page(c, cn - 8, out, tn, msg, sizeof msg), 1);
	T_EQ_STR(msg, "column 'text': gzip: truncated page");
	/* two members, the second cut short */
	size_t half = tn / 2;
	size_t n1 = gz(text, half, two, sizeof two);
	size_t n2 = gz(text + half, tn - half, two + n1, sizeof two - n1);
	T_EQ_INT(page(two, n1 + n2, out, tn, msg, sizeof msg), 0);
	T_CHECK(!memcmp(out, text, tn));
	T_EQ_INT(page(two, n1 + n2 - 4, out, tn, msg, sizeof msg), 1);
	/* a corrupt CRC */
	c[cn - 6] ^= 0x55;
	T_EQ_INT(page(c, cn, out, tn, msg, sizeof msg), 1);
	T_EQ_STR(msg, "column 'text': gzip: corrupt page");
}

static void test_snappy_names_the_column(void)
{
	unsigned char junk[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 2, 3}, out[64];
	char msg[200];
	pq_err e;
	e.msg = msg;
	e.len = sizeof msg;
	msg[0] = 0;
	if (!setjmp(e.jb)) pq_decompress(1 /* SNAPPY */, junk, sizeof junk, out, sizeof out, "messages.content", &e);
	T_EQ_STR(msg, "column 'messages.content': snappy: page does not decompress to 64 bytes");
}

int main(void)
{
	T_RUN(test_gzip_page_whole_and_cut);
	T_RUN(test_snappy_names_the_column);
	return t_done();
}

/*
 * replay.c — a plain main for a libFuzzer target, so every input a fuzzer
 * once crashed on (tests/fuzz/regress/<target>/) and every seed runs through
 * the target's own entry point in make check, built by the ordinary compiler
 * (and under ASan+UBSan with SANITIZE=1) without libFuzzer.
 *
 *   replay_<target> DIR...    runs each regular file of each DIR; prints one
 *                             TAP line per DIR with the count of inputs run
 *
 * A crash, an abort or a sanitizer report ends the process with a non-zero
 * status, which tests/run.sh counts as a failure; so does an input that
 * runs past 60 seconds (SIGALRM), one that hung the fuzzer once: the last
 * "replay:" line on stderr names it.
 */
#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap *= 2);
			if (!nb) { free(buf); buf = NULL; }
			else buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		DIR *dp = opendir(argv[i]);
		if (!dp) { printf("ok - %s # SKIP no such directory\n", argv[i]); continue; }
		char **names = NULL;
		size_t nn = 0;
		struct dirent *de;
		while ((de = readdir(dp))) {
			if (de->d_name[0] == '.') continue;
			char **nb = realloc(names, (nn + 1) * sizeof *names);
			if (!nb) { perror("replay"); return 1; }
			names = nb;
			names[nn++] = strdup(de->d_name);
		}
		closedir(dp);
		qsort(names, nn, sizeof *names, cmp);   /* the same order on every machine */
		size_t ran = 0;
		for (size_t k = 0; k < nn; k++) {
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", argv[i], names[k]);
			size_t len;
			unsigned char *data = read_all(p, &len);
			if (!data) { printf("not ok - %s: cannot read\n", p); bad = 1; continue; }
			fprintf(stderr, "replay: %s\n", p);
			alarm(60);
			LLVMFuzzerTestOneInput(data, len);
			alarm(0);
			free(data);
			free(names[k]);
			ran++;
		}
		free(names);
		printf("ok - %s: %zu inputs ran clean\n", argv[i], ran);
	}
	return bad;
}

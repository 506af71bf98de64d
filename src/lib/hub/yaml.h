/*
 * yaml.h — the subset of YAML that dataset cards use for `configs:`: block
 * mappings and sequences by indentation, `- ` items (also "- key: value"
 * starting a mapping), plain, single- and double-quoted scalars, flow
 * sequences of scalars ([a, b]), comments. Anchors, tags, multi-line scalars
 * and flow mappings are rejected with an error naming the line, never guessed.
 *
 * yaml_parse returns a tree the caller frees with yaml_free, or NULL with a
 * message in err. Not thread-safe per tree (read-only use is).
 */
#ifndef SFTKIT_YAML_H
#define SFTKIT_YAML_H

#include <stddef.h>

enum { Y_SCALAR, Y_MAP, Y_SEQ };

typedef struct ynode {
	int type;
	char *str;            /* scalar text */
	char **keys;          /* map keys */
	struct ynode **vals;  /* map values or sequence items */
	int n;
	int line;
} ynode;

ynode *yaml_parse(const char *src, size_t len, char *err, size_t errlen);
void yaml_free(ynode *n);
/* map lookup, NULL when absent or not a map */
const ynode *yaml_get(const ynode *map, const char *key);
/* the YAML front matter of a dataset card (between the first two '---' lines), or NULL */
const char *yaml_front_matter(const char *md, size_t len, size_t *ylen);

#endif

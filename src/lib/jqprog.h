/*
 * jqprog.h — a user's jq program compiled through libjq, with libjq's
 * messages caught instead of printed: tools report them in their own
 * "tool: what" form.
 */
#ifndef SFTKIT_JQPROG_H
#define SFTKIT_JQPROG_H

#include <stddef.h>
#include <jq.h>

/* Compile prog. Returns the jq state, or NULL with libjq's first message
 * (without its "jq: error: " prefix, the source line it quotes and the
 * count of errors) in err. Free with jq_teardown. */
jq_state *jqprog_compile(const char *prog, char *err, size_t errlen);

/* A record line as a jq value in *out (the caller owns it). libjq's parser
 * refuses nesting deeper than its own limit (256 levels in jq 1.6) that
 * sftkit's reader accepts, and hands back an invalid value that jq_start
 * must never get: then -1 with libjq's reason in err and no value. */
int jqprog_parse(const char *line, size_t len, jv *out, char *err, size_t errlen);

#endif

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

#endif

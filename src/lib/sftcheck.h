/*
 * sftcheck.h — the rules a record must meet for NeMo RL's openai_format
 * loader: a "messages" list of objects; roles system, user, assistant only;
 * a system message only first; the last message the assistant's; every
 * content a non-empty string. Strict mode adds user/assistant alternation
 * (after the optional system message, user first).
 *
 * sftcheck_record returns NULL for a valid record, else the reason word (static)
 * with a detail message. Stateless and thread-safe.
 */
#ifndef SFTKIT_SFTCHECK_H
#define SFTKIT_SFTCHECK_H

#include "json.h"

const char *sftcheck_record(const json_doc *d, int strict, char *detail, size_t n);

#endif

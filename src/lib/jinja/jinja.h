/*
 * jinja.h — the Jinja dialect of Hugging Face chat templates, rendered as
 * transformers renders them: Python jinja2 with trim_blocks and lstrip_blocks,
 * the loopcontrols extension, a tojson filter like transformers' (non-ASCII
 * kept, ", " and ": " separators, indent), raise_exception and strftime_now.
 *
 * Supported:
 *   statements   if / elif / else, for (loop.index, index0, revindex,
 *                revindex0, first, last, length, previtem, nextitem; tuple
 *                targets; an inline `if` filter; else), set (names, ns.attr,
 *                block set), macro (positional and keyword arguments with
 *                defaults), break, continue, raw, comments
 *   expressions  literals (strings with Python escapes, ints, floats, true /
 *                True, none / None), lists, tuples, dicts, attribute and
 *                index access, slices, calls, + - * / // % **, ~, comparisons,
 *                and / or / not, in / not in, is / is not, a if c else b
 *   filters      length count trim upper lower title capitalize tojson items
 *                default/d join first last replace string int float list
 *                reverse sort unique abs round map select reject selectattr
 *                rejectattr indent safe e/escape wordcount dictsort
 *   tests        defined undefined none string number integer float boolean
 *                true false mapping iterable sequence callable even odd
 *                divisibleby eq ne lt le gt ge in equalto sameas
 *   methods      str: strip lstrip rstrip split rsplit startswith endswith
 *                upper lower title capitalize replace find count join
 *                format(%-style absent); dict: items keys values get;
 *                list: index count (lists are immutable: no append)
 *   globals      namespace, range, raise_exception, strftime_now, dict, len
 * Anything else is an error naming the construct and its template line, never
 * a silent wrong rendering.
 *
 * A template is parsed once (jinja_parse) and rendered many times; rendering
 * allocates from a per-call arena, so a jinja_tmpl may be shared by threads.
 */
#ifndef SFTKIT_JINJA_H
#define SFTKIT_JINJA_H

#include <stddef.h>
#include "json.h"
#include "util.h"

typedef struct jinja_tmpl jinja_tmpl;

jinja_tmpl *jinja_parse(const char *src, size_t len, char *err, size_t errlen);
void jinja_free(jinja_tmpl *t);

/* The variables of a render: a JSON object (messages, bos_token, eos_token,
 * add_generation_prompt, tools, ...) as text. Appends the rendering to out.
 * Returns 0, or -1 with the message in err (raise_exception's text for a
 * conversation the template rejects, with "raise_exception: " before it). */
int jinja_render_json(const jinja_tmpl *t, const char *vars_json, size_t len, jbuf *out, char *err, size_t errlen);

/* The same with the variables as a parsed document (root node 0 an object),
 * plus extra variables from a second object (may be NULL). */
int jinja_render_doc(const jinja_tmpl *t, const json_doc *vars, uint32_t root, const json_doc *extra,
		     uint32_t extra_root, jbuf *out, char *err, size_t errlen);

#endif

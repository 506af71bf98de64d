/*
 * jinja.h — the Jinja dialect of Hugging Face chat templates, rendered as
 * transformers renders them: Python jinja2 (3.1) in an ImmutableSandboxedEnvironment
 * with trim_blocks and lstrip_blocks, the loopcontrols extension and the
 * {% generation %} tag, transformers' tojson filter (tojson(x, ensure_ascii=False,
 * indent=None, separators=None, sort_keys=False) over json.dumps), raise_exception
 * and strftime_now. Values behave as Python's: str() and repr() of every type,
 * float repr, Unicode case mapping, slicing by code points, int/float/bool/None.
 *
 * Supported:
 *   syntax       {{ }}, {% %}, {# #}, whitespace control {%- -%} {{- -}} {#- -#},
 *                {%+ and +%}, trim_blocks / lstrip_blocks, raw blocks, the final
 *                newline dropped, \r\n and \r read as \n (jinja2's lexer)
 *   statements   if / elif / else; for (tuple targets, an inline `if` filter,
 *                else, recursive and loop(items), loop.index index0 revindex
 *                revindex0 first last length previtem nextitem depth depth0
 *                cycle()); break, continue; set
 *                (names, tuples, ns.attr, block set); macro (positional and
 *                keyword arguments, defaults, varargs, kwargs, caller,
 *                recursion); call blocks (with parameters); filter blocks;
 *                generation; block (in place, scoped, required); include,
 *                import, from, extends (which fail the render, as jinja2
 *                with no loader does)
 *   expressions  literals (strings with Python escapes, ints, floats, true /
 *                True, false / False, none / None), lists, tuples, dicts,
 *                attribute and item access, slices with steps, calls, + - * /
 *                // % ** (ints of any size; str % args with every printf
 *                flag, str * n, list * n), ~,
 *                comparisons (chained), and / or / not, in / not in, is / is
 *                not, a if c else b
 *   filters      abs attr batch capitalize center count d default dictsort e
 *                escape filesizeformat first float forceescape format groupby
 *                indent int items join last length list lower map max min
 *                reject rejectattr replace reverse round safe select
 *                selectattr slice sort string striptags sum title tojson trim
 *                truncate unique upper urlencode wordcount wordwrap xmlattr
 *   tests        boolean callable defined divisibleby eq equalto escaped even
 *                false filter float ge greaterthan gt in integer iterable le
 *                lessthan lower lt mapping ne none number odd sameas sequence
 *                string test true undefined upper == != < <= > >=
 *   methods      str: capitalize casefold center count endswith expandtabs
 *                find format ({} {0} {name} {0.attr} {0[key]} !r !s !a and the
 *                whole format-spec mini-language, fmtspec.c) format_map
 *                index isalnum isalpha isascii isdecimal isdigit isidentifier
 *                islower isnumeric isprintable isspace istitle isupper join
 *                ljust lower lstrip maketrans partition removeprefix
 *                removesuffix replace rfind rindex rjust rpartition rsplit
 *                rstrip split splitlines startswith strip swapcase title
 *                translate upper zfill; dict: items keys values get copy
 *                fromkeys; list: index count copy (the sandbox makes lists
 *                and dicts immutable: append, update and the like raise)
 *   globals      namespace, range, dict, cycler, joiner, raise_exception,
 *                strftime_now
 * Calls take *args and **kwargs; x in an undefined value is false, as in
 * jinja2. Anything else fails with an error naming the construct and its
 * template line ("template line 12: unsupported: the filter 'pprint'"), never
 * a silent wrong rendering, and jinja_parse finds it: the filters pprint,
 * urlize and random, lipsum, str.encode, \N{...} escapes. A few are refused
 * for the values that reach them only (that render's error): NaN among
 * the keys of sort, dictsort or groupby,
 * ordering dict views, two NaNs met as elements in ==, in or index (Python
 * decides by object identity). A constant jinja2's compiler folds to inf
 * or nan fails the render that evaluates it outside a print, as jinja2's
 * generated Python does ("name 'inf' is not defined"; fold.c). What
 * |safe, |e and |escape give is markupsafe's Markup, as in jinja2: +, % and
 * str.format escape the other side, escape leaves it as it is, its string
 * methods and soft_str's filters give Markups, repr prints Markup('...'), and
 * 'is escaped' tells it. map, select, reject, selectattr, rejectattr,
 * items, unique, batch, slice and reverse give generators: always true, no
 * length, used up by the iteration that reads them.
 * wordwrap follows textwrap, break_on_hyphens too; striptags unescapes as
 * Python's html.unescape does (all 2,231 HTML5 names, html5ent.c, generated
 * by gen_html5ent.py); divisibleby takes floats;
 * map, select, reject, selectattr and rejectattr give nothing on a falsy
 * value. strftime_now prints SOURCE_DATE_EPOCH's instant (UTC) when that is
 * set, else the local time now. As jinja2's compiler does, a filter or test
 * jinja2 does not know either fails the parse outside an if or a conditional
 * expression, and the render that reaches it inside one. Dict keys may be of any
 * hashable type ({0: 'a'}); a range, the loop object and a macro print as
 * jinja2 prints them. Refused while rendering, as they depend on the values,
 * and then that render's error (-1) like one jinja2 raises: integers beyond
 * 131072 bits (Python's ints have no limit; below it they are exact: bigint.c),
 * format widths over 1000000, printing a builtin function.
 *
 * Memory and threads: a template is parsed once (jinja_parse) into a tree it
 * owns; rendering reads the tree and allocates from a per-call arena, so one
 * jinja_tmpl may be rendered by many threads at once. The output is appended
 * to the caller's strbuf. Errors: functions return NULL / -1 and write a message
 * into err[errlen] (which the caller owns); nothing is printed. A template
 * that rejects a conversation with raise_exception('msg') gives
 * "raise_exception: msg". A render is bounded (20M steps, 256 MB of output,
 * 64 nested macro calls), so no template runs away.
 */
#ifndef SFTKIT_JINJA_H
#define SFTKIT_JINJA_H

#include <stddef.h>
#include "json.h"
#include "util.h"

typedef struct jinja_tmpl jinja_tmpl;

/* Parse a template. NULL on a syntax error or an unsupported statement, with
 * "template line N: what" in err. */
jinja_tmpl *jinja_parse(const char *src, size_t len, char *err, size_t errlen);
void jinja_free(jinja_tmpl *t);

/* The variables of a chat render, as transformers' apply_chat_template passes them. */
typedef struct jinja_chat_opts {
	const char *bos_token, *eos_token;   /* NUL-terminated; NULL leaves the variable undefined */
	int add_generation_prompt;
	const char *tools_json;              /* a JSON array of tool schemas; NULL passes tools=None */
	size_t tools_len;
	const char *extra_json;              /* a JSON object of more variables (other special tokens,
	                                        enable_thinking, date_string, ...), or NULL; the ones
	                                        above take precedence */
	size_t extra_len;
} jinja_chat_opts;

/* Render a conversation: messages_json is the JSON array of messages. Also
 * passes documents=None. Appends the text to out; returns 0, -1 with the
 * message in err for what jinja2 would raise too (the template's
 * raise_exception text, a runtime error like jinja2's, a limit, or a value
 * outside the dialect, "unsupported: ..."). A construct outside the dialect,
 * which no record could render, is refused by jinja_parse, so no render
 * returns -2 any more (the code stays reserved for it). The other render
 * functions return the same. */
int jinja_render_chat(const jinja_tmpl *t, const char *messages_json, size_t len, const jinja_chat_opts *opts,
		      strbuf *out, char *err, size_t errlen);

/* Lower level: the variables as a JSON object in text. */
int jinja_render_json(const jinja_tmpl *t, const char *vars_json, size_t len, strbuf *out, char *err, size_t errlen);

/* Lowest level, no copying: the variables are the members of object node root
 * of a parsed document (a whole record: messages, tools, ... as it comes), plus
 * those of object extra_root of a second document (may be NULL) which the first
 * overrides. Both documents must outlive the call. */
int jinja_render_doc(const jinja_tmpl *t, const json_doc *vars, uint32_t root, const json_doc *extra,
		     uint32_t extra_root, strbuf *out, char *err, size_t errlen);

/* A chat render from a parsed record, as transformers' apply_chat_template
 * makes it: tools and documents are None unless the record has them (a null
 * "tools" is None too); the record's members are variables (with chat_only,
 * only its "messages" and "tools", as NeMo RL passes them), over extra's
 * (the special tokens, ...). n_messages cuts "messages" to its first
 * n_messages elements (SIZE_MAX: all of them); add_generation_prompt >= 0
 * sets that variable over everything else. Returns as jinja_render_doc. */
typedef struct jinja_doc_vars {
	const json_doc *doc;
	uint32_t root;
	int chat_only;
	size_t n_messages;
	int add_generation_prompt;
	const json_doc *extra;      /* may be NULL */
	uint32_t extra_root;
} jinja_doc_vars;
int jinja_render_vars(const jinja_tmpl *t, const jinja_doc_vars *v, strbuf *out, char *err, size_t errlen);

#endif

/* chatlen.c — a record's conversation length as the trainer counts it. See chatlen.h. */
#include "tok/chatlen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

const char chatlen_bad_json[] = "bad_json";

struct chatlen_ctx {
	const chatlen_job *j;
	tok_state *s;
	json_doc d, alt;          /* the record; alt: it with its tools replaced by [] */
	strbuf tmp, render, prev, piece, alt_text;
	tok_ids ids;
	int partial;              /* a count stopped past max: the total is a lower bound */
};

/* ---------------- the model's configuration ---------------- */

/* A default system prompt written literally in a ChatML template, as
 * Qwen2.5's is: '<|im_start|>system\\nYou are ...<|im_end|>\\n'. */
static char *template_default_system(const char *tpl)
{
	static const char pre[] = "'<|im_start|>system\\n";
	for (const char *p = strstr(tpl, pre); p; p = strstr(p, pre)) {
		p += strlen(pre);
		const char *e = strstr(p, "<|im_end|>");
		if (!e) return NULL;
		int plain = 1;
		for (const char *q = p; q < e && plain; q++)
			plain = *q != '\'' && *q != '{' && *q != '}' && *q != '\\';
		if (!plain) continue;
		char *r = xmalloc(e - p + 1);
		memcpy(r, p, e - p);
		r[e - p] = 0;
		return r;
	}
	return NULL;
}

/* A special token's text: a string, or an AddedToken {"content": ...}; null,
 * "" and anything else leave it unset (transformers' special_tokens_map keeps
 * only the attributes that are truthy). */
static char *token_text(const json_doc *d, uint32_t v)
{
	if (json_type_of(d, v) == JSON_OBJECT) v = json_get(d, v, "content");
	if (json_type_of(d, v) != JSON_STRING || !d->nodes[v].len) return NULL;
	strbuf b = {0};
	json_str_append(d, v, &b);
	strbuf_put(&b, "", 0);
	return strbuf_detach(&b, NULL);
}

/* tokenizer.SPECIAL_TOKENS_ATTRIBUTES, in transformers' order */
static const char *const special_names[] = { "bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
					     "cls_token", "mask_token", "additional_special_tokens", NULL };

/* Append name's value (from d's object o) to the variables: a token's text,
 * or additional_special_tokens' list of them (skipped when empty). */
static void special_var(chatlen_model *m, const json_doc *d, uint32_t o, const char *name)
{
	uint32_t v = json_get(d, o, name);
	strbuf val = {0};
	if (!strcmp(name, "additional_special_tokens")) {
		if (json_type_of(d, v) != JSON_ARRAY) return;
		int n = 0;
		strbuf_putc(&val, '[');
		JSON_FOR_ELEMS(d, v, e, k) {
			(void)k;
			char *s = token_text(d, e);
			if (!s) continue;
			if (n++) strbuf_putc(&val, ',');
			json_write_str(&val, s, strlen(s));
			free(s);
		}
		strbuf_putc(&val, ']');
		if (!n) { strbuf_free(&val); return; }
	} else {
		char *s = token_text(d, v);
		if (!s) return;
		json_write_str(&val, s, strlen(s));
		if (!strcmp(name, "bos_token")) m->bos = s;
		else if (!strcmp(name, "eos_token")) m->eos = s;
		else if (!strcmp(name, "pad_token")) m->pad = s;
		else free(s);
	}
	strbuf_printf(&m->vars, "%s\"%s\":", m->vars.len > 1 ? "," : "", name);
	strbuf_put(&m->vars, val.p, val.len);
	strbuf_free(&val);
}

/* A JSON file of dir: 0 and *d parsed (its text in *text), 1 absent, -1 with err. */
static int load_json(const char *dir, const char *name, json_doc *d, char **text, char *err, size_t errlen)
{
	strbuf p = {0};
	strbuf_printf(&p, "%s/%s", dir, name);
	size_t n;
	*text = util_read_file(p.p, &n);
	int rc = 0;
	json_doc_init(d);
	if (!*text) {
		rc = errno == ENOENT ? 1 : -1;
		if (rc < 0) snprintf(err, errlen, "%s: %s", p.p, strerror(errno));
	} else if (json_parse(d, *text, n)) {
		snprintf(err, errlen, "%s: %s", p.p, d->err);
		rc = -1;
	} else if (json_type_of(d, 0) != JSON_OBJECT) {
		snprintf(err, errlen, "%s: not a JSON object", p.p);
		rc = -1;
	}
	if (rc) { json_doc_free(d); free(*text); *text = NULL; }
	strbuf_free(&p);
	return rc;
}

/* The special tokens as AutoTokenizer sets them: tokenizer_config.json's;
 * when it has no added_tokens_decoder (the legacy layout), each key of
 * special_tokens_map.json replaces the config's. */
static int load_special(const char *dir, const json_doc *cfg, chatlen_model *m, char *err, size_t errlen)
{
	json_doc map;
	char *text = NULL;
	int have = 0;
	if (!cfg || json_get(cfg, 0, "added_tokens_decoder") == JSON_NONE) {
		int rc = load_json(dir, "special_tokens_map.json", &map, &text, err, errlen);
		if (rc < 0) return -1;
		have = rc == 0;
	}
	for (const char *const *nm = special_names; *nm; nm++) {
		if (have && json_get(&map, 0, *nm) != JSON_NONE) special_var(m, &map, 0, *nm);
		else if (cfg) special_var(m, cfg, 0, *nm);
	}
	if (have) { json_doc_free(&map); free(text); }
	return 0;
}

/* additional_chat_templates/ holds a *.jinja file */
static int has_named_templates(const char *dir)
{
	strbuf p = {0};
	strbuf_printf(&p, "%s/additional_chat_templates", dir);
	DIR *dd = opendir(p.p);
	strbuf_free(&p);
	if (!dd) return 0;
	int found = 0;
	for (struct dirent *e; !found && (e = readdir(dd));) {
		size_t n = strlen(e->d_name);
		found = n > 6 && !strcmp(e->d_name + n - 6, ".jinja");
	}
	closedir(dd);
	return found;
}

/* The template as transformers picks it: chat_template.jinja when it is
 * there (named ones in additional_chat_templates/ then replace the config's
 * too), else the config's chat_template (the one named "default" of a list). */
static int load_template(const char *dir, const json_doc *cfg, chatlen_model *m, char *err, size_t errlen)
{
	strbuf p = {0};
	strbuf_printf(&p, "%s/chat_template.jinja", dir);
	size_t n;
	char *t = util_read_file(p.p, &n);
	if (!t && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", p.p, strerror(errno));
		strbuf_free(&p);
		return -1;
	}
	strbuf_free(&p);
	if (t) {
		if (memchr(t, 0, n)) { free(t); snprintf(err, errlen, "%s/chat_template.jinja: a NUL byte", dir); return -1; }
		m->template_text = t;
		m->template_source = "chat_template.jinja";
		return 0;
	}
	if (has_named_templates(dir)) {
		m->named_only = 1;   /* transformers: "multiple chat templates with no default specified" */
		return 0;
	}
	if (!cfg) return 0;
	uint32_t ct = json_get(cfg, 0, "chat_template");
	/* a doubled or numeric chat_template: which template the model uses is not clear */
	int nct = 0;
	JSON_FOR_MEMBERS(cfg, 0, key, val, k) { (void)val; (void)k; nct += json_str_eq(cfg, key, "chat_template", 13); }
	if (nct > 1) {
		snprintf(err, errlen, "%s/tokenizer_config.json: chat_template is given %d times: which one the model uses is not clear", dir, nct);
		return -1;
	}
	if (ct != JSON_NONE && json_type_of(cfg, ct) != JSON_STRING && json_type_of(cfg, ct) != JSON_ARRAY && json_type_of(cfg, ct) != JSON_NULL) {
		snprintf(err, errlen, "%s/tokenizer_config.json: chat_template is not a string or a list of named templates", dir);
		return -1;
	}
	if (json_type_of(cfg, ct) == JSON_ARRAY) {
		uint32_t pick = JSON_NONE;
		JSON_FOR_ELEMS(cfg, ct, e, k) {
			(void)k;
			if (json_type_of(cfg, e) == JSON_OBJECT && json_str_eq(cfg, json_get(cfg, e, "name"), "default", 7)) pick = json_get(cfg, e, "template");
		}
		ct = pick;
	}
	if (json_type_of(cfg, ct) != JSON_STRING) return 0;
	strbuf tt = {0};
	json_str_append(cfg, ct, &tt);
	strbuf_put(&tt, "", 0);
	m->template_text = strbuf_detach(&tt, NULL);
	m->template_source = "tokenizer_config.json";
	return 0;
}

int chatlen_model_load(const char *tokpath, chatlen_model *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->format = CHATLEN_PLAIN;
	strbuf_puts(&m->vars, "{");
	struct stat st;
	strbuf dir = {0};
	if (stat(tokpath, &st) == 0 && S_ISDIR(st.st_mode)) strbuf_puts(&dir, tokpath);
	else {
		const char *sl = strrchr(tokpath, '/');
		if (sl) strbuf_printf(&dir, "%.*s", (int)(sl - tokpath), tokpath);
		else strbuf_puts(&dir, ".");
	}
	json_doc d;
	char *text;
	int rc = load_json(dir.p, "tokenizer_config.json", &d, &text, err, errlen);
	const json_doc *cfg = rc == 0 ? &d : NULL;
	if (rc >= 0) rc = load_template(dir.p, cfg, m, err, errlen);
	if (rc >= 0) rc = load_special(dir.p, cfg, m, err, errlen);
	strbuf_putc(&m->vars, '}');
	if (cfg) { json_doc_free(&d); free(text); }
	strbuf_free(&dir);
	if (rc < 0) return -1;
	if (m->template_text && strstr(m->template_text, "<|im_start|>")) {
		m->format = CHATLEN_CHATML;
		m->default_system = template_default_system(m->template_text);
	} else if (m->template_text && strstr(m->template_text, "<|start_header_id|>")) m->format = CHATLEN_LLAMA3;
	return 0;
}

void chatlen_model_free(chatlen_model *m)
{
	free(m->template_text);
	free(m->default_system);
	free(m->bos);
	free(m->eos);
	free(m->pad);
	strbuf_free(&m->vars);
}

/* apply_chat_template's own parameters (and render's messages): a kwarg of
 * one of these names binds the parameter, it never reaches the template */
static const char *const call_params[] = { "messages", "conversation", "tools", "documents", "chat_template",
					   "add_generation_prompt", "continue_final_message", "tokenize", "padding",
					   "truncation", "max_length", "return_tensors", "return_dict",
					   "return_assistant_tokens_mask", "tokenizer_kwargs", NULL };

static int kwargs_check(const chatlen_job *j, const json_doc *kw, char *err, size_t errlen)
{
	if (json_type_of(kw, 0) != JSON_OBJECT) {
		snprintf(err, errlen, "--template-kwargs: not a JSON object");
		return -1;
	}
	JSON_FOR_MEMBERS(kw, 0, key, val, i) {
		(void)val;
		(void)i;
		for (const char *const *p = call_params; *p; p++)
			if (json_str_eq(kw, key, *p, strlen(*p))) {
				snprintf(err, errlen, "--template-kwargs: \"%s\" is a parameter of apply_chat_template, not a template variable", *p);
				return -1;
			}
		if (j->trainer == CHATLEN_NEMO_RL && json_str_eq(kw, key, "add_special_tokens", 18)) {
			snprintf(err, errlen, "--template-kwargs: \"add_special_tokens\": NeMo RL passes its own (false)");
			return -1;
		}
	}
	return 0;
}

int chatlen_job_vars(chatlen_job *j, const chatlen_model *m, char *err, size_t errlen)
{
	json_doc kw, sp;
	json_doc_init(&kw);
	json_doc_init(&sp);
	json_doc_init(&j->vars);
	j->vars_text = NULL;
	const char *kt = j->template_kwargs;
	int rc = 0;
	if (kt && json_parse(&kw, kt, strlen(kt))) {
		snprintf(err, errlen, "--template-kwargs: %s", kw.err);
		rc = -1;
	} else if (kt) rc = kwargs_check(j, &kw, err, errlen);
	if (!rc && json_parse(&sp, m->vars.p ? m->vars.p : "{}", m->vars.p ? m->vars.len : 2)) {
		snprintf(err, errlen, "special tokens: %s", sp.err);
		rc = -1;
	}
	if (rc) { json_doc_free(&kw); json_doc_free(&sp); return -1; }
	/* {"add_generation_prompt": false, **special_tokens_map, **kwargs}, no name twice */
	strbuf v = {0};
	strbuf_puts(&v, "{\"add_generation_prompt\":false");
	/* NeMo RL calls apply_chat_template(..., tokenize=False, add_special_tokens=False):
	 * the second is no parameter of it, so transformers hands it to the template */
	if (j->trainer == CHATLEN_NEMO_RL) strbuf_puts(&v, ",\"add_special_tokens\":false");
	JSON_FOR_MEMBERS(&sp, 0, key, val, i) {
		(void)i;
		if (kt && json_getn(&kw, 0, sp.src + sp.nodes[key].off, sp.nodes[key].len) != JSON_NONE) continue;
		strbuf_putc(&v, ',');
		json_write_raw(&v, &sp, key);
		strbuf_putc(&v, ':');
		json_write_raw(&v, &sp, val);
	}
	/* NeMo RL's get_tokenizer: if tokenizer.pad_token is None, pad_token = eos_token */
	if (j->trainer == CHATLEN_NEMO_RL && !m->pad && m->eos && !(kt && json_get(&kw, 0, "pad_token") != JSON_NONE)) {
		strbuf_puts(&v, ",\"pad_token\":");
		json_write_str(&v, m->eos, strlen(m->eos));
	}
	if (kt) JSON_FOR_MEMBERS(&kw, 0, key, val, i) {
		(void)i;
		strbuf_putc(&v, ',');
		json_write_raw(&v, &kw, key);
		strbuf_putc(&v, ':');
		json_write_raw(&v, &kw, val);
	}
	strbuf_putc(&v, '}');
	json_doc_free(&kw);
	json_doc_free(&sp);
	size_t n;
	j->vars_text = strbuf_detach(&v, &n);   /* the document reads its strings in place */
	rc = json_parse(&j->vars, j->vars_text, n);
	if (rc) snprintf(err, errlen, "template variables: %s", j->vars.err);
	return rc ? -1 : 0;
}

void chatlen_job_free(chatlen_job *j)
{
	json_doc_free(&j->vars);
	free(j->vars_text);
	j->vars_text = NULL;
}

/* ---------------- counting ---------------- */

chatlen_ctx *chatlen_ctx_new(const chatlen_job *j)
{
	chatlen_ctx *c = xcalloc(1, sizeof *c);
	c->j = j;
	c->s = tok_state_new(j->t);
	json_doc_init(&c->d);
	json_doc_init(&c->alt);
	return c;
}

void chatlen_ctx_free(chatlen_ctx *c)
{
	if (!c) return;
	tok_state_free(c->s);
	json_doc_free(&c->d);
	json_doc_free(&c->alt);
	strbuf_free(&c->alt_text);
	strbuf_free(&c->tmp);
	strbuf_free(&c->render);
	strbuf_free(&c->prev);
	strbuf_free(&c->piece);
	tok_ids_free(&c->ids);
	free(c);
}

static size_t count(chatlen_ctx *c, const char *p, size_t n)
{
	if (c->j->want_ids) return tok_encode(c->s, p ? p : "", n, &c->ids);
	/* no ids kept; with max, counting stops once past it (the record is
	 * too_long whatever the rest holds), so memory stays bounded */
	size_t lim = c->j->max >= 0 ? (size_t)c->j->max : SIZE_MAX;
	size_t k = tok_count_bounded(c->s, p ? p : "", n, lim);
	if (k > lim) c->partial = 1;
	return k;
}

static size_t count_str(chatlen_ctx *c, uint32_t i)
{
	if (!(c->d.nodes[i].flags & JSON_F_ESCAPED)) {   /* no escapes: the raw bytes are the text */
		size_t n;
		const char *p = json_str_raw(&c->d, i, &n);
		return count(c, p, n);
	}
	strbuf_reset(&c->tmp);
	json_str_append(&c->d, i, &c->tmp);
	return count(c, c->tmp.p, c->tmp.len);
}

/* Python's str.strip() whitespace, as the llama3 template's | trim applies it (ASCII part) */
static void trim(const char **p, size_t *n)
{
	while (*n && strchr(" \t\n\r\f\v", **p)) (*p)++, (*n)--;
	while (*n && strchr(" \t\n\r\f\v", (*p)[*n - 1])) (*n)--;
}

static int fail(chatlen_item *it, const char *reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(chatlen_item *it, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof it->detail, fmt, ap);
	va_end(ap);
	it->reason = reason;
	return -1;
}

/* A fixed wrapping (chatml, llama3) or the contents alone, summed per message. */
static int count_wrapped(chatlen_ctx *c, chatlen_item *it, uint32_t ms, int fmt, size_t *total)
{
	const chatlen_job *j = c->j;
	json_doc *d = &c->d;
	strbuf *render = &c->render;
	if (fmt == CHATLEN_LLAMA3) *total += count(c, "<|begin_of_text|>", 17);
	if (fmt != CHATLEN_PLAIN && j->default_system) {
		uint32_t m0 = d->nodes[ms].count ? ms + 1 : JSON_NONE;
		uint32_t r0 = json_type_of(d, m0) == JSON_OBJECT ? json_get(d, m0, "role") : JSON_NONE;
		if (!(json_type_of(d, r0) == JSON_STRING && json_str_eq(d, r0, "system", 6))) {
			strbuf_reset(render);
			if (fmt == CHATLEN_CHATML) strbuf_printf(render, "<|im_start|>system\n%s<|im_end|>\n", j->default_system);
			else strbuf_printf(render, "<|start_header_id|>system<|end_header_id|>\n\n%s<|eot_id|>", j->default_system);
			*total += count(c, render->p, render->len);
		}
	}
	JSON_FOR_ELEMS(d, ms, m, k) {
		uint32_t ct = json_type_of(d, m) == JSON_OBJECT ? json_get(d, m, "content") : JSON_NONE;
		uint32_t role = json_type_of(d, m) == JSON_OBJECT ? json_get(d, m, "role") : JSON_NONE;
		if (json_type_of(d, ct) != JSON_STRING || json_type_of(d, role) != JSON_STRING)
			return fail(it, "bad_message", "message %u lacks a string role or content", k);
		if (fmt == CHATLEN_PLAIN) { *total += count_str(c, ct); continue; }
		strbuf_reset(render);
		strbuf_reset(&c->tmp);
		json_str_append(d, ct, &c->tmp);
		const char *cp = c->tmp.p ? c->tmp.p : "";
		size_t cn = c->tmp.len;
		if (fmt == CHATLEN_CHATML) {
			strbuf_puts(render, "<|im_start|>");
			json_str_append(d, role, render);
			strbuf_putc(render, '\n');
			strbuf_put(render, cp, cn);
			strbuf_puts(render, "<|im_end|>\n");
		} else {
			trim(&cp, &cn);
			strbuf_puts(render, "<|start_header_id|>");
			json_str_append(d, role, render);
			strbuf_puts(render, "<|end_header_id|>\n\n");
			strbuf_put(render, cp, cn);
			strbuf_puts(render, "<|eot_id|>");
		}
		*total += count(c, render->p, render->len);
	}
	return 0;
}

static int template_failed(chatlen_item *it, int rc, const char *err)
{
	/* outside the dialect: a count without it would be wrong, so the run stops */
	it->fatal = rc == -2;
	return fail(it, "template_error", "%s", err);
}

/* The record's "tools" as apply_chat_template takes them: None (absent or
 * null) or an iterable whose items are all dicts ("for tool in tools: if
 * isinstance(tool, dict) ... else raise ValueError"), copied into a new list.
 * So a list of objects passes; a string or an object iterates its characters
 * or keys and raises, unless empty, which gives [] (rendered from c->alt); a
 * number or a boolean is not iterable (TypeError). *dp: the document to render. */
static int tools_check(chatlen_ctx *c, chatlen_item *it, json_doc **dp)
{
	static const char bad[] = "tools: Tools should either be a JSON schema, or a callable function with type hints and a docstring suitable for auto-conversion";
	json_doc *d = &c->d;
	uint32_t t = json_get(d, 0, "tools");
	*dp = d;
	switch (json_type_of(d, t)) {
	case 0: case JSON_NULL: return 0;
	case JSON_ARRAY:
		JSON_FOR_ELEMS(d, t, e, k) {
			(void)k;
			if (json_type_of(d, e) != JSON_OBJECT) return fail(it, "template_error", "%s", bad);
		}
		return 0;
	case JSON_STRING: case JSON_OBJECT:
		if (d->nodes[t].len && json_type_of(d, t) == JSON_STRING) return fail(it, "template_error", "%s", bad);
		if (d->nodes[t].count) return fail(it, "template_error", "%s", bad);
		break;
	case JSON_NUMBER:
	{
		size_t n;
		const char *p = json_str_raw(d, t, &n);
		int fl = memchr(p, '.', n) || memchr(p, 'e', n) || memchr(p, 'E', n);
		return fail(it, "template_error", "tools: '%s' object is not iterable", fl ? "float" : "int");
	}
	default: return fail(it, "template_error", "tools: 'bool' object is not iterable");
	}
	/* empty: the template gets an empty list */
	strbuf *b = &c->alt_text;
	strbuf_reset(b);
	strbuf_putc(b, '{');
	JSON_FOR_MEMBERS(d, 0, key, val, k) {
		if (k) strbuf_putc(b, ',');
		json_write_raw(b, d, key);
		strbuf_putc(b, ':');
		if (json_str_eq(d, key, "tools", 5)) strbuf_puts(b, "[]");
		else json_write_raw(b, d, val);
	}
	strbuf_putc(b, '}');
	if (json_parse(&c->alt, b->p, b->len)) return fail(it, "template_error", "tools: %s", c->alt.err);
	*dp = &c->alt;
	return 0;
}

/* The model's template, rendered once over the record (messages, tools, ...). */
static int count_template(chatlen_ctx *c, chatlen_item *it, json_doc *d, size_t *total)
{
	char err[380];
	jinja_doc_vars v = { .doc = d, .root = 0, .n_messages = SIZE_MAX, .add_generation_prompt = -1, .extra = &c->j->vars };
	strbuf_reset(&c->render);
	int rc = jinja_render_vars(c->j->tmpl, &v, &c->render, err, sizeof err);
	if (rc) return template_failed(it, rc, err);
	*total = count(c, c->render.p, c->render.len);
	return 0;
}

/* Where two renders part: Python's get_first_index_that_differs works on
 * code points, so a difference inside a UTF-8 sequence cuts at its start. */
static size_t first_diff(const strbuf *a, const strbuf *b)
{
	size_t n = a->len < b->len ? a->len : b->len, k = 0;
	while (k < n && a->p[k] == b->p[k]) k++;
	if (k == n) return k;
	while (k && ((unsigned char)b->p[k] & 0xC0) == 0x80) k--;
	return k;
}

/* str.startswith(a) (end 0) or str.endswith(a) (end 1) */
static int affix(const char *p, size_t n, const char *a, int end)
{
	size_t al = strlen(a);
	if (!al) return 1;
	return n >= al && !memcmp(end ? p + n - al : p, a, al);
}

/* NeMo RL's get_formatted_message_log: a render per prefix, the new text of each,
 * BOS in front of the first, EOS after the last, each piece tokenized alone. */
static int count_nemo_rl(chatlen_ctx *c, chatlen_item *it, json_doc *d, size_t *total)
{
	const chatlen_job *j = c->j;
	uint32_t ms = json_get(d, 0, "messages");
	size_t m = d->nodes[ms].count;
	strbuf *prev = &c->prev, *cur = &c->render, *piece = &c->piece;
	strbuf_reset(prev);
	strbuf_reset(&c->tmp);   /* --render: the pieces, joined */
	char err[360];
	uint32_t e = ms + 1;
	for (size_t i = 0; i < m; i++, e = d->nodes[e].next) {
		uint32_t role = json_type_of(d, e) == JSON_OBJECT ? json_get(d, e, "role") : JSON_NONE;
		if (json_type_of(d, role) != JSON_STRING) return fail(it, "bad_message", "message %zu has no string role", i);
		int agp = j->add_generation_prompt && (json_str_eq(d, role, "user", 4) || json_str_eq(d, role, "tool", 4));
		jinja_doc_vars v = { .doc = d, .root = 0, .chat_only = 1, .n_messages = i + 1, .add_generation_prompt = agp, .extra = &j->vars };
		/* past max already (a piece's count stopped there): the record is
		 * too_long whatever the rest holds, but each prefix must still
		 * render (a raise is a template_error), so it renders with no
		 * previous render kept to cut against */
		int past = c->partial && !j->want_render;
		if (past) strbuf_free(prev);
		strbuf_reset(cur);
		int rc = jinja_render_vars(j->tmpl, &v, cur, err, sizeof err);
		if (rc) {
			char e2[sizeof err + 40];
			snprintf(e2, sizeof e2, "messages[:%zu]: %s", i + 1, err);
			return template_failed(it, rc, e2);
		}
		if (past) continue;
		size_t k = first_diff(prev, cur);
		const char *p = cur->p ? cur->p + k : "";
		size_t pn = cur->len - k;
		/* BOS or EOS joins the piece, tokenized with it as NeMo RL does;
		 * without them the piece is counted in place, no copy */
		if (i == 0 && j->add_bos && j->bos && !affix(p, pn, j->bos, 0)) {
			strbuf_reset(piece);
			strbuf_puts(piece, j->bos);
			strbuf_put(piece, p, pn);
			p = piece->p;
			pn = piece->len;
		}
		if (i == m - 1 && j->add_eos && j->eos) {
			size_t n = pn;
			while (n && p[n - 1] == '\n') n--;   /* rstrip("\n") */
			if (!affix(p, n, j->eos, 1)) {
				if (p != piece->p) { strbuf_reset(piece); strbuf_put(piece, p, pn); }
				strbuf_puts(piece, j->eos);
				p = piece->p;
				pn = piece->len;
			}
		}
		*total += count(c, p, pn);
		if (j->want_render) strbuf_put(&c->tmp, p ? p : "", pn);
		if (piece->cap > (1u << 20)) strbuf_free(piece);   /* a huge first or last piece's copy */
		strbuf t = *prev;
		*prev = *cur;
		*cur = t;
	}
	return 0;
}

static void annotate(chatlen_ctx *c, chatlen_item *it, const strbuf *rendered)
{
	const chatlen_job *j = c->j;
	json_doc *d = &c->d;
	strbuf_reset(&it->out);
	strbuf fields = {0};
	strbuf_printf(&fields, "\"n_tokens\":%lld", it->n);
	if (rendered) {
		strbuf_puts(&fields, ",\"rendered\":");
		json_write_str(&fields, rendered->p ? rendered->p : "", rendered->len);
	}
	if (j->want_ids) {
		strbuf_puts(&fields, ",\"token_ids\":[");
		for (size_t i = 0; i < c->ids.n; i++) strbuf_printf(&fields, "%s%d", i ? "," : "", c->ids.v[i]);
		strbuf_putc(&fields, ']');
	}
	/* the record, without an earlier n_tokens, plus the new one */
	if (json_get(d, 0, "n_tokens") == JSON_NONE && json_get(d, 0, "token_ids") == JSON_NONE && json_get(d, 0, "rendered") == JSON_NONE) {
		json_append_members(&it->out, it->line, it->len, fields.p, fields.len);
	} else {
		strbuf_putc(&it->out, '{');
		int first = 1;
		JSON_FOR_MEMBERS(d, 0, key, val, k) {
			(void)k;
			if (json_str_eq(d, key, "n_tokens", 8) || json_str_eq(d, key, "token_ids", 9) || json_str_eq(d, key, "rendered", 8)) continue;
			if (!first) strbuf_putc(&it->out, ',');
			first = 0;
			json_write_raw(&it->out, d, key);
			strbuf_putc(&it->out, ':');
			json_write_raw(&it->out, d, val);
		}
		if (!first) strbuf_putc(&it->out, ',');
		strbuf_put(&it->out, fields.p, fields.len);
		strbuf_putc(&it->out, '}');
	}
	strbuf_free(&fields);
}

void chatlen_record(chatlen_ctx *c, chatlen_item *it)
{
	const chatlen_job *j = c->j;
	json_doc *d = &c->d;
	it->reason = NULL;
	it->fatal = 0;
	it->n = -1;
	c->ids.n = 0;
	c->partial = 0;
	/* parsed here, in the worker, and judged in input order by the caller */
	if (json_parse_object(d, it->line, it->len, it->detail, sizeof it->detail)) {
		it->reason = chatlen_bad_json;
		return;
	}
	size_t total = 0;
	const strbuf *rendered = NULL;
	int fmt = j->no_template ? CHATLEN_PLAIN : j->format;
	if (j->text_field) {
		uint32_t f = json_get(d, 0, j->text_field);
		if (json_type_of(d, f) != JSON_STRING) {
			fail(it, "missing_field", "no string field \"%.60s\"", j->text_field);
			return;
		}
		total = count_str(c, f);
	} else {
		uint32_t ms = json_get(d, 0, "messages");
		if (json_type_of(d, ms) != JSON_ARRAY) {
			fail(it, "no_messages", "no \"messages\" list");
			return;
		}
		int rc;
		json_doc *rd = d;
		if (fmt == CHATLEN_TEMPLATE && tools_check(c, it, &rd)) return;
		if (fmt == CHATLEN_TEMPLATE && j->trainer == CHATLEN_NEMO_RL) {
			rc = count_nemo_rl(c, it, rd, &total);
			rendered = j->want_render ? &c->tmp : NULL;
		} else if (fmt == CHATLEN_TEMPLATE) {
			rc = count_template(c, it, rd, &total);
			rendered = j->want_render ? &c->render : NULL;
		} else rc = count_wrapped(c, it, ms, fmt, &total);
		if (rc) return;
	}
	if (tok_state_error(c->s, it->detail, sizeof it->detail)) {
		it->reason = "tokenizer_error";
		it->fatal = 1;   /* a wrong split is a wrong count: the run stops */
		return;
	}
	it->n = (long long)total;
	const char *least = c->partial ? "at least " : "";
	if (j->max >= 0 && j->trainer == CHATLEN_NEMO_RL && it->n >= j->max) {
		fail(it, "too_long", "%s%lld tokens >= %lld (NeMo RL's max_seq_length rule)", least, it->n, j->max);
		return;
	}
	if (j->max >= 0 && it->n > j->max) {
		fail(it, "too_long", "%s%lld tokens > %lld", least, it->n, j->max);
		return;
	}
	annotate(c, it, rendered);
}

/* ---------------- streams ---------------- */

void chatlen_item_set(chatlen_item *it, const char *line, size_t len)
{
	if (it->borrow) {   /* chatlen_run on one thread: counted before the next read */
		it->line = (char *)line;
		it->len = len;
		return;
	}
	if (len + 1 > it->cap) {
		free(it->line);
		it->cap = len + 1 > 2 * it->cap ? len + 1 : 2 * it->cap;
		it->line = xmalloc(it->cap);
	}
	memcpy(it->line, line, len);
	it->line[len] = 0;
	it->len = len;
}

void chatlen_item_free(chatlen_item *it)
{
	if (!it->borrow) free(it->line);
	it->line = NULL;
	it->len = it->cap = 0;
	strbuf_free(&it->out);
}

enum { RUN_CHUNK = 2, RUN_SLOTS = 16, RUN_BYTES = 128 << 10, RUN_KEEP = 64 << 10 };

typedef struct run {
	chatlen_ctx **ctx;
	chatlen_item *items;
} run;

static void run_slot(void *p, int w, size_t slot)
{
	run *r = p;
	chatlen_record(r->ctx[w], &r->items[slot]);
}

/* One thread, one record at a time. */
static int run_inline(const chatlen_job *j, chatlen_read_fn read, chatlen_write_fn write, void *ctx)
{
	chatlen_ctx *c = chatlen_ctx_new(j);
	chatlen_item it = { .borrow = 1 };
	int rc = 0;
	while (!rc && read(ctx, &it)) {
		chatlen_record(c, &it);
		rc = write(ctx, &it) ? 1 : 0;
	}
	strbuf_free(&it.out);
	chatlen_ctx_free(c);
	return rc;
}

/* The oldest record counted, to write; its big buffers let go. */
static int run_write(workq_pipe *p, chatlen_item *it, chatlen_write_fn write, void *ctx, size_t *bytes)
{
	int rc = write(ctx, it) ? 1 : 0;
	*bytes -= it->len;
	if (it->cap > RUN_KEEP) { free(it->line); it->line = NULL; it->cap = 0; }
	if (it->out.cap > RUN_KEEP) strbuf_free(&it->out);
	workq_pipe_release(p);
	return rc;
}

int chatlen_run(const chatlen_job *j, int nworkers, chatlen_read_fn read, chatlen_write_fn write, void *ctx, workq_stats *st)
{
	if (st) memset(st, 0, sizeof *st);
	if (nworkers > WORKQ_MAX_THREADS) nworkers = WORKQ_MAX_THREADS;
	if (nworkers <= 1) return run_inline(j, read, write, ctx);
	size_t nslots = (size_t)RUN_SLOTS * (size_t)nworkers, bytes = 0;
	size_t max_bytes = (size_t)RUN_BYTES * (size_t)nworkers, min_inflight = 2 * (size_t)nworkers;
	run r = { xcalloc((size_t)nworkers, sizeof *r.ctx), xcalloc(nslots, sizeof *r.items) };
	for (int w = 0; w < nworkers; w++) r.ctx[w] = chatlen_ctx_new(j);
	/* nworkers - 1 threads; this thread counts as the last worker between reads */
	int self = nworkers - 1;
	workq_pipe *p = workq_pipe_new(nslots, RUN_CHUNK, nworkers - 1, run_slot, &r);
	int rc = 0, eof = 0;
	if (!p) rc = run_inline(j, read, write, ctx), eof = 1;   /* no thread: count here */
	while (p && !rc) {
		long s;
		/* read ahead while there is room, writing what is counted on the way */
		while (!eof && !rc && (s = workq_pipe_reserve(p)) >= 0 &&
		       (workq_pipe_inflight(p) < min_inflight || bytes < max_bytes)) {
			if (!read(ctx, &r.items[s])) { eof = 1; break; }
			bytes += r.items[s].len;
			workq_pipe_submit(p);
			while (!rc && (s = workq_pipe_result(p, 0)) >= 0) rc = run_write(p, &r.items[s], write, ctx, &bytes);
		}
		if (rc) break;
		/* the ring is full, or the input ended: count a chunk here, or
		 * when every chunk is taken wait for the oldest */
		if ((s = workq_pipe_result(p, 0)) < 0 && !workq_pipe_help(p, self) && (s = workq_pipe_result(p, 1)) < 0)
			break;   /* none in flight: done */
		if (s >= 0) rc = run_write(p, &r.items[s], write, ctx, &bytes);
	}
	workq_pipe_free(p, st);
	for (size_t i = 0; i < nslots; i++) chatlen_item_free(&r.items[i]);
	for (int w = 0; w < nworkers; w++) chatlen_ctx_free(r.ctx[w]);
	free(r.items);
	free(r.ctx);
	return rc;
}

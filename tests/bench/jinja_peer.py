#!/usr/bin/env python3
"""jinja_peer.py TEMPLATE VARS_JSON <records.jsonl — the peer of jinja_render:
Python jinja2 set up as transformers' apply_chat_template sets it up, rendering
every record (its fields as the variables, plus VARS_JSON). Prints the same
summary line."""
import json, sys
import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
tpl = env.from_string(open(sys.argv[1], encoding="utf-8").read())
extra = json.loads(sys.argv[2])
records = nbytes = errors = 0
for line in sys.stdin:
    v = dict(extra)
    v.update(json.loads(line))
    try:
        nbytes += len(tpl.render(**v).encode("utf-8"))
    except jinja2.exceptions.TemplateError:
        errors += 1
    records += 1
print("%d records, %d rendered bytes, %d errors" % (records, nbytes, errors))

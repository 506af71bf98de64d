"""gen_rand.py -- random chat-template-like programs for the differential
tester (run.py): expressions over the variables VARS (strings, numbers past
64 bits, lists, dicts, a conversation with tool calls), every builtin filter
and test with plausible arguments, and statements (if, for with targets,
filters and else, set in all its forms, macros, call and filter blocks,
cycler and joiner), nested to a small depth. Seeded by the caller through
random.seed: one seed, one list of templates."""
import random, json
R = random

VARS = {
 's': 'Hello World', 'u': 'éCOLE ßtraße ǅungla ﬁx İstanbul ΣΑΣ', 'e': '', 'sp': '  a b  \n c\t',
 'html': '<b class="x">bold</b> &amp; &lt;tag&gt; &nbsp;x &copy', 'n': 42, 'neg': -7, 'zero': 0,
 'big': 12345678901234567890123, 'f': 3.14159, 'f2': 2.5, 'nf': -0.0, 'tiny': 1e-7, 'huge': 1e308,
 'f16': 1e16, 'nanstr': 'nan', 'infstr': 'inf', 'b': True, 'nb': False, 'none': None,
 'l': [3, 1, 2], 'ls': ['b', 'A', 'a', 'C', 'B'], 'lm': [1, 'a', 2.5, None, True], 'empty': [],
 'd': {'b': 2, 'a': 1, 'C': 3}, 'dd': {}, 'nested': {'x': {'y': [1, {'z': 'deep'}]}, 'k': 'v'},
 'users': [{'name': 'bob', 'age': 30, 'g': 'm'}, {'name': 'Alice', 'age': 25, 'g': 'f'},
           {'name': 'carol', 'age': 30, 'g': 'f'}, {'name': 'dave', 'g': 'M', 'age': None}],
 'messages': [{'role': 'system', 'content': 'You are helpful.'},
              {'role': 'user', 'content': 'Hi there! 😀'},
              {'role': 'assistant', 'content': 'Hello.', 'tool_calls': [{'type': 'function', 'function': {'name': 'get_w', 'arguments': {'city': 'Paris', 'n': 2}}}]},
              {'role': 'tool', 'content': '{"t": 20}'},
              {'role': 'user', 'content': 'Bye\nnow  '}],
 'tools': [{'type': 'function', 'function': {'name': 'get_w', 'description': 'Weather', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}, 'required': ['city']}}}],
 'words': 'the quick brown-fox jumps over the lazy dog, again and again and-again',
 'nums': [1.5, 2, -3, 0.1, 0.2], 'ints': [5, 3, 9, 1, 3], 'fstr': '3.7', 'istr': ' 42 ', 'hexs': '0x1A',
 'bstr': '1_000', 'estr': '1e3', 'strs': ['x', 'Y', 'x', 'X', 'y'],
 'mixed': {'1': 'one', 'a': [1, 2], 'b': {'c': None}}, 'bos_token': '<s>', 'eos_token': '</s>',
 'add_generation_prompt': True,
}
VJSON = json.dumps(VARS, ensure_ascii=False)

STRVARS = ['s', 'u', 'e', 'sp', 'html', 'words', 'fstr', 'istr', 'hexs', 'nanstr', 'infstr', 'bstr', 'estr', 'bos_token']
NUMVARS = ['n', 'neg', 'zero', 'big', 'f', 'f2', 'nf', 'tiny', 'huge', 'f16', 'b', 'nb']
LISTVARS = ['l', 'ls', 'lm', 'empty', 'users', 'messages', 'nums', 'ints', 'strs', 'tools']
DICTVARS = ['d', 'dd', 'nested', 'mixed', 'messages[1]', 'users[0]', 'messages[2].tool_calls[0].function']
ALLVARS = STRVARS + NUMVARS + LISTVARS + DICTVARS + ['none', 'undef', 'undef.x']

INTS = ['0', '1', '-1', '2', '3', '7', '10', '255', '-13', '2147483648', '9223372036854775808',
        '-18446744073709551617', '100000000000000000000', '1_000', '12345678901234567890', '4', '5', '-2']
FLOATS = ['0.0', '-0.0', '1.5', '2.675', '0.1', '1e308', '1e-7', '1e16', '1e15', '123456789.125', '-2.5',
          '0.5', '3.0', '1.0e22', '5e-324', '1.7976931348623157e308', '0.30000000000000004', '1e-5', '0.0001',
          '2.5', '3.5', '-0.5', '1234.5678', '1e100', '9.999999999999999e22', '1_0.5']
STRS = ["'abc'", '"a\\nb"', "'tab\\t'", "'\\u00e9t\\u00e9'", "'\\x41'", "'é'", "'😀'", '"it\'s"', "'a\"b'",
        "''", "' '", "'Hello World'", "'a,b,,c'", "'%s-%d'", "'{} {}'", "'{0:>5}'", "'<a href=\"x\">&amp;</a>'",
        "'ǅungla'", "'ß'", "'İ'", "'ﬁ'", "'A-b c_d'", "'x y  z'", "'\\\\'", "'line1\\nline2\\r\\nline3'",
        "'%5.2f'", "'%r %s'", "'{:,}'", "'{!r}'", "'{name}'", "'  pad  '", "'aaa'", "'a'", "'b'", "'10'", "'-3.5'",
        "'user'", "'assistant'", "'Élan'", "'ǈ'", "'ΣΑΣ'", "'hello-world foo'", "'\\''", "'\\U0001F600'",
        "'a\\x00b'", "'%%'", "'%(a)s'", "'{0}{1}{0}'", "'{:08.3f}'", "'{:^9}'", "'{:x}'", "'{:e}'", "'{:g}'", "'{:%}'"]

def lit():
    c = R.random()
    if c < 0.3: return R.choice(INTS)
    if c < 0.5: return R.choice(FLOATS)
    if c < 0.85: return R.choice(STRS)
    return R.choice(['true', 'false', 'none', 'True', 'False', 'None'])

def var():
    return R.choice(ALLVARS)

def strexpr(d):
    if R.random() < 0.5 or d <= 0: return R.choice(STRVARS + STRS)
    return expr(d - 1)

def numexpr(d):
    if R.random() < 0.6 or d <= 0: return R.choice(NUMVARS + INTS + FLOATS)
    return expr(d - 1)

def listexpr(d):
    c = R.random()
    if c < 0.5 or d <= 0: return R.choice(LISTVARS)
    if c < 0.8: return '[' + ', '.join(expr(d - 1) for _ in range(R.randint(0, 4))) + ']'
    return expr(d - 1)

ATTRS = ['name', 'age', 'g', 'role', 'content', 'a', 'b', 'x', 'real', 'imag', 'tool_calls', 'function', 'missing']

def small_int():
    return R.choice(['0', '1', '2', '3', '-1', '-2', '5', '10', '100', '-5', 'none'])

def kw(name, val):
    return name + '=' + val

FILTERS = {
 'abs': lambda d: [],
 'attr': lambda d: [repr(R.choice(ATTRS))],
 'batch': lambda d: [R.choice(['1', '2', '3'])] + R.choice([[], [strexpr(d)]]),
 'capitalize': lambda d: [],
 'center': lambda d: R.choice([[], [small_int()], ['11']]),
 'count': lambda d: [],
 'default': lambda d: R.choice([[], [expr(d)], [expr(d), R.choice(['true', 'false'])], [kw('boolean', 'true')]]),
 'd': lambda d: R.choice([[], [expr(d)]]),
 'dictsort': lambda d: R.choice([[], ['true'], ['false', "'value'"], [kw('by', "'value'")], [kw('reverse', 'true')], [kw('case_sensitive', 'true'), kw('by', "'key'")]]),
 'escape': lambda d: [], 'e': lambda d: [],
 'filesizeformat': lambda d: R.choice([[], ['true'], [kw('binary', 'true')]]),
 'first': lambda d: [], 'last': lambda d: [],
 'float': lambda d: R.choice([[], [numexpr(d)], [kw('default', numexpr(d))]]),
 'int': lambda d: R.choice([[], [numexpr(d)], [small_int(), R.choice(['2', '8', '16', '0'])], [kw('base', '16')]]),
 'format': lambda d: [expr(d) for _ in range(R.randint(0, 3))],
 'groupby': lambda d: R.choice([[repr(R.choice(ATTRS))], ["'age'", kw('default', '0')], [kw('attribute', "'g'"), kw('case_sensitive', 'true')], ["'0'"]]),
 'indent': lambda d: R.choice([[], [small_int()], ["'> '"], ['2', 'true'], ['2', 'true', 'true'], [kw('first', 'true')], [kw('blank', 'true')], [kw('width', "'--'")]]),
 'items': lambda d: [],
 'join': lambda d: R.choice([[], ["', '"], ["''"], [strexpr(d)], ["', '", "'name'"], [kw('attribute', "'role'")]]),
 'length': lambda d: [],
 'list': lambda d: [],
 'lower': lambda d: [], 'upper': lambda d: [], 'title': lambda d: [], 'trim': lambda d: R.choice([[], ["'a'"], ["' H'"]]),
 'map': lambda d: R.choice([["'upper'"], ["'string'"], [kw('attribute', repr(R.choice(ATTRS)))], ["'int'"], ["'default'", "'x'"], [kw('attribute', "'age'"), kw('default', '0')], ["'round'", '1'], ["'length'"], ["'abs'"], ["'trim'"]]),
 'max': lambda d: R.choice([[], [kw('attribute', "'age'")], [kw('case_sensitive', 'true')]]),
 'min': lambda d: R.choice([[], [kw('attribute', "'age'")], [kw('case_sensitive', 'true')]]),
 'reject': lambda d: R.choice([[], ["'odd'"], ["'none'"], ["'string'"], ["'equalto'", expr(d)], ["'in'", listexpr(d)], ["'gt'", numexpr(d)], ["'defined'"], ["'lower'"]]),
 'select': lambda d: R.choice([[], ["'odd'"], ["'none'"], ["'string'"], ["'equalto'", expr(d)], ["'in'", listexpr(d)], ["'lt'", numexpr(d)], ["'number'"], ["'divisibleby'", '3'], ["'sameas'", 'true']]),
 'rejectattr': lambda d: R.choice([[repr(R.choice(ATTRS))], ["'age'", "'gt'", '26'], ["'role'", "'equalto'", "'user'"], ["'name'", "'defined'"], ["'tool_calls'"], ["'age'", "'none'"]]),
 'selectattr': lambda d: R.choice([[repr(R.choice(ATTRS))], ["'age'", "'gt'", '26'], ["'role'", "'equalto'", "'user'"], ["'name'", "'defined'"], ["'tool_calls'"], ["'age'", "'ne'", '30'], ["'role'", "'in'", "['user', 'system']"]]),
 'replace': lambda d: R.choice([[strexpr(d), strexpr(d)], ["'a'", "'X'", small_int()], ["''", "'-'"], ["'o'", "'0'", '1'], ["'\\n'", "' '"]]),
 'reverse': lambda d: [],
 'round': lambda d: R.choice([[], [small_int()], ['1', "'floor'"], ['0', "'ceil'"], [kw('method', "'common'"), kw('precision', '2')], ['2', "'bogus'"]]),
 'safe': lambda d: [], 'string': lambda d: [],
 'slice': lambda d: R.choice([['2'], ['3'], ['3', "'x'"], ['4', '0'], ['1']]),
 'sort': lambda d: R.choice([[], ['true'], [kw('attribute', "'age'")], [kw('attribute', "'name'")], [kw('case_sensitive', 'true')], ['false', 'true'], [kw('attribute', "'age,name'")], [kw('attribute', "'role'"), kw('reverse', 'true')]]),
 'striptags': lambda d: [],
 'sum': lambda d: R.choice([[], [kw('start', numexpr(d))], [kw('attribute', "'age'")], ["'age'", '10']]),
 'tojson': lambda d: R.choice([[], ['2'], [kw('indent', '2')], [kw('sort_keys', 'true')], [kw('ensure_ascii', 'true')], [kw('separators', "(',', ':')")], [kw('indent', "'\\t'")], [kw('indent', '0')]]),
 'truncate': lambda d: R.choice([[], [small_int()], ['5'], ['10', 'true'], ['8', 'false', "'..'"], ['5', 'false', "''", '0'], ['10', kw('leeway', '2')], [kw('length', '20'), kw('end', "'~'")]]),
 'unique': lambda d: R.choice([[], [kw('case_sensitive', 'true')], [kw('attribute', "'g'")], [kw('attribute', "'age'")]]),
 'urlencode': lambda d: [],
 'wordcount': lambda d: [],
 'wordwrap': lambda d: R.choice([[], ['10'], ['5', 'false'], ['7', 'true', "'|'"], ['12', kw('break_on_hyphens', 'false')], ['3'], ['20', 'true', "'\\n'", 'false']]),
 'xmlattr': lambda d: R.choice([[], ['false']]),
 'forceescape': lambda d: [],
}
FILTER_TARGET = {
 'attr': 'dict', 'batch': 'list', 'dictsort': 'dict', 'groupby': 'list', 'items': 'dict', 'join': 'list',
 'map': 'list', 'max': 'list', 'min': 'list', 'reject': 'list', 'select': 'list', 'rejectattr': 'list',
 'selectattr': 'list', 'slice': 'list', 'sort': 'list', 'sum': 'list', 'unique': 'list', 'xmlattr': 'dict',
 'abs': 'num', 'round': 'num', 'filesizeformat': 'num', 'float': 'any', 'int': 'any',
}

TESTS = {
 'boolean': [], 'callable': [], 'defined': [], 'undefined': [], 'divisibleby': ['3', '2.5', '0'], 'eq': ['x'], 'equalto': ['x'],
 'even': [], 'odd': [], 'false': [], 'true': [], 'float': [], 'integer': [], 'number': [], 'string': [],
 'iterable': [], 'mapping': [], 'sequence': [], 'none': [], 'lower': [], 'upper': [], 'in': ['x'],
 'ge': ['x'], 'gt': ['x'], 'le': ['x'], 'lt': ['x'], 'ne': ['x'], 'greaterthan': ['x'], 'lessthan': ['x'],
 'sameas': ['x'], 'filter': ["'upper'", "'nosuch'"], 'test': ["'odd'", "'nosuch'"], '==': ['x'], '!=': ['x'], '<': ['x'], '>=': ['x'],
}

STRMETHODS = {
 'capitalize': lambda d: [], 'casefold': lambda d: [], 'center': lambda d: R.choice([['9'], ['9', "'*'"], ['2']]),
 'count': lambda d: R.choice([["'a'"], ["''"], ["'a'", '1'], ["'a'", '-5', '-1']]), 'endswith': lambda d: R.choice([["'d'"], ["('a', 'd')"], ["'o'", '0', '5']]),
 'expandtabs': lambda d: R.choice([[], ['4']]), 'find': lambda d: R.choice([["'o'"], ["'o'", '5'], ["''"], ["'zz'"], ["'o'", '-3']]),
 'format': lambda d: [expr(d) for _ in range(R.randint(0, 3))] + R.choice([[], [kw('name', expr(d))]]),
 'index': lambda d: R.choice([["'o'"], ["'zz'"]]), 'isalnum': lambda d: [], 'isalpha': lambda d: [], 'isascii': lambda d: [],
 'isdecimal': lambda d: [], 'isdigit': lambda d: [], 'isidentifier': lambda d: [], 'islower': lambda d: [],
 'isnumeric': lambda d: [], 'isprintable': lambda d: [], 'isspace': lambda d: [], 'istitle': lambda d: [], 'isupper': lambda d: [],
 'join': lambda d: [listexpr(d)], 'ljust': lambda d: R.choice([['12'], ['12', "'.'"]]), 'rjust': lambda d: R.choice([['12'], ['12', "'.'"]]),
 'lower': lambda d: [], 'upper': lambda d: [], 'lstrip': lambda d: R.choice([[], ["'H '"], ['none']]), 'rstrip': lambda d: R.choice([[], ["'d\\n '"]]),
 'strip': lambda d: R.choice([[], ["' \\t\\n'"], ["'Hd'"], ['none']]),
 'partition': lambda d: R.choice([["' '"], ["'zz'"], ["'o'"]]), 'rpartition': lambda d: R.choice([["' '"], ["'zz'"]]),
 'removeprefix': lambda d: [R.choice(["'He'", "'x'", "''"])], 'removesuffix': lambda d: [R.choice(["'ld'", "'x'"])],
 'replace': lambda d: R.choice([["'o'", "'0'"], ["'o'", "'0'", '1'], ["''", "'_'"], ["'l'", "''", '-1']]),
 'rfind': lambda d: [R.choice(["'o'", "'l'", "''"])], 'rindex': lambda d: [R.choice(["'o'", "'zz'"])],
 'split': lambda d: R.choice([[], ["' '"], ["','"], ['none', '1'], ["' '", '1'], [kw('maxsplit', '1')], [kw('sep', "'o'")], ["''"]]),
 'rsplit': lambda d: R.choice([[], ["' '", '1'], ['none', '1'], [kw('maxsplit', '2')]]),
 'splitlines': lambda d: R.choice([[], ['true'], [kw('keepends', 'true')]]),
 'startswith': lambda d: R.choice([["'H'"], ["('x', 'H')"], ["'W'", '6'], ["''"]]), 'swapcase': lambda d: [], 'title': lambda d: [],
 'zfill': lambda d: R.choice([['8'], ['2']]), 'format_map': lambda d: ["{'name': 1}"],
}
DICTMETHODS = {'items': [], 'keys': [], 'values': [], 'get': ["'a'", "'zz'", "'zz', 5", "'k', none"], 'copy': []}
LISTMETHODS = {'index': ['1', "'a'", '99'], 'count': ['1', "'x'", '3']}

BINOPS = ['+', '-', '*', '/', '//', '%', '**', '~']
CMPOPS = ['==', '!=', '<', '<=', '>', '>=']

def call_args(args):
    return '(' + ', '.join(args) + ')'

def expr(d=3):
    if d <= 0:
        return lit() if R.random() < 0.5 else var()
    c = R.random()
    if c < 0.12: return lit()
    if c < 0.24: return var()
    if c < 0.30:
        k = R.random()
        if k < 0.4: return '[' + ', '.join(expr(d - 1) for _ in range(R.randint(0, 4))) + ']'
        if k < 0.7:
            n = R.randint(0, 3)
            items = [expr(d - 1) for _ in range(n)]
            return '(' + ', '.join(items) + (',' if n == 1 else '') + ')'
        keys = [R.choice(["'a'", "'b'", '1', '2', 'true', 'none', '1.5', "(1, 2)", "'k'", '0', 'false', '1.0']) for _ in range(R.randint(0, 3))]
        return '{' + ', '.join(k + ': ' + expr(d - 1) for k in keys) + '}'
    if c < 0.42:
        op = R.choice(BINOPS)
        rhs = R.choice(['0', '1', '2', '3', '-1', '0.5', '-2', '10', 'n', 'f2', "'a'", 'none', '64', '1e308']) if op == '**' else expr(d - 1)
        return '(' + expr(d - 1) + ' ' + op + ' ' + rhs + ')'
    if c < 0.46:
        return '(' + R.choice(['-', 'not ', '+']) + expr(d - 1) + ')'
    if c < 0.52:
        n = R.randint(1, 3)
        s = expr(d - 1)
        for _ in range(n): s += ' ' + R.choice(CMPOPS) + ' ' + expr(d - 1)
        return '(' + s + ')'
    if c < 0.55:
        return '(' + expr(d - 1) + R.choice([' and ', ' or ']) + expr(d - 1) + ')'
    if c < 0.58:
        return '(' + expr(d - 1) + R.choice([' in ', ' not in ']) + R.choice([strexpr(d - 1), listexpr(d - 1), R.choice(DICTVARS)]) + ')'
    if c < 0.64:
        t = R.choice(list(TESTS))
        a = TESTS[t]
        s = '(' + expr(d - 1) + ' is ' + R.choice(['', 'not ']) + t
        if a:
            arg = R.choice(a)
            if arg == 'x': arg = expr(d - 1)
            if t in ('==', '!=', '<', '>=') or R.random() < 0.3: s += '(' + arg + ')'
            else: s += ' ' + arg if not arg.startswith('-') else '(' + arg + ')'
        return s + ')'
    if c < 0.80:
        f = R.choice(list(FILTERS))
        tg = FILTER_TARGET.get(f, 'str' if R.random() < 0.7 else 'any')
        if tg == 'list': base = listexpr(d - 1)
        elif tg == 'dict': base = R.choice(DICTVARS + ['users'])
        elif tg == 'num': base = numexpr(d - 1)
        elif tg == 'str': base = strexpr(d - 1)
        else: base = expr(d - 1)
        args = FILTERS[f](d - 1)
        s = base + '|' + f
        if args or R.random() < 0.2: s += call_args(args)
        s = '(' + s + ')'
        if R.random() < 0.3:
            f2 = R.choice(['list', 'join', 'string', 'length', 'tojson', 'first', 'sort', 'reverse', 'upper', 'trim'])
            s = '(' + s + '|' + f2 + ')'
        return s
    if c < 0.90:
        k = R.random()
        if k < 0.65:
            m = R.choice(list(STRMETHODS))
            return strexpr(d - 1) + '.' + m + call_args(STRMETHODS[m](d - 1))
        if k < 0.85:
            m = R.choice(list(DICTMETHODS))
            a = DICTMETHODS[m]
            return R.choice(DICTVARS) + '.' + m + '(' + (R.choice(a) if a else '') + ')'
        m = R.choice(list(LISTMETHODS))
        return R.choice(LISTVARS) + '.' + m + '(' + R.choice(LISTMETHODS[m]) + ')'
    if c < 0.95:
        base = R.choice([strexpr(d - 1), listexpr(d - 1), R.choice(DICTVARS)])
        k = R.random()
        def ix(): return R.choice(['', '0', '1', '-1', '2', '-2', '10', '-10', 'n', 'none', '3'])
        if k < 0.35: return base + '[' + R.choice(['0', '1', '-1', '2', '5', '-10', "'a'", "'role'", "'content'", 'true', 'none', '1.0']) + ']'
        if k < 0.5: return base + '.' + R.choice(ATTRS + ['0', '1'])
        s = base + '[' + ix() + ':' + ix()
        if R.random() < 0.6: s += ':' + R.choice(['', '1', '-1', '2', '-2', '3', '0'])
        return s + ']'
    if c < 0.98:
        return '(' + expr(d - 1) + ' if ' + expr(d - 1) + (' else ' + expr(d - 1) if R.random() < 0.8 else '') + ')'
    k = R.random()
    if k < 0.5: return 'range(' + ', '.join(R.choice(['0', '1', '3', '5', '-2', '10', '-1', '2']) for _ in range(R.randint(1, 3))) + ')' + R.choice(['|list', '|join(",")', '', '|sum', '|reverse|list'])
    if k < 0.8: return 'dict(' + ', '.join(R.choice(['a', 'b', 'c']) + '=' + expr(d - 1) for _ in range(R.randint(0, 3))) + ')'
    return "namespace(x=" + expr(d - 1) + ").x"

# ------------------------------------------------------------- statements
def text():
    return R.choice(['', 'x', ' ', '\n', '  \n', 'a b', '\n  ', '[', ']', ',', '\t', 'T\n'])

def ws(tag):
    # tag is '{%' '%}' etc.; add random whitespace control
    if R.random() < 0.3:
        ch = ['-', '+'] if '%' in tag else ['-']
        if R.random() < 0.02: ch = ['+']
        return tag[0:2] + R.choice(ch) if tag.startswith('{') else R.choice(ch) + tag
    return tag

def O(): return ws('{%') + ' '
def C(): return ' ' + ws('%}')

def loopexpr():
    return R.choice(['loop.index', 'loop.index0', 'loop.revindex', 'loop.revindex0', 'loop.first', 'loop.last', 'loop.length',
                     'loop.previtem', 'loop.nextitem', "loop.cycle('a', 'b', 'c')", 'loop.depth', 'loop.changed(x)', 'loop.changed(x.role)'])

def stmt(d=2, inloop=False, names=()):
    c = R.random()
    if d <= 0 or c < 0.25:
        c2 = R.random()
        if c2 < 0.3: return text()
        e = expr(2)
        if inloop and R.random() < 0.4: e = loopexpr()
        elif names and R.random() < 0.3: e = R.choice(names)
        return ws('{{') + ' ' + e + ' ' + ws('}}') + text()
    if c < 0.4:
        s = O() + 'if ' + expr(2) + C() + body(d - 1, inloop, names)
        if R.random() < 0.3: s += O() + 'elif ' + expr(2) + C() + body(d - 1, inloop, names)
        if R.random() < 0.4: s += O() + 'else' + C() + body(d - 1, inloop, names)
        return s + O() + 'endif' + C() + R.choice(['', '\n'])
    if c < 0.6:
        k = R.random()
        if k < 0.5: tgt, it = 'x', listexpr(1)
        elif k < 0.6: tgt, it = 'x', 'messages'
        elif k < 0.75: tgt, it = 'k, v', R.choice(['d.items()', 'd|dictsort', 'nested.items()', 'mixed|items', 'users|groupby("g")', 'd|dictsort(by="value", reverse=true)'])
        elif k < 0.85: tgt, it = 'x', R.choice(['s', 'u', 'range(4)', 'd', "'ab'"])
        elif k < 0.9: tgt, it = R.choice(['k, (a, b)', '(k, v)', 'k, (a,)']), R.choice(["{'x': [1, 2], 'y': 'ab'}.items()", '[[1, [2, 3]], [4, "ab"]]', 'd.items()', 'users|groupby("g")'])
        else: tgt, it = 'x', expr(2)
        s = O() + 'for ' + tgt + ' in ' + it
        if R.random() < 0.2: s += ' if ' + R.choice(['x', 'loop is undefined', 'x is string', 'not x', 'k'])
        s += C()
        nm = tuple(n.strip() for n in tgt.split(','))
        b = body(d - 1, True, names + nm)
        if R.random() < 0.15: b += O() + R.choice(['if loop.index > 2', 'if x', 'if true']) + C() + O() + R.choice(['break', 'continue']) + C() + O() + 'endif' + C()
        s += b
        if R.random() < 0.2: s += O() + 'else' + C() + body(d - 1, inloop, names)
        return s + O() + 'endfor' + C() + R.choice(['', '\n'])
    if c < 0.72:
        k = R.random()
        if k < 0.6: return O() + 'set y = ' + expr(2) + C() + stmt(d - 1, inloop, names + ('y',))
        if k < 0.7: return O() + 'set a, b = ' + R.choice(['[1, 2]', "'ab'", '(x, y)', 'd.items()|first', 'range(2)', '[1, 2, 3]']) + C() + ws('{{') + ' a ~ b ' + ws('}}')
        if k < 0.75:
            # a context variable set in this scope: earlier inner scopes must read it undefined
            return O() + 'set ' + R.choice(['s', 'n', 'l', 'd', '(a, b), s', 's, (a, b)']) + ' = ' + R.choice([expr(1), "[['p', 'q'], 'r']", "['pq', [1, 2]]"]) + C()
        if k < 0.9: return O() + 'set ns = namespace(c=0, s=' + expr(1) + ')' + C() + O() + 'for x in ' + listexpr(1) + C() + O() + 'set ns.c = ns.c + 1' + C() + O() + 'set ns.s = ns.s ~ x' + C() + O() + 'endfor' + C() + '{{ ns.c }}|{{ ns.s }}'
        return O() + 'set y' + C() + body(d - 1, inloop, names) + O() + 'endset' + C() + '[{{ y }}]'
    if c < 0.82:
        params = R.choice(['', 'a', 'a, b=2', "a='x', b=none", 'a, b=[1], c=a'])
        pn = tuple(p.split('=')[0].strip() for p in params.split(',') if p)
        m = O() + 'macro m(' + params + ')' + C() + body(d - 1, False, pn + ('varargs', 'kwargs')) + O() + 'endmacro' + C()
        calls = []
        for _ in range(R.randint(1, 2)):
            args = R.choice(['', expr(1), expr(1) + ', ' + expr(1), 'b=' + expr(1), expr(1) + ', ' + expr(1) + ', ' + expr(1), 'z=1', 'a=1, b=2'])
            calls.append('{{ m(' + args + ') }}')
        if R.random() < 0.2:
            return m + O() + 'call m(1)' + C() + 'inner' + O() + 'endcall' + C() + '|' + O() + 'macro w()' + C() + '<{{ caller() }}>' + O() + 'endmacro' + C() + O() + 'call w()' + C() + body(d - 1) + O() + 'endcall' + C()
        return m + '|'.join(calls)
    if c < 0.88:
        f = R.choice(['upper', 'trim', 'title', 'indent(2)', 'replace("a", "b")', 'center(20)', 'truncate(9)', 'wordwrap(5)', 'striptags', 'length', 'e', 'capitalize', 'wordcount', 'reverse', 'list|join("-")'])
        return O() + 'filter ' + f + C() + body(d - 1, inloop, names) + O() + 'endfilter' + C()
    if c < 0.92:
        return O() + "set c = cycler('a', 'b')" + C() + '{{ c.next() }}{{ c.next() }}{{ c.current }}{{ c.next() }}' + O() + 'set j = joiner(' + R.choice(['', "'; '"]) + ')' + C() + O() + 'for x in l' + C() + '{{ j() }}{{ x }}' + O() + 'endfor' + C()
    if c < 0.94:
        return O() + 'generation' + C() + body(d - 1, inloop, names) + O() + 'endgeneration' + C()
    if c < 0.96:
        return '{# c #}' + R.choice(['', '\n']) + R.choice(['{#- x -#}', '{# #}\n']) + stmt(d - 1, inloop, names)
    return R.choice(['{% raw %}{{ x }}{% endraw %}', '{%- raw -%} a {%- endraw %}']) + stmt(d - 1, inloop, names)

def body(d=2, inloop=False, names=()):
    return ''.join(stmt(d, inloop, names) for _ in range(R.randint(1, 3)))

def template():
    c = R.random()
    if c < 0.45:
        return '{{ ' + expr(R.randint(1, 4)) + ' }}'
    if c < 0.6:
        return '|'.join('{{ ' + expr(R.randint(1, 3)) + ' }}' for _ in range(3))
    return body(R.randint(1, 3))

CHAT_PIECES = [
 "{{ bos_token }}",
 "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}{% set msgs = messages[1:] %}{% else %}{% set sys = none %}{% set msgs = messages %}{% endif %}",
 "{% for message in messages %}{% if message['role'] == 'user' %}<|user|>\n{{ message['content'] | trim }}{% elif message['role'] == 'assistant' %}<|assistant|>\n{{ message.content }}{% if message.tool_calls is defined %}{% for tc in message.tool_calls %}{{ tc.function.name }}({{ tc.function.arguments | tojson }}){% endfor %}{% endif %}{% else %}<|{{ message.role }}|>{{ message.content }}{% endif %}{{ eos_token if not loop.last }}\n{% endfor %}",
 "{% if tools %}{% for t in tools %}{{ t | tojson(indent=4) }}\n{% endfor %}{% endif %}",
 "{% if add_generation_prompt %}<|assistant|>\n{% endif %}",
 "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}",
 "{{ messages | map(attribute='role') | join(', ') }}",
 "{% set ns = namespace(last_user=-1) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}{% endfor %}{{ ns.last_user }}",
 "{{ messages[-1].content.split('\\n')[0] }}",
 "{% for m in messages|reverse %}{{ m.role[0]|upper }}{% endfor %}",
 "{{ (messages|last).content|wordcount }}",
 "{{ messages[1:]|map(attribute='content')|map('length')|list }}",
 "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }} {% endfor %}",
 "{{ '<tool_call>' ~ messages[2].tool_calls[0].function|tojson ~ '</tool_call>' }}",
 "{% for k, v in messages[2].tool_calls[0].function.arguments.items() %}{{ k }}={{ v|tojson }};{% endfor %}",
 "{{ tools[0].function.parameters.properties|dictsort|map('first')|join(',') }}",
 "{% if messages[3].content.startswith('{') %}{{ messages[3].content|replace('\"', \"'\") }}{% endif %}",
 "{{ raise_exception('x') if messages|length > 100 }}",
 "{{ messages[1].content[:5] ~ '...' }}",
 "{% for m in messages %}{{ '%-10s|' % m.role }}{{ m.content|truncate(8) }}\n{% endfor %}",
 "{%- for m in messages %}\n  {%- if m.content is string %}{{ m.content|length }}{% endif %}\n{%- endfor %}",
 "{{ messages|groupby('role')|map(attribute='grouper')|join(' ') }}",
 "{{ messages|map(attribute='content')|select('string')|map('upper')|first }}",
 "{{ (messages|selectattr('tool_calls', 'defined')|first).tool_calls|length }}",
 "{{ messages|rejectattr('role', 'in', ['system', 'tool'])|map(attribute='role')|unique|list }}",
]

def chat_template():
    n = R.randint(1, 4)
    parts = [R.choice(CHAT_PIECES) for _ in range(n)]
    if R.random() < 0.5:
        parts.insert(R.randint(0, n), body(2))
    return '\n'.join(parts)

_orig_template = template
def template():
    return chat_template() if R.random() < 0.15 else _orig_template()

"""Evaluate the Terraform expressions python-hcl2 leaves as ``${...}`` text, as far as static
analysis allows: literals, ``var.*`` and ``local.*``, string templates, conditionals, and
a few pure functions (``merge``, ``concat``, ``lookup``, ``jsonencode``, ...).

Anything else (a reference to another resource, a ``for`` expression, an unknown function)
becomes ``Unknown`` holding the expression's text, which checks read as "cannot tell".
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from warden.scan._model import Unknown, known

_TOKEN = re.compile(
    r"""\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<str>")|(?P<name>[A-Za-z_][\w-]*)"""
    r"""|(?P<op>\[\*\]|\.\*|==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%!<>?:.,()\[\]{}=]))"""
)

Lookup = Callable[[str, str], Any]  # ("var" | "local", name) -> value


class _Fail(Exception):
    pass


class _Parser:
    def __init__(self, text: str, lookup: Lookup) -> None:
        self.text, self.pos, self.lookup = text, 0, lookup

    # -- tokens ---------------------------------------------------------------------------
    def peek(self) -> str:
        m = _TOKEN.match(self.text, self.pos)
        if not m:
            return "" if not self.text[self.pos :].strip() else "?"
        return m.group("num") or m.group("str") or m.group("name") or m.group("op") or ""

    def take(self, expect: str | None = None) -> str:
        m = _TOKEN.match(self.text, self.pos)
        if not m:
            raise _Fail(self.text)
        tok = m.group("num") or m.group("str") or m.group("name") or m.group("op") or ""
        if expect is not None and tok != expect:
            raise _Fail(f"expected {expect!r} at {self.pos}")
        self.pos = m.end()
        return tok

    # -- grammar --------------------------------------------------------------------------
    def expr(self) -> Any:
        cond = self.binary(0)
        if self.peek() == "?":
            self.take("?")
            yes = self.expr()
            self.take(":")
            no = self.expr()
            flag = cond if isinstance(cond, bool) else None
            return Unknown(self.text) if flag is None else (yes if flag else no)
        return cond

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self._LEVELS[level]:
            op = self.take()
            right = self.binary(level + 1)
            left = _apply(op, left, right, self.text)
        return left

    def unary(self) -> Any:
        if self.peek() in ("!", "-"):
            op = self.take()
            value = self.unary()
            if op == "!":
                return (not value) if isinstance(value, bool) else Unknown(self.text)
            return -value if isinstance(value, int | float) else Unknown(self.text)
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while True:
            tok = self.peek()
            if tok == ".":
                self.take()
                key = self.take()
                value = value.get(key) if isinstance(value, Mapping) else _unknown(value, key)
            elif tok in ("[*]", ".*"):
                self.take()
                value = Unknown(f"{value}{tok}") if not known(value) else value
            elif tok == "[":
                self.take()
                index = self.expr()
                self.take("]")
                value = _index(value, index)
            else:
                return value

    def primary(self) -> Any:
        tok = self.take()
        if tok == '"':
            return self.string()
        if tok[0].isdigit():
            return float(tok) if any(c in tok for c in ".eE") else int(tok)
        if tok == "(":
            value = self.expr()
            self.take(")")
            return value
        if tok == "[":
            return self.sequence("]", pairs=False)
        if tok == "{":
            return self.sequence("}", pairs=True)
        if tok in ("true", "false"):
            return tok == "true"
        if tok == "null":
            return None
        if tok[0].isalpha() or tok[0] == "_":
            if self.peek() == "(":
                return self.call(tok)
            if tok in ("var", "local") and self.peek() == ".":
                self.take(".")
                return self.lookup(tok, self.take())
            return Unknown(tok)
        raise _Fail(tok)

    def sequence(self, close: str, pairs: bool) -> Any:
        if self.peek() == "for":
            self.skip(close)
            return Unknown(self.text)
        items: list[Any] = []
        obj: dict[str, Any] = {}
        while self.peek() != close:
            if pairs:
                key = self.expr()
                if self.peek() not in ("=", ":"):
                    raise _Fail("object key")
                self.take()
                obj[str(key)] = self.expr()
            else:
                items.append(self.expr())
            if self.peek() == ",":
                self.take()
        self.take(close)
        return obj if pairs else items

    def skip(self, close: str) -> None:
        depth, opening = 1, {"]": "[", "}": "{", ")": "("}[close]
        while depth:
            tok = self.take()
            if tok == '"':
                self.string()
            elif tok == opening:
                depth += 1
            elif tok == close:
                depth -= 1

    def string(self, raw: bool = False) -> Any:
        """A quoted string starting after its opening quote, templates evaluated; ``raw``:
        the whole text is the template (no quotes, no escapes)."""
        parts: list[Any] = []
        buf: list[str] = []
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if raw and c != "$":
                if c == "\\" and text[self.pos + 1 : self.pos + 2] in ('"', "\\"):
                    self.pos += 1
                    c = text[self.pos]
                buf.append(c)
                self.pos += 1
            elif c == "\\" and self.pos + 1 < len(text):
                nxt = text[self.pos + 1]
                buf.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                self.pos += 2
            elif c == '"':
                self.pos += 1
                parts.append("".join(buf))
                return _join(parts, text)
            elif text.startswith("${", self.pos):
                parts.append("".join(buf))
                buf = []
                self.pos += 2
                parts.append(self.expr())
                self.take("}")
            else:
                buf.append(c)
                self.pos += 1
        if raw:
            parts.append("".join(buf))
            return _join(parts, text)
        raise _Fail("unterminated string")

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ")":
            args.append(self.expr())
            if self.peek() in (",", "..."):
                self.take()
        self.take(")")
        fn = _FUNCS.get(name)
        if fn is None:
            return Unknown(f"{name}(...)")
        try:
            return fn(*args)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return Unknown(f"{name}(...)")


def _unknown(value: Any, key: str) -> Any:
    return Unknown(f"{value}.{key}") if not known(value) or isinstance(value, str) else None


def _index(value: Any, index: Any) -> Any:
    if isinstance(value, list) and isinstance(index, int) and -len(value) <= index < len(value):
        return value[index]
    if isinstance(value, Mapping) and isinstance(index, str):
        return value.get(index)
    return Unknown(f"{value}[{index}]")


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "||": lambda a, b: bool(a) or bool(b),
    "&&": lambda a, b: bool(a) and bool(b),
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}


def _apply(op: str, a: Any, b: Any, text: str) -> Any:
    if not (known(a) and known(b)):
        return Unknown(text)
    try:
        return _OPS[op](a, b)
    except (TypeError, ZeroDivisionError):
        return Unknown(text)


def _join(parts: list[Any], text: str) -> Any:
    parts = [p for p in parts if p != ""]
    if len(parts) == 1 and not isinstance(parts[0], str | Unknown):
        return parts[0]
    if any(not known(p) and p is not None for p in parts):
        return Unknown("".join(str(p) for p in parts))
    return "".join("" if p is None else _text(p) for p in parts)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if not isinstance(m, Mapping):
            raise TypeError("merge of a non-map")
        out.update(m)
    return out


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for value in lists:
        if not isinstance(value, list):
            raise TypeError("concat of a non-list")
        out.extend(value)
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if not isinstance(m, Mapping):
        raise TypeError("lookup in a non-map")
    return m[key] if key in m or not default else default[0]


_FUNCS: dict[str, Callable[..., Any]] = {
    "merge": _merge,
    "concat": _concat,
    "lookup": _lookup,
    "jsonencode": lambda v: v,  # kept as data: policy checks read the structure
    "jsondecode": lambda v: json.loads(v) if isinstance(v, str) else v,
    "tostring": lambda v: _text(v) if known(v) else v,
    "tonumber": lambda v: float(v) if "." in str(v) else int(v),
    "tobool": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[v],
    "tolist": list,
    "toset": list,
    "tomap": dict,
    "lower": lambda v: v.lower(),
    "upper": lambda v: v.upper(),
    "coalesce": lambda *v: next(x for x in v if x not in (None, "")),
    "try": lambda *v: next(x for x in v if known(x)),
    "format": lambda f, *v: f.replace("%s", "{}").replace("%d", "{}").format(*v),
    "join": lambda sep, items: sep.join(_text(i) for i in items),
    "length": len,
}


def evaluate(text: str, lookup: Lookup) -> Any:
    """The value of expression ``text`` (without ``${ }``), or ``Unknown(text)``."""
    parser = _Parser(text, lookup)
    try:
        value = parser.expr()
        if parser.peek():
            return Unknown(text)
    except (_Fail, RecursionError):
        return Unknown(text)
    return value


def resolve(value: Any, lookup: Lookup) -> Any:
    """``value`` as python-hcl2 gives it, with every expression and template evaluated."""
    if isinstance(value, str) and not isinstance(value, Unknown):
        if "${" not in value:
            return _unescape(value)
        if value.startswith("${") and value.endswith("}") and _balanced(value[2:-1]):
            return evaluate(value[2:-1], lookup)
        parser = _Parser(value, lookup)
        try:
            return parser.string(raw=True)
        except (_Fail, RecursionError):
            return Unknown(value)
    if isinstance(value, list):
        return [resolve(v, lookup) for v in value]
    if isinstance(value, Mapping):
        return {k: resolve(v, lookup) for k, v in value.items() if k != "__is_block__"}
    return value


def _balanced(text: str) -> bool:
    """True when ``text`` is one expression (``${a}-${b}`` is a template, not ``a}-${b``)."""
    depth = 0
    in_str = False
    i = 0
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def _unescape(text: str) -> str:
    """python-hcl2 keeps a string's escapes (``\\"``); the value has the plain characters."""
    if "\\" not in text:
        return text
    return re.sub(r'\\(["\\])', r"\1", text)

"""The Jinja environment that renders SQL and Markdown, and the filters that quote and escape.

All SQL text lives in templates; the filters here are the only place where a Python value becomes
SQL text: `ident`, `qname` and `ident_list` quote names, `literal` escapes values. Templates are
compiled once per environment, and environments are cached per user templates folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.filters
import jinja2.nodes
import jinja2.runtime
import jinja2.tests
from markupsafe import Markup

from schemagen import __version__
from schemagen.cache_home import cache_root
from schemagen.postgres.identifiers import ident, qname

__all__ = ["builtin_templates_dir", "ident", "ident_list", "literal", "make_environment", "qname"]

# quote_ident() leaves a name bare only when it is lower case letters, digits and underscores (not
# `$`) and is not a keyword outside the UNRESERVED category.

_JSON_TYPES = frozenset({"json", "jsonb"})
# array_out() quotes an element that is empty, spelled NULL, or holds one of these characters.
_ARRAY_SPECIAL = re.compile(r'[{}",\\\s]')


def _quote_string(text: str) -> str:
    if "\x00" in text:
        raise ValueError("PostgreSQL strings cannot contain NUL characters")
    return "'" + text.replace("'", "''") + "'"


# made once: `json.dumps` with options builds an encoder at every call
_JSON_ENCODER = json.JSONEncoder(sort_keys=True, separators=(", ", ": "), ensure_ascii=False, allow_nan=False)


def _json_text(value: Any) -> str:
    return _JSON_ENCODER.encode(value)


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ValueError(f"{value!r} has no SQL literal; write it as an expression such as 'NaN'::float8")
    return repr(value) if isinstance(value, float) else str(value)


def _array_element(value: Any) -> str:
    """One element of an array's text form, as `array_out()` would print it."""
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        return "{" + ",".join(_array_element(v) for v in value) + "}"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | Decimal):
        text = _number(value)
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, Mapping):
        text = _json_text(value)
    elif isinstance(value, str):
        text = value
    else:
        raise TypeError(f"cannot put {type(value).__name__} {value!r} in an array literal")
    if text == "" or text.upper() == "NULL" or _ARRAY_SPECIAL.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _base_type(type_: str) -> str:
    return type_.strip().lower()


def literal(value: Any, type: str | None = None) -> str:
    """Render a Python value as a SQL literal for a column of `type` (PostgreSQL's spelling).

    Like psycopg's `sql.Literal`, this is the one place a value is escaped: strings are single-quoted
    with `'` doubled (the server runs with `standard_conforming_strings`, so backslashes are plain
    characters and no `E''` is needed). The literal carries no cast: the column, bound or parameter it
    lands in gives it a type.

    - None is NULL, a bool is true/false, an int or a finite float is a number (NaN and infinities
      are rejected: they need a cast, so write them as an expression).
    - A date is `'YYYY-MM-DD'`, a datetime `'YYYY-MM-DD HH:MM:SS[+HH:MM]'`; a naive datetime (and a
      date) read into a timestamptz depends on the session TimeZone, so such bounds should carry an
      offset.
    - For an array type (ending in `[]`) a list becomes the array's text form, elements quoted as
      `array_out()` does; nested lists are nested arrays.
    - For json/jsonb any value but a string is JSON-encoded with sorted keys; a string is taken as
      JSON text already. A mapping with no type is JSON too.

    >>> literal(None), literal(True), literal(42), literal(1.5)
    ('NULL', 'true', '42', '1.5')
    >>> print(literal("it's"))
    'it''s'
    >>> print(literal(date(2024, 1, 1)))
    '2024-01-01'
    >>> print(literal([], "text[]"), literal(["a", "b c", None, 'q"'], "text[]"))
    '{}' '{a,"b c",NULL,"q\\""}'
    >>> print(literal({"b": 1, "a": [True, None]}, "jsonb"))
    '{"a": [true, null], "b": 1}'
    >>> print(literal({"it": "don't"}, "jsonb"))
    '{"it": "don''t"}'
    """
    if value is None:
        return "NULL"
    base = _base_type(type) if type is not None else None
    if base is not None and base.endswith("[]"):
        if isinstance(value, list | tuple):
            return _quote_string(_array_element(list(value)))
        if isinstance(value, str):
            return _quote_string(value)
        raise TypeError(f"a default for {type} must be a list, not {value!r}")
    if base in _JSON_TYPES:
        return _quote_string(value if isinstance(value, str) else _json_text(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, str):
        return _quote_string(value)
    if isinstance(value, datetime):
        return _quote_string(value.isoformat(sep=" "))
    if isinstance(value, date):
        return _quote_string(value.isoformat())
    if isinstance(value, Mapping) and base is None:
        return _quote_string(_json_text(value))
    raise TypeError(f"cannot write {value!r} as a literal of type {type or 'unknown'}")


def one_line(text: str) -> str:
    """Fold line breaks into spaces, so user text stays inside a `--` comment."""
    if text.isprintable():  # no line break of any kind (a migration's header has tens of thousands)
        return text
    return " ".join(text.splitlines())


def statement_body(query: str) -> str:
    """A view query without surrounding whitespace or trailing semicolons.

    When its last line holds `--`, a line break follows, so the `;` the template appends is not
    swallowed by a comment.
    """
    body = query.strip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    if "--" in body.rsplit("\n", 1)[-1]:
        body += "\n"
    return body


def dollar_quote(body: str) -> str:
    """Wrap a function body in dollar quotes whose tag the body does not contain.

    >>> dollar_quote(" SELECT 1 ")
    '$$ SELECT 1 $$'
    >>> dollar_quote(' SELECT "a$$b" ')
    '$body$ SELECT "a$$b" $body$'
    """
    delimiter, n = "$$", 0
    while delimiter in body:
        delimiter = f"$body{n or ''}$"
        n += 1
    return delimiter + body + delimiter


_BARE_NAME = re.compile(r"[\w.]+")
_CALL_START = re.compile(r"[A-Za-z_][\w.]*\(")


def is_bare_expression(expression: str) -> bool:
    """Whether `expression` may follow DEFAULT without parentheses.

    DEFAULT takes a restricted expression (no AT TIME ZONE, IS NULL, AND, …), so anything but a
    single name, number or function call gets parenthesised by the template.
    """
    text = expression.strip()
    if _BARE_NAME.fullmatch(text):
        return True
    match = _CALL_START.match(text)
    if not match:
        return False
    depth, quote = 0, ""
    for i in range(match.end() - 1, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


# Mermaid's erDiagram lexer (also older releases that GitHub may run) reads an attribute word as
# [A-Za-z_][A-Za-z0-9_()\[\]-]*, and a bare PK/FK/UK as a key marker.
_MERMAID_BAD = re.compile(r"[^A-Za-z0-9_()\[\]-]")


def mermaid_type(type_: str) -> str:
    """A column type spelled so Mermaid reads it as one word.

    >>> mermaid_type("character varying(32)"), mermaid_type("numeric(10,2)"), mermaid_type("text[]")
    ('character_varying(32)', 'numeric(10-2)', 'text[]')
    """
    text = type_.strip().replace(", ", ",").replace(",", "-").replace(" ", "_").replace('"', "")
    return _mermaid_word(text)


def mermaid_name(name: str) -> str:
    """A column name Mermaid reads as an attribute name (not as a PK/FK/UK marker)."""
    return _mermaid_word(name)


def _mermaid_word(text: str) -> str:
    text = _MERMAID_BAD.sub("_", text) or "_"
    if not (text[0].isalpha() or text[0] == "_"):
        text = "_" + text
    if text.upper() in {"PK", "FK", "UK"}:
        text += "_"
    return text


_MERMAID_ENTITY_BAD = re.compile(r'["%\\\r\n\v\b]')
_MERMAID_LABEL_BAD = re.compile(r'["\r\n]')


def mermaid_entity(name: str) -> str:
    """An entity name in double quotes, as Mermaid allows any text but `"`, `%` and `\\` there."""
    return '"' + _MERMAID_ENTITY_BAD.sub("_", name) + '"'


def mermaid_label(text: str) -> str:
    """A relationship label in double quotes."""
    return '"' + _MERMAID_LABEL_BAD.sub("'", text) + '"'


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return one_line(text).replace("|", "\\|")


# The filters a large schema calls most, with the same arguments again and again (the same partition
# bounds in each partitioned table, the same column types and entities in the ERD), remember their
# text. `qname` does not: two thirds of its calls are of names seen once (each partition's), where
# remembering cost more than `ident`'s (remembered) quoting saves.
_mermaid_type = lru_cache(maxsize=4096)(mermaid_type)
_mermaid_name = lru_cache(maxsize=65536)(mermaid_name)
_mermaid_entity = lru_cache(maxsize=65536)(mermaid_entity)
_literal_of_text = lru_cache(maxsize=65536)(literal)
_is_bare_expression = lru_cache(maxsize=4096)(is_bare_expression)

# The classes whose literals `_literal` remembers, keyed with the class: `True` and `1` are equal
# keys, but not `(bool, True)` and `(int, 1)`. (Not float: `0.0` and `-0.0` are equal keys of
# different literals; nor Decimal, `Decimal("1.0")` and `Decimal("1")`; nor datetime, equal across
# offsets.)
_REMEMBERED = frozenset({int, bool})


@lru_cache(maxsize=4096)
def _literal_of_scalar(cls: type, value: Any, type: str | None) -> str:
    return literal(value, type)


def _literal(value: Any, type: str | None = None) -> str:
    """`literal`, remembered for text, integers and booleans (a schema's defaults and bounds repeat)."""
    cls = value.__class__
    if cls is str:
        return _literal_of_text(value, type)
    if cls in _REMEMBERED:
        return _literal_of_scalar(cls, value, type)
    return literal(value, type)


def ident_list(names: Iterable[str]) -> str:
    """Names quoted with `ident`, separated by `, `: a key's or an index's columns.

    >>> ident_list(["id", "User"])
    'id, "User"'
    """
    return ", ".join(map(ident, names))


@jinja2.pass_eval_context
def _join(
    eval_ctx: jinja2.nodes.EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None
) -> str:
    """Jinja's `join`, without its check for an async environment on every call."""
    if attribute is None and not eval_ctx.autoescape:
        return str(d).join(map(str, value))
    return jinja2.filters.sync_do_join(eval_ctx, value, d, attribute)  # Markup, maybe


FILTERS = {
    "join": _join,
    "ident": ident,
    "ident_list": ident_list,
    "qname": qname,
    "literal": _literal,
    "one_line": one_line,
    "statement_body": statement_body,
    "dollar_quote": dollar_quote,
    "mermaid_type": _mermaid_type,
    "mermaid_name": _mermaid_name,
    "mermaid_entity": _mermaid_entity,
    "mermaid_label": mermaid_label,
    "md_cell": md_cell,
}

TESTS: dict[str, Callable[..., Any]] = {"bare_expression": _is_bare_expression}


def builtin_templates_dir() -> Path | None:
    """The packaged templates folder, when the package lives on a file system."""
    # beside the package's modules (what importlib.resources.files gives, without importing it and the
    # zipfile and tempfile modules it imports); not a folder when the package is in a zip file
    root = Path(__file__).parent.parent / "templates"
    return root if root.is_dir() else None


def _builtin_loader() -> jinja2.BaseLoader:
    root = builtin_templates_dir()
    if root is not None:
        return jinja2.FileSystemLoader(root)
    return jinja2.PackageLoader("schemagen", "templates")


_ENVIRONMENTS: dict[Path | None, jinja2.Environment] = {}


class _Context(jinja2.runtime.Context):
    """Jinja's context, calling a macro given its arguments by position straight through.

    A template calls every macro through `Context.call`, which looks for `pass_context` markers and
    then lets `Macro.__call__` sort the arguments into positions, keywords, defaults and `caller`:
    four Python calls around the macro's own function, a fifth of rendering a schema of thousands of
    statements. `_CodeGenerator` writes a call of arguments by position as `call_positional`, which
    takes the loop's and block's variables by position too (no dictionary of keywords per call).
    A macro given its arguments by position only (the ones left out `missing`, which the
    macro replaces by their defaults), and taking no `caller`, `varargs` or `kwargs`, is called
    directly, as `Macro.__call__` would call it; so is a built-in function or method (`items.append`),
    which can carry no marker; anything else goes the general way. (`_loop_vars` and `_block_vars`
    are the context's own: neither takes them.)
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not kwargs or kwargs.keys() <= _CONTEXT_KWARGS:
            return __self.call_positional(kwargs.get("_loop_vars"), kwargs.get("_block_vars"), __obj, *args)
        return super().call(__obj, *args, **kwargs)

    def call_positional(__self, __loop_vars: Any, __block_vars: Any, __obj: Any, *args: Any) -> Any:
        """`call` of arguments given by position only, as `_CodeGenerator` writes a call: the loop's
        and the block's variables by position too (`None` outside a loop or block), so no dictionary
        of keywords is made for a macro or built-in function that takes none of them."""
        if (
            type(__obj) is jinja2.runtime.Macro
            and len(args) <= __obj._argument_count
            and not (__obj.caller or __obj.explicit_caller or __obj.catch_varargs or __obj.catch_kwargs)
            and not __self.environment.is_async
        ):
            if len(args) < __obj._argument_count:  # the macro gives the rest their defaults
                args += (jinja2.runtime.missing,) * (__obj._argument_count - len(args))
            try:
                text = __obj._func(*args)
            except StopIteration:
                return __self.environment.undefined(_STOPPED)
            return Markup(text) if __self.eval_ctx.autoescape else text
        if type(__obj) is _BUILTIN:
            # a built-in function or method (`items.append`) takes no context: no markers to look for
            try:
                return __obj(*args)
            except StopIteration:
                return __self.environment.undefined(_STOPPED)
        kwargs = {}
        if __loop_vars is not None:
            kwargs["_loop_vars"] = __loop_vars
        if __block_vars is not None:
            kwargs["_block_vars"] = __block_vars
        return super().call(__obj, *args, **kwargs)


_STOPPED = "value was undefined because a callable raised a StopIteration exception"  # Jinja's words


_CONTEXT_KWARGS = frozenset({"_loop_vars", "_block_vars"})
_BUILTIN = type(len)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's compiler, writing the two commonest expressions of the templates without a Python call.

    - `x.name` compiles to `environment.getattr(x, "name")`, a function that tries the attribute,
      then the item, then makes an undefined. Here it is the built-in `getattr(x, "name", missing)`,
      and only when that misses `environment.getattr` with the same `x` (evaluated once).
    - `x is none` and `x is sameas y` call Jinja's `none` and `sameas` tests; here they are `x is None`
      and `x is y`.
    - `f(a, b)` (arguments by position only) is `context.call(f, a, b, _loop_vars=_loop_vars)`; here
      `context.call_positional(_loop_vars, None, f, a, b)`, which `_Context` answers without keywords.
    - `{{ x }}` is written as `str(x)`; here as `x` when `x` is text already: one of the filters
      below that return text (and is not replaced by another of the same name), `a ~ b`, or a choice
      between two of these (`"," if … else ""`).

    The values are the same; a large schema's render had hundreds of thousands of each.
    """

    @jinja2.compiler.optimizeconst
    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: jinja2.compiler.Frame) -> None:
        if self.environment.is_async or self.environment.sandboxed:
            super().visit_Getattr(node, frame)
            return
        # `_o` is bound after whatever `x` binds while it is evaluated, and read before anything
        # else can bind it again; so is `_v`.
        self.write("(_v if (_v := getattr((_o := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr(_o, {node.attr!r}))")

    @jinja2.compiler.optimizeconst
    def visit_Call(
        self, node: jinja2.nodes.Call, frame: jinja2.compiler.Frame, forward_caller: bool = False
    ) -> None:
        if (
            self.environment.is_async
            or self.environment.sandboxed
            or forward_caller
            or node.kwargs
            or node.dyn_args
            or node.dyn_kwargs
        ):
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        loop_vars = "_loop_vars" if frame.loop_frame else "None"
        block_vars = "_block_vars" if frame.block_frame else "None"
        self.write(f"context.call_positional({loop_vars}, {block_vars}, ")
        self.visit(node.node, frame)
        for arg in node.args:
            self.write(", ")
            self.visit(arg, frame)
        self.write(")")

    @jinja2.compiler.optimizeconst
    def visit_Test(self, node: jinja2.nodes.Test, frame: jinja2.compiler.Frame) -> None:
        if self.environment.is_async or node.kwargs or node.dyn_args or node.dyn_kwargs:
            super().visit_Test(node, frame)
        elif (
            node.name == "none"
            and not node.args
            and self.environment.tests.get("none") is jinja2.tests.test_none
        ):
            self.write("(")
            self.visit(node.node, frame)
            self.write(" is None)")
        elif (
            node.name == "sameas"
            and len(node.args) == 1
            and self.environment.tests.get("sameas") is jinja2.tests.test_sameas
        ):
            self.write("(")
            self.visit(node.node, frame)
            self.write(" is ")
            self.visit(node.args[0], frame)
            self.write(")")
        else:
            super().visit_Test(node, frame)

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any) -> None:
        if self._is_text(node, frame, finalize):
            return
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(
        self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any
    ) -> None:
        if self._is_text(node, frame, finalize):
            return
        super()._output_child_post(node, frame, finalize)

    def _is_text(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any) -> bool:
        """Whether `node`, output, needs no `str()`: it is text already, and nothing (autoescape,
        `finalize`) is to be applied to it."""
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape or finalize.src is not None:
            return False
        return self._gives_text(node)

    def _gives_text(self, node: jinja2.nodes.Expr) -> bool:
        if isinstance(node, jinja2.nodes.Filter):
            name = node.name
            return name in _TEXT_FILTERS and self.environment.filters.get(name) is FILTERS[name]
        if isinstance(node, jinja2.nodes.CondExpr):
            return node.expr2 is not None and self._gives_text(node.expr1) and self._gives_text(node.expr2)
        if isinstance(node, jinja2.nodes.Const):
            return type(node.value) is str
        return isinstance(node, jinja2.nodes.Concat)


# The filters whose value is always text (`join`'s may be Markup, which is text too).
_TEXT_FILTERS = frozenset(FILTERS)

#: Changes with what `_CodeGenerator` writes (part of the cache's folder name).
_CODE_GENERATOR_VERSION = 5


#: The options that change what a template compiles to (part of the cache's folder name).
class _CompileOptions(TypedDict):
    autoescape: bool
    keep_trailing_newline: bool
    trim_blocks: bool
    lstrip_blocks: bool


_COMPILE_OPTIONS: _CompileOptions = {
    "autoescape": False,
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
}


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept between runs (compiling them was most of a small spec's render):
    keyed by template name and file, and checked against a hash of the template's source, so an edited
    template compiles again. A cache that cannot be written is no cache, never an error."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """`$XDG_CACHE_HOME/schemagen/templates-KEY` (default `~/.cache`); none when `SCHEMAGEN_NO_CACHE`
    is set or the folder cannot be made. KEY hashes schemagen's and Jinja's versions, the compile options
    and `_CodeGenerator`'s version: another of any may compile the same source to other code."""
    root = cache_root()
    if root is None:
        return None
    compiler = (jinja2.__version__, _CODE_GENERATOR_VERSION, sorted(_COMPILE_OPTIONS.items()))
    key = hashlib.sha256(repr((__version__, *compiler)).encode())
    directory = Path(root) / f"templates-{key.hexdigest()[:16]}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(directory))


def make_environment(user_templates: Path | None = None) -> jinja2.Environment:
    """The environment for the built-in templates, overridden by same-named files in `user_templates`.

    A user's `postgres/index.sql.j2` replaces the built-in one; it must define the same macros. One
    environment is built per folder and reused, so templates compile once per process.
    """
    key = Path(user_templates).resolve() if user_templates is not None else None
    env = _ENVIRONMENTS.get(key)
    if env is None:
        loaders: list[jinja2.BaseLoader] = [_builtin_loader()]
        if key is not None:
            loaders.insert(0, jinja2.FileSystemLoader(key))
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            # a run renders thousands of statements: no stat() of the template file for each
            auto_reload=False,
            bytecode_cache=_bytecode_cache(),
            **_COMPILE_OPTIONS,
        )
        env.context_class = _Context
        env.code_generator_class = _CodeGenerator
        env.filters.update(FILTERS)
        env.tests.update(TESTS)
        if key is None:
            # The built-in templates use none of Jinja's globals (range, dict, namespace…), and copying
            # them into every render's context was a third of rendering a migration's statements; a
            # user's templates keep them.
            env.globals.clear()
        _ENVIRONMENTS[key] = env
    return env

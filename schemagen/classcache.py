"""The code of the methods `dataclasses` writes, compiled once and kept between runs.

`@dataclass` writes each class's `__init__`, `__eq__`, `__repr__`, ... as source text and compiles it
with `exec`: for the model's few hundred methods that compiling was a tenth of a `validate` at a
thousand entities, every run, for text that is the same each time. `install()` gives the
`dataclasses` module an `exec` of its own that compiles a text of the package's classes once and
keeps the code object, marshalled and keyed by the whole text, in
`$XDG_CACHE_HOME/schemagen/dataclasses-TAG-FORMAT.bin` (default `~/.cache`; TAG names the interpreter,
whose code objects another interpreter cannot load; FORMAT is bumped when the code kept for a text
changes). The methods are the ones `dataclasses` writes, but for one change: a frozen class's
`__init__` looks `object.__setattr__` up once, not once per field (`_one_lookup`).

The file is read on the first class defined (a command that defines none reads nothing), a code
object unmarshalled when its class is defined, and the file
written at exit when a text was compiled that it did not hold. `SCHEMAGEN_NO_CACHE=1` turns it off;
a cache that cannot be read or written is no cache, never an error.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import marshal
import os
import sys
from types import CodeType
from typing import Any

#: A file holding more texts than this (methods of older versions of the classes) is started over
#: with the texts of the run that writes it.
MAX_ENTRIES = 5_000
#: Bumped when the code kept for a text changes (`_one_lookup`).
FORMAT = 2

_real_exec = exec
_state: dict[str, Any] = {"loaded": False, "changed": False}
#: source text: its code, marshalled (unmarshalled only when used: a run uses some of them)
_stored: dict[str, bytes] = {}
#: only the package's own classes: a program importing it may define any number of others
_PACKAGE = "schemagen."
_used: set[str] = set()


def cache_file() -> str | None:
    """Where the compiled methods are kept; None when caching is off."""
    if os.environ.get("SCHEMAGEN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = f"{sys.implementation.cache_tag}-{sys.hexversion:x}"
    return os.path.join(base, "schemagen", f"dataclasses-{tag}-{FORMAT}.bin")


def _load() -> None:
    _state["loaded"] = True
    path = cache_file()
    if path is None:
        return
    try:
        with open(path, "rb") as file:
            found = marshal.load(file)
    except (OSError, EOFError, ValueError, TypeError):
        return
    if isinstance(found, dict):
        _stored.update(
            (text, data) for text, data in found.items() if isinstance(text, str) and isinstance(data, bytes)
        )


_SET = "__dataclass_builtins_object__.__setattr__(self,"
_SET_ONCE = "  __dataclass_setattr__=__dataclass_builtins_object__.__setattr__\n"


def _one_lookup(source: str) -> str:
    """A frozen class's `__init__` sets each field with `object.__setattr__`, written out per field:
    looked up once instead, into a local (a fifth of the time of building a model's objects)."""
    head, found, rest = source.partition("\n def __init__(")
    if not found or rest.count(_SET) < 2 or source.count("\n def ") != 1:
        return source  # not the one function `__init__` of a frozen class, as Python 3.11 writes it
    signature, found, body = rest.partition(":\n")  # the end of the `def` line: no newline before it
    if not found:
        return source
    body = body.replace(_SET, "__dataclass_setattr__(self,")
    return f"{head}\n def __init__({signature}:\n{_SET_ONCE}{body}"


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    """`exec` for `dataclasses`: a source text is compiled once, from the cache when it holds it."""
    if (
        type(source) is str
        and isinstance(globals, dict)
        and str(globals.get("__name__")).startswith(_PACKAGE)
    ):
        if not _state["loaded"]:
            _load()
        data = _stored.get(source)
        code = None
        if data is not None:
            with contextlib.suppress(EOFError, ValueError, TypeError):
                code = marshal.loads(data)
        if not isinstance(code, CodeType):
            code = compile(_one_lookup(source), "<string>", "exec")
            _stored[source] = marshal.dumps(code)
            _state["changed"] = True
        _used.add(source)
        source = code
    _real_exec(source, globals, locals)


def save() -> None:
    """Write the cache when this run compiled a text it did not hold."""
    path = cache_file()
    if not _state["changed"] or path is None:
        return
    stored = _stored if len(_stored) <= MAX_ENTRIES else {text: _stored[text] for text in _used}
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as file:
            marshal.dump(stored, file)
        os.replace(temporary, path)
        _state["changed"] = False
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def install() -> None:
    """Route the compiling of `dataclasses` through the cache, from now on."""
    names = vars(dataclasses)
    if names.get("exec") is _exec or cache_file() is None:
        return
    names["exec"] = _exec  # a module global shadows the builtin for the module's functions only
    atexit.register(save)

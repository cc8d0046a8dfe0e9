"""The compiled methods of dataclasses kept between runs (schemagen/classcache.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from schemagen import classcache

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = (
    "import dataclasses, schemagen.model\n"
    "from schemagen import classcache\n"
    "from schemagen.model import Location\n"
    "assert Location('f', 1, 2) < Location('f', 1, 3) and str(Location('f', 1, 2)) == 'f:1:2'\n"
    "assert repr(Location('f', 1, 2, end_column=4)) == "
    "\"Location(file='f', line=1, column=2, end_line=None, end_column=4)\"\n"
    "try:\n"
    "    Location('f', 1, 2).line = 3\n"
    "    raise AssertionError('not frozen')\n"
    "except dataclasses.FrozenInstanceError:\n"
    "    pass\n"
    "# a class of another package is compiled as dataclasses does, and not kept\n"
    "@dataclasses.dataclass(frozen=True, order=True)\n"
    "class Point:\n"
    "    x: int\n"
    "    y: int = 2\n"
    "assert Point(1) < Point(2) and Point(1) == Point(1, 2) and repr(Point(1)) == 'Point(x=1, y=2)'\n"
    "print(len(classcache._stored), classcache._state['changed'])\n"
)


def run(cache: Path, **extra: str) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(ROOT), **extra}
    env.pop("SCHEMAGEN_NO_CACHE", None)
    env.update(extra)
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_methods_compile_once_and_are_read_back(tmp_path: Path) -> None:
    count, changed = run(tmp_path).split()
    assert int(count) > 0 and changed == "True"  # compiled here, written at exit
    files = list((tmp_path / "schemagen").glob("dataclasses-*.bin"))
    assert len(files) == 1
    assert run(tmp_path) == f"{count} False"  # every text found: nothing compiled, nothing written


def test_a_broken_cache_is_no_cache(tmp_path: Path) -> None:
    run(tmp_path)
    (cache_file,) = (tmp_path / "schemagen").glob("dataclasses-*.bin")
    cache_file.write_bytes(b"not marshal data")
    run(tmp_path)
    assert cache_file.read_bytes() != b"not marshal data"  # written again, whole


def test_a_frozen_init_looks_setattr_up_once() -> None:
    source = (
        "def __create_fn__(__dataclass_builtins_object__):\n"
        " def __init__(self,a:_type_a,b:_type_b=_dflt_b)->_return_type:\n"
        "  __dataclass_builtins_object__.__setattr__(self,'a',a)\n"
        "  __dataclass_builtins_object__.__setattr__(self,'b',b)\n"
        " return __init__"
    )
    assert classcache._one_lookup(source) == (
        "def __create_fn__(__dataclass_builtins_object__):\n"
        " def __init__(self,a:_type_a,b:_type_b=_dflt_b)->_return_type:\n"
        "  __dataclass_setattr__=__dataclass_builtins_object__.__setattr__\n"
        "  __dataclass_setattr__(self,'a',a)\n"
        "  __dataclass_setattr__(self,'b',b)\n"
        " return __init__"
    )
    repr_source = "def __create_fn__():\n def __repr__(self):\n  return ''\n return __repr__"
    assert classcache._one_lookup(repr_source) == repr_source
    two = source.replace(" return __init__", " def __repr__(self):\n  return ''\n return __init__")
    assert classcache._one_lookup(two) == two  # several functions in one text: left as written


def test_turned_off(tmp_path: Path) -> None:
    run(tmp_path, SCHEMAGEN_NO_CACHE="1")
    assert not (tmp_path / "schemagen").exists()

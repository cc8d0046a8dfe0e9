"""The loader's fast path (schemagen/load/events.py) reads a file exactly as the thorough one does,
or gives it up to it: the same data, the same locations, the same diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from schemagen.diagnostics import SpecError
from schemagen.load import events, loader

ROOT = Path(__file__).resolve().parent.parent

#: name: (file text, whether the fast path takes it)
CASES: dict[str, tuple[str, bool]] = {
    "empty": ("", True),
    "comments": ("# nothing\n", True),
    "document end": ("entities:\n  a: {}\n...\n", True),
    "null sections": ("entities:\nenums: ~\nviews: null\n", True),
    "flow": ("{entities: {a: {columns: {id: bigint}}}, enums: {}}\n", True),
    "keys of other types": ("entities:\n  t:\n    1: a\n    true: b\n    null: c\n    1.5: d\n", True),
    "quoted merge key": ('entities:\n  t:\n    "<<": 1\n', True),
    "blocks": (
        "views:\n  v:\n    query: |\n      select 1\n        from x\n    other: >\n      folded\n"
        "      text\n    keep: |+\n      k\n\n    strip: |-\n      s\n    indent: |2\n        two\n"
        "    empty: |\n\n    q: 'it''s'\n    dq: \"a\\tb\"\n    multi: \"a\n      b\"\n"
        "    plain: multi\n      line\n",
        True,
    ),
    "scalars": (
        "project:\n  name: x\n  a: 1\n  b: 1.5\n  c: 0x1F\n  d: 0o17\n  e: 2025-01-02\n"
        "  f: 2025-01-02T03:04:05Z\n  g: yes\n  h: on\n  i: True\n  j: ~\n  k: .inf\n  m: 1_000\n"
        "  q: ''\n  u: 1e3\n  v: 12:30:00\n  x: \n",
        True,
    ),
    "relationships": ("relationships:\n  - many_to_many: [a, b]\n  - {one_to_many: [c, d]}\n  - x\n", True),
    "byte order mark": ("\ufeffentities:\n  a: {}\n", True),
    "crlf": ("entities:\r\n  t:\r\n    comment: x\r\n", True),
    "two documents": ("entities:\n  a: {}\n---\nentities:\n  b: {}\n", False),
    "a list": ("- a\n- b\n", False),
    "unknown section": ("entitys:\n  a: {}\n", False),
    "repeated section": ("entities:\n  a: {}\nentities:\n  b: {}\n", False),
    "section of text": ('entities: ""\n', False),
    "anchor and alias": ("mixins:\n  m: &x {a: 1}\nentities:\n  t: {columns: *x}\n", False),
    "merge": ("entities:\n  t:\n    <<: {a: 1}\n    b: 2\n", False),
    "tag": ("entities:\n  t: !!str 12\n", False),
    "repeated key": ("entities:\n  t:\n    a: 1\n    a: 2\n", False),
    "nul": ('entities:\n  t:\n    a: "x\\0y"\n', False),
    "complex key": ("entities:\n  t:\n    ? [a, b]\n    : 1\n", False),
    "syntax error": ("entities:\n  t: [a, b\n", False),
    "bad date": ("project:\n  d: 2025-13-45\n", False),
    "huge integer": ("project:\n  d: " + "1" * 1200 + "\n", False),
    "deep": ("project:\n  a: " + "[" * 80 + "]" * 80 + "\n", False),
    # a value 64 keys down is read; one 65 down is nested too deeply
    "deep mappings": ("project:\n  a: " + "{b: " * 62 + "c" + "}" * 62 + "\n", True),
    "too deep mappings": ("project:\n  a: " + "{b: " * 63 + "c" + "}" * 63 + "\n", False),
    "relationships not a list": ("relationships:\n  a: b\n", False),
}


def typed(value: Any) -> Any:
    """`value` with the type of every leaf and the order of every mapping kept."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def read(root: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[bool]]:
    """Everything the loader makes of `root`, and which files the fast path took."""
    taken: list[bool] = []
    real = events.read

    def counted(*args: Any) -> bool:
        done = real(*args) if fast else False
        taken.append(done)
        return done

    monkeypatch.setattr(events, "read", counted)
    try:
        raw = loader.load(root)
    except SpecError as error:
        return ("error", [str(d) for d in error.diagnostics]), taken
    finally:
        monkeypatch.setattr(events, "read", real)
    located = (raw.value_locations, raw.key_locations, raw.blocks)
    return (typed(raw.data), raw.files, *(sorted(d.items(), key=repr) for d in located)), taken


@pytest.mark.parametrize("name", list(CASES))
def test_fast_path_reads_as_the_thorough_one(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, fast = CASES[name]
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8", newline="")
    found, taken = read(tmp_path, True, monkeypatch)
    assert taken == [fast]
    assert found == read(tmp_path, False, monkeypatch)[0]


def test_files_merge_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections spread over files, an entity written twice, relationships numbered on."""
    (tmp_path / "1.yaml").write_text("entities:\n  t: {}\nrelationships:\n  - a\nproject:\n  name: x\n")
    (tmp_path / "2.yaml").write_text("relationships: [b, {c: d}]\nviews: {v: {query: x}}\n")
    (tmp_path / "3.yaml").write_text("entities:\nenums:\n  e: [a]\nrelationships:\n  - c\n")
    found, taken = read(tmp_path, True, monkeypatch)
    assert taken == [True, True, True]
    assert found == read(tmp_path, False, monkeypatch)[0]
    (tmp_path / "4.yaml").write_text("entities:\n  u: {}\n  t: {}\nproject:\n  name: y\n")
    found, taken = read(tmp_path, True, monkeypatch)
    assert taken == [True, True, True, False]
    assert found == read(tmp_path, False, monkeypatch)[0]
    assert found[0] == "error"


@pytest.mark.parametrize(
    "folder", ["spec", *sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir())]
)
def test_example_specs_read_alike(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = ROOT / folder if folder == "spec" else ROOT / "examples" / folder
    if (root / "spec").is_dir():
        root = root / "spec"
    found, taken = read(root, True, monkeypatch)
    assert taken and all(taken)
    assert found == read(root, False, monkeypatch)[0]


def test_a_file_of_too_many_values_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `MAX_VALUES`, the thorough path judges the file (here: still within its free values)."""
    (tmp_path / "spec.yaml").write_text("entities:\n  t:\n    a: x\n    b: y\n  u: {c: z, d: w}\n")
    found, taken = read(tmp_path, True, monkeypatch)
    assert taken == [True]
    monkeypatch.setattr(loader, "MAX_VALUES", 5)
    given_up, taken = read(tmp_path, True, monkeypatch)
    assert taken == [False]
    assert given_up == found == read(tmp_path, False, monkeypatch)[0]

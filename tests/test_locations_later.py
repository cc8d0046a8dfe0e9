"""Locations looked up when first read (`loader.load(locations_later=True)`, what `compile_spec` does)
are the very ones the loader records as it reads: in every diagnostic of the failing specs, on every
object of the valid ones; and a valid spec compiles without reading them at all."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_validation import CASES, diagnose

from schemagen.diagnostics import SpecError
from schemagen.load import loader
from schemagen.model import Location, TextAt
from schemagen.model.locations import PendingLocation, PendingTextAt
from schemagen.pipeline import compile_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = [ROOT / "spec", *sorted(p.parent for p in (ROOT / "examples").glob("*/spec.yaml"))]
SPECS += sorted(p for p in (ROOT / "examples").glob("*/spec") if p.is_dir())


def located(value: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(where in the Model, the object, its location) of every location-like field of `value`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if isinstance(item, (Location, TextAt, PendingTextAt)):
                yield f"{path}.{f.name}", value, item
            else:
                yield from located(item, f"{path}.{f.name}")
    elif isinstance(value, (tuple, list)) and not isinstance(value, Location):
        for i, item in enumerate(value):
            yield from located(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from located(item, f"{path}[{key!r}]")


def shown(diagnostics: list[Any]) -> list[dict[str, object]]:
    return [d.to_dict() for d in diagnostics]


def compiled_both(root: Path) -> tuple[Any, Any]:
    later, now = (compile_spec(root, locations_later=flag) for flag in (True, False))
    return later, now


@pytest.mark.parametrize("root", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_object_is_where_the_loader_says(root: Path) -> None:
    later, now = compiled_both(root)
    pairs = list(zip(located(later.model), located(now.model), strict=True))
    assert pairs, "a spec with no location at all"
    sources = [
        tuple.__getitem__(loc, 0) for _, _, loc in located(later.model) if isinstance(loc, PendingLocation)
    ]
    # nothing read the locations while compiling: every one was still pending; and the raw spec they
    # keep no longer holds its data
    assert sources and all(source.pending and not source.data for source in sources)
    for (path, view, pending), (same_path, _, recorded) in pairs:
        assert path == same_path
        if isinstance(pending, PendingTextAt):  # a view's query: where its last character is
            end = len(view.query) - 1
            assert pending.location(view.query, end, 1) == recorded.location(view.query, end, 1), path
        else:
            assert isinstance(pending, PendingLocation) and type(recorded) is Location
            assert pending == recorded and pending.resolved() == recorded, path
    assert shown(later.warnings) == shown(now.warnings)


@pytest.mark.parametrize(("name", "files"), [(case[0], case[1]) for case in CASES])
def test_every_diagnostic_is_where_the_loader_says(
    name: str, files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = diagnose(tmp_path, files)
    eager = loader.load

    def load_now(root: Path, *, locations_later: bool = False) -> loader.RawSpec:
        return eager(root)

    monkeypatch.setattr(loader, "load", load_now)
    assert shown(later) == shown(diagnose(tmp_path, files))


def test_a_file_read_the_thorough_way_records_the_earlier_ones(tmp_path: Path) -> None:
    """An entity written in two files: the second, not plain, is read from its nodes, and the
    diagnostic names the first file's line, whose location was not recorded yet."""
    (tmp_path / "a.yaml").write_text("entities:\n  t: {columns: {id: bigint}}\n")
    (tmp_path / "b.yaml").write_text("entities:\n  u: {}\n  t: {columns: {id: bigint}}\n")
    with pytest.raises(SpecError) as error:
        loader.load(tmp_path, locations_later=True)
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.file, diagnostic.line) == (str(tmp_path / "b.yaml"), 3)
    assert "a.yaml:2:3" in diagnostic.message


def test_a_pending_location_is_the_location_it_stands_for(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("entities:\n  users:\n    columns: {id: bigint}\n")
    raw = loader.load(tmp_path, locations_later=True)
    assert raw.pending and not raw.key_locations
    pending = raw.locate(("entities", "users", "columns", "id"))
    assert isinstance(pending, PendingLocation) and pending and raw.pending  # truth needs no look-up
    file = raw.files[0]
    recorded = Location(file, 3, 19, 3, 25)
    assert pending == recorded and recorded == pending and pending.__ne__(recorded) is False
    assert raw.pending is False  # looked up once, for every location
    assert hash(pending) == hash(recorded) and {pending: 1}[recorded] == 1
    assert (pending.file, pending.line, pending.column, pending.end_line, pending.end_column) == tuple(
        recorded
    )
    assert str(pending) == f"{file}:3:19" and repr(pending) == repr(recorded)
    assert list(pending) == list(recorded) and len(pending) == 5 and pending[1] == 3
    assert sorted([Location(file, 9, 1), pending, Location(file, 1, 1)])[1] == recorded
    assert pending < Location(file, 9, 1) and pending >= recorded and pending <= recorded
    assert (
        pending._replace(line=4) == Location(file, 4, 19, 3, 25) and pending._asdict() == recorded._asdict()
    )
    for copied in (copy.copy(pending), copy.deepcopy(pending), pickle.loads(pickle.dumps(pending))):
        assert type(copied) is Location and copied == recorded
    assert raw.locate(("views", "v")) is None and raw.locate(()) is None
    assert raw.text_at(("views", "v", "query"), "x") is None


def test_a_pending_text_is_found_with_its_prefix_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("views:\n  v:\n    query: |\n\n      select 1\n        from t\n")
    raw = loader.load(tmp_path, locations_later=True)
    query = raw.data["views"]["v"]["query"]
    pending = raw.text_at(("views", "v", "query"), query)
    assert isinstance(pending, PendingTextAt)
    at = pending.skipped("\n")
    assert raw.pending
    recorded = loader.load(tmp_path).text_at(("views", "v", "query"), query)
    assert isinstance(recorded, TextAt)
    body = query[1:]
    assert at.location(body, body.index("from"), 4) == recorded.skipped("\n").location(
        body, body.index("from"), 4
    )
    assert at.location(body, body.index("from"), 4) == Location(raw.files[0], 6, 9, 6, 13)

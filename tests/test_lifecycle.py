"""Windows kept over time (`model.lifecycle`): the periods a window holds on a date, without a server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schemagen.build.writer import write_spec
from schemagen.model import RangeWindow, lifecycle
from schemagen.pipeline import compile_spec

SPEC = """\
entities:
  events:
    columns:
      id: bigint
      at: {type: timestamptz, default: {sql: now()}}
    primary_key: [id, at]
    partition:
      range: {key: at, every: month, from: 2025-01-01, default: true, premake: 2, retain: 3 months,
              expire: archive}
      names: {2025_02: events_feb}
    archive: {after: 90 days, column: at}
"""


def window(**policy: object) -> RangeWindow:
    fields = {"every": "month", "start": date(2025, 1, 1), "end": date(2025, 4, 1), "default": False}
    return RangeWindow(**{**fields, **policy})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "retain", "expected"),
    [
        (date(2025, 3, 31), "1 month", date(2025, 2, 28)),  # the day clamped, as PostgreSQL does
        (date(2024, 3, 31), "1 month", date(2024, 2, 29)),
        (date(2026, 3, 1), "13 months", date(2025, 2, 1)),
        (date(2025, 1, 15), "2 years", date(2023, 1, 15)),
        (date(2025, 1, 15), "3 weeks", date(2024, 12, 25)),
        (date(2025, 1, 15), "90 days", date(2024, 10, 17)),
    ],
)
def test_minus_retain_counts_like_postgresql(day: date, retain: str, expected: date) -> None:
    assert lifecycle.minus_retain(day, retain) == expected


def test_retain_spellings() -> None:
    assert lifecycle.canonical_retain("13 Months") == "13 months"
    assert lifecycle.canonical_retain("1 years") == "1 year"
    assert lifecycle.canonical_retain("0 days") is None
    assert lifecycle.canonical_retain("1 fortnight") is None


def test_a_period_expires_when_all_of_it_is_older_than_the_retention() -> None:
    kept = window(retain="13 months")
    january = date(2024, 2, 1)  # the end of 2024-01
    assert not lifecycle.expired(kept, january, date(2025, 2, 28))
    assert lifecycle.expired(kept, january, date(2025, 3, 1))


def test_premake_extends_and_retain_trims_the_window() -> None:
    kept = window(premake=2, retain="3 months")
    assert lifecycle.policy_range(kept, date(2025, 1, 1)) == (date(2025, 1, 1), date(2025, 4, 1))
    assert lifecycle.policy_range(kept, date(2025, 6, 15)) == (date(2025, 3, 1), date(2025, 9, 1))
    # without premake the end stays where the spec puts it, and everything may expire
    assert lifecycle.policy_range(window(retain="1 month"), date(2026, 1, 1)) == (
        date(2025, 12, 1),
        date(2025, 12, 1),
    )


def test_a_window_without_to_ends_where_maintenance_on_its_first_day_would(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    table = compile_spec(spec).model.table("events")
    assert table is not None and table.partition is not None and table.partition.window is not None
    kept = table.partition.window
    assert (kept.start, kept.end, kept.open_end) == (date(2025, 1, 1), date(2025, 4, 1), True)
    assert kept.child_name == "events_{suffix}"
    names = [c.name for c in table.partition.children]
    assert names == ["events_2025_01", "events_feb", "events_2025_03", "events_default"]
    # nothing to make on the first day; later, the pinned name stays and new periods get the template's
    assert lifecycle.table_at(table, date(2025, 1, 1)) == table
    later = lifecycle.table_at(table, date(2025, 5, 2))
    assert later.partition is not None
    assert [c.name for c in later.partition.children] == [
        "events_feb",
        "events_2025_03",
        "events_2025_04",
        "events_2025_05",
        "events_2025_06",
        "events_2025_07",
        "events_default",
    ]
    assert later.partition.children[-2].bound.range_from == "2025-07-01 00:00:00+00"


def test_the_writer_keeps_the_policy(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    model = compile_spec(spec).model
    written = write_spec(model, tmp_path / "written")
    text = "".join(p.read_text() for p in written)
    assert "premake: 2" in text and "retain: 3 months" in text and "expire: archive" in text
    assert compile_spec(tmp_path / "written").model == model

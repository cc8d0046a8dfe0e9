"""A view is dropped and created again around a column change only when it reads the column: a column
dropped or renamed that the view (as it was) names, one retyped or renamed that the view (as it
becomes) names, or any column when it reads whole rows (`*`, a NATURAL join, a table aliased with
column names). A column a join's USING names counts as read. The others, a materialized view among
them, are left as they are — same object, same rows. Up and down on a database with rows: after each,
the catalog is a fresh render's and the rows are kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemagen.database.live import connect
from schemagen.postgres import expressions
from tests.catalog import assert_catalog_equal
from tests.commandline import edit, run
from tests.objects_roundtrip import applied, catalog

SPEC = """\
project: {name: shop}
entities:
  items:
    columns:
      id: {type: integer, primary_key: true}
      code: text
      label: text
      price: integer
      note: text?  # last: the down adds it back where it was
  stock:
    columns:
      id: {type: integer, primary_key: true}
      qty: integer
views:
  item_codes:
    query: SELECT id, code FROM items
  item_labels:
    query: SELECT id, label FROM items
  every_item:
    query: SELECT * FROM items
  stocked:
    query: SELECT code, qty FROM items JOIN stock USING (id)
  natural_stock:
    query: SELECT code, qty FROM items NATURAL JOIN stock
  positional:
    query: SELECT x, y FROM items AS i (x, y)
  price_totals:
    materialized: true
    query: SELECT label, sum(price) AS total FROM items GROUP BY label
"""

ROWS = """
INSERT INTO items SELECT g, 'c' || g, 'l' || (g % 5), g, CASE WHEN g % 2 = 0 THEN 'n' END FROM generate_series(1, 50) g;
INSERT INTO stock SELECT g, g * 3 FROM generate_series(1, 50, 2) g;
REFRESH MATERIALIZED VIEW price_totals;
"""

VIEWS = ("item_codes", "item_labels", "every_item", "stocked", "natural_stock", "positional", "price_totals")


def views(dsn: str) -> dict[str, tuple[int, list[tuple[Any, ...]]]]:
    """Each view's object id and rows: an untouched view keeps its oid (and a materialized one its rows)."""
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for name in VIEWS:
            row = conn.execute("SELECT %s::regclass::oid", (f"public.{name}",)).fetchone()
            assert row is not None
            found[name] = (row[0], conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall())
    return found


def rows(dsn: str) -> list[tuple[Any, ...]]:
    with connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT * FROM items ORDER BY id").fetchall()


def migrate(workdir: Path, name: str, *options: str) -> tuple[str, str]:
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "new", name, "spec", *options)
    assert code == 0, out + err
    folder = workdir / "generated" / "migrations"
    ups = sorted(folder.glob(f"*_{name}.up.sql"))
    return ups[0].read_text(), ups[0].with_name(ups[0].name.replace(".up.", ".down.")).read_text()


def dropped(sql: str) -> set[str]:
    return {name for name in VIEWS if f"VIEW IF EXISTS public.{name};" in sql}


CHANGES = [
    # (what changes, the edit, views recreated up, views recreated down)
    (
        "drop_note",
        ("      note: text?  # last: the down adds it back where it was\n", ""),
        {"every_item", "natural_stock", "positional"},
        {"every_item", "natural_stock", "positional"},
    ),
    (
        "rename_label",
        ("      label: text\n", "      title: {type: text, renamed_from: label}\n"),
        {"item_labels", "price_totals", "every_item", "natural_stock", "positional"},
        {"item_labels", "price_totals", "every_item", "natural_stock", "positional"},
    ),
    (
        "retype_id",
        (
            "      id: {type: integer, primary_key: true}\n      code",
            "      id: {type: bigint, primary_key: true}\n      code",
        ),
        {"item_codes", "item_labels", "stocked", "every_item", "natural_stock", "positional"},
        {"item_codes", "item_labels", "stocked", "every_item", "natural_stock", "positional"},
    ),
]


@pytest.mark.parametrize(("name", "change", "up_views", "down_views"), CHANGES, ids=[c[0] for c in CHANGES])
def test_only_the_views_reading_a_changed_column_are_made_again(
    workdir: Path,
    pg_dsn: str,
    fresh: Callable[[str], str],
    name: str,
    change: tuple[str, str],
    up_views: set[str],
    down_views: set[str],
) -> None:
    (workdir / "spec").mkdir()
    spec = workdir / "spec" / "spec.yaml"
    spec.write_text(SPEC)
    migrate(workdir, "initial")
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(ROWS)
    before_views, kept = views(pg_dsn), rows(pg_dsn)
    before_catalog = catalog(pg_dsn)

    old, new = change
    edit(spec, old, new)
    if name == "rename_label":  # the views name the column by its new name
        edit(spec, "SELECT id, label FROM", "SELECT id, title FROM")
        edit(
            spec,
            "SELECT label, sum(price) AS total FROM items GROUP BY label",
            "SELECT title, sum(price) AS total FROM items GROUP BY title",
        )
    up, down = migrate(workdir, name, "--allow-destructive")
    assert dropped(up) == up_views, up
    assert dropped(down) == down_views, down

    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), applied(fresh("a"), workdir / "generated" / "schema.sql"))
    after = views(pg_dsn)
    for view in VIEWS:
        if view not in up_views:  # the same object: not dropped, not created again
            assert after[view][0] == before_views[view][0], view
    assert after["price_totals"][1] == before_views["price_totals"][1]  # rows kept, recreated or not
    assert len(rows(pg_dsn)) == len(kept)
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before_catalog)
    back = views(pg_dsn)
    for view in VIEWS:
        if not (name == "drop_note" and view == "every_item"):  # it shows the values the drop lost
            assert back[view][1] == before_views[view][1], view  # what it read before
        if view not in up_views | down_views:
            assert back[view][0] == before_views[view][0], view
    if name != "drop_note":  # a dropped column comes back empty; the others keep their values
        assert rows(pg_dsn) == kept


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ("SELECT a FROM t JOIN u USING (b)", {"a", "b"}),
        ("SELECT a FROM t JOIN u USING (b) AS j", {"a", "b"}),
        ("SELECT a FROM t NATURAL JOIN u", None),
        ("SELECT x FROM t AS v (x)", None),
        ("SELECT v.a FROM t AS v", {"a"}),
        ("SELECT t FROM t", None),
        ("SELECT * FROM t", None),
    ],
)
def test_columns_read(query: str, read: set[str] | None) -> None:
    found = expressions.columns_read(expressions.parse_query(query))
    assert found == (None if read is None else frozenset(read))

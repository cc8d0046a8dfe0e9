"""`schemagen docs`: the static site, driven in a real Chromium from `file://`, built twice for the
same bytes, from a live database, from an installed wheel, and refusing what it must refuse."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from playwright.sync_api import Browser, Page, sync_playwright

from schemagen.cli import cli
from schemagen.database.live import connect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Where the browser test leaves its screenshots: this variable, or a folder of the test's own.
SCREENSHOTS_VARIABLE = "SCHEMAGEN_SCREENSHOTS"
SUBPROCESS_TIMEOUT_SECONDS = 300
# What would make a page fetch something from the network: an attribute or a CSS url() naming an
# http(s) or protocol-relative address, or a CSS @import.
REMOTE_RESOURCE = re.compile(
    rb"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    rb"""|(?:url\(\s*["']?\s*(?:https?:)?//)|@import""",
    re.IGNORECASE,
)


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def read_tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = invoke("docs", repo_root / "spec", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"open {out / 'index.html'}" in result.output
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/test installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_browser_searches_and_follows_links_from_file_urls(
    example_site: Path, page: Page, tmp_path: Path
) -> None:
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    shots = Path(os.environ.get(SCREENSHOTS_VARIABLE) or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {shots}")

    page.goto((example_site / "index.html").as_uri())
    assert page.title() == "Index · discord-bot"
    users, messages = page.locator("#table-users"), page.locator("#table-messages")
    assert users.is_visible() and messages.is_visible()
    page.screenshot(path=shots / "index.png")

    search = page.locator("#search")
    search.press_sequentially("messag")
    assert messages.is_visible()
    assert page.locator("#table-message_edits").is_visible()
    assert page.locator("#function-archive_messages").is_visible()
    assert users.is_hidden()
    assert page.locator("#enums").is_hidden()  # a section with nothing left to show goes
    assert re.fullmatch(r"\d+ of \d+", page.locator("#search-count").inner_text())
    page.screenshot(path=shots / "index-search.png")
    search.press_sequentially(" author")  # a column of messages: every word must match
    assert messages.is_visible() and page.locator("#table-message_edits").is_hidden()
    search.fill("no such thing")
    search.dispatch_event("input")
    assert page.locator("#search-empty").is_visible()
    search.fill("")
    search.dispatch_event("input")
    assert users.is_visible()

    messages.get_by_role("link", name="messages", exact=True).click()
    page.wait_for_url("**/tables/messages.html")
    assert page.locator("h1").inner_text() == "messages"
    assert "spec/messages.yaml:5" in page.locator(".meta").first.inner_text()
    partitions = page.locator("#partitions").inner_text()
    assert "messages_2024_01" in partitions
    assert "3 months made ahead; periods older than 13 months archived" in partitions
    page.screenshot(path=shots / "messages.png", full_page=True)

    page.locator("#references").get_by_role("link", name="channels", exact=True).click()
    page.wait_for_url("**/tables/channels.html")
    assert page.locator("h1").inner_text() == "channels"
    diagram = page.locator("#diagram svg.erd")
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50
    names = diagram.locator("a.entity text.name").all_text_contents()
    assert "channels" in names and "messages" in names and "guilds" in names
    assert diagram.locator(".focus text.name").text_content() == "channels"
    assert diagram.locator("polyline.fk").count() >= 3

    diagram.locator("a.entity", has_text="guilds").first.click()  # boxes link to their tables
    page.wait_for_url("**/tables/guilds.html")
    assert "hash" in page.locator("#partitions").inner_text()

    page.goto((example_site / "index.html").as_uri())
    page.locator("#migration-0002_shard_guilds_8").get_by_role("link").click()
    page.wait_for_url("**/migrations/0002_shard_guilds_8.html")
    hazards = page.locator("#up ul.hazards").inner_text()
    assert "SG922" in hazards and "SG932" in hazards
    assert (
        "split guilds_p0 (modulus 4) into guilds_p0, guilds_p4" in page.locator("#up ol.steps").inner_text()
    )
    assert page.locator("#up pre.sql span.k").count() > 10  # highlighted at build time

    assert problems == []
    assert requests and all(url.startswith("file://") for url in requests), requests
    assert (shots / "index.png").stat().st_size > 10_000
    assert (shots / "messages.png").stat().st_size > 10_000


def test_same_spec_gives_the_same_bytes_and_nothing_remote(repo_root: Path, tmp_path: Path) -> None:
    """Built in two processes with different hash seeds, from two copies of the project: any
    ordering by set or by address, any date or absolute path, would show as a difference."""
    for copy in ("one", "two"):
        shutil.copytree(repo_root / "spec", tmp_path / copy / "spec")
        shutil.copytree(repo_root / "generated", tmp_path / copy / "generated")
    builds = []
    for copy, seed in (("one", "1"), ("two", "2")):
        out = tmp_path / copy / "site"
        done = subprocess.run(
            [sys.executable, "-m", "schemagen", "docs", "spec", "-o", "site"],
            cwd=tmp_path / copy,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_SECONDS,
        )
        assert done.returncode == 0, done.stderr
        builds.append(read_tree(out))
    first, second = builds
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert {"index.html", "diagram.html", "tables/messages.html", "views/daily_message_stats.html"} <= set(
        first
    )
    assert {"enums/theme.html", "migrations/0002_shard_guilds_8.html", "static/site.css"} <= set(first)

    for name, content in first.items():
        assert REMOTE_RESOURCE.search(content) is None, f"{name} loads something remote"
        if name.endswith(".html"):
            assert b"<script src" not in content
            assert str(tmp_path).encode() not in content, f"{name} holds the build's path"


def test_docs_of_a_live_database(pg_dsn: str, repo_root: Path, tmp_path: Path) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((repo_root / "generated" / "schema.sql").read_bytes(), prepare=False)
    out = tmp_path / "site"
    result = invoke("docs", "--dsn", pg_dsn, "-o", out)
    assert result.exit_code == 0, result.output
    assert "(16 tables, 2 views, 0 migrations)" in result.output
    messages = (out / "tables" / "messages.html").read_text()
    assert "Read from the database." in messages
    assert 'href="../tables/channels.html"' in messages
    assert "messages_2026_12" in messages and "every month" in messages
    assert "spec/" not in messages
    index = (out / "index.html").read_text()
    assert "refresh_daily_message_stats" in index and "archive_messages" in index
    assert "a live database" in index

    unreachable = invoke("docs", "--dsn", "postgresql:///nowhere?host=/nonexistent", "-o", tmp_path / "x")
    assert unreachable.exit_code == 2
    assert "Traceback" not in unreachable.output


SMALL_SPEC = textwrap.dedent("""\
    project: {name: small}
    enums:
      mood: [happy, sad]
    entities:
      users:
        columns:
          id: {type: bigint, primary_key: true}
          mood: {type: mood, default: happy}
          boss_id: {type: bigint, nullable: true, references: users}
      AuditLog:
        columns:
          id: {type: bigint, primary_key: true}
          user_id: {type: bigint, references: users}
    """)


def test_odd_names_a_self_reference_and_a_rebuild_that_drops_a_table(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(SMALL_SPEC, encoding="utf-8")
    out = tmp_path / "site"
    assert invoke("docs", spec, "-o", out).exit_code == 0
    pages = set(read_tree(out))
    assert {"tables/users.html", "tables/-41-udit-4c-og.html", "enums/mood.html", ".schemagen-docs"} <= pages
    assert not any(name.startswith("migrations/") for name in pages)  # no generated/ beside this spec
    users = (out / "tables" / "users.html").read_text()
    assert users.count('<polyline class="fk"') == 2  # AuditLog → users, and the loop users → users
    assert 'href="../tables/-41-udit-4c-og.html">AuditLog</a>' in users
    assert 'href="../enums/mood.html"' in users
    assert "spec/a.yaml:" in users

    (spec / "a.yaml").write_text(SMALL_SPEC.split("  AuditLog:")[0], encoding="utf-8")
    assert invoke("docs", spec, "-o", out).exit_code == 0
    assert not (out / "tables" / "-41-udit-4c-og.html").exists()
    assert "AuditLog" not in (out / "index.html").read_text()


def test_refusals_are_one_message_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.yaml").write_text("entities:\n  t:\n    columns:\n      id: {type: bigint, refrences: t}\n")
    result = invoke("docs", bad, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "a.yaml:4" in result.output and re.search(r"^\d+ errors? in ", result.output, re.MULTILINE)
    assert not (tmp_path / "out").exists()

    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(SMALL_SPEC, encoding="utf-8")
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("mine\n")
    result = invoke("docs", spec, "-o", foreign)
    assert result.exit_code == 2
    assert "did not write" in result.output
    assert sorted(p.name for p in foreign.iterdir()) == ["todo.txt"]

    generated = tmp_path / "generated" / "migrations"
    generated.mkdir(parents=True)
    (generated / "0001_first.up.sql").write_text("-- up\n")
    result = invoke("docs", spec, "-o", tmp_path / "site")
    assert result.exit_code == 2
    assert "0001_first has no .down.sql file" in result.output


def test_an_installed_wheel_builds_the_site(repo_root: Path, tmp_path: Path) -> None:
    """The templates and static files ship in the wheel (package data), not only in the checkout."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, repo_root],
        check=True,
        capture_output=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
    )
    (wheel,) = wheels.glob("schemagen-*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(installed)
    for template in ("layout", "index", "table", "view", "enum", "migration", "erd"):
        assert f"schemagen/templates/site/{template}.html.j2" in names
    assert "schemagen/templates/site/erd.svg.j2" in names
    assert {"schemagen/site/builder/static/site.css", "schemagen/site/builder/static/search.js"} <= names

    work = tmp_path / "elsewhere"
    shutil.copytree(repo_root / "spec", work / "spec")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import schemagen; print(schemagen.__file__); "
            "from schemagen.cli import main; main(['docs', 'spec', '-o', 'out'])",
        ],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(installed))
    index = (work / "out" / "index.html").read_text()
    assert "search-index" in index and "entries.forEach" in index  # the search script, inlined
    assert (work / "out" / "static" / "site.css").read_text().startswith("/* The schema docs site")


TYPES_SPEC = """
project: {name: typed, postgres: 15, schemas: [audit]}
domains:
  posint: {type: integer, check: VALUE > 0, comment: a positive integer}
  audit.posint: {type: bigint, not_null: true, default: 1}
types:
  address: {composite: {street: text, city: text}, comment: where someone lives}
  price_range: {range: {subtype: numeric}}
functions:
  touch: {returns: trigger, language: plpgsql, body: 'BEGIN RETURN NEW; END'}
  audit.touch: {returns: trigger, language: plpgsql, body: 'BEGIN RETURN NEW; END'}
  add(integer, integer): {returns: integer, language: sql, body: SELECT $1 + $2, volatility: immutable}
  add(bigint, bigint): {returns: bigint, language: sql, body: SELECT $1 + $2, volatility: immutable}
entities:
  accounts:
    columns: {id: {type: bigint, primary_key: true}, n: posint, home: address?}
    triggers: {t: {function: touch, timing: before, events: [insert], for_each: row}}
  audit.accounts:
    columns: {id: {type: bigint, primary_key: true}, n: audit.posint}
    triggers: {t: {function: audit.touch, timing: before, events: [insert], for_each: row}}
"""


def test_domains_types_and_functions_have_pages_of_their_own(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "a.yaml").write_text(TYPES_SPEC, encoding="utf-8")
    out = tmp_path / "site"
    assert invoke("docs", spec, "-o", out).exit_code == 0
    pages = set(read_tree(out))
    assert {
        "types/posint.html",
        "types/audit-2e-posint.html",
        "types/address.html",
        "types/price_range.html",
        "functions/touch.html",
        "functions/audit-2e-touch.html",
        "functions/add-28-integer-2c--20-integer-29-.html",
        "tables/audit-2e-accounts.html",
    } <= pages
    index = (out / "index.html").read_text()
    assert '<section id="types"' in index and 'href="types/address.html">address</a>' in index
    assert 'href="index.html#types">Types</a>' in index
    assert "composite type: where someone lives" in index
    posint = (out / "types" / "posint.html").read_text()
    assert "VALUE &gt; 0" in posint and 'href="../tables/accounts.html#column-n">accounts.n</a>' in posint
    audit_posint = (out / "types" / "audit-2e-posint.html").read_text()
    assert 'href="../tables/audit-2e-accounts.html#column-n">audit.accounts.n</a>' in audit_posint
    touch = (out / "functions" / "audit-2e-touch.html").read_text()
    assert 'trigger <code>t</code> on <a href="../tables/audit-2e-accounts.html">audit.accounts</a>' in touch
    assert (
        'href="../types/posint.html"><code>posint</code></a>'
        in (out / "tables" / "accounts.html").read_text()
    )

"""One failing spec per diagnostic code: the code and the YAML line it points at."""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import pytest

from schemagen.diagnostics import Diagnostic, Severity, SpecError, rules
from schemagen.pipeline import compile_spec

PROJECT = "project: {name: t, postgres: 15}\n"


def diagnose(tmp_path: Path, files: dict[str, str]) -> list[Diagnostic]:
    """Every diagnostic of a spec made of `files` (its warnings only when it is valid)."""
    root = tmp_path / "spec"
    root.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    try:
        return compile_spec(root).warnings
    except SpecError as error:
        return error.diagnostics


def single(text: str) -> dict[str, str]:
    return {"a.yaml": PROJECT + textwrap.dedent(text)}


# (case id, files, expected code, expected file, expected line) — lines count the PROJECT line as 1.
CASES: list[tuple[str, dict[str, str], str, str, int]] = [
    ("yaml-syntax", single("entities:\n  users:\n    columns: {id: bigint\n"), "SG002", "a.yaml", 5),
    ("unknown-key", single("entities:\n  users:\n    colums: {id: bigint}\n"), "SG003", "a.yaml", 4),
    ("unknown-top-level", single("entitys: {}\n"), "SG003", "a.yaml", 2),
    (
        "allow-destructive-typo",
        {"a.yaml": "project: {name: shop, allow_destructive: [drop colum users.phone]}\n"},
        "SG604",
        "a.yaml",
        1,
    ),
    (
        "invalid-value",
        single("""\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}}
            partition:
              hash: {key: id, modulus: four}
        """),
        "SG004",
        "a.yaml",
        6,
    ),
    (
        "invalid-identity",
        single("entities:\n  t:\n    columns:\n      id: {type: bigint, identity: sometimes}\n"),
        "SG004",
        "a.yaml",
        5,
    ),
    (
        "duplicate-entity",
        {
            "a.yaml": PROJECT + "entities:\n  t: {columns: {id: bigint}}\n",
            "b.yaml": "entities:\n  t: {columns: {id: bigint}}\n",
        },
        "SG005",
        "b.yaml",
        2,
    ),
    ("duplicate-project", {"a.yaml": PROJECT, "b.yaml": PROJECT}, "SG005", "b.yaml", 1),
    (
        "duplicate-key",
        single("entities:\n  t:\n    columns:\n      id: bigint\n      id: integer\n"),
        "SG006",
        "a.yaml",
        6,
    ),
    (
        "unknown-mixin",
        single("entities:\n  t:\n    mixins: [timestamp]\n    columns: {id: bigint}\n"),
        "SG007",
        "a.yaml",
        4,
    ),
    (
        "expression-syntax",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              bot: {type: boolean, default: {sql: "false); DROP TABLE users; --"}}
        """),
        "SG101",
        "a.yaml",
        6,
    ),
    (
        "two-statements",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true, check: "id > 0; DROP TABLE t"}
        """),
        "SG101",
        "a.yaml",
        5,
    ),
    (
        "view-not-select",
        single("""\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        views:
          v: {query: "DELETE FROM t"}
        """),
        "SG101",
        "a.yaml",
        5,
    ),
    (
        "not-immutable-predicate",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              created_at: timestamptz
            indexes:
              - columns: [created_at]
                where: "created_at >= CURRENT_DATE - INTERVAL '30 days'"
        """),
        "SG102",
        "a.yaml",
        9,
    ),
    (
        "not-immutable-date",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              created_at: timestamptz
            indexes:
              - expression: "date(created_at)"
        """),
        "SG102",
        "a.yaml",
        8,
    ),
    (
        "not-immutable-tsvector",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              body: text
            indexes:
              - {using: gin, expression: "to_tsvector(body)"}
        """),
        "SG102",
        "a.yaml",
        8,
    ),
    (
        "not-immutable-generated",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, primary_key: true}
              r: {type: double precision, generated: "random()"}
        """),
        "SG102",
        "a.yaml",
        6,
    ),
    (
        "default-type",
        single("entities:\n  t:\n    columns:\n      flags: {type: integer, default: none}\n"),
        "SG103",
        "a.yaml",
        5,
    ),
    (
        "default-too-long",
        single("entities:\n  t:\n    columns:\n      c: {type: varchar(2), default: abc}\n"),
        "SG103",
        "a.yaml",
        5,
    ),
    (
        "enum-default",
        single("""\
        enums:
          theme: [dark, light]
        entities:
          t:
            columns:
              theme: {type: theme, default: blue}
        """),
        "SG104",
        "a.yaml",
        7,
    ),
    ("unknown-type", single("entities:\n  t:\n    columns:\n      name: varchar(\n"), "SG105", "a.yaml", 5),
    ("serial", single("entities:\n  t:\n    columns:\n      id: serial\n"), "SG106", "a.yaml", 5),
    (
        "sequence-start-below-min",
        single("""\
        sequences:
          order_numbers: {type: integer, start: 0}
        """),
        "SG109",
        "a.yaml",
        3,
    ),
    (
        "sequence-type",
        single("""\
        sequences:
          order_numbers: {type: numeric}
        """),
        "SG109",
        "a.yaml",
        3,
    ),
    (
        "sequence-unknown-owner",
        single("""\
        sequences:
          order_numbers: {owned_by: order.number}
        entities:
          orders:
            columns: {number: bigint}
        """),
        "SG109",
        "a.yaml",
        3,
    ),
    (
        "default-unknown-sequence",
        single("""\
        entities:
          orders:
            columns:
              number: {type: bigint, default: {sequence: order_numbers}}
        """),
        "SG109",
        "a.yaml",
        5,
    ),
    (
        "function-sql-body-does-not-parse",
        single("""\
        functions:
          film_count:
            returns: bigint
            language: sql
            body: SELEC count(*) FROM film
        """),
        "SG120",
        "a.yaml",
        6,
    ),
    (
        "exclusion-unknown-column",
        single("""\
        entities:
          bookings:
            columns: {id: bigint, during: tstzrange}
            exclude:
              - elements: [{column: durng, with: '&&'}]
        """),
        "SG135",
        "a.yaml",
        6,
    ),
    (
        "fk-to-a-deferrable-key",
        single("""\
        entities:
          lanes:
            columns: {id: integer}
            primary_key: {columns: [id], deferrable: true}
          cars:
            columns:
              lane: {type: integer, references: lanes}
        """),
        "SG136",
        "a.yaml",
        8,
    ),
    (
        "no-inherit-on-a-partitioned-table",
        single("""\
        entities:
          events:
            columns: {id: bigint, n: integer}
            partition:
              hash: {key: id, modulus: 2}
            checks:
              positive: {expression: n > 0, no_inherit: true}
        """),
        "SG137",
        "a.yaml",
        8,
    ),
    (
        "index-storage-of-another-method",
        single("""\
        entities:
          docs:
            columns: {id: bigint, tags: 'text[]'}
            indexes:
              - {columns: [tags], using: gin, storage: {fillfactor: 70}}
        """),
        "SG138",
        "a.yaml",
        6,
    ),
    (
        "colocate-with-a-name-two-schemas-have",
        {
            "a.yaml": "project: {name: t, postgres: 15, extensions: [citus], schemas: [tenant_a, tenant_b]}\n"
            + textwrap.dedent("""\
        entities:
          tenant_a.accounts: {columns: {id: bigint}, distribute: {by: id}}
          tenant_b.accounts: {columns: {id: bigint}, distribute: {by: id}}
          invoices:
            columns: {account_id: bigint}
            distribute: {by: account_id, colocate_with: accounts}
        """)
        },
        "SG139",
        "a.yaml",
        7,
    ),
    (
        "unlogged-referenced-by-permanent",
        single("""\
        entities:
          sessions: {unlogged: true, columns: {id: {type: bigint, primary_key: true}}}
          audit:
            columns:
              session_id: {type: bigint, references: sessions}
        """),
        "SG122",
        "a.yaml",
        6,
    ),
    (
        "trigger-unknown-function",
        single("""\
        functions:
          last_updated: {returns: trigger, language: plpgsql, body: "BEGIN RETURN NEW; END"}
        entities:
          film:
            columns: {id: bigint}
            triggers:
              touched: {function: last_update, timing: before, events: [update], for_each: row}
        """),
        "SG121",
        "a.yaml",
        8,
    ),
    (
        "builtin-trigger-function-misused",
        single("""\
        entities:
          film:
            columns: {id: bigint, title: text, fulltext: tsvector}
            triggers:
              fts:
                function: tsvector_update_trigger
                timing: before
                events: [insert]
                for_each: row
                arguments: [fulltext, english, title]
        """),
        "SG140",
        "a.yaml",
        11,
    ),
    (
        "aggregate-unknown-state-function",
        single("""\
        functions:
          joined:
            arguments: [text]
            aggregate: {state_function: join_step, state_type: text}
        """),
        "SG141",
        "a.yaml",
        5,
    ),
    (
        "overload-key-lies",
        single("""\
        functions:
          size(text): {arguments: [n integer], returns: integer, language: sql, body: SELECT n}
        """),
        "SG142",
        "a.yaml",
        3,
    ),
    (
        "type-both-composite-and-range",
        single("""\
        types:
          pair:
            composite: {a: integer}
            range: {subtype: integer}
        """),
        "SG150",
        "a.yaml",
        3,
    ),
    (
        "trigger-function-must-return-trigger",
        single("""\
        functions:
          positive: {arguments: [x integer], returns: boolean, language: sql, body: SELECT x > 0}
        entities:
          film:
            columns: {id: bigint}
            triggers:
              touched: {function: positive, timing: after, events: insert}
        """),
        "SG121",
        "a.yaml",
        8,
    ),
    (
        "grant-of-a-privilege-tables-lack",
        single("""\
        entities:
          film:
            columns: {id: bigint}
            grants:
              app_reader: [select, usage]
        """),
        "SG130",
        "a.yaml",
        6,
    ),
    (
        "policy-inactive",
        single("""\
        entities:
          film:
            columns: {id: bigint}
            policies:
              own: {using: id > 0}
        """),
        "SG143",
        "a.yaml",
        5,
    ),
    (
        "insert-policy-with-using",
        single("""\
        entities:
          film:
            columns: {id: bigint}
            row_level_security: true
            policies:
              own: {for: insert, using: id > 0}
        """),
        "SG131",
        "a.yaml",
        7,
    ),
    (
        "grant-to-an-undeclared-role",
        single("""\
        roles:
          app_reader:
        entities:
          film:
            columns: {id: bigint}
            grants:
              app_reader: [select]
              app_writer: [insert]
        """),
        "SG133",
        "a.yaml",
        9,
    ),
    (
        "replica-identity-of-a-missing-index",
        single("""\
        entities:
          film:
            columns: {id: bigint}
            replica_identity: {index: film_code_key}
        """),
        "SG132",
        "a.yaml",
        5,
    ),
    (
        "volatile-user-function-in-an-index",
        single("""\
        functions:
          bucket: {arguments: [x bigint], returns: bigint, language: sql, body: SELECT x / 10}
        entities:
          film:
            columns: {id: bigint}
            indexes: [{expression: bucket(id)}]
        """),
        "SG102",
        "a.yaml",
        7,
    ),
    (
        "domain-check-reads-a-column",
        single("""\
        domains:
          positive: {type: integer, check: amount > 0}
        """),
        "SG110",
        "a.yaml",
        3,
    ),
    (
        "domain-base-cycle",
        single("""\
        domains:
          a: {type: b}
          b: {type: a}
        """),
        "SG110",
        "a.yaml",
        3,
    ),
    (
        "domain-default",
        single("""\
        domains:
          positive: {type: integer, default: many}
        """),
        "SG103",
        "a.yaml",
        3,
    ),
    (
        "serial-on-text",
        single("""\
        entities:
          t:
            columns:
              code: {type: text, serial: true}
        """),
        "SG107",
        "a.yaml",
        5,
    ),
    (
        "identity-text",
        single("entities:\n  t:\n    columns:\n      id: {type: text, identity: always}\n"),
        "SG107",
        "a.yaml",
        5,
    ),
    (
        "nullable-pk",
        single(
            "entities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true, nullable: true}\n"
        ),
        "SG107",
        "a.yaml",
        5,
    ),
    (
        "storage-unknown-parameter",
        single("entities:\n  t:\n    columns:\n      id: bigint\n    storage: {fillfactr: 90}\n"),
        "SG108",
        "a.yaml",
        6,
    ),
    (
        "storage-out-of-range",
        single("entities:\n  t:\n    columns:\n      id: bigint\n    storage:\n      fillfactor: 5\n"),
        "SG108",
        "a.yaml",
        7,
    ),
    (
        "storage-toast-without-toast-table",
        single(
            "entities:\n  t:\n    columns:\n      id: bigint\n      code: varchar(8)\n    storage:\n      toast.autovacuum_enabled: false\n"
        ),
        "SG108",
        "a.yaml",
        8,
    ),
    (
        "storage-wrong-kind",
        single(
            "entities:\n  t:\n    columns:\n      id: bigint\n    storage:\n      autovacuum_enabled: 1\n"
        ),
        "SG108",
        "a.yaml",
        7,
    ),
    (
        "unknown-table",
        single("""\
        entities:
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
              owner_id: {type: bigint, references: user}
        """),
        "SG201",
        "a.yaml",
        6,
    ),
    (
        "unknown-referenced-column",
        single("""\
        entities:
          users: {columns: {id: {type: bigint, primary_key: true}}}
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
              owner_id: {type: bigint, references: users.uid}
        """),
        "SG202",
        "a.yaml",
        7,
    ),
    (
        "fk-type-mismatch",
        single("""\
        entities:
          users: {columns: {id: {type: bigint, primary_key: true}}}
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
              owner_id: {type: integer, references: users}
        """),
        "SG203",
        "a.yaml",
        7,
    ),
    (
        "fk-target-not-unique",
        single("""\
        entities:
          users:
            columns:
              id: {type: bigint, primary_key: true}
              name: text
          guilds:
            columns:
              id: {type: bigint, primary_key: true}
              owner: {type: text, references: users.name}
        """),
        "SG204",
        "a.yaml",
        10,
    ),
    (
        "fk-partitioned-target",
        single("""\
        entities:
          messages:
            columns: {id: bigint, created_at: timestamptz}
            primary_key: [id, created_at]
            partition: {range: {key: created_at, every: month, from: 2024-01-01, to: 2024-03-01}}
          edits:
            columns:
              id: {type: bigint, primary_key: true}
              message_id: {type: bigint, references: messages.id}
        """),
        "SG204",
        "a.yaml",
        10,
    ),
    (
        "fk-arity",
        single("""\
        entities:
          messages:
            columns: {id: bigint, created_at: timestamptz}
            primary_key: [id, created_at]
          edits:
            columns: {id: {type: bigint, primary_key: true}, message_id: bigint}
            foreign_keys:
              - {columns: [message_id], references: {table: messages, columns: [id, created_at]}}
        """),
        "SG205",
        "a.yaml",
        9,
    ),
    (
        "pk-without-partition-key",
        single("""\
        entities:
          messages:
            columns:
              id: {type: bigint, primary_key: true}
              created_at: timestamptz
            partition: {range: {key: created_at, every: month, from: 2024-01-01, to: 2024-03-01}}
        """),
        "SG301",
        "a.yaml",
        5,
    ),
    (
        "expression-key-with-pk",
        single("""\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}, v: text}
            partition: {hash: {key: "lower(v)", modulus: 2}}
        """),
        "SG302",
        "a.yaml",
        4,
    ),
    (
        "hash-modulus",
        single("""\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}}
            partition:
              hash: {key: id, modulus: -1}
        """),
        "SG303",
        "a.yaml",
        6,
    ),
    (
        "range-overlap",
        single("""\
        entities:
          t:
            columns: {id: bigint}
            partition:
              range:
                key: id
                bounds: {a: [0, 100], b: [50, 200]}
        """),
        "SG304",
        "a.yaml",
        6,
    ),
    (
        "range-gap",
        single("""\
        entities:
          t:
            columns: {id: bigint}
            partition:
              range:
                key: id
                bounds: {a: [0, 100], b: [200, 300]}
        """),
        "SG305",
        "a.yaml",
        6,
    ),
    (
        "list-duplicate",
        single("""\
        entities:
          t:
            columns: {region: text}
            partition:
              list:
                key: region
                values: {eu: [de, fr], west: [fr, us]}
        """),
        "SG306",
        "a.yaml",
        6,
    ),
    (
        "partition-key-column",
        single("""\
        entities:
          t:
            columns: {id: bigint}
            partition:
              hash: {key: guild, modulus: 4}
        """),
        "SG307",
        "a.yaml",
        6,
    ),
    (
        "range-window",
        single("""\
        entities:
          t:
            columns: {created_at: timestamptz}
            partition:
              range: {key: created_at, every: month, from: 2024-01-15, to: 2024-06-01}
        """),
        "SG308",
        "a.yaml",
        6,
    ),
    (
        "window-key-type",
        single("""\
        entities:
          t:
            columns: {id: bigint}
            partition:
              range: {key: id, every: month, from: 2024-01-01, to: 2024-06-01}
        """),
        "SG309",
        "a.yaml",
        6,
    ),
    (
        "partition-names-unknown-suffix",
        single("""\
        entities:
          t:
            columns: {id: bigint}
            partition:
              hash: {key: id, modulus: 4}
              names: {p0: t_first, p4: t_fifth}
        """),
        "SG310",
        "a.yaml",
        7,
    ),
    (
        "window-expire-archive-without-archive",
        single("""\
        entities:
          t:
            columns: {at: timestamptz}
            partition:
              range:
                key: at
                every: month
                from: 2024-01-01
                premake: 3
                retain: 13 months
                expire: archive
        """),
        "SG311",
        "a.yaml",
        12,
    ),
    (
        "partition-objects-of-no-partition",
        single("""\
        entities:
          t:
            columns: {at: date, n: integer}
            partition:
              range: {key: at, every: month, from: 2024-01-01, to: 2024-03-01}
              objects:
                p2023_01: {indexes: [{columns: [n]}]}
        """),
        "SG312",
        "a.yaml",
        8,
    ),
    (
        "window-retain-not-an-interval",
        single("""\
        entities:
          t:
            columns: {at: date}
            partition:
              range: {key: at, every: week, from: 2024-01-01, premake: 2, retain: a while}
        """),
        "SG311",
        "a.yaml",
        6,
    ),
    (
        "window-kept-with-then",
        single("""\
        entities:
          t:
            columns: {at: date, id: bigint}
            partition:
              range: {key: at, every: month, from: 2024-01-01, premake: 2}
              then:
                hash: {key: id, modulus: 2}
        """),
        "SG311",
        "a.yaml",
        7,
    ),
    (
        "window-without-to-or-premake",
        single("""\
        entities:
          t:
            columns: {at: date}
            partition:
              range: {key: at, every: month, from: 2024-01-01, retain: 1 year}
        """),
        "SG004",
        "a.yaml",
        6,
    ),
    (
        "unknown-index-column",
        single("""\
        entities:
          guilds:
            columns: {id: {type: bigint, primary_key: true}}
            indexes:
              - columns: [member_count]
        """),
        "SG401",
        "a.yaml",
        6,
    ),
    (
        "duplicate-object-name",
        single("""\
        entities:
          users:
            columns: {id: {type: bigint, primary_key: true}, name: text}
            indexes:
              - {columns: [name], name: guilds}
          guilds: {columns: {id: {type: bigint, primary_key: true}}}
        """),
        "SG402",
        "a.yaml",
        6,
    ),
    (
        "name-too-long",
        single(
            "entities:\n  t:\n    columns: {id: bigint}\n    indexes:\n      - {columns: [id], name: "
            + "x" * 64
            + "}\n"
        ),
        "SG403",
        "a.yaml",
        6,
    ),
    (
        "empty-column-name",
        single("entities:\n  t:\n    columns:\n      '': text\n"),
        "SG404",
        "a.yaml",
        5,
    ),
    (
        "schema-twice",
        {"a.yaml": "project:\n  name: t\n  schemas:\n    - reporting\n    - {name: reporting, comment: x}\n"},
        "SG413",
        "a.yaml",
        5,
    ),
    (
        "naming-template",
        {"a.yaml": "project:\n  name: t\n  naming: {index: '{tbl}_{columns}_idx'}\n"},
        "SG405",
        "a.yaml",
        3,
    ),
    (
        "duplicate-column",
        single("""\
        entities:
          t:
            columns: {a: bigint, b: bigint}
            primary_key: [a, a]
        """),
        "SG406",
        "a.yaml",
        5,
    ),
    (
        "primary-key-twice",
        single("""\
        entities:
          t:
            columns: {a: {type: bigint, primary_key: true}, b: bigint}
            primary_key: [a, b]
        """),
        "SG407",
        "a.yaml",
        5,
    ),
    (
        "concurrent-refresh",
        single("""\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        views:
          s:
            materialized: true
            refresh: concurrently
            query: SELECT id FROM t
        """),
        "SG501",
        "a.yaml",
        5,
    ),
    (
        "concurrent-refresh-unknown-output",
        single("""\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        views:
          s:
            materialized: true
            refresh: concurrently
            unique: [day]
            query: SELECT id FROM t
        """),
        "SG501",
        "a.yaml",
        5,
    ),
    (
        "view-unknown-relation",
        single("""\
        views:
          s: {query: SELECT count(*) FROM guild}
        """),
        "SG502",
        "a.yaml",
        3,
    ),
    (
        "view-cycle",
        single("""\
        views:
          a: {query: SELECT * FROM b}
          b: {query: SELECT * FROM a}
        """),
        "SG503",
        "a.yaml",
        3,
    ),
    (
        "view-option",
        single("""\
        entities:
          t: {columns: {id: {type: bigint, primary_key: true}}}
        views:
          v: {query: SELECT id FROM t, unique: [id]}
        """),
        "SG504",
        "a.yaml",
        5,
    ),
    (
        "view-unknown-column",
        single("""\
        entities:
          tasks: {columns: {id: {type: bigint, primary_key: true}, assignee_id: bigint}}
        views:
          open_tasks:
            query: |
              SELECT t.id,
                     t.assignee
              FROM tasks t
        """),
        "SG505",
        "a.yaml",
        8,
    ),
    (
        "unknown-function",
        single("""\
        entities:
          t:
            columns: {id: bigint, name: text}
            checks:
              short: "length(name, 10) < 100"
        """),
        "SG111",
        "a.yaml",
        6,
    ),
    (
        "unknown-operator",
        single("""\
        entities:
          t:
            columns: {id: bigint, payload: jsonb}
            checks:
              big: "payload > 5"
        """),
        "SG112",
        "a.yaml",
        6,
    ),
    (
        "not-boolean",
        single("""\
        entities:
          t:
            columns: {id: bigint, amount: integer}
            checks:
              positive: "amount + 1"
        """),
        "SG113",
        "a.yaml",
        6,
    ),
    (
        "not-allowed-in-expression",
        single("""\
        entities:
          t:
            columns: {id: bigint}
            checks:
              has_rows: "count(*) > 0"
        """),
        "SG114",
        "a.yaml",
        6,
    ),
    (
        "invalid-literal",
        single("""\
        entities:
          t:
            columns: {address: inet}
            checks:
              private: "address << '10.0.0.0/33'"
        """),
        "SG115",
        "a.yaml",
        6,
    ),
    (
        "collation",
        single("""\
        entities:
          t:
            columns:
              id: {type: bigint, collation: C}
        """),
        "SG116",
        "a.yaml",
        5,
    ),
    (
        "type-or-cast",
        single("""\
        entities:
          t:
            columns: {id: integer}
            checks:
              valid: "id::inet IS NOT NULL"
        """),
        "SG117",
        "a.yaml",
        6,
    ),
    (
        "expression-type-mismatch",
        single("""\
        entities:
          t:
            columns:
              seen: {type: integer, default: {sql: now()}}
        """),
        "SG118",
        "a.yaml",
        5,
    ),
    (
        "reserved-schema",
        {"a.yaml": "project: {name: t, schema: pg_app}\nentities:\n  t: {columns: {id: bigint}}\n"},
        "SG408",
        "a.yaml",
        1,
    ),
    (
        "too-many-columns",
        single(
            "entities:\n  wide:\n    columns: {" + ", ".join(f"c{i}: integer" for i in range(1601)) + "}\n"
        ),
        "SG409",
        "a.yaml",
        3,
    ),
    (
        "index-access-method",
        single("""\
        entities:
          t:
            columns: {guild_id: bigint, user_id: bigint}
            indexes:
              - columns: [guild_id, user_id]
                using: hash
        """),
        "SG410",
        "a.yaml",
        7,
    ),
    (
        "operator-class",
        single("""\
        entities:
          t:
            columns: {username: varchar(32)}
            indexes:
              - using: gin
                columns: [username]
        """),
        "SG411",
        "a.yaml",
        7,
    ),
    (
        "unknown-extension",
        {"a.yaml": "project:\n  name: t\n  extensions: [pg_trgram]\n"},
        "SG605",
        "a.yaml",
        3,
    ),
    (
        "missing-extension",
        single("""\
        entities:
          t:
            columns:
              email: citext
        """),
        "SG606",
        "a.yaml",
        5,
    ),
    (
        "relation-outside-the-spec",
        single("""\
        entities:
          t:
            columns:
              number: {type: bigint, default: {sql: "nextval('ticket_numbers')"}}
        """),
        "SG119",
        "a.yaml",
        5,
    ),
    (
        "needs-newer-postgres",
        {
            "a.yaml": """\
        project: {name: t, postgres: 14}
        entities:
          t:
            columns: {a: bigint}
            unique: [{columns: [a], nulls_not_distinct: true}]
        """
        },
        "SG601",
        "a.yaml",
        5,
    ),
    (
        "relationship-through-entity",
        single("""\
        entities:
          guilds: {columns: {id: {type: bigint, primary_key: true}}}
          users: {columns: {id: {type: bigint, primary_key: true}}}
        relationships:
          - many_to_many: [guilds, users]
            through: guilds
        """),
        "SG602",
        "a.yaml",
        6,
    ),
    (
        "archive-column-type",
        single("""\
        entities:
          t:
            columns: {id: {type: bigint, primary_key: true}, body: text}
            archive: {after: 365 days, column: body}
        """),
        "SG603",
        "a.yaml",
        5,
    ),
]


@pytest.mark.parametrize(("files", "code", "file", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_fires_at_its_line(
    tmp_path: Path, files: dict[str, str], code: str, file: str, line: int
) -> None:
    found = diagnose(tmp_path, files)
    matching = [d for d in found if d.code == code]
    assert matching, f"expected {code}, got {[(d.code, d.line, d.message) for d in found]}"
    assert any(d.line == line and d.file and d.file.endswith(file) for d in matching), [
        (d.code, d.file, d.line, d.message) for d in found
    ]


def test_an_extension_nobody_ships_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    root = tmp_path / "spec"
    root.mkdir()
    (root / "a.yaml").write_text(
        "project:\n  name: t\n  extensions:\n    - pg_trgm\n    - postgis\n    - uuid-ossp\n"
        "    - timescaledb\n    - vector\n    - pg_trgrm\n    - our_own_thing\n"
    )
    found = compile_spec(root).warnings  # warnings: the spec is valid
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        (
            "SG605",
            9,
            7,
            "extension `pg_trgrm` is not one PostgreSQL 15 comes with, nor one schemagen knows; did you "
            "mean `pg_trgm`?",
        ),
        (
            "SG605",
            10,
            7,
            "extension `our_own_thing` is not one PostgreSQL 15 comes with, nor one schemagen knows",
        ),
    ]
    assert all(d.severity is Severity.WARNING for d in found)
    (root / "a.yaml").write_text(
        "project:\n  name: t\n  extensions:\n    - {name: our_own_thing, custom: true}\n"
    )
    assert compile_spec(root).warnings == []  # an extension of one's own, declared so


def test_the_known_extensions_hold_every_one_postgresql_15_ships() -> None:
    from schemagen.postgres.builtins import known_extension

    controls = Path("/usr/share/postgresql/15/extension")
    shipped = {p.name.removesuffix(".control") for p in controls.glob("*.control")}
    assert len(shipped) > 40, "PostgreSQL 15's contrib is installed where the tests run (scripts/test)"
    # the server's own, and those the test machine installs beside them (citus, pg_cron), known too
    assert [name for name in sorted(shipped) if not known_extension(name, 15)] == []
    for name in ("postgis", "timescaledb", "citus", "pg_partman", "pg_cron", "vector", "pg_trgm", "plpgsql"):
        assert known_extension(name, 15), name


def test_every_rule_has_a_failing_case() -> None:
    # SG008 needs a server: tests/test_cli.py proves it with validate --live. SG605 is a warning,
    # tested above.
    tested = {c[2] for c in CASES} | {"SG001", "SG008", "SG605"}
    spec_rules = {r.code for r in rules.ALL if r.code < "SG700"}  # SG7xx: the CI gate, tests/test_check*.py
    assert spec_rules <= tested


def test_no_spec_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        compile_spec(tmp_path / "missing")
    assert error.value.diagnostics[0].code == "SG001"


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    found = diagnose(tmp_path, single("entities:\n  users:\n    colums: {id: bigint}\n"))
    assert "did you mean `columns`?" in found[0].message


def test_duplicate_entity_names_both_places(tmp_path: Path) -> None:
    found = diagnose(
        tmp_path,
        {
            "a.yaml": PROJECT + "entities:\n  t: {columns: {id: bigint}}\n",
            "b.yaml": "entities:\n  t: {columns: {id: bigint}}\n",
        },
    )
    assert any("a.yaml:3" in d.message for d in found if d.code == "SG005")


def test_errors_are_collected_and_sorted(tmp_path: Path) -> None:
    found = diagnose(
        tmp_path,
        single("""\
        entities:
          t:
            columns:
              id: serial
              flags: {type: integer, default: none}
              name: varchar(
        """),
    )
    assert [d.code for d in found] == ["SG106", "SG103", "SG105"]
    assert [d.line for d in found] == sorted(d.line or 0 for d in found)


def test_yaml_12_booleans_keep_words_as_strings(tmp_path: Path) -> None:
    """`on`, `no` and `yes` are names and enum values, not booleans."""
    found = diagnose(
        tmp_path,
        single("""\
        enums:
          answer: [yes, no, on, off]
        entities:
          t:
            columns:
              on: {type: answer, default: no}
        """),
    )
    assert found == []


def test_valid_spec_has_no_diagnostics(tmp_path: Path) -> None:
    assert (
        diagnose(
            tmp_path,
            single("""\
        entities:
          users:
            columns:
              id: {type: bigint, primary_key: true}
              name: varchar(32)
        """),
        )
        == []
    )


def test_view_reading_a_table_of_another_schema_needs_its_schema(tmp_path: Path) -> None:
    found = diagnose(
        tmp_path,
        single("""\
        entities:
          invoices:
            schema: billing
            columns: {id: {type: bigint, primary_key: true}}
        views:
          v: {query: SELECT id FROM invoices}
          w: {query: SELECT id FROM public.invoices}
          ok: {query: SELECT id FROM billing.invoices}
        """),
    )
    assert sorted((d.code, d.line) for d in found) == [("SG502", 7), ("SG502", 8)]
    assert "billing.invoices" in (found[0].hint or "")


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("entities:\n  users:\n    colums: {id: bigint}\n", (4, 5, 4, 11)),  # a key: to its last character
        ("entities: [users, guilds]\n", (2, 11, 2, 26)),  # a flow list: to its closing bracket
        ("entities:\n  - users\n  - guilds\n", (3, 3, None, None)),  # a block list: no end of its own
    ],
    ids=["key", "flow", "block"],
)
def test_a_diagnostic_ends_where_its_yaml_node_ends(
    tmp_path: Path, text: str, span: tuple[int, int, int | None, int | None]
) -> None:
    (found,) = diagnose(tmp_path, single(text))
    assert (found.line, found.column, found.end_line, found.end_column) == span


# Input a careless user or an attacker writes: each is a located error, never an internal one.
BAD_INPUT = [
    (
        "empty-sql-default",
        "entities:\n  t:\n    columns:\n      v: {type: text, default: {sql: }}\n",
        "SG004",
        5,
    ),
    (
        "month-13",
        "entities:\n  t:\n    columns:\n      at: timestamptz\n    partition:\n"
        "      range: {key: at, every: month, from: 2025-13-01, to: 2026-01-01}\n",
        "SG004",
        7,
    ),
    (
        "february-30",
        "entities:\n  t:\n    columns:\n      at: timestamptz\n    partition:\n"
        "      range: {key: at, every: month, from: 2025-02-30, to: 2026-01-01}\n",
        "SG004",
        7,
    ),
    (
        "timestamp-tag-month-13",
        "entities:\n  t:\n    columns:\n      at: {type: timestamptz, default: !!timestamp 2025-13-01T00:00:00}\n",
        "SG004",
        5,
    ),
    (
        "yes-is-not-a-boolean",
        "entities:\n  t:\n    columns:\n      v: {type: text, nullable: yes}\n",
        "SG004",
        5,
    ),
    (
        "quoted-true-is-not-a-boolean",
        "entities:\n  t:\n    columns:\n      v: {type: text, nullable: 'true'}\n",
        "SG004",
        5,
    ),
    (
        "one-is-not-a-boolean",
        "entities:\n  t:\n    columns:\n      v: {type: text, nullable: 1}\n",
        "SG004",
        5,
    ),
    (
        "quoted-modulus",
        "entities:\n  t:\n    columns:\n      id: bigint\n    partition:\n      hash: {key: id, modulus: '8'}\n",
        "SG004",
        7,
    ),
    (
        "integer-of-five-thousand-digits",
        "entities:\n  t:\n    columns:\n      id:\n        type: bigint\n        default: "
        + "1" * 5000
        + "\n",
        "SG004",
        7,
    ),
    ("type-sqlglot-does-not-know", "entities:\n  t:\n    columns:\n      y: year\n", "SG105", 5),
    (
        "operator-chain-of-30000-terms",
        "entities:\n  t:\n    columns:\n      id: bigint\nviews:\n  v:\n    query: 'SELECT "
        + " + ".join(["1"] * 30_000)
        + "'\n",
        "SG101",
        8,
    ),
    (
        "billion-laughs",
        "mixins:\n  m:\n    columns:\n      a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"      a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
        + "entities:\n  t:\n    columns:\n      id: bigint\n",
        "SG004",
        None,
    ),
    (
        "recursive-alias",
        "entities:\n  t: &t\n    columns: {id: bigint}\n    comment: [*t, *t]\n",
        "SG004",
        None,
    ),
]


@pytest.mark.parametrize(("case", "text", "code", "line"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_a_located_error(
    tmp_path: Path, case: str, text: str, code: str, line: int | None
) -> None:
    found = diagnose(tmp_path, single(text))
    assert found, case
    assert {d.code for d in found} == {code}, found
    assert all(d.file and d.file.endswith("a.yaml") for d in found)
    if line is not None:
        assert [d.line for d in found] == [line], found


def test_allow_destructive_may_be_a_bare_all_and_the_project_name_may_be_left_out(tmp_path: Path) -> None:
    assert (
        diagnose(
            tmp_path,
            {"a.yaml": "project: {allow_destructive: all}\nentities:\n  t:\n    columns: {id: bigint}\n"},
        )
        == []
    )
    folder = tmp_path / "shop" / "spec"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text("entities:\n  t:\n    columns: {id: bigint}\n")
    assert compile_spec(folder).model.project.name == "shop"


def test_no_type_name_is_an_internal_error() -> None:
    """Every type name sqlglot knows in any dialect, and words that are none: a type or an
    UnknownTypeError, nothing else (sqlglot spells some names it does not know as themselves)."""
    import sqlglot

    from schemagen.postgres.sqltypes import UnknownTypeError, canonical_type

    names = {t.value.lower() for t in sqlglot.exp.DataType.Type}
    names |= {"year", "mediumint", "unsigned", "image", "object", "map", "ipv4", "hugeint", "ubigint"}
    names |= {"datetime64", "nothing", "x" * 2000, "int" * 400, "varchar(10)[][]", "int4range[]"}
    for name in sorted(names):
        with contextlib.suppress(UnknownTypeError):
            assert isinstance(canonical_type(name), str)

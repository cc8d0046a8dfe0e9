"""Write the `db/structure.sql` of a made-up Rails application of a real one's size, for timing inspect.

The shape is what `rails db:schema:dump` (pg_dump underneath) writes for a mature application: bigint ids
numbered by owned sequences set as defaults after the table, `timestamp(6)` columns, enums, primary and
foreign keys added by `ALTER TABLE ONLY`, unique and partial indexes instead of constraints, a range
partitioned table with monthly partitions, `schema_migrations` and `ar_internal_metadata`. The default
size is that of the billing application the inspect speed target is set on: 137 tables, about 756
indexes, 43 enums. Deterministic: the same arguments give the same bytes.

    python bench/rails_structure.py > /tmp/rails.sql
    python bench/inspect_vs_pg_dump.py --sql /tmp/rails.sql --repeat 7 --min
"""

from __future__ import annotations

import argparse
import random
import sys

HEADER = """SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
"""

WORDS = [
    "account",
    "invoice",
    "payment",
    "plan",
    "price",
    "product",
    "customer",
    "subscription",
    "coupon",
    "discount",
    "refund",
    "dispute",
    "charge",
    "credit",
    "note",
    "tax",
    "rate",
    "region",
    "address",
    "contact",
    "organization",
    "member",
    "role",
    "permission",
    "session",
    "token",
    "webhook",
    "event",
    "delivery",
    "export",
    "import",
    "report",
    "ledger",
    "entry",
    "balance",
    "transfer",
    "payout",
    "fee",
    "usage",
    "meter",
    "quota",
    "tier",
    "feature",
    "flag",
    "setting",
    "audit",
    "comment",
    "attachment",
    "tag",
    "label",
    "note",
    "task",
]
COLUMN_KINDS = (
    ("character varying", "name"),
    ("text", "description"),
    ("integer", "position"),
    ("bigint", "amount_cents"),
    ("boolean", "active"),
    ("jsonb", "metadata"),
    ("timestamp(6) without time zone", "processed_at"),
    ("numeric(12,4)", "ratio"),
    ("date", "effective_on"),
    ("character varying", "external_id"),
    ("uuid", "token"),
)


def table_names(count: int) -> list[str]:
    names: list[str] = []
    for first in WORDS:
        for second in ["", *WORDS]:
            name = f"{first}_{second}s" if second else f"{first}s"
            if second != first and name not in names:
                names.append(name)
            if len(names) == count:
                return names
    return names


def structure(tables: int, enums: int, seed: int) -> str:
    rng = random.Random(seed)
    names = table_names(tables - 3)  # schema_migrations, ar_internal_metadata and the partitioned one
    enum_names = [f"{WORDS[i % len(WORDS)]}_{'status' if i < len(WORDS) else 'kind'}" for i in range(enums)]
    out = [HEADER]
    for enum in enum_names:
        values = ",\n".join(
            f"    '{v}'"
            for v in rng.sample(
                ("draft", "open", "active", "paused", "closed", "failed", "pending", "done"), 4
            )
        )
        out.append(f"CREATE TYPE public.{enum} AS ENUM (\n{values}\n);\n")
    out.append(
        "CREATE FUNCTION public.set_updated_at() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\n"
        "BEGIN\n    NEW.updated_at = now();\n    RETURN NEW;\nEND\n$$;\n"
    )
    columns_of: dict[str, list[tuple[str, str]]] = {}
    parents: dict[str, list[str]] = {}
    for position, table in enumerate(names):
        columns = [("id", "bigint NOT NULL")]
        refs = rng.sample(names[:position], min(position, rng.randint(0, 3))) if position else []
        parents[table] = refs
        for ref in refs:
            columns.append((f"{ref[:-1]}_id", "bigint" + (" NOT NULL" if rng.random() < 0.6 else "")))
        for kind, base in rng.sample(COLUMN_KINDS, rng.randint(3, 8)):
            columns.append((base, kind + (" NOT NULL" if rng.random() < 0.4 else "")))
        if rng.random() < 0.35:
            columns.append(("status", f"public.{rng.choice(enum_names)} NOT NULL"))
        columns += [
            ("created_at", "timestamp(6) without time zone NOT NULL"),
            ("updated_at", "timestamp(6) without time zone NOT NULL"),
        ]
        columns_of[table] = columns
        body = ",\n".join(f"    {c} {t}" for c, t in columns)
        out.append(f"CREATE TABLE public.{table} (\n{body}\n);\n")
        out.append(
            f"CREATE SEQUENCE public.{table}_id_seq\n    START WITH 1\n    INCREMENT BY 1\n"
            "    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\n"
            f"ALTER SEQUENCE public.{table}_id_seq OWNED BY public.{table}.id;\n"
        )
    out.append(
        "CREATE TABLE public.ar_internal_metadata (\n    key character varying NOT NULL,\n"
        "    value character varying,\n    created_at timestamp(6) without time zone NOT NULL,\n"
        "    updated_at timestamp(6) without time zone NOT NULL\n);\n"
    )
    out.append("CREATE TABLE public.schema_migrations (\n    version character varying NOT NULL\n);\n")
    out.append(
        "CREATE TABLE public.usage_records (\n    id bigint NOT NULL,\n    account_id bigint NOT NULL,\n"
        "    quantity bigint NOT NULL,\n    recorded_at timestamp(6) without time zone NOT NULL\n)\n"
        "PARTITION BY RANGE (recorded_at);\n"
    )
    for month in range(1, 13):
        nxt = f"2026-{month + 1:02d}-01" if month < 12 else "2027-01-01"
        out.append(
            f"CREATE TABLE public.usage_records_p2026_{month:02d} (\n    id bigint NOT NULL,\n"
            "    account_id bigint NOT NULL,\n    quantity bigint NOT NULL,\n"
            "    recorded_at timestamp(6) without time zone NOT NULL\n);\n"
            f"ALTER TABLE ONLY public.usage_records ATTACH PARTITION public.usage_records_p2026_{month:02d} "
            f"FOR VALUES FROM ('2026-{month:02d}-01 00:00:00') TO ('{nxt} 00:00:00');\n"
        )
    for table in names:
        out.append(
            f"ALTER TABLE ONLY public.{table} ALTER COLUMN id SET DEFAULT "
            f"nextval('public.{table}_id_seq'::regclass);\n"
        )
    out.append(
        "ALTER TABLE ONLY public.ar_internal_metadata\n    ADD CONSTRAINT ar_internal_metadata_pkey "
        "PRIMARY KEY (key);\n"
        "ALTER TABLE ONLY public.schema_migrations\n    ADD CONSTRAINT schema_migrations_pkey "
        "PRIMARY KEY (version);\n"
        "ALTER TABLE ONLY public.usage_records\n    ADD CONSTRAINT usage_records_pkey "
        "PRIMARY KEY (id, recorded_at);\n"
    )
    for table in names:
        out.append(f"ALTER TABLE ONLY public.{table}\n    ADD CONSTRAINT {table}_pkey PRIMARY KEY (id);\n")
    for table in names:
        columns = [c for c, _ in columns_of[table] if c != "id"]
        for ref in parents[table]:
            column = f"{ref[:-1]}_id"
            out.append(f"CREATE INDEX index_{table}_on_{column} ON public.{table} USING btree ({column});\n")
        seen = {(f"{ref[:-1]}_id",) for ref in parents[table]}
        for n in range(rng.randint(2, 4)):
            picked = rng.sample(columns, min(len(columns), rng.randint(1, 2)))
            if tuple(picked) in seen:
                continue
            seen.add(tuple(picked))
            unique = "UNIQUE " if n == 0 and rng.random() < 0.3 else ""
            where = " WHERE (created_at IS NOT NULL)" if rng.random() < 0.15 else ""
            out.append(
                f"CREATE {unique}INDEX index_{table}_on_{'_and_'.join(picked)} ON public.{table} USING btree "
                f"({', '.join(picked)}){where};\n"
            )
        if rng.random() < 0.2:
            out.append(
                f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON public.{table} FOR EACH ROW "
                "EXECUTE FUNCTION public.set_updated_at();\n"
            )
    out.append(
        "CREATE INDEX index_usage_records_on_account_id_and_recorded_at ON ONLY public.usage_records "
        "USING btree (account_id, recorded_at);\n"
    )
    for month in range(1, 13):
        child = f"usage_records_p2026_{month:02d}"
        out.append(
            f"ALTER TABLE ONLY public.{child}\n"
            f"    ADD CONSTRAINT {child}_pkey PRIMARY KEY (id, recorded_at);\n"
            f"ALTER INDEX public.usage_records_pkey ATTACH PARTITION public.{child}_pkey;\n"
            f"CREATE INDEX {child}_account_id_recorded_at_idx ON public.{child} USING btree "
            "(account_id, recorded_at);\n"
            "ALTER INDEX public.index_usage_records_on_account_id_and_recorded_at ATTACH PARTITION "
            f"public.{child}_account_id_recorded_at_idx;\n"
        )
    for table in names:
        for ref in parents[table]:
            column = f"{ref[:-1]}_id"
            key = f"fk_rails_{rng.getrandbits(40):010x}"
            out.append(
                f"ALTER TABLE ONLY public.{table}\n    ADD CONSTRAINT {key} FOREIGN KEY ({column}) "
                f"REFERENCES public.{ref}(id);\n"
            )
    out.append('SET search_path TO "$user", public;\n')
    versions = ",\n".join(f"('2026{m:02d}{d:02d}120000')" for m in range(1, 13) for d in range(1, 29, 9))
    out.append(f'INSERT INTO "schema_migrations" (version) VALUES\n{versions};\n')
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tables", type=int, default=137)
    parser.add_argument("--enums", type=int, default=43)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    sys.stdout.write(structure(args.tables, args.enums, args.seed))


if __name__ == "__main__":
    main()

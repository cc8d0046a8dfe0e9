"""Models built by hand, for render tests that must not depend on the loader or the builder."""

from __future__ import annotations

from datetime import date

from schemagen.model import (
    Archive,
    CheckConstraint,
    Column,
    Default,
    Enum,
    ForeignKey,
    Index,
    IndexElement,
    Model,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionScheme,
    PrimaryKey,
    Project,
    RangeWindow,
    Table,
    UniqueConstraint,
    View,
)

S = "public"


def col(name: str, type_: str = "bigint", **kwargs) -> Column:
    return Column(name=name, type=type_, **kwargs)


def fk(
    name: str, columns: tuple[str, ...], ref_table: str, ref_columns: tuple[str, ...] = ("id",), **kwargs
) -> ForeignKey:
    return ForeignKey(
        name=name, columns=columns, ref_schema=S, ref_table=ref_table, ref_columns=ref_columns, **kwargs
    )


def pk(table: str, *columns: str) -> PrimaryKey:
    return PrimaryKey(f"{table}_pkey", tuple(columns))


def table(name: str, columns: tuple[Column, ...], **kwargs) -> Table:
    kwargs.setdefault("primary_key", pk(name, "id"))
    return Table(name=name, schema=kwargs.pop("schema", S), columns=columns, **kwargs)


def months(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    current = start
    while current < end:
        following = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        out.append((current, following))
        current = following
    return out


def utc(day: date) -> str:
    # timestamptz bounds carry an offset, so they do not depend on the session TimeZone
    return f"{day.isoformat()} 00:00:00+00"


def hash_scheme(key: str, modulus: int, prefix: str) -> PartitionScheme:
    children = tuple(
        PartitionChild(f"{prefix}_p{r}", PartitionBound(modulus=modulus, remainder=r)) for r in range(modulus)
    )
    return PartitionScheme(kind="hash", key=(PartitionKey(column=key),), children=children, modulus=modulus)


def monthly_scheme(
    name: str,
    key: str,
    start: date,
    end: date,
    default: bool = True,
    then_hash: int | None = None,
    then_key: str = "id",
) -> PartitionScheme:
    children = []
    for lo, hi in months(start, end):
        child = f"{name}_{lo:%Y_%m}"
        sub = hash_scheme(then_key, then_hash, child) if then_hash else None
        children.append(PartitionChild(child, PartitionBound(range_from=utc(lo), range_to=utc(hi)), sub))
    if default:
        children.append(PartitionChild(f"{name}_default", PartitionBound(is_default=True)))
    return PartitionScheme(
        kind="range",
        key=(PartitionKey(column=key),),
        children=tuple(children),
        window=RangeWindow("month", start, end, default),
        has_default=default,
    )


def kitchen_sink() -> Model:
    """One Model exercising every feature the renderer has."""
    mood = Enum("mood", S, ("happy", "it's complicated", "sad"), comment="How a user feels.")

    users = table(
        "users",
        (
            col("id", identity="always"),
            col("username", "character varying(32)", collation="C", comment='Shown as "name"; it\'s unique.'),
            col("handle", "text", generated="lower(username)"),
            col("bot", "boolean", default=Default(value=False)),
            col("karma", "integer", default=Default(value=-3)),
            col("ratio", "double precision", default=Default(value=0.25)),
            col("nickname", "text", nullable=True, default=Default(value="o'brien")),
            col("born", "date", nullable=True, default=Default(value=date(2000, 1, 1))),
            col("tags", "text[]", default=Default(value=["a", "b c", 'q"', "back\\slash", None, ""])),
            col("empty_tags", "text[]", default=Default(value=[])),
            col(
                "preferences", "jsonb", default=Default(value={"theme": "dark", "n": [1, 2], "quote": "it's"})
            ),
            col("mood", "mood", default=Default(value="it's complicated")),
            col("created_at", "timestamp with time zone", default=Default(expression="now()")),
            col(
                "local_created",
                "timestamp without time zone",
                default=Default(expression="now() AT TIME ZONE 'utc'"),
            ),
            col("position", "integer", nullable=True),
        ),
        uniques=(UniqueConstraint("users_username_key", ("username",), nulls_not_distinct=True),),
        checks=(CheckConstraint("users_karma_check", "karma > -1000"),),
        comment='A Discord account the bot has seen; it\'s "users".',
        indexes=(
            Index(
                "users_created_at_idx",
                "users",
                (IndexElement(column="created_at", descending=True, nulls="last"),),
            ),
            Index(
                "users_username_trgm_idx",
                "users",
                (IndexElement(column="username", opclass="gin_trgm_ops"),),
                using="gin",
            ),
            Index(
                "users_lower_username_idx",
                "users",
                (IndexElement(expression="lower(username)"),),
                unique=True,
            ),
            Index("users_bot_idx", "users", (IndexElement(column="id"),), where="bot", include=("username",)),
            Index(
                "users_nickname_key",
                "users",
                (IndexElement(column="nickname"),),
                unique=True,
                nulls_not_distinct=True,
            ),
            Index("users_created_brin", "users", (IndexElement(column="created_at"),), using="brin"),
        ),
    )

    # "User" and "position" need quotes everywhere
    quoted = table(
        "User",
        (col("id", identity="by_default"), col("position", "integer"), col("select", "text", nullable=True)),
        primary_key=pk("User", "id"),
        comment="Quoted names.",
    )

    guilds = table(
        "guilds",
        (
            col("id"),
            col("name", "character varying(100)"),
            col("owner_id"),
            col("features", "text[]", default=Default(value=[])),
        ),
        foreign_keys=(fk("guilds_owner_id_fkey", ("owner_id",), "users"),),
        partition=hash_scheme("id", 4, "guilds"),
    )
    members = table(
        "guild_members",
        (col("guild_id"), col("user_id"), col("nickname", "character varying(32)", nullable=True)),
        primary_key=pk("guild_members", "guild_id", "user_id"),
        foreign_keys=(
            fk("guild_members_guild_id_fkey", ("guild_id",), "guilds", on_delete="cascade"),
            fk(
                "guild_members_user_id_fkey", ("user_id",), "users", on_delete="cascade", on_update="restrict"
            ),
        ),
    )
    channels = table(
        "channels",
        (
            col("id"),
            col("guild_id", nullable=True),
            col("parent_id", nullable=True),
            col("region", "text", default=Default(value="eu")),
        ),
        foreign_keys=(
            fk("channels_guild_id_fkey", ("guild_id",), "guilds", on_delete="set null"),
            fk("channels_parent_id_fkey", ("parent_id",), "channels"),  # self reference: stays inline
        ),
    )
    # a cycle: authors -> books (favourite) and books -> authors
    authors = table(
        "authors",
        (col("id"), col("favourite_book_id", nullable=True)),
        foreign_keys=(
            fk("authors_favourite_book_id_fkey", ("favourite_book_id",), "books", deferrable=True),
        ),
    )
    books = table(
        "books",
        (col("id"), col("author_id")),
        foreign_keys=(fk("books_author_id_fkey", ("author_id",), "authors"),),
    )

    message_columns = (
        col("id"),
        col("channel_id"),
        col("author_id"),
        col("content", "text", nullable=True),
        col("created_at", "timestamp with time zone", default=Default(expression="now()")),
    )
    messages = table(
        "messages",
        message_columns,
        primary_key=pk("messages", "id", "created_at"),
        foreign_keys=(
            fk("messages_author_id_fkey", ("author_id",), "users", on_delete="cascade"),
            fk("messages_channel_id_fkey", ("channel_id",), "channels", on_delete="cascade"),
        ),
        partition=monthly_scheme("messages", "created_at", date(2024, 1, 1), date(2024, 4, 1)),
        archive=Archive("created_at", "365 days", "messages_archive", "archive_messages"),
        indexes=(
            Index(
                "messages_channel_id_created_at_idx",
                "messages",
                (IndexElement(column="channel_id"), IndexElement(column="created_at", descending=True)),
            ),
        ),
    )
    archive = table(
        "messages_archive",
        message_columns,
        primary_key=pk("messages_archive", "id", "created_at"),
        archive_of="messages",
    )
    events = table(
        "events",
        (col("id"), col("created_at", "timestamp with time zone")),
        primary_key=pk("events", "id", "created_at"),
        partition=monthly_scheme(
            "events", "created_at", date(2024, 1, 1), date(2024, 3, 1), default=False, then_hash=2
        ),
    )
    regions = table(
        "regional",
        (col("id"), col("region", "text")),
        primary_key=pk("regional", "id", "region"),
        partition=PartitionScheme(
            kind="list",
            key=(PartitionKey(column="region"),),
            children=(
                PartitionChild("regional_eu", PartitionBound(values=("de", "fr", "it's"))),
                PartitionChild("regional_us", PartitionBound(values=("us",))),
                PartitionChild("regional_other", PartitionBound(is_default=True)),
            ),
            has_default=True,
        ),
    )
    by_name = table(
        "by_name",
        (col("id"), col("name", "text")),
        primary_key=None,
        partition=PartitionScheme(
            kind="range",
            key=(PartitionKey(expression="lower(name)"),),
            children=(
                PartitionChild("by_name_a_m", PartitionBound(range_from="MINVALUE", range_to="n")),
                PartitionChild("by_name_n_z", PartitionBound(range_from="n", range_to="MAXVALUE")),
            ),
        ),
    )
    views = (
        View(
            "active_users",
            S,
            "SELECT id, username FROM users WHERE NOT bot;\n",
            depends_on=("users",),
            comment="Humans only.",
        ),
        View(
            "active_user_names",
            S,
            "SELECT username FROM active_users -- humans\n",
            depends_on=("active_users",),
        ),
        View(
            "daily_message_stats",
            S,
            "SELECT date_trunc('day', created_at) AS day, channel_id, count(*) AS n\n"
            "FROM messages GROUP BY 1, 2",
            materialized=True,
            depends_on=("messages",),
            indexes=(
                Index(
                    "daily_message_stats_day_channel_id_key",
                    "daily_message_stats",
                    (IndexElement(column="day"), IndexElement(column="channel_id")),
                    unique=True,
                ),
            ),
            refresh="concurrently",
            refresh_function="refresh_daily_message_stats",
            comment="Messages per channel and day.",
        ),
    )
    return Model(
        project=Project("discord-bot", extensions=("pg_trgm",)),
        enums=(mood,),
        tables=tuple(
            sorted(
                (
                    users,
                    quoted,
                    guilds,
                    members,
                    channels,
                    authors,
                    books,
                    messages,
                    archive,
                    events,
                    regions,
                    by_name,
                ),
                key=lambda t: t.name,
            )
        ),
        views=tuple(sorted(views, key=lambda v: v.name)),
    )


def synthetic(n: int) -> Model:
    """`n` tables shaped like the benchmark's: every tenth partitioned by month over three years, every
    tenth hash-sharded 64 ways, three indexes each, a foreign key to the previous table."""
    tables = []
    for i in range(n):
        name = f"entity_{i:05d}"
        columns = (
            col("id"),
            col("parent_id", nullable=True),
            col("name", "text"),
            col("created_at", "timestamp with time zone", default=Default(expression="now()")),
            col("payload", "jsonb", default=Default(value={})),
        )
        partition = None
        key = ("id",)
        if i % 10 == 1:
            partition = monthly_scheme(name, "created_at", date(2024, 1, 1), date(2027, 1, 1))
            key = ("id", "created_at")
        elif i % 10 == 2:
            partition = hash_scheme("id", 64, name)
        foreign_keys = ()
        if i and i % 10 not in (1, 2):
            foreign_keys = (fk(f"{name}_parent_id_fkey", ("parent_id",), f"entity_{i - 1:05d}"),)
        indexes = (
            Index(f"{name}_name_idx", name, (IndexElement(column="name"),)),
            Index(f"{name}_created_at_idx", name, (IndexElement(column="created_at", descending=True),)),
            Index(f"{name}_lower_name_idx", name, (IndexElement(expression="lower(name)"),)),
        )
        tables.append(
            table(
                name,
                columns,
                primary_key=PrimaryKey(f"{name}_pkey", key),
                foreign_keys=foreign_keys,
                partition=partition,
                indexes=indexes,
            )
        )
    return Model(project=Project("synthetic"), tables=tuple(tables))

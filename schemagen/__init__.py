"""schemagen: a PostgreSQL schema described in YAML, validated and rendered to DDL and migrations."""

__version__ = "0.1.0"

"""schemagen: a PostgreSQL schema described in YAML, validated and rendered to DDL and migrations."""

from schemagen import classcache

__version__ = "0.1.0"

# before any of the package's dataclasses is defined: their methods compile once, not every run
classcache.install()

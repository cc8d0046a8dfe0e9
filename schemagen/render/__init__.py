"""Stage 5, render: a Model through the Jinja templates into schema.sql and ERD.md."""

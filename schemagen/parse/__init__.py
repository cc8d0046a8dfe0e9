"""Stage 2, parse: the raw tree checked against the spec's shape (pydantic), errors at their YAML line."""

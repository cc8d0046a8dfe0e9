"""The schema docs site (`schemagen docs`): static HTML pages of a Model, browsable from `file://`.

`builder` turns a Model (and the migration files beside its spec) into the pages; it reads no database.
`command` is the command-line piece that composes: a spec compiled, or a live database inspected, then
built. The two are separate layers of the import contract, so the pages never depend on psycopg.
"""

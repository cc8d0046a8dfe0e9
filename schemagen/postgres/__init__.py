"""What schemagen knows of PostgreSQL itself: types, expressions, storage parameters, the names it
gives. Pure functions over text; nothing here talks to a server."""

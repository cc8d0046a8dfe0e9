-- `dropped` holds the value B removes: converting it instead of dropping it first would fail
INSERT INTO items (id, keep) SELECT i, (ARRAY['red', 'green', 'blue'])[1 + i % 3]::mood FROM generate_series(1, 300) AS i;

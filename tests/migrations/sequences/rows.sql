INSERT INTO orders (batch) SELECT i % 7 * 100 FROM generate_series(1, 300) AS i;
INSERT INTO events (kind) SELECT 'kind ' || i FROM generate_series(1, 200) AS i;

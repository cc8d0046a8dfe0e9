INSERT INTO authors SELECT i, 'author ' || i FROM generate_series(1, 100) AS i;
INSERT INTO books SELECT i, 1 + i % 100, 'isbn-' || i, 10 + i % 300, i % 2 = 0 FROM generate_series(1, 3000) AS i;

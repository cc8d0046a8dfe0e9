INSERT INTO customers SELECT i, 'c' || i || '@example.com' FROM generate_series(1, 500) AS i;
INSERT INTO orders SELECT i, 1 + i % 500 FROM generate_series(1, 2000) AS i;

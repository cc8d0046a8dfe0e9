INSERT INTO products SELECT i, 'product ' || i, 'c' || i, i FROM generate_series(1, 1000) AS i;

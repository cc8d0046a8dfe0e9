INSERT INTO sales SELECT i, 'r' || i % 10, i FROM generate_series(1, 1000) AS i;

INSERT INTO users SELECT i, 'user ' || i FROM generate_series(1, 1000) AS i;

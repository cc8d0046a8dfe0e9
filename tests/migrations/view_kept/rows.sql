INSERT INTO tasks SELECT i, 'task ' || i, i % 13 FROM generate_series(1, 400) AS i;

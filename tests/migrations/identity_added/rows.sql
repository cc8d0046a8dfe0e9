INSERT INTO tickets SELECT i, 1000 + i, 'ticket ' || i FROM generate_series(1, 500) AS i;

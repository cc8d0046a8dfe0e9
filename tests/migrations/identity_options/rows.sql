INSERT INTO tickets (title) SELECT 'ticket ' || i FROM generate_series(1, 300) AS i;
INSERT INTO counters (label) SELECT 'counter ' || i FROM generate_series(1, 50) AS i;

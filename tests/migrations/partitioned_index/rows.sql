INSERT INTO events SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour', 'k' || i % 7
FROM generate_series(1, 6000) AS i;

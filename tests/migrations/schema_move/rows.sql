INSERT INTO customers (mail) SELECT 'c' || i || '@example.com' FROM generate_series(1, 500) AS i;
INSERT INTO events SELECT i, 1 + i % 500, timestamptz '2024-01-01' + i * interval '1 hour', 'k' || i % 7
FROM generate_series(1, 3000) AS i;
INSERT INTO tokens SELECT i, 1 + i % 500, md5(i::text) FROM generate_series(1, 200) AS i;

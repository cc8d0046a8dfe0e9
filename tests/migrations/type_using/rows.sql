INSERT INTO visits SELECT i, 1767225600 + i * 60, (i % 40)::text FROM generate_series(1, 1000) AS i;

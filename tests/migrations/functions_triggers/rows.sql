INSERT INTO film SELECT i, 'film ' || i, 'PG', '2020-01-01' FROM generate_series(1, 300) AS i;
INSERT INTO actor SELECT i, 'actor ' || i, '2020-01-01' FROM generate_series(1, 200) AS i;

INSERT INTO accounts (id, email, visits, code)
SELECT i, 'user' || i || '@example.com', i, 'c' || i FROM generate_series(1, 400) AS i;

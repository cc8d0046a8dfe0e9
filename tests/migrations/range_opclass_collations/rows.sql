INSERT INTO items (id, label, codes)
SELECT i, ROW('C' || i, 'title ' || i)::labelled, coderange('A', 'a' || i)
FROM generate_series(1, 300) AS i;

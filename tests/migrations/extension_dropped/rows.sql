INSERT INTO handles SELECT i, 'handle ' || i FROM generate_series(1, 300) AS i;

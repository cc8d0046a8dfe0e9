INSERT INTO people (id, home, old, position, span)
SELECT i, ROW('street ' || i, 'city')::address, ARRAY[ROW('s', 'c')::address], ROW(i, i, i)::point3,
       floatrange(i, i + 1.5)
FROM generate_series(1, 300) AS i;

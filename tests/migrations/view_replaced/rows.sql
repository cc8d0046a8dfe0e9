INSERT INTO orders (id, customer, total, cancelled)
SELECT g, 'customer ' || (g % 20), g * 3.5, g % 9 = 0 FROM generate_series(1, 300) AS g;

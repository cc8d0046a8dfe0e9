INSERT INTO accounts (id, balance) SELECT g, g * 10 FROM generate_series(1, 200) AS g;
INSERT INTO events (id, at) SELECT g, '2024-01-01'::timestamptz + g * interval '5 hours' FROM generate_series(1, 250) AS g;
INSERT INTO history (id, delta) SELECT g, g % 7 FROM generate_series(1, 100) AS g;

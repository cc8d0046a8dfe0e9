INSERT INTO guilds SELECT i, 'guild ' || i FROM generate_series(1, 5000) AS i;
INSERT INTO members SELECT 1 + i % 5000, i FROM generate_series(1, 20000) AS i;
INSERT INTO settings SELECT i, '!' FROM generate_series(1, 5000, 3) AS i;
INSERT INTO bans SELECT i, 1 + i % 5000 FROM generate_series(1, 3000) AS i;

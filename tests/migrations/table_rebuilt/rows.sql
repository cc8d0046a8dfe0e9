INSERT INTO events (at, kind) SELECT timestamptz '2026-01-01' + i * interval '3 hours', chr(97 + i % 3) FROM generate_series(1, 600) AS i;
INSERT INTO notes SELECT id, id, at FROM events WHERE id % 5 = 0;

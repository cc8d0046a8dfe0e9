-- six months of messages: the last three wait in the DEFAULT partition until the window grows
INSERT INTO messages SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '30 minutes', 'm' || i
FROM generate_series(0, 8000) AS i;

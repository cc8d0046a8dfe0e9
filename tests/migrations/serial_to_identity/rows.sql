INSERT INTO tickets (title) SELECT 'ticket ' || i FROM generate_series(1, 500) AS i;
-- the newest tickets are gone: the sequence stands past the largest id the rows hold
DELETE FROM tickets WHERE id > 490;

INSERT INTO parcels SELECT i, (ARRAY['new', 'shipped'])[1 + i % 2]::status FROM generate_series(1, 1000) AS i;

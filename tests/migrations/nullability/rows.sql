INSERT INTO items SELECT i, 'sku-' || i, 'note' FROM generate_series(1, 1000) AS i;

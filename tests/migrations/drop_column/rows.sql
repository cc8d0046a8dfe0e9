INSERT INTO users (id, name, nickname) SELECT i, 'user ' || i, 'n' || i FROM generate_series(1, 1000) AS i;

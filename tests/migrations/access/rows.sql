INSERT INTO docs SELECT g, 'a' || (g % 5), 'c' || g, g % 12 FROM generate_series(1, 500) g;
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 200) g;

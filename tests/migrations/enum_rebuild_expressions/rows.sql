-- checks and partial indexes that compare the converted column with a value must be built again after
-- the rebuild; `wanted` (text → enum) and `legacy` (enum → text) change type with a default
INSERT INTO paints (id, mood, n, wanted, legacy)
SELECT i, (ARRAY['red', 'green'])[1 + i % 2]::mood, i, (ARRAY['red', 'green'])[1 + i % 2],
       (ARRAY['red', 'green', 'blue'])[1 + i % 3]::mood
FROM generate_series(1, 300) AS i;

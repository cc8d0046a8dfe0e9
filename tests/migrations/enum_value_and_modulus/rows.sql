INSERT INTO tasks (id, assignee_id, status, title)
SELECT g, NULLIF(g % 7, 0), (ARRAY['open', 'doing', 'done']::task_status[])[1 + g % 3], 'task ' || g
FROM generate_series(1, 400) AS g;
INSERT INTO comments (id, task_id, body) SELECT g, 1 + g % 400, 'comment ' || g FROM generate_series(1, 300) AS g;

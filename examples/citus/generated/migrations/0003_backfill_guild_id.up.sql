-- 0003_backfill_guild_id (up): written by hand
-- A custom migration: schemagen runs it as it is and plans nothing into it; the schema is the same
-- before and after it, as generated/snapshot.json says. checksums.sum records it: after editing it,
-- run `schemagen migrate sign` (allowed while the migration is new, not once it is on the main branch).
-- It runs in one transaction, with a lock_timeout from `migrate apply`; add the line
-- `-- schemagen:no-transaction` here to run it statement by statement instead (a backfill in batches
-- with COMMIT between them, say).
--
-- Write the statements below, e.g.
--   UPDATE public.users SET locale = 'en' WHERE locale IS NULL;
-- Every row written before 0002 gets the guild of its channel (messages,
-- channel_permissions) or of its message (message_edits, message_reactions).
-- From 0002 on, the bot writes guild_id into every new row itself; this fills
-- the rows it wrote before, and 0004 makes the column NOT NULL (its check
-- fails if one was missed). One UPDATE per table, in one transaction: right
-- for this example's sizes; a large table would be filled in batches, with
-- `-- schemagen:no-transaction` and a COMMIT between them.
UPDATE public.channel_permissions AS p SET guild_id = c.guild_id
FROM public.channels AS c
WHERE c.id = p.channel_id AND p.guild_id IS NULL;

UPDATE public.messages AS m SET guild_id = c.guild_id
FROM public.channels AS c
WHERE c.id = m.channel_id AND m.guild_id IS NULL;

UPDATE public.message_edits AS e SET guild_id = m.guild_id
FROM public.messages AS m
WHERE m.id = e.message_id AND m.created_at = e.message_created_at AND e.guild_id IS NULL;

UPDATE public.message_reactions AS r SET guild_id = m.guild_id
FROM public.messages AS m
WHERE m.id = r.message_id AND m.created_at = r.message_created_at AND r.guild_id IS NULL;

-- Complete a DETACH PARTITION … CONCURRENTLY that was interrupted after its first transaction.
ALTER TABLE {parent} DETACH PARTITION {child} FINALIZE

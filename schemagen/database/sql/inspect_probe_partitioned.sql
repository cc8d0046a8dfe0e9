-- A temporary partitioned table with the columns of a table, partitioned by another spelling of its
-- partition key (the PARTITION BY clause rendered by the partition template).
CREATE TEMPORARY TABLE {probe} (LIKE {source}) {partition_by}

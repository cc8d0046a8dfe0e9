-- Citus in the template database of every node: each test database cloned from it has it already.
CREATE EXTENSION citus

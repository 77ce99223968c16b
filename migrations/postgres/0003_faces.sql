-- 0003_faces on PostgreSQL: folded into postgres/0001_init.sql (PostgreSQL support starts
-- at 0023; no PostgreSQL database was ever at an earlier version).
SELECT 1;

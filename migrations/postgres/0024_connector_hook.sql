-- 0024 on PostgreSQL: a shop's on-site connector reports its webhook
-- receiver on the shop's LAN (issue 15, chain mode), kept while the edge is
-- offline. The first change made on both databases after 0001_init.
ALTER TABLE connectors ADD COLUMN hook_url TEXT NOT NULL DEFAULT '';

-- 0024: a shop's on-site connector reports its webhook receiver on the
-- shop's LAN (issue 15, chain mode): the callback the central gives that
-- shop's webhook cameras (hook/add), kept while the edge is offline.
ALTER TABLE connectors ADD COLUMN hook_url TEXT NOT NULL DEFAULT '';

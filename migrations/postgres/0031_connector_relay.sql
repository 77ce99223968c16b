-- 0031 on PostgreSQL: the instance holding a shop's connector tunnel and
-- when it last said so (see ../0031_connector_relay.sql).
ALTER TABLE connectors ADD COLUMN relay_url TEXT NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN relay_at TIMESTAMPTZ;

-- 0031: several instances (issue 16): the instance holding a shop's
-- connector tunnel records its own address (relay_url) and refreshes
-- relay_at while the tunnel is up, so any other instance relays that shop's
-- LAN dials through it. '' or a stale relay_at: no instance holds it.
ALTER TABLE connectors ADD COLUMN relay_url TEXT NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN relay_at DATETIME;

-- 0008: how a LAN camera delivers its events (003 IPC Notification
-- Center), chosen per camera by a shop admin: '' (off), 'webhook' (§1: the
-- camera posts to our callback) or 'channel' (§2: we keep a TLS connection
-- to the camera). channel_port overrides the message channel's port (10021
-- when 0), for cameras behind a port mapping and for tests on loopback.
ALTER TABLE cameras ADD COLUMN event_delivery TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN channel_port INTEGER NOT NULL DEFAULT 0;

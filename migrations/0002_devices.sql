-- 0002: devices: Sunmi cameras on the LAN, SenseLink accounts, camera online/offline history.
-- Times are UTC. Secrets, the activation code and the client certificate are sealed
-- (AES-GCM, internal/secrets) like secret_enc, with the key outside this database.

-- Sunmi LAN accounts: app_id and secret_enc as the cloud's, plus the activation
-- code and an optional client certificate (PKCS#12 file and its password).
-- SenseLink accounts use base_url, app_id (app_key) and secret_enc (app_secret).
ALTER TABLE vendor_accounts ADD COLUMN activation_code_enc BLOB;
ALTER TABLE vendor_accounts ADD COLUMN client_cert_enc BLOB;
ALTER TABLE vendor_accounts ADD COLUMN client_cert_password_enc BLOB;
ALTER TABLE vendor_accounts ADD COLUMN client_cert_name TEXT NOT NULL DEFAULT '';

-- A LAN camera (vendor 'sunmilan') is reached at address (host:port), through the
-- certificate pinned on first use (hex SHA-256); cert_presented is a different
-- certificate the camera showed since, waiting for an admin to trust it.
ALTER TABLE cameras ADD COLUMN lan_account_id INTEGER REFERENCES vendor_accounts (id) ON DELETE RESTRICT;
ALTER TABLE cameras ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN cert_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN cert_presented TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN activated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cameras ADD COLUMN network_mode TEXT NOT NULL DEFAULT '';
-- Status history: when the camera was last seen to go offline (NULL while
-- online), and when its status was last checked.
ALTER TABLE cameras ADD COLUMN offline_since DATETIME;
ALTER TABLE cameras ADD COLUMN status_checked_at DATETIME;
CREATE INDEX cameras_lan_account_idx ON cameras (lan_account_id);

-- Every change of a camera's online state, as the periodic check saw it.
CREATE TABLE camera_status_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id  INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    at         DATETIME NOT NULL,
    online     INTEGER NOT NULL
);
CREATE INDEX camera_status_events_camera_idx ON camera_status_events (camera_id, at);

-- 0021: chain mode (issue 15): a shop's on-site connector (storelens-edge).
-- A pairing code is stored only as its SHA-256, used once, and expires; a
-- connector is an ed25519 public key bound to one shop, refused once revoked.
CREATE TABLE connector_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    code_hash   TEXT    NOT NULL UNIQUE,
    created_by  TEXT    NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    expires_at  DATETIME NOT NULL,
    used_at     DATETIME
);
CREATE INDEX connector_codes_shop_idx ON connector_codes (shop_id);

CREATE TABLE connectors (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    public_key  TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL DEFAULT '',
    code_id     INTEGER REFERENCES connector_codes (id) ON DELETE SET NULL,
    created_at  DATETIME NOT NULL,
    revoked_at  DATETIME,
    last_seen   DATETIME,
    version     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX connectors_shop_idx ON connectors (shop_id, revoked_at);

-- 0001: the foundation: people, sessions, vendor accounts, shops, cameras, audit log.
-- Times are stored in UTC. Never edit this file once shipped: add 0002_... instead.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    username         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name     TEXT    NOT NULL DEFAULT '',
    password_hash    TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'manager')),
    disabled         INTEGER NOT NULL DEFAULT 0,
    -- session_version grows on every password change or disable: sessions carry
    -- the version they were made with, and an older one no longer signs anyone in.
    session_version  INTEGER NOT NULL DEFAULT 1,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

-- scs session store (internal/models/sessions.go).
CREATE TABLE sessions (
    token   TEXT PRIMARY KEY,
    data    BLOB NOT NULL,
    expiry  DATETIME NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE vendor_accounts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor             TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    base_url           TEXT    NOT NULL,
    app_id             TEXT    NOT NULL,
    -- AES-GCM sealed with the key in the data directory (never in this database).
    secret_enc         BLOB    NOT NULL,
    company_no         TEXT    NOT NULL DEFAULT '',
    last_test_at       DATETIME,
    last_test_ok       INTEGER NOT NULL DEFAULT 0,
    last_test_message  TEXT    NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    UNIQUE (vendor, name)
);

CREATE TABLE shops (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL,
    address            TEXT    NOT NULL DEFAULT '',
    city               TEXT    NOT NULL DEFAULT '',
    timezone           TEXT    NOT NULL DEFAULT 'Asia/Shanghai',
    sunmi_account_id   INTEGER REFERENCES vendor_accounts (id) ON DELETE RESTRICT,
    sunmi_shop_no      TEXT    NOT NULL DEFAULT '',
    sunmi_shop_id      TEXT    NOT NULL DEFAULT '',
    sunmi_company_no   TEXT    NOT NULL DEFAULT '',
    cameras_synced_at  DATETIME,
    cameras_sync_error TEXT    NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX shops_name_idx ON shops (name);
CREATE INDEX shops_sunmi_account_idx ON shops (sunmi_account_id);

CREATE TABLE user_shops (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shop_id  INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, shop_id)
);
CREATE INDEX user_shops_shop_idx ON user_shops (shop_id);

CREATE TABLE cameras (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id           INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    vendor            TEXT    NOT NULL,
    vendor_device_id  TEXT    NOT NULL DEFAULT '',
    sn                TEXT    NOT NULL,
    name              TEXT    NOT NULL DEFAULT '',
    model             TEXT    NOT NULL DEFAULT '',
    firmware          TEXT    NOT NULL DEFAULT '',
    mac               TEXT    NOT NULL DEFAULT '',
    online            INTEGER NOT NULL DEFAULT 0,
    last_connect_at   DATETIME,
    check_version_at  DATETIME,
    -- The vendor's screenshot URL: server side only, fetched through our proxy.
    screenshot_url    TEXT    NOT NULL DEFAULT '',
    synced_at         DATETIME,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (vendor, sn)
);
CREATE INDEX cameras_shop_idx ON cameras (shop_id, name);

CREATE TABLE audit_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           DATETIME NOT NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    username     TEXT    NOT NULL DEFAULT '',
    action       TEXT    NOT NULL,
    target_type  TEXT    NOT NULL DEFAULT '',
    target_id    TEXT    NOT NULL DEFAULT '',
    detail       TEXT    NOT NULL DEFAULT '',
    ip           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_entries_at_idx ON audit_entries (at);

-- Small key/value facts about this installation (demo mode, ...).
CREATE TABLE app_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

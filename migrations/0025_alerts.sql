-- 0025: alerts where store managers are (issue 17, first slice): a shop's
-- (or the chain's) WeCom and DingTalk group robots, the outbox every
-- message is stored in before it is sent, and the delivery log.
CREATE TABLE alert_channels (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: the whole chain (company admins only).
    shop_id      INTEGER REFERENCES shops (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    -- AES-GCM sealed (internal/secrets): the webhook holds the robot's token or key.
    webhook_enc  BLOB    NOT NULL,
    secret_enc   BLOB,
    enabled      BOOLEAN NOT NULL DEFAULT 1,
    fail_streak  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    last_ok_at   DATETIME,
    last_fail_at DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX alert_channels_shop_idx ON alert_channels (shop_id);
CREATE TABLE alert_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    shop_id     INTEGER,
    event_id    INTEGER,
    -- One message per event per channel.
    dedupe_key  TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    picture_url TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     DATETIME NOT NULL,
    created_at  DATETIME NOT NULL,
    sent_at     DATETIME,
    summary_id  INTEGER,
    last_error  TEXT    NOT NULL DEFAULT '',
    UNIQUE (channel_id, dedupe_key)
);
CREATE INDEX alert_outbox_due_idx ON alert_outbox (state, next_at);
CREATE TABLE alert_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    outbox_id   INTEGER NOT NULL,
    at          DATETIME NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    millis      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alert_deliveries_channel_idx ON alert_deliveries (channel_id, id);

-- 0004: events: face recognition and motion events from the vendors, and
-- each shop's event settings. Times are UTC.

CREATE TABLE events (
    -- AUTOINCREMENT: ids are never reused after the retention sweep, so an
    -- id is a safe cursor for a browser resuming its live feed.
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id          INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    camera_id        INTEGER REFERENCES cameras (id) ON DELETE SET NULL,
    camera_name      TEXT    NOT NULL DEFAULT '',
    device_sn        TEXT    NOT NULL DEFAULT '',
    vendor           TEXT    NOT NULL,
    -- The configured source that delivered it (sunmi-ipc:<sn>, senselink:<app key>).
    source           TEXT    NOT NULL DEFAULT '',
    -- The event's identity at its vendor: a redelivery is stored once.
    dedupe_key       TEXT    NOT NULL UNIQUE,
    vendor_event_id  TEXT    NOT NULL DEFAULT '',
    kind             TEXT    NOT NULL CHECK (kind IN ('face', 'motion')),
    occurred_at      DATETIME NOT NULL,
    received_at      DATETIME NOT NULL,
    person_id        TEXT    NOT NULL DEFAULT '',
    cloud_person_id  TEXT    NOT NULL DEFAULT '',
    person_name      TEXT    NOT NULL DEFAULT '',
    group_name       TEXT    NOT NULL DEFAULT '',
    group_kind       TEXT    NOT NULL DEFAULT '',
    age              INTEGER NOT NULL DEFAULT 0,
    age_range        INTEGER NOT NULL DEFAULT 0,
    gender           TEXT    NOT NULL DEFAULT '',
    visits           INTEGER NOT NULL DEFAULT 0,
    motion           TEXT    NOT NULL DEFAULT '',
    motion_raw       INTEGER NOT NULL DEFAULT 0,
    -- The shop's alert groups matched when it was stored.
    alert            INTEGER NOT NULL DEFAULT 0,
    -- The vendor's picture and clip links: server side only, never sent to a browser.
    picture_src      TEXT    NOT NULL DEFAULT '',
    clip_src         TEXT    NOT NULL DEFAULT '',
    -- The picture as kept in <data-dir>/events/pictures, named by content hash.
    picture          TEXT    NOT NULL DEFAULT '',
    picture_tries    INTEGER NOT NULL DEFAULT 0,
    attrs            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_shop_idx ON events (shop_id, id);
CREATE INDEX events_occurred_idx ON events (occurred_at, id);
CREATE INDEX events_shop_occurred_idx ON events (shop_id, occurred_at, id);
CREATE INDEX events_source_idx ON events (source, id);
CREATE INDEX events_picture_pending_idx ON events (id) WHERE picture_src <> '' AND picture = '';
CREATE INDEX events_picture_idx ON events (picture) WHERE picture <> '';

CREATE TABLE shop_event_settings (
    shop_id       INTEGER PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    -- Group names (comma-separated) whose arrival raises an alert.
    alert_groups  TEXT    NOT NULL DEFAULT ''
);

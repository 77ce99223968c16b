-- 0003: faces: face groups and faces as each shop's vendor keeps them, the
-- photos enrolled from StoreLens (files named by content hash in the data
-- directory), bulk enrollment batches, and deletions tracked until done.
-- Times are UTC.

-- A face group at a vendor. (vendor, source) names the face library: source
-- is '' for a shop-level library (Sunmi cloud) and the camera's SN for a
-- camera on the LAN, whose library lives on the device.
CREATE TABLE face_groups (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id             INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    vendor              TEXT    NOT NULL,
    source              TEXT    NOT NULL DEFAULT '',
    account_id          INTEGER REFERENCES vendor_accounts (id) ON DELETE SET NULL,
    vendor_group_id     TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('stranger', 'regular', 'staff', 'member', 'custom', 'visitor')),
    name                TEXT    NOT NULL,
    description         TEXT    NOT NULL DEFAULT '',
    capacity            INTEGER NOT NULL DEFAULT 0,
    face_count          INTEGER NOT NULL DEFAULT 0,
    is_default          INTEGER NOT NULL DEFAULT 0,
    custom_key1         TEXT    NOT NULL DEFAULT '',
    custom_key2         TEXT    NOT NULL DEFAULT '',
    custom_key3         TEXT    NOT NULL DEFAULT '',
    custom_key4         TEXT    NOT NULL DEFAULT '',
    custom_key5         TEXT    NOT NULL DEFAULT '',
    -- The stranger-to-regular rule as last set from StoreLens (no vendor
    -- can read it back); kept on the stranger group. Days, shown as days.
    rule_visits         INTEGER NOT NULL DEFAULT 0,
    rule_days           INTEGER NOT NULL DEFAULT 0,
    rule_target_id      INTEGER REFERENCES face_groups (id) ON DELETE SET NULL,
    vendor_modified_at  DATETIME,
    synced_at           DATETIME,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    UNIQUE (shop_id, vendor, source, vendor_group_id)
);

-- A face. origin 'here' was enrolled from StoreLens (with its photo and the
-- person's consent); 'vendor' was found at the vendor (the cameras add
-- strangers themselves). state:
--   pending   sent, the vendor's face id not known yet (reconciled by polling)
--   enrolled  the vendor has it
--   failed    the vendor refused it or never finished it: error says why
--   deleting  deletion asked while pending: finished once its id is known
--   missing   enrolled here, but the vendor no longer has it (reconciliation)
CREATE TABLE faces (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id             INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    group_id            INTEGER NOT NULL REFERENCES face_groups (id) ON DELETE CASCADE,
    vendor              TEXT    NOT NULL,
    source              TEXT    NOT NULL DEFAULT '',
    vendor_face_id      TEXT    NOT NULL DEFAULT '',
    state               TEXT    NOT NULL CHECK (state IN ('pending', 'enrolled', 'failed', 'deleting', 'missing')),
    origin              TEXT    NOT NULL CHECK (origin IN ('here', 'vendor')),
    name                TEXT    NOT NULL DEFAULT '',
    gender              TEXT    NOT NULL DEFAULT 'unknown' CHECK (gender IN ('unknown', 'male', 'female')),
    age_range           INTEGER NOT NULL DEFAULT 0 CHECK (age_range BETWEEN 0 AND 8),
    custom1             TEXT    NOT NULL DEFAULT '',
    custom2             TEXT    NOT NULL DEFAULT '',
    custom3             TEXT    NOT NULL DEFAULT '',
    custom4             TEXT    NOT NULL DEFAULT '',
    custom5             TEXT    NOT NULL DEFAULT '',
    visits              INTEGER NOT NULL DEFAULT 0,
    last_visit_at       DATETIME,
    vendor_created_at   DATETIME,
    -- The vendor-ready photo and its face thumbnail (photos store, by
    -- SHA-256), the face's box in the photo, and the SHA-256 of the file
    -- as uploaded: the same file is never enrolled twice in a shop.
    photo_hash          TEXT    NOT NULL DEFAULT '',
    thumb_hash          TEXT    NOT NULL DEFAULT '',
    source_hash         TEXT    NOT NULL DEFAULT '',
    box_x               INTEGER NOT NULL DEFAULT 0,
    box_y               INTEGER NOT NULL DEFAULT 0,
    box_size            INTEGER NOT NULL DEFAULT 0,
    -- The person's consent (PIPL): who collected it, when, for what.
    consent_by          TEXT    NOT NULL DEFAULT '',
    consent_at          DATETIME,
    consent_purpose     TEXT    NOT NULL DEFAULT '',
    error               TEXT    NOT NULL DEFAULT '',
    attempts            INTEGER NOT NULL DEFAULT 0,
    submitted_at        DATETIME,
    enrolled_at         DATETIME,
    created_by          TEXT    NOT NULL DEFAULT '',
    synced_at           DATETIME,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX faces_group_idx ON faces (group_id, name);
CREATE INDEX faces_shop_idx ON faces (shop_id, state);
CREATE UNIQUE INDEX faces_vendor_id_idx ON faces (shop_id, vendor, source, vendor_face_id) WHERE vendor_face_id <> '';
CREATE UNIQUE INDEX faces_source_hash_idx ON faces (shop_id, source_hash) WHERE source_hash <> '';
CREATE INDEX faces_photo_idx ON faces (photo_hash) WHERE photo_hash <> '';
CREATE INDEX faces_thumb_idx ON faces (thumb_hash) WHERE thumb_hash <> '';
CREATE INDEX faces_open_idx ON faces (state) WHERE state IN ('pending', 'deleting');

-- A deletion, kept after the face is gone so it can be shown complete on
-- both sides: at the vendor (vendor_done_at) and here, with the photo file
-- (local_done_at). It holds ids and hashes, never the person's name.
CREATE TABLE face_deletions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id             INTEGER REFERENCES shops (id) ON DELETE SET NULL,
    face_id             INTEGER NOT NULL,
    vendor              TEXT    NOT NULL,
    source              TEXT    NOT NULL DEFAULT '',
    vendor_group_id     TEXT    NOT NULL DEFAULT '',
    vendor_face_id      TEXT    NOT NULL DEFAULT '',
    photo_hash          TEXT    NOT NULL DEFAULT '',
    thumb_hash          TEXT    NOT NULL DEFAULT '',
    requested_by        TEXT    NOT NULL DEFAULT '',
    requested_at        DATETIME NOT NULL,
    vendor_done_at      DATETIME,
    local_done_at       DATETIME,
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT    NOT NULL DEFAULT '',
    note                TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX face_deletions_shop_idx ON face_deletions (shop_id, requested_at);
CREATE INDEX face_deletions_open_idx ON face_deletions (id) WHERE local_done_at IS NULL OR vendor_done_at IS NULL;

-- Bulk enrollment: one batch per upload (many photos, or a ZIP with a CSV),
-- one item per photo. Items wait as files in the data directory until
-- processed, then the file is removed.
CREATE TABLE face_batches (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id             INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    group_id            INTEGER NOT NULL REFERENCES face_groups (id) ON DELETE CASCADE,
    state               TEXT    NOT NULL CHECK (state IN ('running', 'done')),
    total               INTEGER NOT NULL DEFAULT 0,
    created_by          TEXT    NOT NULL DEFAULT '',
    consent_by          TEXT    NOT NULL DEFAULT '',
    consent_at          DATETIME,
    consent_purpose     TEXT    NOT NULL DEFAULT '',
    finished_at         DATETIME,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX face_batches_shop_idx ON face_batches (shop_id, id);

CREATE TABLE face_batch_items (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id            INTEGER NOT NULL REFERENCES face_batches (id) ON DELETE CASCADE,
    seq                 INTEGER NOT NULL,
    file_name           TEXT    NOT NULL,
    name                TEXT    NOT NULL DEFAULT '',
    gender              TEXT    NOT NULL DEFAULT 'unknown',
    age_range           INTEGER NOT NULL DEFAULT 0,
    custom1             TEXT    NOT NULL DEFAULT '',
    custom2             TEXT    NOT NULL DEFAULT '',
    custom3             TEXT    NOT NULL DEFAULT '',
    custom4             TEXT    NOT NULL DEFAULT '',
    custom5             TEXT    NOT NULL DEFAULT '',
    state               TEXT    NOT NULL CHECK (state IN ('queued', 'done', 'failed', 'skipped')),
    face_id             INTEGER REFERENCES faces (id) ON DELETE SET NULL,
    -- Why it failed or was skipped, as a message id and its argument.
    result              TEXT    NOT NULL DEFAULT '',
    detail              TEXT    NOT NULL DEFAULT '',
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    UNIQUE (batch_id, seq)
);
CREATE INDEX face_batch_items_queued_idx ON face_batch_items (batch_id, seq) WHERE state = 'queued';

-- 0005: customer traffic. Local copies of the vendors' counters, so reports
-- read only this database (fast, and still there while a vendor is down).

-- One shop hour. hour_start is the hour's first instant in Unix seconds
-- (UTC); have is a bit set of what the vendor counted (vendors.Have): a
-- counter it does not give is unknown, not 0. Visits (人次) add up across
-- hours; uniq_* are unique people of this hour only and do not.
CREATE TABLE traffic_hours (
    shop_id         INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    hour_start      INTEGER NOT NULL,
    have            INTEGER NOT NULL DEFAULT 0,
    entries         INTEGER NOT NULL DEFAULT 0,
    entries_face    INTEGER NOT NULL DEFAULT 0,
    entries_no_face INTEGER NOT NULL DEFAULT 0,
    passers_by      INTEGER NOT NULL DEFAULT 0,
    left_count      INTEGER NOT NULL DEFAULT 0,
    strangers       INTEGER NOT NULL DEFAULT 0,
    regulars        INTEGER NOT NULL DEFAULT 0,
    members         INTEGER NOT NULL DEFAULT 0,
    uniq_total      INTEGER NOT NULL DEFAULT 0,
    uniq_strangers  INTEGER NOT NULL DEFAULT 0,
    uniq_regulars   INTEGER NOT NULL DEFAULT 0,
    uniq_members    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, hour_start)
) WITHOUT ROWID;

-- One shop day (the shop's own date), written with its hours: visits are
-- the hours summed (or the vendor's day figure where the hours lack them),
-- uniq_* the day's own unique people. final: a closed day from the vendor's
-- history; 0 while it is today (or was, when last synced).
CREATE TABLE traffic_days (
    shop_id         INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    day             TEXT    NOT NULL,
    final           INTEGER NOT NULL DEFAULT 0,
    have            INTEGER NOT NULL DEFAULT 0,
    entries         INTEGER NOT NULL DEFAULT 0,
    entries_face    INTEGER NOT NULL DEFAULT 0,
    entries_no_face INTEGER NOT NULL DEFAULT 0,
    passers_by      INTEGER NOT NULL DEFAULT 0,
    left_count      INTEGER NOT NULL DEFAULT 0,
    strangers       INTEGER NOT NULL DEFAULT 0,
    regulars        INTEGER NOT NULL DEFAULT 0,
    members         INTEGER NOT NULL DEFAULT 0,
    uniq_total      INTEGER NOT NULL DEFAULT 0,
    uniq_strangers  INTEGER NOT NULL DEFAULT 0,
    uniq_regulars   INTEGER NOT NULL DEFAULT 0,
    uniq_members    INTEGER NOT NULL DEFAULT 0,
    synced_at       DATETIME NOT NULL,
    PRIMARY KEY (shop_id, day)
) WITHOUT ROWID;
CREATE INDEX traffic_days_day_idx ON traffic_days (day, shop_id);

-- Visits of one shop day by canonical age range (1..8, NOTES item 2).
CREATE TABLE traffic_ages (
    shop_id        INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    day            TEXT    NOT NULL,
    age            INTEGER NOT NULL CHECK (age BETWEEN 1 AND 8),
    male           INTEGER NOT NULL DEFAULT 0,
    female         INTEGER NOT NULL DEFAULT 0,
    male_regular   INTEGER NOT NULL DEFAULT 0,
    female_regular INTEGER NOT NULL DEFAULT 0,
    male_member    INTEGER NOT NULL DEFAULT 0,
    female_member  INTEGER NOT NULL DEFAULT 0,
    strangers      INTEGER NOT NULL DEFAULT 0,
    regulars       INTEGER NOT NULL DEFAULT 0,
    members        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, day, age)
) WITHOUT ROWID;

-- How many unique people came `visits` times in the period ending
-- period_end (Sunmi's frequency list; periods cannot be added together).
CREATE TABLE traffic_frequency (
    shop_id      INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    period_end   TEXT    NOT NULL,
    period_start TEXT    NOT NULL,
    visits       INTEGER NOT NULL,
    strangers    INTEGER NOT NULL DEFAULT 0,
    regulars     INTEGER NOT NULL DEFAULT 0,
    members      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, period_end, visits)
) WITHOUT ROWID;

-- The sync state of each shop's counters, and its backfill (a range pulled
-- day by day; backfill_next is where a stopped one resumes).
CREATE TABLE traffic_sync (
    shop_id          INTEGER PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    source           TEXT    NOT NULL DEFAULT '',
    last_attempt_at  DATETIME,
    last_success_at  DATETIME,
    last_error       TEXT    NOT NULL DEFAULT '',
    today_synced_at  DATETIME,
    backfill_state   TEXT    NOT NULL DEFAULT '',
    backfill_from    TEXT    NOT NULL DEFAULT '',
    backfill_to      TEXT    NOT NULL DEFAULT '',
    backfill_next    TEXT    NOT NULL DEFAULT '',
    backfill_total   INTEGER NOT NULL DEFAULT 0,
    backfill_done    INTEGER NOT NULL DEFAULT 0,
    backfill_error   TEXT    NOT NULL DEFAULT ''
);

-- OpRetail accounts (vendor_accounts.vendor = 'opretail'): vendor_accounts
-- holds the gateway URL, _akey (app_id) and the key's secret; this row the
-- mobileLogin user and its password, sealed like every vendor secret.
CREATE TABLE opretail_accounts (
    account_id    INTEGER PRIMARY KEY REFERENCES vendor_accounts (id) ON DELETE CASCADE,
    user_name     TEXT    NOT NULL,
    password_enc  BLOB    NOT NULL
);

-- A shop counted by OpRetail: its department id there. When set, it is the
-- shop's traffic source (one source per shop: two counters at one door
-- would count the same people twice).
CREATE TABLE shop_opretail (
    shop_id     INTEGER PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES vendor_accounts (id) ON DELETE CASCADE,
    dep_id      TEXT    NOT NULL
);
CREATE INDEX shop_opretail_account_idx ON shop_opretail (account_id);

-- 0028: alert rules a shop admin chooses (issue 17, rules): one row per
-- shop and kind, each enabled per channel (alert_rule_channels), with
-- optional quiet hours in shop time; and the outbox's held flag (a message
-- made in quiet hours waits in next_at until they end).
CREATE TABLE alert_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id       INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    -- vip, offline, drop, daily, weekly
    kind          TEXT    NOT NULL,
    enabled       BOOLEAN NOT NULL DEFAULT 0,
    -- offline: minutes; drop: percent.
    threshold     INTEGER NOT NULL DEFAULT 0,
    -- daily, weekly: minutes after the shop's midnight.
    at_minute     INTEGER NOT NULL DEFAULT 0,
    -- quiet hours, minutes after the shop's midnight; equal: none.
    quiet_from    INTEGER NOT NULL DEFAULT 0,
    quiet_to      INTEGER NOT NULL DEFAULT 0,
    updated_at    DATETIME NOT NULL,
    UNIQUE (shop_id, kind)
);
CREATE TABLE alert_rule_channels (
    rule_id    INTEGER NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, channel_id)
);
ALTER TABLE alert_outbox ADD COLUMN held BOOLEAN NOT NULL DEFAULT 0;

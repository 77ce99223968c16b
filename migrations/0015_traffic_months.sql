-- 0015: monthly rollups of customer traffic, so reports of a month or more
-- read a row per shop month instead of a row per shop day.
--
-- traffic_days already is the daily rollup (written with the hours, in one
-- transaction; its uniq_* are the vendor's own figures of the day, never
-- summed from hours). traffic_months sums a shop's day rows of one calendar
-- month (the shop's own dates), and is rewritten from them in the same
-- transaction whenever a day of the month is saved (sync, correction,
-- backfill: models.SaveTrafficDay).
--   month: YYYY-MM.
--   days:  a bit set of the days that have a row (bit d-1 for day d), so
--          days with data can be counted over several shops (OR) exactly.
--   have:  the counters known on every one of those days (AND of traffic_days.have).
--   the counters: sums of the day rows; uniq_* too, as the report's month
--          rows always did (the vendors de-duplicate a day, not a month).
CREATE TABLE traffic_months (
    shop_id         INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    month           TEXT    NOT NULL,
    days            INTEGER NOT NULL DEFAULT 0,
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
    PRIMARY KEY (shop_id, month)
) WITHOUT ROWID;

-- The months of the days already stored (the same statement as
-- models.rollupMonthSQL, over every shop).
INSERT INTO traffic_months (shop_id, month, days, have, entries, entries_face, entries_no_face, passers_by, left_count,
        strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members)
SELECT shop_id, substr(day, 1, 7), SUM(1 << (CAST(substr(day, 9, 2) AS INTEGER) - 1)),
    (MIN(have & 1) | MIN(have & 2) | MIN(have & 4) | MIN(have & 8) | MIN(have & 16) | MIN(have & 32) | MIN(have & 64) | MIN(have & 128)),
    SUM(entries), SUM(entries_face), SUM(entries_no_face), SUM(passers_by), SUM(left_count),
    SUM(strangers), SUM(regulars), SUM(members), SUM(uniq_total), SUM(uniq_strangers), SUM(uniq_regulars), SUM(uniq_members)
FROM traffic_days
GROUP BY shop_id, substr(day, 1, 7);

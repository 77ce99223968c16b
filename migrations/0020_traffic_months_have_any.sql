-- 0020: traffic_months.have_any, the OR of the month's days' have beside
-- have (their AND). When the two are equal every day of the shop's month
-- knows the same counters, so a report can take a month the range cuts as
-- the month row minus the days it leaves out (traffic.Service.monthReport)
-- instead of reading the days it keeps.
ALTER TABLE traffic_months ADD COLUMN have_any INTEGER NOT NULL DEFAULT 0;

UPDATE traffic_months SET have_any = (
    SELECT (MAX(have & 1) | MAX(have & 2) | MAX(have & 4) | MAX(have & 8) | MAX(have & 16) | MAX(have & 32) | MAX(have & 64) | MAX(have & 128))
    FROM traffic_days AS d
    WHERE d.shop_id = traffic_months.shop_id AND d.day BETWEEN traffic_months.month || '-01' AND traffic_months.month || '-31');

-- 0027 on PostgreSQL: an alert channel's own rate limit (see ../0027_alert_channel_rate.sql).
ALTER TABLE alert_channels ADD COLUMN rate_per_min INTEGER NOT NULL DEFAULT 0;

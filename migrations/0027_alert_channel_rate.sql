-- 0027: an alert channel's own rate limit (issue 17, channels): messages a
-- minute, set on e-mail channels (0: the kind's documented default). An
-- e-mail channel's server, sender and recipients are sealed in webhook_enc
-- (as a robot's webhook is), its SMTP password in secret_enc.
ALTER TABLE alert_channels ADD COLUMN rate_per_min INTEGER NOT NULL DEFAULT 0;

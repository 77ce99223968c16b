-- 0026 on PostgreSQL: the webhook replay cache (see ../0026_webhook_replays.sql).
CREATE TABLE webhook_replays (
    key       TEXT   PRIMARY KEY,
    until_at  BIGINT NOT NULL
);
CREATE INDEX webhook_replays_until_idx ON webhook_replays (until_at);

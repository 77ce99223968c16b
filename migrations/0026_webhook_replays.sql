-- 0026: the webhook replay cache (internal/events: a LAN camera's signed
-- notification-center posts), shared by every instance that uses this
-- database, so a captured post replayed to another instance is refused too.
-- key is "<app id>|<signature>"; until_at (Unix milliseconds, UTC) is when the
-- post's timestamp leaves the accepted window: after it the post is refused
-- as stale anyway, and the row is pruned.
CREATE TABLE webhook_replays (
    key       TEXT    PRIMARY KEY,
    until_at  INTEGER NOT NULL
);
CREATE INDEX webhook_replays_until_idx ON webhook_replays (until_at);

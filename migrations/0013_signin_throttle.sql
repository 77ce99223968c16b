-- 0013: sign-in throttle counters (internal/auth/throttle.go), shared by every
-- instance that uses this database. key is one counter: "ac:<account>\n<client>"
-- (an account tried from one client address), "ip:<client>" (one client address,
-- any account) or "dev:<device id>" (a browser holding a device cookie for the
-- account). Times are Unix milliseconds (UTC). Rows expire: internal/auth sweeps
-- those idle longer than the window and trims the table to a fixed size.
CREATE TABLE signin_throttle (
    key       TEXT    PRIMARY KEY,
    failures  INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    until_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX signin_throttle_last_idx ON signin_throttle (last_at);

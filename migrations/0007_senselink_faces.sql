-- 0007: SenseLink faces. A shop's face library may be its SenseLink
-- company (account-wide: every shop linked to the account shares it).
ALTER TABLE shops ADD COLUMN senselink_account_id INTEGER REFERENCES vendor_accounts (id) ON DELETE RESTRICT;
CREATE INDEX shops_senselink_account_idx ON shops (senselink_account_id);

-- A visitor (SenseLink group type 2) is enrolled with a visit window and
-- the vendor id of the staff member who receives them; kept so a failed
-- enrollment can be sent again as it was.
ALTER TABLE faces ADD COLUMN visit_from DATETIME;
ALTER TABLE faces ADD COLUMN visit_to DATETIME;
ALTER TABLE faces ADD COLUMN receptionist TEXT NOT NULL DEFAULT '';

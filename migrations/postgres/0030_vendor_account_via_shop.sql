-- 0030 on PostgreSQL: a vendor server inside a shop, reached through its
-- on-site connector (see ../0030_vendor_account_via_shop.sql).
ALTER TABLE vendor_accounts ADD COLUMN via_shop_id BIGINT REFERENCES shops (id) ON DELETE SET NULL;

-- 0030: a vendor server inside a shop (issue 15, chain mode): a SenseLink
-- server on the shop's LAN is reached through that shop's on-site
-- connector. NULL: reached directly (a cloud, or the server's own LAN).
ALTER TABLE vendor_accounts ADD COLUMN via_shop_id INTEGER REFERENCES shops (id) ON DELETE SET NULL;

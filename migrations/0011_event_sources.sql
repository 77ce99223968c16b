-- 0011: the webhook callback a LAN camera was given with hook/add (003
-- §1.2.1), shown on its page; '' when none of ours is subscribed.
ALTER TABLE cameras ADD COLUMN hook_callback TEXT NOT NULL DEFAULT '';

-- 0022: the purpose a face group states for its people's consent (member,
-- staff, security, visitor), kept by StoreLens beside the vendor's group;
-- empty: the kind's purpose (a custom group's enrollments ask each time).
ALTER TABLE face_groups ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

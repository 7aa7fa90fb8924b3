-- The end of the paid period (the later of trial and subscription end) the merchant
-- was warned about, a week before; a renewal moves the end and arms a new warning.
ALTER TABLE installations ADD COLUMN expiry_warned_for timestamptz;

-- An edit, a hide or an unhide, a fold, a moderator's verdict on held text
-- (notes.services.note_update / note_set_hidden / note_set_folded / note_set_held), and a repair:
-- the card goes (the next read refills it) and the note is placed again, or taken out when hidden.
-- KEYS[FIRST_KEY] card, +1 its fill lease, +2.. the counts to drop (none when the lists' totals
-- did not change).
local card, lease = KEYS[FIRST_KEY], KEYS[FIRST_KEY + 1]
if fresh_version() then
  place_note()
end
-- Always, whatever the version: deleting is never stale.
redis.call('DEL', card, lease)
drop_counts(FIRST_KEY + 2)
return evict_cards()

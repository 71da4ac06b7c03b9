-- A deleted note (notes.services.note_delete, or a repair of one that is gone): every key of it
-- and its place in every set. The version key stays a while as a tombstone, so that a commit
-- callback of an earlier write, running late, cannot put the note back.
-- KEYS[FIRST_KEY] card, +1 its fill lease, +2 its single-flight lock, +3 voted set, +4 voted set
-- versions, +5.. the counts to drop. ARGV[FIRST_ARG] the tombstone version, +1 the tombstone's TTL.
redis.call('DEL', KEYS[FIRST_KEY], KEYS[FIRST_KEY + 1], KEYS[FIRST_KEY + 2], KEYS[FIRST_KEY + 3], KEYS[FIRST_KEY + 4])
redis.call('SET', VER, ARGV[FIRST_ARG], 'EX', tonumber(ARGV[FIRST_ARG + 1]))
VISIBLE = false
place_note()
drop_counts(FIRST_KEY + 5)
return evict_cards()

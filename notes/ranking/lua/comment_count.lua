-- The card's comment count after a comment committed (notes.services.note_comment_count_add).
-- KEYS[1] card, KEYS[2] version key. ARGV[1] delta, ARGV[2] the note's new version ('' unversioned),
-- ARGV[3] the absolute count ('' none), ARGV[4] how long the version key lives.
-- Returns the new count, or -1 when the card is not cached or the write is older than the last one.
if ARGV[2] ~= '' then
  local applied = tonumber(redis.call('GET', KEYS[2]) or '-1')
  if tonumber(ARGV[2]) < applied then return -1 end
  redis.call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ARGV[4]))
end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], '__absent__') then return -1 end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'comment_count', ARGV[3])
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'v', ARGV[2]) end
  return tonumber(ARGV[3])
end
return redis.call('HINCRBY', KEYS[1], 'comment_count', tonumber(ARGV[1]))

-- Move the pending visits aside for the flush (or resume an unfinished batch).
-- KEYS[1] pending, KEYS[2] flushing.
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('HGETALL', KEYS[2])

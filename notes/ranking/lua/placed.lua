-- A note read from the database placed again (a set's build fix-up, notes/ranking/build.py).
-- KEYS[FIRST_KEY] card.
if fresh_version() then
  place_note()
  persist_if_ranked(KEYS[FIRST_KEY])
end
return evict_cards()

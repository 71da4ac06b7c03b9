"""The notes' Redis module: every key of notes, and the Lua scripts that change them atomically.

- ``keys``     every key builder (the only place a note key is spelled), named TTLs and policies;
- ``scripts``  the Lua scripts (``lua/``): one per event — created, voted, changed (edit, hide,
  fold, held), removed, placed — over the shared placement library ``lua/placement.lua``, and one
  per read;
- ``events``   the writes, one function per event (run after the commit by treehole.effects),
  and ``note_repair``, which redoes a note's keys from its row after a failed one;
- ``reads``    a list page (or its digest), a note's card, a visit — one round trip each;
- ``build``    building a set from the database (a list read after a flush; ``rebuild_redis``);
- ``visits``   the pending visits and the flush's batch;
- ``rebuild``  the notes step of ``manage.py rebuild_redis``.

Layout (all under settings.REDIS_KEY_PREFIX, ``treehole:``):

- ``note:time`` / ``note:score`` and ``note:time:{slug}`` / ``note:score:{slug}``: sorted sets of
  the newest / hottest visible notes. Members are note ids zero-padded to 19 digits, so Redis' tie
  order (member, descending) is the database's (``id`` descending). Each holds a *prefix* of the
  database order, at most NOTES_RANK_SIZE long. ``note:sets`` (hash: set name -> ``all`` | ``top``
  | ``building``) says whether a set holds every note of its list (``all``), only the first ones
  (``top``: deeper pages come from the database, continuing after the set's last member) or is
  being built (``building``: lists use the database; writes note the member in
  ``note:sets:dirty:{name}`` for the builder to fix up). A set missing from ``note:sets`` is not
  trusted at all; the next list read builds it from the database.
- ``note:info:{id}``: the card (notes/serializers.py CARD_FIELDS), enough for a list row or the
  detail page without SQL. Kept without TTL while the note is in a ranking set; a card filled for
  an unranked note gets a jittered TTL; a missing note is cached as absent briefly.
  ``note:lease:{id}`` is its fill lease and ``note:info:{id}:lock`` its single-flight lock
  (treehole/cache.py).
- ``note:ver:{id}``: the highest database version applied to Redis. Writes carry the row's
  version and an older one never overwrites a newer one (commit callbacks may run out of order).
- ``note:voted:{id}``: sorted set user id -> 1 / -1, plus the member ``_`` (score 0) that says
  "this set is complete"; it expires when the note's vote window closes. ``note:votedv:{id}``:
  user id -> version of that user's last applied vote.
- ``note:count`` / ``note:count:{slug}``: number of visible notes (for ``total`` when a set only
  holds the top), cache-aside with lease ``note:lease:count[:{slug}]``.
- ``note:visits:pending`` (hash id -> visits not yet in the database) and
  ``note:visits:flushing`` (the batch being written by the periodic flush).

The scripts build per-note keys from prefixes that ``keys`` builds, so Redis must be one instance
(not a cluster).
"""

from notes.ranking.build import ORDERING, rank_build, set_remove, visible_notes
from notes.ranking.events import (
    RankState,
    categories_changed,
    note_changed,
    note_created,
    note_info_incr_comments,
    note_info_invalidate,
    note_placed,
    note_poll_changed,
    note_removed,
    note_repair,
    note_voted,
    rank_state,
)
from notes.ranking.keys import (
    CATEGORIES_POLICY,
    MEMBER_WIDTH,
    ORDERS,
    SENTINEL,
    categories_key,
    categories_lease_key,
    count_key,
    count_lease_key,
    count_policy,
    flushing_visits_key,
    info_key,
    info_policy,
    lease_key,
    member,
    pending_visits_key,
    rank_size,
    ranked_set_keys,
    set_key,
    set_name,
    sets_state_key,
    ver_key,
    voted_key,
    votedv_key,
)
from notes.ranking.reads import (
    ListWindow,
    card_fill_many,
    cards_drop,
    detail_read,
    list_digest,
    list_window,
    pending_visits,
    set_state,
    visit_count,
)
from notes.ranking.rebuild import delete_all_note_keys, voted_sets_write
from notes.ranking.visits import visits_batch_done, visits_take_batch

__all__ = [
    "CATEGORIES_POLICY", "MEMBER_WIDTH", "ORDERING", "ORDERS", "SENTINEL", "ListWindow", "RankState",
    "card_fill_many", "cards_drop", "categories_changed", "categories_key", "categories_lease_key", "count_key",
    "count_lease_key", "count_policy", "delete_all_note_keys", "detail_read", "flushing_visits_key",
    "info_key", "info_policy", "lease_key", "list_digest", "list_window", "member", "note_changed", "note_created",
    "note_info_incr_comments", "note_info_invalidate", "note_placed", "note_poll_changed", "note_removed", "note_repair",
    "note_voted", "pending_visits", "pending_visits_key", "rank_build", "rank_size", "rank_state",
    "ranked_set_keys", "set_key", "set_name", "set_remove", "set_state", "sets_state_key", "ver_key",
    "visible_notes", "visit_count", "visits_batch_done", "visits_take_batch", "voted_key",
    "voted_sets_write", "votedv_key",
]

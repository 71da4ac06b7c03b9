"""Polls: made with their note (``poll_clean`` + ``poll_add`` inside ``note_create``), voted on
with ``poll_vote``, recounted from the ballots with ``poll_recount``.

Counts are exact under concurrent ballots: a ballot locks the poll row first, so ballots of one
poll are serialized and their deltas add up; ``version`` grows with each one. On commit the new
counts are written into the note's cached card (``ranking.note_poll_changed``, versioned, through
treehole.effects), the way votes write approve/against: lists and the note page keep reading the
card without SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from accounts.services import ensure_can_write
from notes import ranking
from notes.models import Poll, PollBallot, PollChoice, PollOption
from notes.serializers import poll_card
from treehole import clock
from treehole.effects import Repair, after_commit
from treehole.errors import Conflict, InvalidInput, NotFound
from treehole.text import TextKind, clean_text

MIN_OPTIONS, MAX_OPTIONS = 2, 10
QUESTION_MAX = Poll._meta.get_field("question").max_length
OPTION_MAX = PollOption._meta.get_field("text").max_length
LONGEST = timedelta(days=365)  # a closing time further out than a year is a typo


def poll_clean(*, question, options, multiple=False, closes_at: datetime | None = None) -> dict:
    """A poll as the author sent it, normalised (treehole/text.py) and checked; every problem at
    once, each on its field (``poll.question``, ``poll.options``, ``poll.closes_at``)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {"multiple": bool(multiple), "closes_at": closes_at}
    try:
        cleaned["question"] = clean_text(question if question is not None else "", field="poll.question",
                                         kind=TextKind.LINE, required=True, max_length=QUESTION_MAX).strip()
    except InvalidInput as exc:
        errors["poll.question"] = exc.fields["poll.question"]
    texts: list[str] = []
    if not isinstance(options, (list, tuple)):
        errors["poll.options"] = [_("选项应为一组文字。")]
    else:
        for index, text in enumerate(options):
            try:
                texts.append(clean_text(text, field="poll.options", kind=TextKind.LINE, required=True,
                                        max_length=OPTION_MAX).strip())
            except InvalidInput as exc:
                errors["poll.options"] = [_("第 %(n)d 个选项：%(problem)s") % {"n": index + 1, "problem": exc.fields["poll.options"][0]}]
                break
        else:
            if not MIN_OPTIONS <= len(texts) <= MAX_OPTIONS:
                errors["poll.options"] = [_("投票需要 %(min)d 到 %(max)d 个选项。") % {"min": MIN_OPTIONS, "max": MAX_OPTIONS}]
            elif len(set(texts)) != len(texts):
                errors["poll.options"] = [_("选项不能重复。")]
    cleaned["options"] = texts
    if closes_at is not None:
        now = clock.now()
        if closes_at <= now:
            errors["poll.closes_at"] = [_("截止时间要在现在之后。")]
        elif closes_at > now + LONGEST:
            errors["poll.closes_at"] = [_("截止时间最多在一年以后。")]
    if errors:
        raise InvalidInput(_("提交的数据有误。"), fields=errors)
    return cleaned


def poll_add(*, note, cleaned: dict) -> tuple[Poll, list[PollOption]]:
    """Inside the note's transaction: the poll and its options."""
    poll = Poll.objects.create(note=note, question=cleaned["question"], multiple=cleaned["multiple"],
                               closes_at=cleaned["closes_at"], created_at=note.created_at)
    options = PollOption.objects.bulk_create(
        [PollOption(poll=poll, position=position, text=text) for position, text in enumerate(cleaned["options"])]
    )
    return poll, options


def poll_is_closed(poll: Poll, now: datetime | None = None) -> bool:
    return poll.closes_at is not None and (now or clock.now()) >= poll.closes_at


def _locked_poll(note_id: int, user) -> Poll:
    poll = Poll.objects.select_for_update().select_related("note").filter(note_id=note_id).first()
    note = poll.note if poll else None
    if note is None or (note.hidden and not getattr(user, "is_staff", False)):
        raise NotFound(_("这篇帖子没有投票，或帖子不存在。"))
    return poll


def _schedule_card_update(poll: Poll, options: Sequence[PollOption]) -> None:
    note_id, version, card = poll.pk, poll.version, poll_card(poll, options)
    after_commit(lambda: ranking.note_poll_changed(note_id, version=version, poll=card),
                 repair=Repair(ranking.note_repair, note_id))


def poll_vote(*, note_id: int, user, option_ids: Sequence[int]) -> list[int]:
    """Cast, change or (with no options) withdraw the user's ballot; the user's choices after it.
    One ballot per user; single choice takes exactly one option; nothing changes once the poll
    has closed (409)."""
    ensure_can_write(user)
    wanted = list(dict.fromkeys(int(option_id) for option_id in option_ids))
    with transaction.atomic():
        poll = _locked_poll(note_id, user)
        if poll_is_closed(poll):
            raise Conflict(_("投票已经截止了。"))
        options = list(PollOption.objects.filter(poll=poll).order_by("position"))
        known = {option.pk for option in options}
        if any(option_id not in known for option_id in wanted):
            raise InvalidInput(_("提交的数据有误。"), fields={"option_ids": [_("没有这个选项。")]})
        if not poll.multiple and len(wanted) > 1:
            raise InvalidInput(_("提交的数据有误。"), fields={"option_ids": [_("这是单选投票，只能选一项。")]})
        ballot = PollBallot.objects.filter(poll=poll, user=user).first()
        before = set(PollChoice.objects.filter(ballot=ballot).values_list("option_id", flat=True)) if ballot else set()
        after = set(wanted)
        if before == after:
            return wanted
        added, removed = after - before, before - after
        if ballot is None:
            ballot = PollBallot.objects.create(poll=poll, user=user, updated_at=clock.now())
            poll.total_voters += 1
        elif not after:
            ballot.delete()  # withdrawn: its choices go with it
            poll.total_voters -= 1
        else:
            PollBallot.objects.filter(pk=ballot.pk).update(updated_at=clock.now())
        if after and removed:
            PollChoice.objects.filter(ballot=ballot, option_id__in=removed).delete()
        if after and added:
            PollChoice.objects.bulk_create([PollChoice(ballot=ballot, option_id=option_id) for option_id in added])
        if added:
            PollOption.objects.filter(pk__in=added).update(votes=F("votes") + 1)
        if removed:
            PollOption.objects.filter(pk__in=removed).update(votes=F("votes") - 1)
        for option in options:
            option.votes += int(option.pk in added) - int(option.pk in removed)
        poll.version += 1
        poll.save(update_fields=["total_voters", "version"])
        _schedule_card_update(poll, options)
    return wanted


def poll_recount(*, note_id: int) -> Poll | None:
    """Recompute the counts from the ballots (Misago's "synchronize"; ``rebuild_redis --recount``
    style repair): total voters and each option's votes."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().filter(note_id=note_id).first()
        if poll is None:
            return None
        options = list(PollOption.objects.filter(poll=poll).order_by("position"))
        counted = dict(PollChoice.objects.filter(ballot__poll=poll).values("option_id")
                       .annotate(n=Count("pk")).values_list("option_id", "n"))
        voters = PollBallot.objects.filter(poll=poll).count()
        changed = voters != poll.total_voters or any(option.votes != counted.get(option.pk, 0) for option in options)
        if changed:
            for option in options:
                option.votes = counted.get(option.pk, 0)
            PollOption.objects.bulk_update(options, ["votes"])
            poll.total_voters = voters
            poll.version += 1
            poll.save(update_fields=["total_voters", "version"])
            _schedule_card_update(poll, options)
    return poll

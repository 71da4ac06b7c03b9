"""Writes for moderation: reports, the queue's actions, bans, audit rows, list edits.

Every change to a target goes through the target kind's callbacks (moderation/targets.py), which
call the owning app's services, so rankings and caches stay right. Every moderator action writes
an ``AuditLog`` row in the same transaction as the action.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from accounts import services as account_services
from moderation import targets, versioning
from moderation.care import needs_care
from moderation.models import AuditLog, BanRecord, Case, Outcome, Reason, Report
from treehole import clock, hooks
from treehole.errors import Conflict, Forbidden, InvalidInput, NotFound
from treehole.effects import Repair, after_commit

Action = AuditLog.Action


def _emit(name: str, event: dict) -> None:
    """Tell whoever listens (notifications: the person moderated, the reporters), inside the
    action's transaction. Events are documented in notifications/handlers.py."""
    for hook in hooks.get_hooks(name):
        hook(event)


def _content_moderated(case: Case, *, action: str, actor, reason: str, event_id: str) -> None:
    _emit("content_moderated", {
        "action": action, "target_type": case.target_type, "target_id": case.target_id,
        "author_id": case.author_id, "actor_id": getattr(actor, "pk", None), "reason": reason or "",
        "excerpt": case.excerpt, "event_id": event_id,
    })


def audit(
    *,
    actor,
    action: str,
    target_type: str = "",
    target_id: int | None = None,
    target_user=None,
    reason: str = "",
    detail: dict | None = None,
) -> AuditLog:
    """Record one moderation action (who, what, target, reason, when)."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_user=target_user if getattr(target_user, "pk", None) else None,
        reason=(reason or "")[:500],
        detail=detail or {},
    )


def staff_signed_in(*, user, ip: str, door: str) -> AuditLog:
    """A staff account signed in (API, page or admin): staff can reveal anonymous authors, so
    every sign-in is in the audit log with the door and the IP (``staff_signed_in`` hook)."""
    return audit(actor=user, action=Action.STAFF_LOGIN, target_type="user", target_id=user.pk, target_user=user,
                 detail={"door": door, "ip": ip})


# --- cases ---------------------------------------------------------------------------------------


def _excerpt(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _locked_case(*, target_type: str, target_id: int, author=None, excerpt: str = "") -> Case:
    """The target's case, row-locked for this transaction (created closed and empty when new,
    in a savepoint, so two first reporters racing both end up on the one row)."""
    case = Case.objects.select_for_update().filter(target_type=target_type, target_id=target_id).first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            Case.objects.create(
                target_type=target_type, target_id=target_id, author=author, excerpt=excerpt, status=Case.Status.CLOSED
            )
    except IntegrityError:
        pass
    return Case.objects.select_for_update().get(target_type=target_type, target_id=target_id)


def _reprioritize(case: Case) -> None:
    if case.self_harm or case.crisis:
        case.priority = Case.PRIORITY_CARE
    elif case.held:
        case.priority = Case.PRIORITY_HELD
    else:
        case.priority = Case.PRIORITY_NORMAL


def _retrying(function):
    """Run a short locking transaction again when MariaDB picks it as a deadlock victim."""

    def wrapper(*args, **kwargs):
        for attempt in range(3):
            try:
                return function(*args, **kwargs)
            except OperationalError as exc:
                if exc.args and exc.args[0] in (1213, 1205) and attempt < 2 and not transaction.get_connection().in_atomic_block:
                    continue
                raise
        raise AssertionError("unreachable")

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


# --- reports -------------------------------------------------------------------------------------


@_retrying
def report_create(*, reporter, target_type: str, target_id: int, reason: str, text: str = "") -> Report:
    """File a report. One per user per target (``Conflict`` on a second). At
    MODERATION_FOLD_THRESHOLD distinct open reporters (self-harm reports excepted) the target is
    folded through its kind; a self-harm report never folds or hides anything: it puts the case at
    the top of the queue, for a human."""
    account_services.ensure_can_write(reporter)
    kind = targets.get(target_type)
    if reason not in Reason.values:
        message = _("请选择举报原因。")
        raise InvalidInput(message, fields={"reason": [message]})
    text = (text or "").strip()
    if len(text) > settings.MODERATION_REPORT_TEXT_MAX:
        message = _("补充说明最多 %(n)d 个字。") % {"n": settings.MODERATION_REPORT_TEXT_MAX}
        raise InvalidInput(message, fields={"text": [message]})
    if reason == Reason.OTHER and not text:
        message = _("选择“其他”时请写一下原因。")
        raise InvalidInput(message, fields={"text": [message]})
    obj = kind.load(target_id) if target_id is not None else None
    if obj is None or not kind.visible_to(obj, reporter):
        raise NotFound(_("要举报的内容不存在或已被删除。"))
    author = kind.author(obj)
    if author is not None and author.pk == reporter.pk:
        raise InvalidInput(_("不能举报自己发布的内容。"))
    content = kind.text(obj)
    if Report.objects.filter(reporter=reporter, target_type=target_type, target_id=target_id).exists():
        raise Conflict(_("你已经举报过这条内容了，我们会尽快处理。"))
    now = clock.now()
    with transaction.atomic():
        case = _locked_case(target_type=target_type, target_id=target_id, author=author, excerpt=_excerpt(content))
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter,
                    case=case,
                    target_type=target_type,
                    target_id=target_id,
                    reason=reason,
                    text=text,
                    excerpt=_excerpt(content, 120),
                    created_at=now,
                )
        except IntegrityError as exc:
            raise Conflict(_("你已经举报过这条内容了，我们会尽快处理。")) from exc
        open_reports = Report.objects.filter(case=case, status=Report.Status.OPEN)
        if case.status != Case.Status.OPEN:
            case.status = Case.Status.OPEN
            case.outcome = ""
            case.closed_by = None
            case.closed_at = None
            case.created_at = now if not case.reports.exclude(pk=report.pk).exists() else case.created_at
        case.report_count = open_reports.values("reporter").distinct().count()
        case.self_harm = case.self_harm or reason == Reason.SELF_HARM
        case.crisis = case.crisis or needs_care(content)
        case.author = author
        case.excerpt = _excerpt(content)
        case.last_activity_at = now
        # A self-harm report is a call for a human, never a vote to fold: folding the post of a
        # person in crisis hides their cry for help. Only the other reasons count towards folding.
        folding_reporters = open_reports.exclude(reason=Reason.SELF_HARM).values("reporter").distinct().count()
        fold_now = kind.can_fold and not case.folded and folding_reporters >= settings.MODERATION_FOLD_THRESHOLD
        if fold_now:
            kind.fold(obj, True)
            case.folded = True
            entry = audit(
                actor=None,
                action=Action.FOLD,
                target_type=target_type,
                target_id=target_id,
                target_user=author,
                reason=_("%(n)d 人举报，自动折叠") % {"n": folding_reporters},
                detail={"reporters": folding_reporters},
            )
            _content_moderated(case, action="folded", actor=None, reason="", event_id=f"audit{entry.pk}")
        _reprioritize(case)
        case.save()
    return report


def content_saved(*, target_type: str, target_id: int, text: str, held: bool = False, author=None) -> Case | None:
    """Other apps call this after creating or editing content (inside their transaction): held
    content and crisis phrases open the target's case (a crisis at the top of the queue).
    Nothing is blocked here. Returns the case when one was opened."""
    crisis = needs_care(text)
    if not (crisis or held):
        return None
    now = clock.now()
    with transaction.atomic():
        case = _locked_case(target_type=target_type, target_id=target_id, author=author, excerpt=_excerpt(text))
        if case.status != Case.Status.OPEN:
            case.status = Case.Status.OPEN
            case.outcome = ""
            case.closed_by = None
            case.closed_at = None
            case.report_count = 0
        case.crisis = case.crisis or crisis
        case.held = case.held or held
        case.author = author or case.author
        case.excerpt = _excerpt(text)
        case.last_activity_at = now
        _reprioritize(case)
        case.save()
        if held:
            audit(
                actor=None,
                action=Action.HOLD,
                target_type=target_type,
                target_id=target_id,
                target_user=author,
                reason=_("命中“先审后发”敏感词"),
            )
    return case


# --- the queue's actions -------------------------------------------------------------------------


def _close(case: Case, *, moderator, outcome: str) -> None:
    now = clock.now()
    closing = Report.objects.filter(case=case, status=Report.Status.OPEN)
    reports = list(closing.values_list("pk", "reporter_id"))
    closing.update(status=Report.Status.CLOSED, outcome=outcome, closed_at=now)
    if reports:
        _emit("reports_closed", {"outcome": outcome, "reports": reports, "actor_id": getattr(moderator, "pk", None)})
    case.status = Case.Status.CLOSED
    case.outcome = outcome
    case.closed_by = moderator
    case.closed_at = now
    case.self_harm = case.crisis = case.held = False
    _reprioritize(case)
    case.save()


def _require_moderator(moderator) -> None:
    if not getattr(moderator, "is_staff", False):
        raise Forbidden()


def _locked_open(case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status != Case.Status.OPEN:
        raise Conflict(_("这条已经处理过了。"))
    return locked


def _act(case: Case, *, moderator, action: str, outcome, reason: str, apply, detail: dict | None = None,
         require_target: bool = False) -> Case:
    """The shape of every queue action: staff only, on an open case (row-locked), the target's
    owner service via ``apply(kind, obj)`` (skipped when the target is already gone, unless
    ``require_target``), one audit row, the case closed with ``outcome`` — all in one transaction."""
    _require_moderator(moderator)
    kind = targets.get(case.target_type)
    with transaction.atomic():
        case = _locked_open(case)
        was_folded, was_held = case.folded, case.held
        obj = kind.load(case.target_id)
        if obj is None and require_target:
            raise NotFound(_("内容已不存在。"))
        if obj is not None:
            apply(case, kind, obj)
        entry = audit(actor=moderator, action=action, target_type=case.target_type, target_id=case.target_id,
                      target_user=case.author, reason=reason, detail=detail(case) if callable(detail) else detail)
        told = _told(action, was_folded=was_folded, was_held=was_held) if obj is not None else None
        if told:
            _content_moderated(case, action=told, actor=moderator, reason=reason, event_id=f"audit{entry.pk}")
        _close(case, moderator=moderator, outcome=outcome(case) if callable(outcome) else outcome)
    return case


def _told(action: str, *, was_folded: bool, was_held: bool) -> str | None:
    """What the author is told a queue action did to their content (None: nothing changed)."""
    if action == Action.HIDE:
        return "hidden"
    if action == Action.DELETE:
        return "deleted"
    if action in (Action.APPROVE, Action.DISMISS) and was_held:
        return "approved"
    if action == Action.DISMISS and was_folded:
        return "unfolded"
    return None


def case_dismiss(*, case: Case, moderator, reason: str = "") -> Case:
    """Nothing wrong: close the reports, unfold the target, approve it if it was held."""

    def apply(case, kind, obj):
        if case.folded:
            kind.fold(obj, False)
            case.folded = False
        if case.held:
            kind.approve(obj, moderator=moderator)

    return _act(case, moderator=moderator, action=Action.DISMISS, outcome=Outcome.DISMISSED, reason=reason,
                apply=apply, detail=lambda c: {"reports": c.report_count})


def case_approve(*, case: Case, moderator, reason: str = "") -> Case:
    """Held content becomes visible to everyone."""
    return _act(case, moderator=moderator, action=Action.APPROVE, reason=reason, require_target=True,
                apply=lambda case, kind, obj: kind.approve(obj, moderator=moderator),
                outcome=lambda c: Outcome.APPROVED if c.held else Outcome.DISMISSED)


def case_hide(*, case: Case, moderator, reason: str = "") -> Case:
    return _act(case, moderator=moderator, action=Action.HIDE, outcome=Outcome.HIDDEN, reason=reason,
                apply=lambda case, kind, obj: kind.hide(obj, moderator=moderator))


def case_delete(*, case: Case, moderator, reason: str = "") -> Case:
    return _act(case, moderator=moderator, action=Action.DELETE, outcome=Outcome.DELETED, reason=reason,
                apply=lambda case, kind, obj: kind.delete(obj, moderator=moderator),
                detail=lambda c: {"excerpt": c.excerpt})


def case_ban_author(*, case: Case, moderator, days: int | None, reason: str = "") -> BanRecord:
    """Ban the target's author (``days`` None = permanently) and hide the target."""
    _require_moderator(moderator)
    kind = targets.get(case.target_type)
    with transaction.atomic():
        case = _locked_open(case)
        if case.author is None:
            raise InvalidInput(_("找不到这条内容的作者。"))
        record = user_ban(user=case.author, moderator=moderator, days=days, reason=reason, case=case)
        obj = kind.load(case.target_id)
        if obj is not None:
            kind.hide(obj, moderator=moderator)
            _content_moderated(case, action="hidden", actor=moderator, reason=reason, event_id=f"ban{record.pk}")
        _close(case, moderator=moderator, outcome=Outcome.BANNED)
    return record


# --- bans ----------------------------------------------------------------------------------------


def ban_steps() -> tuple[int | None, ...]:
    return tuple(settings.MODERATION_BAN_STEPS_DAYS)


def next_ban_days(user) -> int | None:
    """The default length of the user's next ban: the step after their longest previous one
    (the first ban is the shortest step; after a permanent one, permanent)."""
    steps = ban_steps()
    previous = list(BanRecord.objects.filter(user=user).values_list("days", flat=True))
    if not previous:
        return steps[0]
    if any(d is None for d in previous):
        return None
    longest = max(previous)
    for step in steps:
        if step is None or step > longest:
            return step
    return None


def user_ban(*, user, moderator, days: int | None, reason: str = "", case: Case | None = None) -> BanRecord:
    """Ban ``user`` for ``days`` (None = permanently) from now (treehole.clock): revokes their
    tokens and sessions (accounts), keeps the history, writes the audit row."""
    _require_moderator(moderator)
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise InvalidInput(fields={"days": [_("封禁天数必须是正整数。")]})
    if user.pk == moderator.pk:
        raise InvalidInput(_("不能封禁自己。"))
    if user.is_staff:
        raise Forbidden(_("不能封禁管理员。"))
    until = None if days is None else clock.now() + timedelta(days=days)
    with transaction.atomic():
        account_services.user_ban(user=user, until=until)
        record = BanRecord.objects.create(
            user=user, moderator=moderator, days=days, until=until, reason=(reason or "")[:500], case=case
        )
        _emit("user_banned", {"user_id": user.pk, "actor_id": moderator.pk, "until": until, "reason": record.reason,
                              "event_id": f"ban{record.pk}"})
        audit(
            actor=moderator,
            action=Action.BAN,
            target_type=case.target_type if case else "user",
            target_id=case.target_id if case else user.pk,
            target_user=user,
            reason=reason,
            detail={"days": days, "until": until.isoformat() if until else None},
        )
    return record


def user_unban(*, user, moderator, reason: str = "") -> None:
    _require_moderator(moderator)
    with transaction.atomic():
        account_services.user_unban(user=user)
        audit(actor=moderator, action=Action.UNBAN, target_type="user", target_id=user.pk, target_user=user, reason=reason)


# --- anonymity -----------------------------------------------------------------------------------


def author_reveal(*, moderator, target_type: str, target_id: int, reason: str = ""):
    """Staff only, admin only: the real author of a (possibly anonymous) target. Every look is
    audited."""
    _require_moderator(moderator)
    kind = targets.get(target_type)
    obj = kind.load(target_id)
    author = kind.author(obj) if obj is not None else Case.objects.filter(
        target_type=target_type, target_id=target_id
    ).values_list("author", flat=True).first()
    if author is not None and not hasattr(author, "pk"):
        from accounts.models import User

        author = User.objects.filter(pk=author).first()
    audit(actor=moderator, action=Action.REVEAL_AUTHOR, target_type=target_type, target_id=target_id,
          target_user=author, reason=reason, detail={"anonymous": bool(obj is not None and kind.anonymous(obj))})
    return author


# --- lists ---------------------------------------------------------------------------------------


def lists_changed(*, actor, action: str, detail: dict | None = None) -> None:
    """After an edit of the word list, the crisis phrases or the care card: audit it, and tell
    every process (on commit) to rebuild its matchers."""
    audit(actor=actor, action=action, target_type="list", detail=detail or {})
    after_commit(versioning.bump, repair=Repair(versioning.bump))

"""JSON shapes of moderation objects."""

from __future__ import annotations

from moderation.models import Report


def report_public(report: Report) -> dict:
    """A report as its reporter sees it (the only person besides staff who may)."""
    return {
        "id": str(report.id),
        "target_type": report.target_type,
        "target_id": str(report.target_id),
        "reason": report.reason,
        "text": report.text,
        "excerpt": report.excerpt,
        "status": report.status,
        # Only "handled" / "no_violation": what was done, and to whom, is staff's to know.
        "outcome": report.reporter_outcome.value if report.reporter_outcome else None,
        "outcome_display": str(report.reporter_outcome.label) if report.reporter_outcome else None,
        "created_at": report.created_at,
        "closed_at": report.closed_at,
    }

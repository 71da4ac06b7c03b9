"""Care: crisis phrases (e.g. 不想活了) and the calm help card they bring up.

Nothing is blocked. A note whose text contains a phrase shows its author and readers the card
(``{% include "moderation/care_card.html" with text=note.content %}``) and its case goes to the
top of the moderators' queue (``moderation.services.content_saved`` does that). Phrases, the
card's text and the hotlines are edited in the admin and reloaded like the word list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ahocorasick

from moderation.filters import normalize
from moderation.versioning import Reloading


@dataclass(frozen=True)
class CareCard:
    title: str
    body: str
    hotlines: list[dict] = field(default_factory=list)


@dataclass
class _CareState:
    automaton: object | None
    card: CareCard


def _build() -> _CareState:
    from moderation.models import CareMessage, CrisisPhrase, Hotline

    automaton = None
    phrases = [normalize(p) for p in CrisisPhrase.objects.filter(enabled=True).values_list("phrase", flat=True) if p.strip()]
    if phrases:
        automaton = ahocorasick.Automaton()
        for phrase in phrases:
            automaton.add_word(phrase, phrase)
        automaton.make_automaton()
    message = CareMessage.objects.filter(enabled=True).order_by("id").first()
    hotlines = [
        {"name": h.name, "phone": h.phone, "hours": h.hours}
        for h in Hotline.objects.filter(enabled=True).order_by("order", "id")
    ]
    if message is None:
        card = CareCard(
            title=str(CareMessage._meta.get_field("title").default),
            body=str(CareMessage._meta.get_field("body").default),
            hotlines=hotlines,
        )
    else:
        card = CareCard(title=message.title, body=message.body, hotlines=hotlines)
    return _CareState(automaton=automaton, card=card)


state = Reloading(_build)


def needs_care(text: str | None) -> bool:
    """Does ``text`` contain one of the crisis phrases?"""
    if not text:
        return False
    automaton = state.get().automaton
    if automaton is None:
        return False
    for _match in automaton.iter(normalize(text)):
        return True
    return False


def care_card() -> CareCard:
    return state.get().card

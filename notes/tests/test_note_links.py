"""``#1234`` in note and comment text links to note number 1234 (notes/links.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from comments.services import comment_create
from treehole.richtext import rich_text
from treehole.testing import make_note


def ref(number: int, shown: str | None = None) -> str:
    return f'<a class="note-ref" href="/n/{number}">{shown or f"#{number}"}</a>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("见 #1234", "见 " + ref(1234)),
        ("见#1234楼主说的", "见" + ref(1234) + "楼主说的"),  # Chinese may touch it on both sides
        ("#1 和 #22。", ref(1) + " 和 " + ref(22) + "。"),
        ("（#7）", "（" + ref(7) + "）"),
        ("第一行\n#5", "第一行<br>" + ref(5)),
        ("abc#12 #12ab ##3 #", "abc#12 #12ab ##3 #"),  # glued to Latin letters, doubled, or bare
        ("&#1234; 是实体", "&amp;#1234; 是实体"),
        ("#0 #99999999999 #2147483648", "#0 #99999999999 #2147483648"),  # no such number can exist
        ("#2147483647", ref(2147483647)),
        ("https://a.cn/x#12 后面", '<a href="https://a.cn/x#12" rel="nofollow ugc noopener">https://a.cn/x#12</a> 后面'),
        ("<#9>", "&lt;" + ref(9) + "&gt;"),
    ],
)
def test_note_numbers_in_text_become_links(text, html):
    assert rich_text(text) == html


@pytest.mark.django_db
def test_a_cited_number_links_from_the_note_and_its_comments_to_that_note(author, other, categories):
    cited = make_note(author, title="被引用的", content="原帖")
    citing = make_note(author, title="引用", content=f"接着 #{cited.number} 说")
    comment_create(user=other, note_id=citing.pk, content=f"同意#{cited.number}的说法")
    html = Client().get(f"/notes/{citing.pk}/").content.decode()
    assert f"接着 {ref(cited.number)} 说" in html
    assert f"同意{ref(cited.number)}的说法" in html
    # The link lands on the cited note; a number nobody has is a 404 like a missing note.
    response = Client().get(f"/n/{cited.number}")
    assert response.status_code == 302 and response["Location"] == f"/notes/{cited.pk}/"
    assert Client().get(f"/n/{citing.number + 100}").status_code == 404

"""treehole.richtext: notes' and comments' text as escaped HTML with safe links."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils.html import format_html

from treehole import hooks
from treehole.richtext import LinkRule, rich_text


def link(url: str, shown: str | None = None) -> str:
    return f'<a href="{url}" rel="nofollow ugc noopener">{shown or url}</a>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("看这个 https://example.com/a?b=1&c=2 吧", "看这个 " + link("https://example.com/a?b=1&amp;c=2") + " 吧"),
        ("http://example.com。然后", link("http://example.com") + "。然后"),
        ("链接https://example.com/路径", "链接" + link("https://example.com/") + "路径"),  # Chinese runs straight on
        ("(see https://example.com/x).", "(see " + link("https://example.com/x") + ")."),
        ("https://en.wikipedia.org/wiki/Tree_(disambiguation)", link("https://en.wikipedia.org/wiki/Tree_(disambiguation)")),
        ("两行\n第二行 https://a.cn", "两行<br>第二行 " + link("https://a.cn")),
        ("javascript:alert(1) and ftp://files.example.com", "javascript:alert(1) and ftp://files.example.com"),
        ("https:// nothing", "https:// nothing"),
        ("<b>粗</b> & \"引号\" 'x'", "&lt;b&gt;粗&lt;/b&gt; &amp; &quot;引号&quot; &#x27;x&#x27;"),
    ],
)
def test_text_is_escaped_and_web_links_are_safe(text, html):
    assert rich_text(text) == html


def test_a_link_cannot_break_out_of_its_attribute():
    out = rich_text('https://example.com/"onmouseover="alert(1)')
    assert out == link("https://example.com/") + "&quot;onmouseover=&quot;alert(1)"
    out = rich_text("https://example.com/<script>alert(1)</script>")
    assert "<script>" not in out and out.startswith(link("https://example.com/"))


def test_a_long_link_is_shortened_on_screen_but_not_in_its_href():
    url = "https://example.com/" + "a" * 100
    out = rich_text(url)
    assert f'href="{url}"' in out and ">https://example.com/" + "a" * 39 + "…</a>" in out


def test_more_link_rules_come_from_the_hooks_registry():
    """The way notes adds ``#1234`` links (notes/links.py): a rule registered by a higher app.
    (A made-up ``!123`` rule here: the real ``#1234`` one is registered for the whole suite.)"""
    rule = LinkRule("ticket", r"(?<![\w!&])!\d{1,19}\b", lambda text: format_html('<a href="/t/{}/">{}</a>', text[1:], text))
    with hooks.register_temporarily("rich_text_rule", rule):
        assert rich_text("见 !1234，还有 https://a.cn") == '见 <a href="/t/1234/">!1234</a>，还有 ' + link("https://a.cn")
        assert rich_text("&!1234; <!12>") == "&amp;!1234; &lt;" + '<a href="/t/12/">!12</a>' + "&gt;"
    assert rich_text("见 !1234") == "见 !1234"


def test_the_template_filter():
    html = Template("{% load rich_text %}<p>{{ text|rich_text }}</p>").render(Context({"text": "嗨 <i>\nhttps://a.cn"}))
    assert html == "<p>嗨 &lt;i&gt;<br>" + link("https://a.cn") + "</p>"

"""The chunked upload control renders what its script needs, inside any form that includes it."""

from __future__ import annotations

import html
import json
import re

from django.template.loader import render_to_string


def test_widget_renders_the_hidden_input_and_its_config(settings):
    page = render_to_string("uploads/chunked_upload_widget.html", {"input_name": "video_id"})

    assert re.search(r'<input type="hidden" name="video_id" value="" data-role="value">', page)
    picker = re.search(r'<input type="file"[^>]*data-role="picker"[^>]*>', page)
    assert picker is not None and "name=" not in picker.group(0)  # the file itself is never posted
    assert "<progress" in page and "<video" in page
    assert "js/chunked-upload.js" in page and "css/uploads.css" in page
    config = json.loads(html.unescape(re.search(r'data-config="([^"]*)"', page).group(1)))
    assert config["maxBytes"] == settings.TREEHOLE_LIMITS["chunked_upload_bytes"]
    assert config["accept"] == settings.UPLOAD_SESSION_CONTENT_TYPES
    assert {"hashing", "uploading", "resuming", "done", "pending"} <= set(config["text"])
    assert "style=" not in page and "<script>" not in page  # CSP: no inline style or script


def test_widget_keeps_a_given_value_and_name():
    page = render_to_string("uploads/chunked_upload_widget.html", {"input_name": "attachment", "value": "123"})
    assert 'name="attachment" value="123"' in page

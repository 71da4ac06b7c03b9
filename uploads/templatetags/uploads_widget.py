"""``{% chunked_upload_config %}``: what the chunked upload control needs to know (limits,
accepted types, its localized messages), as JSON for a ``data-config`` attribute."""

import json

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def chunked_upload_config() -> str:
    return json.dumps(
        {
            "maxBytes": settings.TREEHOLE_LIMITS["chunked_upload_bytes"],
            "accept": list(settings.UPLOAD_SESSION_CONTENT_TYPES),
            "text": {
                "hashing": _("正在计算文件校验值…"),
                "uploading": _("正在上传… %(percent)s%"),
                "resuming": _("继续上次的上传：已收到 %(done)s / %(total)s 个分片。"),
                "completing": _("正在合并并校验文件…"),
                "done": _("上传完成。"),
                "paused": _("已暂停。点「继续」接着上传（离开页面后，重新选择同一个文件也能继续）。"),
                "pause": _("暂停"),
                "resume": _("继续"),
                "failed": _("上传失败，请重试。"),
                "wait": _("视频还在上传，请等上传完成再提交。"),
                "type": _("只能上传这些类型的视频：%(types)s。"),
                "size": _("文件不能超过 %(mb)s MB。"),
                "empty": _("文件是空的。"),
                "pending": _("有未完成的上传：%(names)s。重新选择同一个文件即可从断点继续。"),
            },
        },
        ensure_ascii=False,
    )

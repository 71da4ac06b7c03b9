"""Demo content for `make run` (``seed_demo`` runs every ``demo_data`` hook): the categories and a
handful of notes by the demo user, some anonymous, with a few votes. Safe to run again."""

from __future__ import annotations

from notes.models import Category, Note

CATEGORIES = [
    ("emotion", "情感", "心事、感情与关系。", 10),
    ("study", "学业", "学习、考试与升学的烦恼。", 20),
    ("life", "生活", "日常琐事与生活感悟。", 30),
    ("help", "求助", "需要建议或帮助的时候。", 40),
    ("chat", "闲聊", "随便聊聊。", 50),
]

NOTES = [
    ("emotion", "和好朋友渐渐疏远了", "以前每天都聊天，现在一周也说不上一句话。不知道是谁先变的，也不知道要不要主动。", True),
    ("study", "考研还是工作？", "大三了，身边的人都在准备考研，我其实更想早点工作，但又怕以后后悔。大家是怎么决定的？", True),
    ("life", "今天的晚霞很好看", "下班路上抬头看到一整片粉紫色的天，突然觉得这一天也没那么糟。", False),
    ("help", "失眠一个月了，有什么办法吗", "每天凌晨两三点才能睡着，白天没精神。试过不玩手机，效果一般。", True),
    ("chat", "大家周末都做什么", "我一般在家躺着，想找点新的爱好，求推荐～", False),
    ("emotion", "谢谢那个在地铁上帮我的人", "那天突然头晕，一个陌生的阿姨扶我坐下还给了我一颗糖。希望她能看到。", True),
]


# Issue 17's thread features on a few of them: a poll and a content warning.
EXTRAS = {
    "考研还是工作？": {"poll": {"question": "你会怎么选？", "options": ["考研", "工作", "还没想好"], "multiple": False,
                               "closes_at": None}},
    "失眠一个月了，有什么办法吗": {"content_warning": "失眠、情绪低落"},
}


def seed_notes(users: dict) -> None:
    from notes import services

    for slug, name, description, order in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description, "order": order})
    demo = users.get("demo")
    if demo is None or Note.objects.filter(author=demo).exists():
        return
    notes = [
        services.note_create(author=demo, title=title, content=content, category=slug, anonymous=anonymous,
                             **EXTRAS.get(title, {}))
        for slug, title, content, anonymous in NOTES
    ]
    admin = users.get("admin")
    if admin is not None:
        for note, value in zip(notes, (1, 1, 1, -1, 1, 1)):
            services.note_vote(note_id=note.pk, user=admin, value=value)

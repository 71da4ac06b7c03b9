"""What Treehole ships for care, out of the box (docs/care.md says where each piece comes from).

Loaded into the admin-managed tables by the data migration ``0003_care_defaults`` (rows are only
added when missing, so an edit, a disabled phrase or a changed hotline survives a re-run) and used
directly where the database must not be needed: the 500 page's hotlines. A later change to this
list is shipped by a new data migration calling ``seed`` again (it adds only what is missing).

Phrases are written as people write them at 2 a.m., with the variants and evasions seen on
Chinese forums; they are matched in the care-normalised text (moderation/care.py), so spacing,
punctuation, full-width letters and traditional characters need no entries of their own.
``a+b`` = both parts within a short span. Exceptions are everyday phrases that contain a crisis
phrase without meaning it. A phrase only brings up the care card and puts the post first in the
moderators' queue: a false positive costs a moderator a glance, a miss may cost more, so the
list leans towards catching.
"""

from __future__ import annotations

# (phrase, note) — the note says what it stands for, for the moderators who review the list.
CRISIS_PHRASES: list[tuple[str, str]] = [
    # Suicide, said plainly
    ("自杀", "自杀"),
    ("想自杀", "自杀"),
    ("轻生", "自杀"),
    ("寻死", "自杀"),
    ("想死", "求死（“想死你了”等见例外）"),
    ("我想死", "求死"),
    ("好想死", "求死"),
    ("想去死", "求死"),
    ("真想死", "求死"),
    ("不想活了", "求死"),
    ("不想活", "求死"),
    ("不想再活", "求死"),
    ("活不下去", "求死"),
    ("活着没意思", "无望"),
    ("活着没有意义", "无望"),
    ("活着好累", "无望"),
    ("不如死了", "求死"),
    ("死了算了", "求死"),
    ("死了就解脱了", "求死"),
    ("死了就好了", "求死"),
    ("结束生命", "求死"),
    ("结束自己的生命", "求死"),
    ("结束这一切", "求死"),
    ("了结自己", "求死"),
    ("了断自己", "求死"),
    ("一了百了", "求死"),
    ("离开这个世界", "求死（委婉）"),
    ("去世界的另一边", "求死（委婉）"),
    ("去另一个世界", "求死（委婉）"),
    ("不想醒来", "求死（委婉）"),
    ("永远睡下去", "求死（委婉）"),
    ("没有我会更好", "无望"),
    ("没有活下去的理由", "无望"),
    ("遗书", "告别"),
    ("写遗言", "告别"),
    # Methods
    ("跳楼", "方式"),
    ("跳河", "方式"),
    ("跳江", "方式"),
    ("跳桥", "方式"),
    ("卧轨", "方式"),
    ("上吊", "方式"),
    ("烧炭", "方式"),
    ("割腕", "方式/自伤"),
    ("割脉", "方式/自伤"),
    ("服毒", "方式"),
    ("喝农药", "方式"),
    ("吃了一整瓶", "方式（过量服药）"),
    ("安眠药+攒", "方式（囤药）"),
    ("安眠药+一瓶", "方式（过量服药）"),
    ("攒药", "方式（囤药）"),
    # Self-harm
    ("自残", "自伤"),
    ("自伤", "自伤"),
    ("伤害自己", "自伤"),
    ("划手臂", "自伤"),
    ("划伤自己", "自伤"),
    ("划自己的手", "自伤"),
    ("拿刀划", "自伤"),
    # Common evasions (homophones, pinyin initials, mixed scripts)
    ("紫砂", "“自杀”的谐音"),
    ("自鲨", "“自杀”的谐音"),
    ("自s", "“自杀”的缩写"),
    ("z杀", "“自杀”的缩写"),
    ("zs", "“自杀”的拼音首字母（只在不连着其他字母时算）"),
    ("zisha", "“自杀”的拼音"),
    ("自sha", "“自杀”的拼音"),
    ("轻s", "“轻生”的缩写"),
    ("qingsheng", "“轻生”的拼音"),
    ("割wan", "“割腕”的拼音"),
    ("跳lou", "“跳楼”的拼音"),
    ("想si", "“想死”的拼音"),
    # English
    ("suicide", "English"),
    ("suicidal", "English"),
    ("kill myself", "English"),
    ("want to die", "English"),
    ("end my life", "English"),
    ("don't want to live", "English"),
    ("self harm", "English"),
    ("cut myself", "English"),
]

# Everyday phrases that contain a crisis phrase without meaning it.
EXCEPTIONS: list[tuple[str, str]] = [
    ("想死你", "“想死你了”：非常想念"),
    ("想死您", "非常想念"),
    ("想死你们", "非常想念"),
    ("想死我了", "非常想念"),
    ("想死他了", "非常想念"),
    ("想死她了", "非常想念"),
    ("自伤风险", "举报原因的名字"),
    ("自杀式", "“自杀式袭击/自杀式打法”等说法"),
    ("防自杀", "预防工作的讨论"),
    ("预防自杀", "预防工作的讨论"),
    ("自杀预防", "预防工作的讨论"),
    ("紫砂壶", "茶具"),
    ("紫砂锅", "炊具"),
    ("紫砂杯", "茶具"),
    ("suicide squad", "电影名"),
]

# (name, name_en, phone, hours, hours_en) — checked against the services' own pages (docs/care.md).
HOTLINES: list[tuple[str, str, str, str, str]] = [
    ("全国心理援助热线", "National mental health helpline", "12356", "每天至少 18 小时", "at least 18 hours a day"),
    ("希望24热线", "Hope 24 Hotline", "400-161-9995", "24 小时", "24 hours"),
    (
        "北京心理危机研究与干预中心",
        "Beijing Suicide Research and Prevention Center",
        "010-82951332",
        "24 小时",
        "24 hours",
    ),
    ("紧急情况：报警", "Emergency: police", "110", "立即拨打", "call now"),
    ("紧急情况：急救", "Emergency: ambulance", "120", "立即拨打", "call now"),
]

# The care card's text, one per language: warm, direct, no judgement, and always a way to act now
# (the guidance in docs/care.md: say that help exists and how to reach it; never lecture).
CARE_MESSAGES: list[tuple[str, str, str]] = [
    (
        "zh-hans",
        "你并不孤单",
        "谢谢你愿意说出来。如果你正在想伤害自己，或者觉得撑不下去了，现在就可以打下面的热线，"
        "那里有受过训练的人愿意听你说，不评判、也不用报名字。\n"
        "如果你已经有了具体的打算，或者身边有危险，请马上拨打 110 或 120，或者去最近的医院急诊。\n"
        "也可以告诉一个你信任的人：家人、朋友、老师或辅导员。",
    ),
    (
        "en",
        "You are not alone",
        "Thank you for saying it. If you are thinking about hurting yourself, or feel you cannot go on, "
        "you can call one of the lines below right now: trained people will listen, without judging, and "
        "you do not have to give your name.\n"
        "If you already have a plan or are in danger, call 110 or 120 now, or go to the nearest emergency "
        "department.\n"
        "You can also tell someone you trust: family, a friend, a teacher or a counsellor.",
    ),
]


def seed(apps, schema_editor=None) -> None:
    """Add every shipped row that is missing (by phrase / phone / language); never change a row
    that is there — it may have been edited or disabled on purpose in the admin."""
    CrisisPhrase = apps.get_model("moderation", "CrisisPhrase")
    Hotline = apps.get_model("moderation", "Hotline")
    CareMessage = apps.get_model("moderation", "CareMessage")
    for phrase, note in CRISIS_PHRASES:
        CrisisPhrase.objects.get_or_create(phrase=phrase, defaults={"note": note, "exception": False})
    for phrase, note in EXCEPTIONS:
        CrisisPhrase.objects.get_or_create(phrase=phrase, defaults={"note": note, "exception": True})
    for order, (name, name_en, phone, hours, hours_en) in enumerate(HOTLINES):
        if not Hotline.objects.filter(phone=phone).exists():
            Hotline.objects.create(
                name=name, name_en=name_en, phone=phone, hours=hours, hours_en=hours_en, order=(order + 1) * 10
            )
    for language, title, body in CARE_MESSAGES:
        if not CareMessage.objects.filter(language=language).exists():
            CareMessage.objects.create(language=language, title=title, body=body)


def unseed(apps, schema_editor=None) -> None:
    """Remove the shipped rows that are still exactly as shipped (edited ones stay)."""
    CrisisPhrase = apps.get_model("moderation", "CrisisPhrase")
    Hotline = apps.get_model("moderation", "Hotline")
    CareMessage = apps.get_model("moderation", "CareMessage")
    for phrase, note in CRISIS_PHRASES:
        CrisisPhrase.objects.filter(phrase=phrase, note=note, exception=False, enabled=True).delete()
    for phrase, note in EXCEPTIONS:
        CrisisPhrase.objects.filter(phrase=phrase, note=note, exception=True, enabled=True).delete()
    for order, (name, name_en, phone, hours, hours_en) in enumerate(HOTLINES):
        Hotline.objects.filter(
            name=name, name_en=name_en, phone=phone, hours=hours, hours_en=hours_en, order=(order + 1) * 10, enabled=True
        ).delete()
    for language, title, body in CARE_MESSAGES:
        CareMessage.objects.filter(language=language, title=title, body=body, enabled=True).delete()

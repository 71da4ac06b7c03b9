"""The starting categories (the seed's unfinished 社区分类). Staff add or rename them in the admin."""

from django.db import migrations

CATEGORIES = [
    ("emotion", "情感", "心事、感情与关系。", 10),
    ("study", "学业", "学习、考试与升学的烦恼。", 20),
    ("life", "生活", "日常琐事与生活感悟。", 30),
    ("help", "求助", "需要建议或帮助的时候。", 40),
    ("chat", "闲聊", "随便聊聊。", 50),
]


def seed(apps, schema_editor):
    Category = apps.get_model("notes", "Category")
    for slug, name, description, order in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description, "order": order})


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""User.username_skeleton (issue 14 #11): the confusable skeleton of every name under a unique
index, backfilled. Of existing look-alikes the older account keeps the skeleton; a younger one is
left NULL (it keeps its name, and whatever name it picks next is checked like anyone's)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from accounts.usernames import skeleton

    User = apps.get_model("accounts", "User")
    taken: set[str] = set()
    rows = User.objects.order_by("date_joined", "id").values_list("id", "username")
    for user_id, username in rows.iterator(chunk_size=2000):
        key = skeleton(username)
        if key in taken:
            continue
        taken.add(key)
        User.objects.filter(pk=user_id).update(username_skeleton=key)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_login_lock"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(editable=False, max_length=255, null=True, unique=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]

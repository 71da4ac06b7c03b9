"""Ship care out of the box: crisis phrases (with exceptions), hotlines and the care card's text
in Chinese and English (moderation/care_defaults.py). Adds only missing rows, so re-running it
never overwrites an admin's edit; reversing it removes only rows still exactly as shipped."""

from django.db import migrations

from moderation import care_defaults


def forwards(apps, schema_editor):
    care_defaults.seed(apps, schema_editor)


def backwards(apps, schema_editor):
    care_defaults.unseed(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_care_languages_exceptions")]

    operations = [migrations.RunPython(forwards, backwards)]

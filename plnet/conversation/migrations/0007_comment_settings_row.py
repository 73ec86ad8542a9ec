"""The one CommentSettings row, created with the database so no page has to create it on first
use (CommentSettings.load only reads)."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("conversation", "CommentSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("conversation", "0006_moderator_decision")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]

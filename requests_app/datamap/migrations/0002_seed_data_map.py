from django.db import migrations

from requests_app.datamap.reference import seed_data_map


def seed(apps, schema_editor):
    seed_data_map(apps)


class Migration(migrations.Migration):
    dependencies = [("datamap", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

from django.db import migrations


def seed(apps, schema_editor):
    from requests_app.reference import seed_deadline_reference_data

    seed_deadline_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0003_deadlines")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

from django.db import migrations


def seed(apps, schema_editor):
    from identity.reference import seed_document_types

    seed_document_types(apps)


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

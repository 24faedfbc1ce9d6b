from django.db import migrations


def seed(apps, schema_editor):
    from identity.reference import seed_document_types

    # The types seeded by 0002 got the rule fields' defaults in 0003: fill in their rules
    # once, and add the proofs agents and guardians send.
    seed_document_types(apps, set_rules_of_existing=True)


class Migration(migrations.Migration):
    dependencies = [("identity", "0003_document_rules_and_records")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

from django.db import migrations


def seed(apps, schema_editor):
    from requests_app.permissions import sync_roles

    apps.get_model("requests_app", "AuditChainHead").objects.get_or_create(pk=1)
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

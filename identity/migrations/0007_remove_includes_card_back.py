"""The checkbox "the copy includes the back of the card" is replaced by the document type of
its own (0006 logged one for every row that ticked it)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0006_card_back_type_and_updated_rules"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='receiveddocument',
            name='includes_card_back',
        ),
    ]

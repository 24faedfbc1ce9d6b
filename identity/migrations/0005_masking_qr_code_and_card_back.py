"""Identity (issue 12): the QR code as a masking of its own, and "nothing" as what the back
of a My Number card proves. The seeded types are updated in 0006; the old checkbox
`includes_card_back` goes in 0007, once 0006 has kept what it recorded."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('identity', '0004_seed_document_rules'),
    ]

    operations = [
        migrations.AddField(
            model_name='documenttype',
            name='mask_qr_code',
            field=models.BooleanField(default=False, help_text='Health insurance cards and eligibility certificates: it carries the numbers.', verbose_name='QR code must be masked'),
        ),
        migrations.AlterField(
            model_name='documenttype',
            name='back_shows_my_number',
            field=models.BooleanField(default=False, help_text='A copy of the back is logged as the back of a My Number card: destroyed at once, never stored as a scan, never counted as an identity document.', verbose_name='the back of the card shows the My Number'),
        ),
        migrations.AlterField(
            model_name='documenttype',
            name='proves',
            field=models.CharField(choices=[('identity', "The holder's identity (本人確認書類)"), ('relationship', 'A family relationship (parent or guardian of a minor)'), ('guardianship', 'Guardianship of an adult ward (成年後見)'), ('appointment', 'Appointment of an agent (委任)'), ('registered_seal', "The person's registered seal (実印)"), ('nothing', 'Nothing: never evidence of identity (the back of a My Number card)')], default='identity', max_length=20, verbose_name='proves'),
        ),
        migrations.AlterField(
            model_name='maskingconfirmation',
            name='masking',
            field=models.CharField(choices=[('insurer_number', "Insurer number and insured person's symbol and number (保険者番号・記号・番号)"), ('my_number', 'My Number (個人番号)'), ('domicile', 'Permanent domicile (本籍)'), ('pension_number', 'Basic pension number (基礎年金番号)'), ('qr_code', 'QR code carrying the insurance numbers (QRコード)')], max_length=20, verbose_name='masking'),
        ),
    ]

"""Outcomes and grounds per kind of request (issue 12): the columns. The data migration that
flags items decided under the old single list of grounds follows (0010), then the
database's check that a decision fits its kind (0011)."""

import django_fsm
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('requests_app', '0008_case_search_and_repeats'),
    ]

    operations = [
        migrations.AddField(
            model_name='requester',
            name='title',
            field=models.CharField(blank=True, choices=[('', 'No title (様 after the name)'), ('Mr', 'Mr'), ('Ms', 'Ms'), ('Mrs', 'Mrs'), ('Mx', 'Mx'), ('Dr', 'Dr')], max_length=8, verbose_name='title in English letters'),
        ),
        migrations.AddField(
            model_name='requestitem',
            name='measure',
            field=models.TextField(blank=True, max_length=4000, verbose_name='alternative measure'),
        ),
        migrations.AddField(
            model_name='requestitem',
            name='review',
            field=models.CharField(blank=True, choices=[('', 'Fits the outcomes and grounds of its kind'), ('redecide', 'To be decided again: the ground recorded is not one of its kind'), ('history', 'Recorded under the earlier list of grounds (history)')], default='', max_length=16, verbose_name='review'),
        ),
        migrations.AlterField(
            model_name='case',
            name='state',
            field=django_fsm.FSMField(choices=[('received', 'Received'), ('awaiting_identity', 'Checking identity documents'), ('awaiting_documents', 'Waiting for documents from the requester'), ('identity_verified', 'Identity verified'), ('awaiting_fee', 'Waiting for the fee from the requester'), ('in_progress', 'In progress'), ('awaiting_completion', 'Waiting for the requester to complete the request'), ('awaiting_approval', 'Awaiting approval'), ('approved', 'Approved'), ('refused', 'Decision not to act'), ('reply_sent', 'Reply sent'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn'), ('abandoned', 'Closed: no response from the requester')], default='received', max_length=32, protected=True, verbose_name='state'),
        ),
        migrations.AlterField(
            model_name='letter',
            name='kind',
            field=models.CharField(choices=[('acknowledgement', 'Acknowledgement of receipt'), ('deficiency', 'Request for missing documents, fee or completion'), ('reminder', 'Reminder: documents or fee still missing'), ('extension', 'Extension notice'), ('disclosure', 'Disclosure'), ('purpose_notice', 'Notice of purpose of use'), ('correction_done', 'Correction, addition or deletion completed'), ('cessation_done', 'Discontinuation, erasure or cessation of third-party provision completed'), ('complaint_reply', 'Reply to an inquiry or complaint'), ('refusal', 'Decision not to act, with grounds and reasons'), ('abandonment', 'Closure: no response from the requester')], max_length=32, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='letterbatch',
            name='kind',
            field=models.CharField(choices=[('acknowledgement', 'Acknowledgement of receipt'), ('deficiency', 'Request for missing documents, fee or completion'), ('reminder', 'Reminder: documents or fee still missing'), ('extension', 'Extension notice'), ('disclosure', 'Disclosure'), ('purpose_notice', 'Notice of purpose of use'), ('correction_done', 'Correction, addition or deletion completed'), ('cessation_done', 'Discontinuation, erasure or cessation of third-party provision completed'), ('complaint_reply', 'Reply to an inquiry or complaint'), ('refusal', 'Decision not to act, with grounds and reasons'), ('abandonment', 'Closure: no response from the requester')], max_length=32, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='requestitem',
            name='outcome',
            field=models.CharField(blank=True, choices=[('', 'Not decided'), ('done', 'Done in full'), ('partly_done', 'Partly done'), ('refused', 'Not done'), ('nothing_held', 'No personal data held'), ('different_measure', 'An alternative measure instead'), ('other_method', 'Disclosed in writing instead of the method chosen')], default='', max_length=24, verbose_name='outcome'),
        ),
        migrations.AlterField(
            model_name='requestitem',
            name='refusal_ground',
            field=models.CharField(blank=True, default='', max_length=32, verbose_name='ground'),
        ),
    ]

"""Campaigns started before 0006 and 0008: no e-mails to send late, and every row still theirs.

Those campaigns have no `progressed_at` (0006 added it). They were run by code
that sent no e-mails: without this, the sweeper would take them for campaigns
whose e-mails are still to be queued. Their selection had no `max_key` (0008):
the batches then take every row after `last_key`, as they did.
"""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Coalesce, Now


def close_old_campaigns(apps, schema_editor):
    ExtensionCampaign = apps.get_model("reservations", "ExtensionCampaign")
    ExtensionCampaign.objects.exclude(status="draft").filter(
        progressed_at__isnull=True, notified_at__isnull=True
    ).update(notified_at=Coalesce(F("finished_at"), Now()))


class Migration(migrations.Migration):
    dependencies = [("reservations", "0010_campaign_changes_without_db_constraints")]

    # Elidable: a database migrated from scratch has no campaign older than 0006.
    operations = [
        migrations.RunPython(close_old_campaigns, migrations.RunPython.noop, elidable=True)
    ]

"""Start (if still a draft) and run an extension campaign, for operators without the admin."""

from django.core.management.base import BaseCommand, CommandError

from reservations.campaigns import (
    DEFAULT_BATCH_SIZE,
    CampaignError,
    run_campaign_batches,
    start_campaign,
)
from reservations.models import CampaignStatus, ExtensionCampaign


class Command(BaseCommand):
    help = "Start (if it is a draft) and run an extension campaign to its end, batch by batch."

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int, help="Id of the campaign.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows changed per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args, campaign_id, batch_size, **options):
        if batch_size <= 0:
            raise CommandError("--batch-size must be a positive number.")
        try:
            campaign = ExtensionCampaign.objects.get(pk=campaign_id)
        except ExtensionCampaign.DoesNotExist:
            raise CommandError(f"No extension campaign has the id {campaign_id}.") from None
        try:
            if campaign.status == CampaignStatus.DRAFT:
                campaign = start_campaign(campaign=campaign, by=None)
                self.stdout.write(f"Started “{campaign}”: {campaign.rows_total} rows to change.")
            run_campaign_batches(
                campaign_id=campaign.pk, batch_size=batch_size, on_progress=self._progress
            )
        except CampaignError as error:
            raise CommandError(str(error)) from error
        campaign.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Campaign “{campaign}” is {campaign.get_status_display()}: "
                f"{campaign.rows_done} of {campaign.rows_total} rows changed."
            )
        )

    def _progress(self, campaign):
        self.stdout.write(f"{campaign.rows_done}/{campaign.rows_total} rows changed")

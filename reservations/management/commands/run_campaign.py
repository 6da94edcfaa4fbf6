"""Start (if still a draft), run or undo an extension campaign, for operators without the admin."""

from django.core.management.base import BaseCommand, CommandError

from reservations import campaigns
from reservations.models import CampaignStatus, ExtensionCampaign


class Command(BaseCommand):
    help = (
        "Start (if it is a draft) and run an extension campaign to its end, batch by batch, "
        "then queue the patrons' e-mails; or, with --undo, give the old dates back. "
        "Safe to run again after a crash: it resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int, help="Id of the campaign.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=campaigns.DEFAULT_BATCH_SIZE,
            help=f"Rows changed per transaction (default {campaigns.DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--undo",
            action="store_true",
            help="Give back the old dates of a done (or failed) campaign.",
        )

    def handle(self, *args, campaign_id, batch_size, undo, **options):
        if batch_size <= 0:
            raise CommandError("--batch-size must be a positive number.")
        try:
            campaign = ExtensionCampaign.objects.get(pk=campaign_id)
        except ExtensionCampaign.DoesNotExist:
            raise CommandError(f"No extension campaign has the id {campaign_id}.") from None
        try:
            if undo and campaign.status != CampaignStatus.UNDOING:  # else resume the undo
                campaign = campaigns.start_undo(campaign=campaign, by=None)
            elif campaign.status == CampaignStatus.DRAFT:
                campaign = campaigns.start_campaign(campaign=campaign, by=None)
                self.stdout.write(f"Started “{campaign}”: {campaign.rows_total} rows to change.")
            elif not campaigns.work_left(campaign) and campaign.status != CampaignStatus.FAILED:
                raise campaigns.NotRunnable(
                    name=campaign.name, status=campaign.get_status_display()
                )
            campaign = campaigns.carry_on(
                campaign_id=campaign.pk, batch_size=batch_size, on_progress=self._progress
            )
        except campaigns.CampaignError as error:
            raise CommandError(str(error)) from error
        summary = (
            f"{campaign.rows_undone} of {campaign.rows_done} rows given back their old date."
            if undo
            else f"{campaign.rows_done} of {campaign.rows_total} rows changed."
        )
        if campaign.notify_patrons and campaign.notified_at:
            summary += f" {campaign.notifications_queued} e-mails queued."
        self.stdout.write(
            self.style.SUCCESS(f"Campaign “{campaign}” is {campaign.status}: {summary}")
        )

    def _progress(self, campaign):
        self.stdout.write(f"{campaign.rows_done}/{campaign.rows_total} rows changed")

"""Remove a member of staff's authenticator app: a lost phone, when no one can enter the admin.

The admin does the same (Authenticator apps); this is for the last superuser's own phone.
"""

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


class Command(BaseCommand):
    help = "Remove the authenticator app of a card: its owner sets up a new one at next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("card_number")

    def handle(self, *args, card_number: str, **options):
        user = User.objects.filter(card_number=card_number).first()
        if user is None:
            raise CommandError(f"No account has the card number {card_number!r}.")
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        if not removed:
            raise CommandError(f"{user.card_number} has no authenticator app.")
        self.stdout.write(
            f"Removed the authenticator app of {user.card_number}: at the next sign-in to the "
            "admin they set up a new one."
        )

"""A password validator: not the account's names or card number, joined or alone."""

import unicodedata

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _letters_and_digits(text: str) -> str:
    """Return the text lowercased, without accents or punctuation: "Hugo-Robert" → hugorobert."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if char.isalnum()).lower()


class NotTheNamesOrCardValidator:
    """Refuse a password made of the user's first and last names or card number, in any order."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        given = _letters_and_digits(password)
        parts = [
            _letters_and_digits(getattr(user, name, ""))
            for name in ("first_name", "last_name", "card_number")
        ]
        parts = [part for part in parts if len(part) >= 3]
        if not given or not parts:
            return
        remaining = given
        for part in sorted(parts, key=len, reverse=True):
            remaining = remaining.replace(part, "")
        # What is left once the names and the card are taken out: a year, a digit or two.
        if len(remaining) <= 4:
            raise ValidationError(
                _("Your password cannot be your name or your card number."),
                code="password_is_the_names",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be your name or your card number.")


class NetworkArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with costs chosen for a small server in a rush (bench/password_hashing.py).

    Django's defaults (100 MiB and 8 lanes per check) would put a 2-core machine's
    memory at the mercy of parallel sign-ins; PBKDF2 at 1,000,000 iterations spent
    0.35 s of CPU on each. These costs stay above OWASP's minimum for Argon2id
    (19 MiB, 2 passes). Hashes made with other costs are upgraded at next sign-in.
    """

    time_cost = 2
    memory_cost = 32 * 1024  # KiB
    parallelism = 1

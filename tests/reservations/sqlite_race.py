"""The races of test_concurrency, on a fresh SQLite database (run in a subprocess).

Usage: DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m tests.reservations.sqlite_race
Prints one JSON line with the outcomes.
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from reservations.models import ReservationLine  # noqa: E402
from tests.reservations.scenarios import (  # noqa: E402
    last_copy_race,
    one_patron_race,
    same_document_race,
)


def main() -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    last_copy = last_copy_race(patrons=20)
    holding = ReservationLine.objects.filter(status__in=["allocated", "picked"]).count()
    cap = one_patron_race(submissions=10)
    same = same_document_race(sessions=10)
    print(
        json.dumps(
            {"last_copy": last_copy, "cap": cap, "holding_after_first": holding, "same": same}
        )
    )


if __name__ == "__main__":
    main()

"""Sign-in attempts kept only as long as they lock a card.

django-axes records each failed sign-in (card number, address, browser) and
counts them for ``SIGN_IN_LOCKOUT_MINUTES``; it clears old rows only when
someone signs in with the same card. Past the lock-out they serve nothing.
"""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone


def forget_sign_in_attempts(*, now: datetime.datetime | None = None) -> int:
    """Delete failed sign-ins older than the lock-out; return how many."""
    now = now or timezone.now()
    _total, by_model = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME
    ).delete()
    return by_model.get(AccessAttempt._meta.label, 0)

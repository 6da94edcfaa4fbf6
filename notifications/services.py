"""The outbox: queue a notification with the change it tells about, send it once.

Every change of state elsewhere calls `queue_notification` inside its own
transaction. The row is the source of truth; the Celery task that sends it is
only a wake-up call, published after commit. If the broker is down or a worker
dies, the row stays `queued` (or `sending` past its lease) and
`requeue_stale_notifications` publishes it again; duplicated wake-ups are
harmless because sending claims the row first (see `send_queued_notification`).

Longer than most modules: queuing, claiming, settling, sweeping and
forgetting are one row's lifecycle, whose invariants (one claim, one lease)
read best together. Channels are in notifications/channels/.
"""

import datetime
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.batches import update_in_batches
from core.publishing import publish_quietly

from .channels import EMAIL, sender
from .models import Notification

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# Attempts in all (the first one included) before a notification is `failed`.
MAX_ATTEMPTS = 5
# Wait before retry n (n = attempts made so far): 60 s, 120 s, 240 s, 480 s.
RETRY_BASE_SECONDS = 60
# A row still queued this long after its last change has lost its task.
DEFAULT_REQUEUE_AFTER_SECONDS = 60
REQUEUE_BATCH_SIZE = 500


def queue_notification(
    *,
    kind: str,
    recipient: "User",
    context: dict,
    dedup_key: str,
    about: models.Model | None = None,
    now: datetime.datetime | None = None,
    channel: str = EMAIL,
) -> Notification | None:
    """Render and store the notification of `kind` for `recipient`, and send it after commit.

    The channel's templates of the kind (for e-mail, `emails/<kind>/subject.txt`,
    `body.txt` and an optional `body.html`) are rendered in the recipient's
    preferred language with `context` plus `recipient`, `site_url` and
    `NETWORK_NAME`.

    Call it inside the transaction of the change it tells about. Return None,
    and change nothing, when a notification with `dedup_key` already exists:
    one event, one e-mail. A recipient without an address on the channel gets a row
    that is `failed` at once, so that staff see it in the admin (and can send
    it again once the address is known).

    `now` is the time of the change it tells about (by default, now): the row
    is created then.
    """
    now = now or timezone.now()
    if Notification.objects.filter(dedup_key=dedup_key).exists():
        return None
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    on = sender(channel)
    rendered = on.render(
        kind=kind,
        language=language,
        context={
            **context,
            "recipient": recipient,
            "NETWORK_NAME": settings.NETWORK_NAME,
            "site_url": getattr(settings, "SITE_URL", "http://127.0.0.1:8000"),
        },
    )
    notification = Notification(
        kind=kind,
        dedup_key=dedup_key,
        recipient=recipient,
        channel=channel,
        address=on.address_of(recipient),
        language=language,
        subject=rendered.subject[:255],
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        created_at=now,
        updated_at=now,
    )
    if about is not None:
        notification.about_type = ContentType.objects.get_for_model(about)
        notification.about_id = about.pk
    if not notification.address:
        notification.status = Notification.Status.FAILED
        notification.last_error = on.missing_address
    try:
        # A savepoint: a duplicate key (a concurrent transaction queued the
        # same event first) must not break the caller's transaction.
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        if Notification.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise
    if notification.status == Notification.Status.QUEUED:
        pk = notification.pk
        transaction.on_commit(lambda: enqueue_sending(notification_id=pk))
    return notification


def enqueue_sending(*, notification_id: int) -> None:
    """Publish the task that sends a notification; never raise.

    If the broker is down, the row stays queued and the sweeper publishes it
    again later.
    """
    from .tasks import send_notification

    publish_quietly(send_notification, notification_id)


@dataclass(frozen=True)
class SendResult:
    """What one sending attempt did."""

    sent: bool
    notification: Notification | None = None
    error: Exception | None = None
    retry_in: int | None = None  # seconds before the next attempt, None when final


def send_queued_notification(*, notification_id: int) -> SendResult:
    """Send a queued notification once: claim it, send it, then say how it went.

    Three steps, so that no transaction is open while the provider is talking:

    1. **Claim** (a short transaction): the row becomes `sending`, its attempt
       is counted and it gets a lease of ``NOTIFICATION_SEND_LEASE_SECONDS``.
       A row that is not queued (sent, failed, claimed by another worker whose
       lease runs) is left alone: the result is `sent=False` with no error.
    2. **Send**, with no row lock and no transaction.
    3. **Settle**: one conditional UPDATE marks it sent, or queued again (or
       failed) with the error, only if it is still this worker's claim.

    A worker that dies between 1 and 3 leaves the row `sending`; once its lease
    is over, the sweeper publishes it again and the next claim sends it again.
    So delivery is at least once: if the worker died after the provider had
    accepted the e-mail, the patron gets it twice, with the same Message-ID
    (and, with Brevo, the same idempotency key, which makes Brevo drop the
    second). The window is the provider's reply time, not a transaction's.
    """
    notification = _claim(notification_id, now=timezone.now())
    if notification is None:
        return SendResult(sent=False)
    try:
        message_id = sender(notification.channel).send(notification)
    except Exception as exc:
        final = notification.attempts >= MAX_ATTEMPTS
        _settle(
            notification,
            status=Notification.Status.FAILED if final else Notification.Status.QUEUED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "Notification %s: attempt %s failed%s: %s",
            notification.pk,
            notification.attempts,
            " for the last time" if final else "",
            exc,
        )
        return SendResult(
            sent=False,
            notification=notification,
            error=exc,
            retry_in=None if final else retry_delay(notification.attempts),
        )
    _settle(
        notification,
        status=Notification.Status.SENT,
        provider_message_id=message_id[:255],
        last_error="",
    )
    return SendResult(sent=True, notification=notification)


LOST_WORKER = "the worker sending it stopped before saying how it went"


def _claim(notification_id: int, *, now: datetime.datetime) -> Notification | None:
    """Make a queued notification (or one whose sender was lost) this worker's; commit."""
    claimable = Q(status=Notification.Status.QUEUED) | Q(
        status=Notification.Status.SENDING, lease_expires_at__lt=now
    )
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk=notification_id)
            .first()
        )
        if notification is None:
            return None
        notification.updated_at = now
        if notification.status == Notification.Status.SENDING:
            # Its last attempt counts: an e-mail that kills every worker trying
            # it ends `failed` instead of being tried for ever.
            notification.last_error = LOST_WORKER
            logger.warning("Notification %s: %s.", notification.pk, LOST_WORKER)
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                notification.lease_expires_at = None
                notification.save(
                    update_fields=["status", "lease_expires_at", "last_error", "updated_at"]
                )
                return None
        notification.attempts += 1
        notification.status = Notification.Status.SENDING
        notification.lease_expires_at = now + datetime.timedelta(
            seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS
        )
        notification.save(
            update_fields=["attempts", "status", "lease_expires_at", "last_error", "updated_at"]
        )
    return notification


def _settle(notification: Notification, *, status: str, **changes) -> None:
    """Record how this worker's attempt went, unless its claim was taken over meanwhile.

    The attempt is dated when the provider has answered (one reading of the
    clock for the whole row), which is what the sweeper's backoff counts from.
    """
    now = timezone.now()
    if status == Notification.Status.SENT:
        changes["sent_at"] = now
    changes.update(status=status, lease_expires_at=None, updated_at=now)
    settled = Notification.objects.filter(
        pk=notification.pk,
        status=Notification.Status.SENDING,
        attempts=notification.attempts,
    ).update(**changes)
    for field, value in changes.items():
        setattr(notification, field, value)
    if not settled:
        # The lease ran out before the provider answered and another worker
        # claimed it: its word is the one kept.
        logger.warning(
            "Notification %s: attempt %s ended after its lease; another attempt took over.",
            notification.pk,
            notification.attempts,
        )


def retry_delay(attempts: int) -> int:
    """Return the seconds to wait after `attempts` failed attempts (exponential backoff)."""
    return RETRY_BASE_SECONDS * 2 ** (max(attempts, 1) - 1)


def stale_notification_ids(
    *, older_than_seconds: int | None = None, now: datetime.datetime | None = None
) -> list[int]:
    """Return the ids of notifications whose task or worker was lost (bounded batch, oldest first).

    A queued row is stale when it has been queued for `older_than_seconds`
    since its last change, plus, after a failed attempt, the backoff the task
    is waiting for: the sweeper must not cut retries short. A row being sent is
    stale once its lease is over: its worker died or hung.
    """
    if older_than_seconds is None:
        older_than_seconds = getattr(
            settings, "NOTIFICATION_REQUEUE_AFTER_SECONDS", DEFAULT_REQUEUE_AFTER_SECONDS
        )
    now = now or timezone.now()
    grace = datetime.timedelta(seconds=older_than_seconds)
    stale = Q(attempts=0, updated_at__lt=now - grace)
    for attempts in range(1, MAX_ATTEMPTS):
        backoff = datetime.timedelta(seconds=retry_delay(attempts))
        stale |= Q(attempts=attempts, updated_at__lt=now - grace - backoff)
    stale = (stale & Q(status=Notification.Status.QUEUED)) | Q(
        status=Notification.Status.SENDING, lease_expires_at__lt=now
    )
    return list(
        Notification.objects.filter(stale)
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH_SIZE]
    )


def requeue_stale_notifications(
    *, older_than_seconds: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Publish the sending task again for every stale queued notification; return how many."""
    ids = stale_notification_ids(older_than_seconds=older_than_seconds, now=now)
    for notification_id in ids:
        enqueue_sending(notification_id=notification_id)
    if ids:
        logger.info("Re-queued %s stale notification(s).", len(ids))
    return len(ids)


# What a delivery event from the ESP makes of a notification, and from which
# statuses: a bounce may follow "delivered" (an asynchronous bounce after the
# receiving server accepted the message) but nothing comes after a bounce, so
# a late or out-of-order "delivered" never hides it. Complaints, opens, clicks
# and deferrals leave the status alone.
_DELIVERY_TRANSITIONS = {
    "delivered": (Notification.Status.DELIVERED, [Notification.Status.SENT]),
    "bounced": (
        Notification.Status.BOUNCED,
        [Notification.Status.SENT, Notification.Status.DELIVERED],
    ),
    "rejected": (
        Notification.Status.BOUNCED,
        [Notification.Status.SENT, Notification.Status.DELIVERED],
    ),
    "failed": (
        Notification.Status.BOUNCED,
        [Notification.Status.SENT, Notification.Status.DELIVERED],
    ),
}


def record_delivery_event(
    *,
    provider_message_id: str,
    event_type: str,
    detail: str = "",
    esp_name: str = "",
    now: datetime.datetime | None = None,
) -> int:
    """Move the notification sent as `provider_message_id` to delivered or bounced.

    `event_type` is one of anymail's normalized event types. Return the number
    of rows changed (0 for an event that changes nothing or an unknown id).
    """
    transition = _DELIVERY_TRANSITIONS.get(event_type)
    if transition is None or not provider_message_id:
        return 0
    status, from_statuses = transition
    changes = {"status": status, "updated_at": now or timezone.now()}
    if status == Notification.Status.BOUNCED:
        changes["last_error"] = f"{esp_name} {event_type}: {detail}".strip(" :")[:2000]
    # One conditional UPDATE: two events racing cannot move the row backwards.
    changed = Notification.objects.filter(
        provider_message_id=provider_message_id, status__in=from_statuses
    ).update(**changes)
    if not changed:
        logger.info("Delivery event %s for %s changed nothing.", event_type, provider_message_id)
    return changed


def send_again(
    *, notifications: QuerySet[Notification], now: datetime.datetime | None = None
) -> int:
    """Queue failed notifications once more, with a fresh set of attempts; return how many.

    A notification stored without an address takes the recipient's current
    one; one whose recipient still has none stays failed.
    """
    now = now or timezone.now()
    queued = []
    with transaction.atomic():
        rows = (
            notifications.filter(status=Notification.Status.FAILED)
            .select_related("recipient")
            .select_for_update(of=("self",))
        )
        for notification in rows:
            if not notification.body_text:
                continue  # its content was erased (forget_sent_e_mails): nothing to send
            if not notification.address and notification.recipient:
                notification.address = sender(notification.channel).address_of(
                    notification.recipient
                )
            if not notification.address:
                continue
            notification.status = Notification.Status.QUEUED
            notification.attempts = 0
            notification.updated_at = now
            notification.save(update_fields=["address", "status", "attempts", "updated_at"])
            queued.append(notification.pk)
        for pk in queued:
            transaction.on_commit(lambda pk=pk: enqueue_sending(notification_id=pk))
    return len(queued)


def forget_sent_e_mails(
    *, now: datetime.datetime | None = None, older_than_days: int | None = None
) -> int:
    """Blank the address and bodies of e-mails done with for a while; return how many.

    An e-mail is done with once no longer queued or sending (sent, delivered, bounced,
    failed); ``NOTIFICATION_RETENTION_DAYS`` after its last change, its address,
    bodies (which hold signed links) and error text are erased. Kind, status,
    dates and subject stay, for the admin's figures.
    """
    now = now or timezone.now()
    if older_than_days is None:
        older_than_days = settings.NOTIFICATION_RETENTION_DAYS
    rows = (
        Notification.objects.exclude(
            status__in=[Notification.Status.QUEUED, Notification.Status.SENDING]
        )
        .filter(updated_at__lt=now - datetime.timedelta(days=older_than_days))
        .exclude(address="", body_text="", body_html="", last_error="")
    )
    return update_in_batches(
        rows, address="", body_text="", body_html="", last_error="", updated_at=now
    )

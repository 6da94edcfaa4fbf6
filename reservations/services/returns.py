"""A copy returned at the desk: the loan ends and the copy goes into quarantine."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Item

from .. import audit
from ..audit import AuditAction
from ..exceptions import (
    NotOnLoan,
    UnknownBarcode,
)
from ..models import (
    Loan,
)


def return_item(
    *, barcode: str, by: User | None = None, now: datetime.datetime | None = None
) -> Loan:
    """End the open loan of the copy; put it in quarantine for its type's days, if any."""
    now = now or timezone.now()
    barcode = barcode.strip()
    with transaction.atomic():
        item = (
            Item.objects.select_for_update(of=("self",))
            .select_related("record__document_type")
            .filter(barcode=barcode)
            .first()
        )
        if item is None:
            raise UnknownBarcode(barcode=barcode)
        loan = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("line")
            .filter(item=item, returned_at__isnull=True)
            .first()
        )
        if loan is None:
            raise NotOnLoan(barcode=barcode)
        loan.returned_at = now
        loan.save(update_fields=["returned_at"])
        quarantine = item.record.document_type.quarantine_days > 0
        to_status = Item.Status.QUARANTINE if quarantine else Item.Status.AVAILABLE
        from_status = item.status
        item.status = to_status
        item.status_changed_at = now
        item.save(update_fields=["status", "status_changed_at"])
        audit.record(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.RETURNED,
                reservation_id=loan.line.reservation_id if loan.line else None,
                item=item,
                from_status=from_status,
                to_status=to_status,
            )
        )
    return loan

"""The rules of ordering, written once for every way an order is built.

An order is first a draft (`OrderDraft`, kept in a session): the patron's
basket on the site, or the order a librarian takes for a patron by phone or
e-mail. `add_to_draft` puts a document in either, under the same rules
(`check_addition`). `submit_reservation` then checks the whole order: the
rules that need no lock (`check_order`), then, under the patron's row lock,
what the patron already holds (`check_holdings`), which is what makes the cap
and "a document once per patron" hold under parallel requests.

A new rule of ordering goes here, and the basket, phone and e-mail orders and
every submission obey it. Each error speaks to the patron (`str(error)`) and,
where the words differ, to the librarian acting for them (`error.for_staff()`).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats
from django.utils.functional import lazy

from branches.models import Branch
from catalog.models import Record
from core.network_time import network_date

from .exceptions import (
    AlreadyInAnOrder,
    AlreadyInDraft,
    ChannelNotAccepted,
    ClickAndCollectClosed,
    DraftFull,
    DuplicateDocument,
    EmptyOrder,
    MembershipExpired,
    NoMembership,
    NotReservableOnline,
    TooManyDocuments,
    UnknownRecord,
)
from .models import ACTIVE_STATUSES, HOLDING_LINE_STATUSES, Channel, ReservationLine

# Formatted when the message is shown, in the language active then.
_lazy_date = lazy(formats.date_format, str)
_lazy_type_name = lazy(lambda document_type: document_type.name, str)


@dataclass(frozen=True)
class Holdings:
    """What a patron's orders not yet collected hold: how many documents, and which."""

    count: int = 0
    # Record id → the reference of the order holding it.
    references: dict[int, str] = field(default_factory=dict)


def holdings(patron) -> Holdings:
    """Return the documents the patron's active orders hold (none for an anonymous visitor).

    The count is the one the cap is about: lines still holding a copy, in orders
    not yet collected, expired or cancelled. One query, a few rows.
    """
    if patron is None or not patron.is_authenticated:
        return Holdings()
    lines = list(
        ReservationLine.objects.filter(
            reservation__patron=patron,
            reservation__status__in=ACTIVE_STATUSES,
            status__in=HOLDING_LINE_STATUSES,
        )
        .order_by()
        .values_list("record_id", "reservation__reference")
    )
    return Holdings(count=len(lines), references=dict(lines))


class OrderDraft:
    """The documents chosen for an order not placed yet, in the order they were added.

    The patron's basket (`OrderDraft.basket`) or a librarian's order for one
    patron (`OrderDraft.taken_for`, which also remembers how the order came in
    and where it will be collected: two patrons on two tabs do not mix). The
    session is the browser's: only what has the expected types is believed.
    """

    BASKET_KEY = "basket"
    TAKEN_FOR_KEY = "remote_orders"

    def __init__(self, session, *, patron_id: int | None = None) -> None:
        self.session = session
        self.patron_key = None if patron_id is None else str(patron_id)
        stored = self._stored()
        self.channel = stored.get("channel") if isinstance(stored.get("channel"), str) else ""
        self.branch_id = stored.get("branch") if isinstance(stored.get("branch"), int) else None
        records = stored.get("records")
        self.record_ids = (
            [pk for pk in records if isinstance(pk, int)] if isinstance(records, list) else []
        )

    @classmethod
    def basket(cls, session) -> "OrderDraft":
        return cls(session)

    @classmethod
    def taken_for(cls, session, patron_id: int) -> "OrderDraft":
        return cls(session, patron_id=patron_id)

    def _stored(self) -> dict:
        if self.patron_key is None:
            # The basket is a plain list of record ids (sessions of every version read it).
            return {"records": self.session.get(self.BASKET_KEY, [])}
        drafts = self.session.get(self.TAKEN_FOR_KEY)
        draft = drafts.get(self.patron_key) if isinstance(drafts, dict) else None
        return draft if isinstance(draft, dict) else {}

    def __len__(self) -> int:
        return len(self.record_ids)

    def __contains__(self, record_id: int) -> bool:
        return record_id in self.record_ids

    def save(self) -> None:
        if self.patron_key is None:
            self.session[self.BASKET_KEY] = self.record_ids
        else:
            drafts = self.session.get(self.TAKEN_FOR_KEY)
            drafts = drafts if isinstance(drafts, dict) else {}
            drafts[self.patron_key] = {
                "channel": self.channel,
                "branch": self.branch_id,
                "records": self.record_ids,
            }
            self.session[self.TAKEN_FOR_KEY] = drafts
        self.session.modified = True

    def remove(self, record_id: int) -> bool:
        """Take a record out; return whether it was there."""
        if record_id not in self.record_ids:
            return False
        self.record_ids = [pk for pk in self.record_ids if pk != record_id]
        self.save()
        return True

    def keep_only(self, record_ids) -> None:
        """Forget the records that no longer exist, can no longer be reserved or were ordered."""
        wanted = set(record_ids)
        if any(pk not in wanted for pk in self.record_ids):
            self.record_ids = [pk for pk in self.record_ids if pk in wanted]
            self.save()

    def clear(self) -> None:
        self.record_ids, self.channel, self.branch_id = [], "", None
        if self.patron_key is None:
            self.save()
            return
        drafts = self.session.get(self.TAKEN_FOR_KEY)
        if isinstance(drafts, dict) and self.patron_key in drafts:
            del drafts[self.patron_key]
            self.session.modified = True


def add_to_draft(draft: OrderDraft, record: Record | None, *, patron) -> None:
    """Put the record in the draft, or raise the ReservationError that says why it cannot go.

    `patron` is the one the order is for: None for a visitor not signed in yet
    (their basket is checked again when they order).
    """
    check_addition(draft, record, patron=patron, held=holdings(patron))
    draft.record_ids.append(record.pk)
    draft.save()


def check_addition(draft: OrderDraft, record: Record | None, *, patron, held: Holdings) -> None:
    """Raise the first rule that keeps the record out of the draft, in the order people read."""
    if record is None:
        raise UnknownRecord()
    if patron is not None:
        check_membership(patron, on=network_date())
    if not record.document_type.reservable_online:
        raise NotReservableOnline(title=record.title, type=_lazy_type_name(record.document_type))
    if record.pk in draft:
        raise AlreadyInDraft(title=record.title)
    if record.pk in held.references:
        raise AlreadyInAnOrder(title=record.title, reference=held.references[record.pk])
    if held.count + len(draft) >= settings.MAX_ACTIVE_ITEMS:
        raise DraftFull(limit=settings.MAX_ACTIVE_ITEMS)


def check_membership(patron, *, on: datetime.date) -> None:
    """Refuse a patron whose membership does not run on that day."""
    if not patron.has_valid_membership(on=on):
        if patron.membership_expires_on is None:
            raise NoMembership()
        raise MembershipExpired(date=_lazy_date(patron.membership_expires_on))


def check_order(
    *, patron, branch: Branch, records: list[Record], channel: str, now: datetime.datetime
) -> None:
    """Check the rules of a whole order that need no lock, in the order people read them."""
    if not records:
        raise EmptyOrder()
    seen: set[int] = set()
    for record in records:
        if record.pk in seen:
            raise DuplicateDocument(title=record.title)
        seen.add(record.pk)
    check_membership(patron, on=network_date(now))
    if not branch.click_and_collect_enabled:
        raise ClickAndCollectClosed(branch=branch.name)
    accepted = {
        Channel.WEB: True,
        Channel.PHONE: branch.accepts_phone_orders,
        Channel.EMAIL: branch.accepts_email_orders,
    }
    if not accepted.get(channel, False):
        raise ChannelNotAccepted(branch=branch.name, channel=_channel_label(channel))
    # The types read afresh in one query, whatever the caller loaded.
    fresh = Record.objects.select_related("document_type").in_bulk(seen)
    for record in records:
        document_type = fresh[record.pk].document_type
        if not document_type.reservable_online:
            raise NotReservableOnline(title=record.title, type=_lazy_type_name(document_type))


def check_holdings(patron, records: list[Record]) -> None:
    """Refuse a document the patron holds already, and an order that would pass the cap.

    Call under the patron's row lock (`submit_reservation` takes it): two
    sessions, or a form sent twice, cannot both pass.
    """
    held = holdings(patron)
    for record in sorted(records, key=lambda record: (record.title, record.pk)):
        if record.pk in held.references:
            raise AlreadyInAnOrder(title=record.title, reference=held.references[record.pk])
    if held.count + len(records) > settings.MAX_ACTIVE_ITEMS:
        raise TooManyDocuments(limit=settings.MAX_ACTIVE_ITEMS, active=held.count)


def _channel_label(channel: str):
    try:
        return Channel(channel).label
    except ValueError:
        return channel

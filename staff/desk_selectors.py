"""Read queries of the desk and phone-order pages, each a constant number of SQL queries."""

import re
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from branches.models import Branch
from reservations.models import (
    ACTIVE_STATUSES,
    REFERENCE_ALPHABET,
    LineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
)

from .access import reservations_for_staff, staff_branches

# An order reference as typed, read over the phone or scanned from a slip's QR code:
# "CC-7K3Q9", "cc 7k3q9", "CC7K3Q9", or a longer text (a URL) that contains one.
REFERENCE_PATTERN = re.compile(rf"(?<![A-Z0-9])CC-?([{REFERENCE_ALPHABET}]{{5}})(?![A-Z0-9])")
# Patrons listed at most by a name search on the phone-order page.
PATRON_SEARCH_LIMIT = 20


def reference_in(text: str) -> str | None:
    """Return the order reference the text holds ("CC-7K3Q9"), or None."""
    folded = re.sub(r"\s+", "", str(text)).upper()
    match = REFERENCE_PATTERN.search(folded)
    return f"CC-{match.group(1)}" if match else None


@dataclass
class DeskSearch:
    """What the desk field found: orders ready to hand over, or why there are none."""

    query: str
    orders: list[Reservation] = field(default_factory=list)
    patron: User | None = None
    # Why nothing can be handed over ("error"), or what else the patron has ("info").
    problem: str = ""
    notes: list[str] = field(default_factory=list)


def _desk_orders(user) -> QuerySet[Reservation]:
    return (
        reservations_for_staff(user)
        .select_related("patron", "branch")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReservationLine.objects.filter(status=LineStatus.PICKED)
                .select_related("record__document_type", "item")
                .order_by("record__title", "pk"),
                to_attr="picked_lines",
            )
        )
    )


def desk_search(user, query: str) -> DeskSearch:
    """Find what the desk field names: an order (reference or slip) or a patron (card number)."""
    query = " ".join(str(query).split())[:200]
    result = DeskSearch(query=query)
    if not query:
        return result
    reference = reference_in(query)
    if reference:
        order = _desk_orders(user).filter(reference=reference).first()
        if order is not None:
            _explain_order(result, order)
            return result
    card = query.replace(" ", "")
    patron = User.objects.filter(card_number__iexact=card).first()
    if patron is None:
        if reference:
            # Another branch's order is not found either: its existence is not the desk's business.
            result.problem = _("Order %(reference)s was not found at your libraries.") % {
                "reference": reference
            }
        else:
            result.problem = _(
                "Nothing matches “%(query)s”: no order reference and no card number."
            ) % {"query": query}
        return result
    result.patron = patron
    result.orders = list(
        _desk_orders(user)
        .filter(patron=patron, status=ReservationStatus.READY)
        .order_by("pickup_deadline", "pk")
    )
    mine = staff_branches(user).values("pk")
    counts = Reservation.objects.filter(patron=patron, status__in=ACTIVE_STATUSES).aggregate(
        ready_elsewhere=Count("pk", filter=Q(status=ReservationStatus.READY) & ~Q(branch__in=mine)),
        preparing=Count(
            "pk",
            filter=Q(status__in=(ReservationStatus.SUBMITTED, ReservationStatus.PREPARING)),
        ),
    )
    if not result.orders:
        result.problem = _("%(name)s has no order ready at your libraries.") % {
            "name": patron.get_full_name() or patron.masked_card_number
        }
    if ready_elsewhere := counts["ready_elsewhere"]:
        result.notes.append(
            ngettext(
                "%(count)d order is ready at another library, not at yours.",
                "%(count)d orders are ready at other libraries, not at yours.",
                ready_elsewhere,
            )
            % {"count": ready_elsewhere}
        )
    if preparing := counts["preparing"]:
        result.notes.append(
            ngettext(
                "%(count)d order is still being prepared.",
                "%(count)d orders are still being prepared.",
                preparing,
            )
            % {"count": preparing}
        )
    return result


def _explain_order(result: DeskSearch, order: Reservation) -> None:
    """Show a ready order; say plainly why any other cannot be handed over."""
    result.patron = order.patron
    reference = order.reference
    if order.status == ReservationStatus.READY:
        result.orders = [order]
        return
    messages = {
        ReservationStatus.SUBMITTED: lambda: _(
            "Order %(reference)s is not ready yet: it is still to be prepared."
        ),
        ReservationStatus.PREPARING: lambda: _(
            "Order %(reference)s is not ready yet: it is being prepared."
        ),
        ReservationStatus.COLLECTED: lambda: _(
            "Order %(reference)s was already handed over on %(date)s."
        ),
        ReservationStatus.CANCELLED: lambda: _(
            "Order %(reference)s was cancelled on %(date)s: there is nothing to hand over. "
            "Its documents are back on the shelf."
        ),
        ReservationStatus.EXPIRED: lambda: _(
            "Order %(reference)s expired on %(date)s: it was not collected in time and its "
            "documents are back on the shelf. The patron can reserve them again."
        ),
    }
    at = {
        ReservationStatus.COLLECTED: order.collected_at,
        ReservationStatus.CANCELLED: order.cancelled_at,
        ReservationStatus.EXPIRED: order.expired_at,
    }.get(order.status)
    date = formats.date_format(at, "DATETIME_FORMAT") if at else "?"
    result.problem = messages[order.status]() % {"reference": reference, "date": date}


# Phone and e-mail orders -----------------------------------------------------------------------


def find_patrons(query: str) -> list[User]:
    """Return the patrons with this card number, or whose last name contains the text (20 max)."""
    query = " ".join(str(query).split())[:150]
    if not query:
        return []
    patrons = User.objects.filter(is_staff=False, is_active=True)
    exact = list(patrons.filter(card_number__iexact=query.replace(" ", ""))[:1])
    if exact:
        return exact
    return list(
        patrons.filter(last_name__icontains=query).order_by("last_name", "first_name", "pk")[
            :PATRON_SEARCH_LIMIT
        ]
    )


def remote_order_branches(user) -> list[Branch]:
    """Return the user's click & collect branches that take phone or e-mail orders."""
    return list(
        staff_branches(user)
        .filter(click_and_collect_enabled=True)
        .filter(Q(accepts_phone_orders=True) | Q(accepts_email_orders=True))
        .order_by("name")
    )

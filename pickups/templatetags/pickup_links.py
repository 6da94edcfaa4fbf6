"""Links to an order's pickup pages, for templates of other apps (order list, e-mails).

Reservations must not import pickups; their templates load this library at
render time instead: ``{% load pickup_links %}``.
"""

from django import template

from reservations.models import ReservationStatus

from .. import selectors
from ..links import pickup_path

register = template.Library()


@register.simple_tag
def pickup_url(reservation, purpose):
    """The path of an order's signed page: ``{% pickup_url reservation "slot" as url %}``.

    E-mails put ``{{ site_url }}`` in front of it.
    """
    return pickup_path(reservation, purpose)


@register.simple_tag
def booked_appointments_for(reservations):
    """The booked appointments of a list of orders, by order id, in one query."""
    return selectors.booked_appointments(
        reservation for reservation in reservations if reservation.status == ReservationStatus.READY
    )


@register.inclusion_tag("pickups/includes/order_panel.html", takes_context=True)
def pickup_panel(context, reservation):
    """The pickup part of a ready order's card: its appointment or a link to choose one, I'm here.

    Reads the appointments from ``appointments`` in the context when the page
    loaded them for all its orders (``booked_appointments_for``).
    """
    ready = reservation.status == ReservationStatus.READY
    appointments = context.get("appointments")
    if not ready:
        appointment = None
    elif appointments is not None:
        appointment = appointments.get(reservation.pk)
    else:
        appointment = selectors.booked_appointment(reservation)
    return {
        "reservation": reservation,
        "ready": ready,
        "takes_appointments": reservation.branch.appointments_enabled,
        "appointment": appointment,
    }

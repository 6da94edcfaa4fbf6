"""The pages an e-mail's signed link opens, without signing in: one order, one purpose each.

``/pickup/<token>/`` shows the order (and every form that applies to it);
``slot/``, ``here/`` and ``cancel/`` each do their one thing. A link that was
changed, made for another purpose or too old gets a page that says so, never
an order's data. The pages show this order only, and of the patron their
first name.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.network_time import format_deadline
from reservations import selectors as reservations_selectors
from reservations.models import HOLDING_LINE_STATUSES, ReservationStatus
from reservations.selectors import STEP_LABELS, patron_line_status

from . import selectors, services
from .exceptions import AppointmentsNotOffered, AppointmentStarted, NoAppointment, PickupError
from .forms import ArrivalForm, SlotForm
from .links import LinkExpired, LinkInvalid, pickup_path, read_token


def signed_link(purpose: str):
    """Open the order of a link made for ``purpose`` and pass it to the view, or say why not."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, token, *args, **kwargs):
            try:
                target = read_token(token, purpose=purpose)
            except LinkExpired:
                response = _link_problem(request, "expired", status=410)
            except LinkInvalid:
                response = _link_problem(request, "invalid", status=400)
            else:
                reservation = selectors.order_for_link(target.reservation_id)
                if reservation is None:
                    response = _link_problem(request, "gone", status=404)
                else:
                    # The page's own links expire with the one it was opened with.
                    request.link_expires_at = target.expires_at
                    response = view(request, reservation, *args, **kwargs)
            # The address is a key to the order: keep it out of search engines and caches.
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return never_cache(wrapper)

    return decorator


def _path(request, reservation, purpose: str) -> str:
    return pickup_path(reservation, purpose, expires_at=request.link_expires_at)


def _link_problem(request, problem: str, *, status: int):
    return render(request, "pickups/link_problem.html", {"problem": problem}, status=status)


@require_safe
@signed_link("order")
def order(request, reservation):
    """Show the order: its documents, deadline, appointment, and the forms that apply."""
    return _page(request, reservation, focus="order")


@require_http_methods(["GET", "HEAD", "POST"])
@signed_link("slot")
def choose_slot(request, reservation):
    """List the times the order may book; book or move its appointment to the one chosen."""
    if request.method != "POST":
        return _page(request, reservation, focus="slot")
    form = SlotForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["starts_at"][0])
        return redirect(request.path)
    try:
        appointment = services.book_appointment(
            reservation_id=reservation.pk, starts_at=form.cleaned_data["starts_at"]
        )
    except PickupError as error:
        messages.error(request, str(error))
        return redirect(request.path)
    messages.success(
        request,
        gettext(
            "Your pickup appointment is booked: %(day)s, %(start)s–%(end)s. "
            "Bring your library card."
        )
        % _slot_words(appointment.slot),
    )
    return redirect(_path(request, reservation, "order"))


@require_http_methods(["GET", "HEAD", "POST"])
@signed_link("cancel")
def cancel(request, reservation):
    """Ask, then cancel the order's appointment; the order keeps waiting until its deadline."""
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return _page(request, reservation, focus="cancel")
    try:
        services.cancel_appointment(reservation_id=reservation.pk)
    except PickupError as error:
        messages.error(request, str(error))
        return redirect(request.path)
    messages.success(
        request,
        gettext(
            "Your appointment is cancelled. Your documents still wait for you until %(deadline)s: "
            "choose another time whenever you wish."
        )
        % {"deadline": format_deadline(reservation.pickup_deadline)},
    )
    return redirect(_path(request, reservation, "order"))


@require_http_methods(["GET", "HEAD", "POST"])
@signed_link("arrival")
def arrive(request, reservation):
    """Tell the desk the patron is here for the order, with an optional note."""
    if request.method != "POST":
        return _page(request, reservation, focus="arrival")
    form = ArrivalForm(request.POST)
    if not form.is_valid():
        return _page(request, reservation, focus="arrival", arrival_form=form)
    try:
        services.announce_arrival(reservation_id=reservation.pk, note=form.cleaned_data["note"])
    except PickupError as error:
        messages.error(request, str(error))
        return redirect(request.path)
    messages.success(
        request,
        gettext(
            "Thank you: the desk knows you are here. A librarian will bring your documents "
            "or call you in."
        ),
    )
    return redirect(_path(request, reservation, "order"))


def _page(request, reservation, *, focus: str, arrival_form: ArrivalForm | None = None):
    now = timezone.now()
    ready = reservation.status == ReservationStatus.READY
    takes_appointments = reservation.branch.appointments_enabled
    appointment = selectors.booked_appointment(reservation) if ready else None
    started = appointment is not None and appointment.slot.starts_at <= now
    lines = list(reservation.lines.all())
    for line in lines:
        line.patron_status = patron_line_status(line)
    offer_slots = ready and takes_appointments and not started and focus in ("order", "slot")
    arrival = selectors.arrival(reservation) if ready else None
    if arrival_form is None:
        arrival_form = ArrivalForm(initial={"note": arrival.note if arrival else ""})
    return render(
        request,
        "pickups/order.html",
        {
            "reservation": reservation,
            "first_name": reservation.patron.first_name,
            "status_label": STEP_LABELS.get(reservation.status, reservation.status),
            "lines": lines,
            "to_collect": [line for line in lines if line.status in HOLDING_LINE_STATUSES],
            "ready": ready,
            "takes_appointments": takes_appointments,
            "appointment": appointment,
            "appointment_started": started,
            "days": selectors.slot_days(reservation, appointment=appointment, now=now)
            if offer_slots
            else [],
            "arrival": arrival,
            "arrival_form": arrival_form,
            "focus": focus,
            "used": _used_link(reservation, focus, appointment=appointment, started=started),
            "order_url": _path(request, reservation, "order"),
            "slot_url": _path(request, reservation, "slot"),
            "arrival_url": _path(request, reservation, "arrival"),
            "cancel_url": _path(request, reservation, "cancel"),
        },
    )


def _used_link(reservation, focus: str, *, appointment, started: bool) -> str:
    """Return why the link's one purpose can no longer be done, or ""."""
    if focus == "order":
        return ""
    if reservation.status != ReservationStatus.READY:
        return _closed(reservation)
    if focus == "slot" and not reservation.branch.appointments_enabled:
        return str(AppointmentsNotOffered(branch=reservation.branch.name))
    if focus in ("slot", "cancel") and started:
        return str(AppointmentStarted())
    if focus == "cancel" and appointment is None:
        return str(NoAppointment(reference=reservation.reference))
    return ""


def _closed(reservation) -> str:
    """Say where an order that is not waiting at the desk stands."""
    status = reservation.status
    words = {"reference": reservation.reference}
    if status == ReservationStatus.COLLECTED:
        return gettext("You have collected order %(reference)s: this link has no more use.") % words
    if status == ReservationStatus.CANCELLED:
        return gettext("Order %(reference)s was cancelled: this link has no more use.") % words
    if status == ReservationStatus.EXPIRED:
        words["deadline"] = format_deadline(reservation.pickup_deadline)
        return (
            gettext(
                "Order %(reference)s was not collected by %(deadline)s: its documents are back on "
                "the shelves."
            )
            % words
        )
    return (
        gettext(
            "Your order %(reference)s is not ready yet: we will e-mail you as soon as it is. "
            "Please wait for that e-mail before coming."
        )
        % words
    )


def _slot_words(slot) -> dict[str, str]:
    starts_at = timezone.localtime(slot.starts_at)
    return {
        "day": formats.date_format(starts_at, "l j F"),
        "start": formats.time_format(starts_at, "H:i"),
        "end": formats.time_format(timezone.localtime(slot.ends_at), "H:i"),
    }


@login_required
@require_safe
def my_orders(request):
    """List the patron's orders, newest first, each with its timeline, documents and pickup.

    Here rather than in reservations: each ready order shows its pickup panel.
    """
    reservations = list(reservations_selectors.patron_reservations(request.user))
    for reservation in reservations:
        reservation.steps = reservations_selectors.timeline(reservation)
        for line in reservation.lines.all():
            line.patron_status = patron_line_status(line)
    return render(request, "pickups/my_orders.html", {"reservations": reservations})

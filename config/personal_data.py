"""What the service holds about a patron, for the patron to read or download (GDPR art. 15, 20).

Built here, above the apps, because it gathers every app's rows about one
person: the account, the orders and their documents, the loans not yet
anonymised, pickup appointments and "I'm here" notes, and the e-mails sent.
A constant number of queries, whatever the patron's history.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from notifications.models import Notification
from pickups.models import Appointment, Arrival
from reservations.models import Loan, Reservation


def personal_data(user) -> dict:
    """Return everything held about the user: dates as dates (ISO 8601 once in JSON), each
    status as its code and, for reading, its label in the active language."""
    orders = (
        Reservation.objects.filter(patron=user)
        .select_related("branch")
        .prefetch_related("lines__record")
        .order_by("-submitted_at")
    )
    loans = Loan.objects.filter(patron=user).select_related("item__record").order_by("-out_at")
    appointments = (
        Appointment.objects.filter(reservation__patron=user)
        .select_related("slot", "reservation")
        .order_by("-slot__starts_at")
    )
    arrivals = Arrival.objects.filter(reservation__patron=user).select_related("reservation")
    e_mails = Notification.objects.filter(recipient=user).order_by("-created_at")
    return {
        "generated_at": timezone.now(),
        "account": {
            "card_number": user.card_number,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "home_branch": user.home_branch.name if user.home_branch else None,
            "membership_expires_on": user.membership_expires_on,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "orders": [
            {
                "reference": order.reference,
                "branch": order.branch.name,
                "channel": order.channel,
                "status": order.status,
                "status_label": order.get_status_display(),
                "submitted_at": order.submitted_at,
                "ready_at": order.ready_at,
                "pickup_deadline": order.pickup_deadline,
                "collected_at": order.collected_at,
                "cancelled_at": order.cancelled_at,
                "expired_at": order.expired_at,
                "documents": [
                    {
                        "title": line.record.title,
                        "status": line.status,
                        "status_label": line.get_status_display(),
                    }
                    for line in order.lines.all()
                ],
            }
            for order in orders
        ],
        "loans": [
            {
                "title": loan.item.record.title,
                "out_at": loan.out_at,
                "due_on": loan.due_on,
                "returned_at": loan.returned_at,
            }
            for loan in loans
        ],
        "pickup_appointments": [
            {
                "order": appointment.reservation.reference,
                "starts_at": appointment.slot.starts_at,
                "status": appointment.status,
                "status_label": appointment.get_status_display(),
                "booked_at": appointment.booked_at,
            }
            for appointment in appointments
        ],
        "arrivals": [
            {
                "order": arrival.reservation.reference,
                "arrived_at": arrival.arrived_at,
                "note": arrival.note,
            }
            for arrival in arrivals
        ],
        "e_mails": [
            {
                "kind": e_mail.kind,
                "subject": e_mail.subject,
                "to": e_mail.address,
                "status": e_mail.status,
                "created_at": e_mail.created_at,
                "sent_at": e_mail.sent_at,
            }
            for e_mail in e_mails
        ],
    }


def retention() -> dict:
    """Return how long the service keeps what, as its settings say (for the page)."""
    return {
        "loan_days": settings.RETURNED_LOAN_RETENTION_DAYS,
        "order_days": settings.CLOSED_ORDER_RETENTION_DAYS,
        "e_mail_days": settings.NOTIFICATION_RETENTION_DAYS,
        "audit_months": settings.AUDIT_ACTOR_RETENTION_MONTHS,
        "sign_in_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }


@require_safe
@login_required
def my_data(request):
    """Show the patron what the service holds about them, and how long it keeps it."""
    context = {"data": personal_data(request.user), "retention": retention()}
    return render(request, "account/my_data.html", context)


@require_safe
@login_required
def my_data_download(request):
    """Send the same data as a JSON file (data portability)."""
    response = JsonResponse(personal_data(request.user), json_dumps_params={"indent": 2})
    filename = f"click-collect-{request.user.card_number}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""A patron's account erased at their request (GDPR art. 17), keeping the figures.

What identifies the patron goes: the account itself (its authenticator app and
campaign changes with it), the e-mails sent to them, their "I'm here" notes and
the failed sign-ins on their card. What the network counts stays, detached from
anyone, as the nightly retention leaves it (reservations/retention.py): the
closed orders (branch, dates, documents) and returned loans. Audit entries keep
what happened and lose who did it.

Refused while the library and the patron still owe each other something: an
order in progress (cancel it, or collect it) or a document not yet returned.
The admin's delete button for a user runs the same erasure (accounts/admin.py).
Built here, above the apps, because it touches every app's rows about one person.
"""

from axes.models import AccessAttempt
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext

from accounts.models import User
from accounts.views import limit_sign_ins
from notifications.models import Notification
from pickups.models import Arrival
from reservations.models import ACTIVE_STATUSES, Loan, Reservation


class ErasureRefused(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def reasons_to_wait(user: User) -> list[str]:
    """Say, in the reader's language, what must be settled before the account can go."""
    open_orders = Reservation.objects.filter(patron=user, status__in=ACTIVE_STATUSES).count()
    out = Loan.objects.filter(patron=user, returned_at__isnull=True).count()
    reasons = []
    if open_orders:
        reasons.append(
            ngettext(
                "%(count)d order is in progress: cancel it, or collect it, first.",
                "%(count)d orders are in progress: cancel them, or collect them, first.",
                open_orders,
            )
            % {"count": open_orders}
        )
    if out:
        reasons.append(
            ngettext(
                "%(count)d document is on loan: return it first.",
                "%(count)d documents are on loan: return them first.",
                out,
            )
            % {"count": out}
        )
    return reasons


@transaction.atomic
def erase_patron(user: User) -> None:
    """Erase the account and what identifies its owner; raise ErasureRefused if too soon."""
    # The row lock: an order submitted meanwhile (it locks the patron too) waits, then fails.
    User.objects.select_for_update().get(pk=user.pk)
    if reasons := reasons_to_wait(user):
        raise ErasureRefused(reasons)
    Arrival.objects.filter(reservation__patron=user).update(note="")
    sent_to_them = Notification.objects.filter(recipient=user)
    if user.email:
        # Addressed to them without an account attached; a relative's account that shares
        # the address keeps its own e-mails (some still to be sent).
        sent_to_them |= Notification.objects.filter(
            recipient__isnull=True, address__iexact=user.email
        )
    sent_to_them.delete()
    Reservation.objects.filter(patron=user).update(patron=None)
    Loan.objects.filter(patron=user).update(patron=None, line=None)
    AccessAttempt.objects.filter(username=user.card_number).delete()
    user.delete()


@login_required
@limit_sign_ins
def erase_my_account(request):
    """Explain what erasing the account does; on the password, do it and sign out."""
    user = request.user
    if user.is_staff:
        raise Http404  # staff accounts are closed by the network's administrators
    reasons = reasons_to_wait(user)
    wrong_password = False
    if request.method == "POST" and not reasons:
        if user.check_password(request.POST.get("password", "")):
            try:
                erase_patron(user)
            except ErasureRefused as refused:
                reasons = refused.reasons
            else:
                logout(request)
                messages.success(
                    request, gettext("Your account is erased. Thank you for using the service.")
                )
                return redirect("home")
        else:
            wrong_password = True
    return render(
        request,
        "account/erase.html",
        {"reasons": reasons, "wrong_password": wrong_password},
        status=400 if wrong_password else 200,
    )

"""Who may do what in the staff area, and on which branches.

Three groups, created by a migration: librarian (queue, preparation, phone and
e-mail orders), desk (hand-over, returns), network admin (everything, every
branch). Staff act on the orders of the branches they are attached to
(User.branches); another branch's order is a 404, as if it did not exist.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from branches.models import Branch
from reservations.models import Reservation

PREPARE = "reservations.prepare_reservation"
HAND_OVER = "reservations.hand_over_reservation"
TAKE_REMOTE_ORDER = "reservations.take_remote_order"
VIEW_DASHBOARD = "reservations.view_staff_dashboard"
ALL_BRANCHES = "reservations.act_on_all_branches"


def staff_branches(user) -> QuerySet[Branch]:
    """Return the branches whose orders the user may see and act on."""
    if user.has_perm(ALL_BRANCHES):
        return Branch.objects.all()
    return user.branches.all()


def staff_required(permission: str):
    """Let through active staff holding the permission; send others to sign in or away."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff and user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def reservations_for_staff(user) -> QuerySet[Reservation]:
    """Return the orders of the user's branches."""
    if user.has_perm(ALL_BRANCHES):
        return Reservation.objects.all()
    return Reservation.objects.filter(branch__in=user.branches.all())


def reservation_for_staff(user, reference: str) -> Reservation:
    """Return one of the user's branches' orders by reference, or raise Http404."""
    return get_object_or_404(reservations_for_staff(user), reference=reference)

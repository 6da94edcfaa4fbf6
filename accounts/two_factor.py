"""Two-step verification for the staff: a code from an authenticator app after the password.

Whoever enters the admin must use it (``ADMIN_TWO_FACTOR``): the admin shows
every branch's patrons. Any other member of staff may turn it on, a desk agent
on a shared computer for instance. Whoever has turned it on gives a code after
the password before any page, not only the admin's. Codes are TOTP (RFC 6238,
django-otp's ``otp_totp``), which every authenticator app reads from a QR code.
"""

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

# Pages an unverified member of staff still reaches: the two steps themselves and leaving.
OPEN_BEFORE_THE_CODE = ("two_factor", "two_factor_setup", "logout", "set_language")
# In the session: whether the user had set up an app when they signed in. Staff who have
# not (most desk agents) cost no query per page.
SET_UP_SESSION_KEY = "two_factor_set_up"


def confirmed_device(user) -> TOTPDevice | None:
    """Return the user's authenticator app, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def device_being_set_up(user) -> TOTPDevice:
    """Return the app the user is setting up, created on first call (same key on reload)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)


def verify(request, device: TOTPDevice, code: str) -> bool:
    """Check the code against the device and, when right, mark the session as verified.

    The device row is locked while it is checked, so that django-otp's
    throttling (a wait that doubles after each wrong code) and its refusal of a
    code used twice hold against parallel requests.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(code):  # refused unthrottled, or wrong: the wait doubles
            return False
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    request.session.cycle_key()  # a new session key for the stronger sign-in
    otp_login(request, device)
    request.session[SET_UP_SESSION_KEY] = True
    return True


def forget_devices(request) -> None:
    """Remove the signed-in user's apps: their next sign-in asks for no code."""
    TOTPDevice.objects.devices_for_user(request.user).delete()
    request.session[SET_UP_SESSION_KEY] = False


@receiver(user_logged_in, dispatch_uid="accounts.two_factor.note_whether_set_up")
def note_whether_set_up(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SET_UP_SESSION_KEY] = user.is_staff and confirmed_device(user) is not None


def seconds_to_wait(device: TOTPDevice) -> int:
    """Return how long the user must wait before their next code is checked (0: none)."""
    allowed, details = device.verify_is_allowed()
    if allowed or "locked_until" not in (details or {}):
        return 0
    return max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)


def ask_for_the_code(request, then: str | None = None):
    """Redirect to the code's page, coming back to ``then`` (this page) afterwards."""
    query = urlencode({"next": then or request.get_full_path()})
    return redirect(f"{reverse('two_factor')}?{query}")


class TwoFactorMiddleware:
    """Send a member of staff who has set up an app, but not given its code, to give it.

    After django-otp's OTPMiddleware, which tells whether this session gave one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_staff) or user.is_verified():
            return None
        if not request.session.get(SET_UP_SESSION_KEY):
            return None
        if request.resolver_match.url_name in OPEN_BEFORE_THE_CODE:
            return None
        return ask_for_the_code(request)

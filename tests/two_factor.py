"""Two-step verification in tests: an authenticator app, its current code, a verified session."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator_for(user) -> TOTPDevice:
    """Give the user a set-up authenticator app (as if they had scanned its QR code)."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the app shows now (on the suite's clock, which the server shares)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def enter_admin(client, user) -> None:
    """Sign the test client in as the user, code given: what entering the admin takes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or authenticator_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

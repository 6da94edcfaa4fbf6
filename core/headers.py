"""Response headers of the whole site: what browsers may cache, and which features pages use.

- Pages about a person (anything a signed-in user sees, the basket, the signed
  links of e-mails) are never stored by the browser or a proxy: on a shared or
  public computer the next user's "back" button must not show them.
- ``Permissions-Policy`` turns off the browser features no page uses, and
  geolocation on every page but those marked ``@uses_geolocation``.

The Content-Security-Policy itself comes from django-csp (settings
``CONTENT_SECURITY_POLICY``).
"""

from functools import wraps

from django.utils.cache import add_never_cache_headers, patch_cache_control

# Pages that show one person's data even without signing in (session basket, e-mail links).
PERSONAL_PREFIXES = ("/basket/", "/pickup/", "/account/", "/staff/", "/admin/")
GEOLOCATION_ATTRIBUTE = "uses_geolocation"
FEATURES_OFF = ("camera", "microphone", "payment", "usb", "serial", "magnetometer",
                "gyroscope", "accelerometer", "display-capture", "browsing-topics")  # fmt: skip


def uses_geolocation(view):
    """Mark a view whose page may ask for the browser's position ("use my location")."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, GEOLOCATION_ATTRIBUTE, True)
        return response

    return wrapped


def permissions_policy(response) -> str:
    geolocation = "(self)" if getattr(response, GEOLOCATION_ATTRIBUTE, False) else "()"
    return ", ".join([f"geolocation={geolocation}", *(f"{name}=()" for name in FEATURES_OFF)])


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (user is not None and user.is_authenticated) or request.path.startswith(
            PERSONAL_PREFIXES
        )
        if personal:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        response.headers.setdefault("Permissions-Policy", permissions_policy(response))
        return response

"""The delivery webhook of the configured e-mail provider, and no other.

anymail mounts the tracking (and inbound) URL of every provider it knows; most
of them have nothing to check when unconfigured, so an anonymous POST could mark
e-mails bounced. Here only ``/anymail/<esp>/tracking/`` of the provider in
``EMAIL_BACKEND`` answers, and only once ``ANYMAIL_WEBHOOK_SECRET`` is set
(anymail then checks it as HTTP basic auth); everything else is a 404. A body
the provider's parser cannot read is a 400, not a server error.
"""

import json
import logging

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import Http404, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

TRACKING_SUFFIX = "_tracking_webhook"
TRACKING_VIEWS = {
    pattern.name.removesuffix(TRACKING_SUFFIX): pattern.callback
    for pattern in anymail_urls.urlpatterns
    if pattern.name and pattern.name.endswith(TRACKING_SUFFIX)
}


def configured_esp() -> str | None:
    """Return the anymail provider that sends the e-mails ("brevo"), or None."""
    backend = getattr(settings, "EMAIL_BACKEND", "")
    prefix = "anymail.backends."
    if not backend.startswith(prefix):
        return None
    return backend.removeprefix(prefix).partition(".")[0]


def webhook_secret_set() -> bool:
    return bool(getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"))


@csrf_exempt
def tracking(request, esp: str):
    view = TRACKING_VIEWS.get(esp)
    if view is None or esp != configured_esp() or not webhook_secret_set():
        raise Http404
    try:
        return view(request)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        # Authenticated (anymail checks the secret before reading the body), but unreadable.
        logger.warning("Unreadable %s delivery webhook: %s: %s", esp, type(error).__name__, error)
        return HttpResponseBadRequest("Unreadable webhook body.")


app_name = "anymail"
urlpatterns = [path("<str:esp>/tracking/", tracking, name="tracking")]

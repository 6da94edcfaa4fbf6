"""How long a signed-in session lasts: staff on shared desks, patrons on public computers.

A session ends after a time without any request (staff: a few hours; patrons:
as configured) and, unless told otherwise, when the browser closes. Activity is
written to the session at most once a minute, so that a busy page does not
save the session on every request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext

LAST_SEEN = "last_seen_at"
WRITE_EVERY_SECONDS = 60


def idle_limit_seconds(user) -> int:
    if user.is_staff:
        return settings.STAFF_SESSION_IDLE_MINUTES * 60
    return settings.PATRON_SESSION_IDLE_MINUTES * 60


def ends_with_browser(user) -> bool:
    if user.is_staff:
        return settings.STAFF_SESSION_ENDS_WITH_BROWSER
    return settings.PATRON_SESSION_ENDS_WITH_BROWSER


@receiver(user_logged_in, dispatch_uid="accounts.sessions.start_the_idle_clock")
def start_the_idle_clock(sender, request, user, **kwargs) -> None:
    """Count idle time from the sign-in; a session for the browser's life where set."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN] = time.time()
    if ends_with_browser(user):
        request.session.set_expiry(0)


class SessionIdleTimeoutMiddleware:
    """Sign out a user idle for too long; keep sessions to the browser's life where set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request, user) -> None:
        session = request.session
        now = time.time()
        last_seen = session.get(LAST_SEEN)
        limit = idle_limit_seconds(user)
        if isinstance(last_seen, (int, float)) and now - last_seen > limit:
            logout(request)
            messages.info(
                request,
                gettext("You were signed out after %(minutes)s minutes without activity.")
                % {"minutes": limit // 60},
            )
            return
        if not isinstance(last_seen, (int, float)) or now - last_seen >= WRITE_EVERY_SECONDS:
            session[LAST_SEEN] = now
        if ends_with_browser(user) and not session.get_expire_at_browser_close():
            session.set_expiry(0)

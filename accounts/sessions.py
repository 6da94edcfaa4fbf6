"""How long a signed-in session lasts: staff on shared desks, patrons on public computers.

A session ends after a time without any request (staff: a few hours; patrons:
as configured) and, unless told otherwise, when the browser closes. A patron who
ticks "stay signed in" on their own device keeps the session, browser closed or
not, for PATRON_REMEMBER_DAYS without a visit: in a lockdown week they sign in
once. Staff never do. Activity is written to the session at most once a minute,
so that a busy page does not save the session on every request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext, ngettext

LAST_SEEN = "last_seen_at"
REMEMBERED = "remembered"
WRITE_EVERY_SECONDS = 60
DAY = 24 * 60 * 60


def _remembered(user, session) -> bool:
    return not user.is_staff and bool(session.get(REMEMBERED)) and settings.PATRON_REMEMBER_DAYS > 0


def idle_limit_seconds(user, session) -> int:
    if user.is_staff:
        return settings.STAFF_SESSION_IDLE_MINUTES * 60
    if _remembered(user, session):
        return settings.PATRON_REMEMBER_DAYS * DAY
    return settings.PATRON_SESSION_IDLE_MINUTES * 60


def ends_with_browser(user, session) -> bool:
    if user.is_staff:
        return settings.STAFF_SESSION_ENDS_WITH_BROWSER
    if _remembered(user, session):
        return False
    return settings.PATRON_SESSION_ENDS_WITH_BROWSER


def remember_the_patron(request, user) -> None:
    """Keep a patron's new session on this device for PATRON_REMEMBER_DAYS (never staff's)."""
    if user.is_staff or settings.PATRON_REMEMBER_DAYS <= 0:
        return
    request.session[REMEMBERED] = True
    # A day longer than the idle limit, so that the patron coming back late is
    # told why they were signed out (a session gone by itself says nothing).
    request.session.set_expiry((settings.PATRON_REMEMBER_DAYS + 1) * DAY)


def signed_out_message(limit_seconds: int) -> str:
    if limit_seconds >= DAY:
        days = limit_seconds // DAY
        return ngettext(
            "You were signed out after %(days)s day without a visit.",
            "You were signed out after %(days)s days without a visit.",
            days,
        ) % {"days": days}
    return gettext("You were signed out after %(minutes)s minutes without activity.") % {
        "minutes": limit_seconds // 60
    }


@receiver(user_logged_in, dispatch_uid="accounts.sessions.start_the_idle_clock")
def start_the_idle_clock(sender, request, user, **kwargs) -> None:
    """Count idle time from the sign-in; a session for the browser's life where set."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN] = time.time()
    if ends_with_browser(user, request.session):
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
        limit = idle_limit_seconds(user, session)
        if isinstance(last_seen, (int, float)) and now - last_seen > limit:
            logout(request)
            messages.info(request, signed_out_message(limit))
            return
        if not isinstance(last_seen, (int, float)) or now - last_seen >= WRITE_EVERY_SECONDS:
            session[LAST_SEEN] = now
        if ends_with_browser(user, session) and not session.get_expire_at_browser_close():
            session.set_expiry(0)

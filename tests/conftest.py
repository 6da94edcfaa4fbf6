import datetime

import pytest
from django.core.cache import cache
from django.utils import translation

from core.network_time import network_date, network_timezone

# The fixtures of tests that run a real Celery worker on a private Redis.
pytest_plugins = ["tests.celery_worker"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Hash passwords quickly, serve plain static files and plain HTTP in tests.

    The suite runs with production settings (DEBUG off); these are the few
    that only make sense behind a real HTTPS proxy with collected static files.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Tests move the clock hours or days on between a sign-in and the next page; the
    # idle time-out has its own tests (tests/accounts/test_sessions.py).
    settings.STAFF_SESSION_IDLE_MINUTES = settings.PATRON_SESSION_IDLE_MINUTES = 10 * 365 * 24 * 60


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Start each test with no sign-in or reset counted against 127.0.0.1 (the test client's)."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language_after_test():
    """Forget the language a test left active (LocaleMiddleware keeps the last request's).

    Without it, a test that requested an English page makes the next test on
    the same worker run in English.
    """
    yield
    translation.deactivate()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's superuser client, with the two-step code the admin asks for given."""
    from tests.two_factor import enter_admin

    enter_admin(client, admin_user)
    return client


@pytest.fixture
def midday(time_machine) -> datetime.date:
    """Move the clock to noon of the network's current day (it goes on ticking); return the day.

    For a test that reads "today" more than once (its fixtures, then the code
    under test): at 23:59:59 the two would otherwise be different days. The day
    stays the one the suite runs on, the real one or ``--clock``'s.
    """
    today = network_date()
    noon = datetime.datetime.combine(today, datetime.time(12), tzinfo=network_timezone())
    time_machine.move_to(noon, tick=True)
    return today

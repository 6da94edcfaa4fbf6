import logging
import sys

from django.conf import settings
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from branches.models import Branch
from branches.selectors import branches_taking_remote_orders, service_facts
from core.publishing import impatient_connection

from .celery import app as celery_app

logger = logging.getLogger(__name__)


@require_safe
def home(request):
    """Explain the service and list the branches that take orders."""
    branches = Branch.objects.click_and_collect().only("name", "address", "postcode", "city")
    return render(request, "home.html", {"branches": branches})


@require_safe
def help_page(request):
    """Explain click & collect step by step, its rules, and answer the usual questions."""
    context = {
        "facts": service_facts(),
        "remote_order_branches": branches_taking_remote_orders(),
    }
    return render(request, "help.html", context)


@require_safe
def privacy(request):
    """Say what the service keeps about patrons, why, for how long, and their rights."""
    from .personal_data import retention

    return render(request, "privacy.html", {"retention": retention()})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with impatient_connection(celery_app, url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=0)
            conn.default_channel.client.ping()
        return True
    except Exception:
        logger.exception("Health check: broker unreachable")
        return False


@never_cache
@require_safe
def healthz(request):
    """Report whether the database and, when configured, the broker answer."""
    checks = {"database": "ok" if _database_ok() else "down"}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "ok" if _broker_ok() else "down"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )


# Seconds a browser or a crawler is asked to wait when the database does not answer.
OUTAGE_RETRY_AFTER_SECONDS = 120


def server_error(request):
    """The 500 handler: a database that does not answer is an outage (503), not a bug."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        page = loader.get_template("503.html").render()  # no context processor: no query
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)

"""The links in the "ready" e-mail and the appointment reminder, in French and in English."""

import re

import pytest

from notifications.models import Notification
from pickups.links import read_token
from pickups.reminders import send_appointment_reminders
from pickups.services import book_appointment
from reservations import services as reservation_services
from tests.factories import BranchFactory, StaffFactory
from tests.pickups.conftest import NOW, TUESDAY_10
from tests.pickups.helpers import order_with_documents

pytestmark = pytest.mark.django_db

SITE = "https://bibliotheques.example"
LINK = re.compile(re.escape(SITE) + r"/pickup/([^/\s\"]+)/((?:slot|here|cancel)/)?")
PURPOSES = {None: "order", "slot/": "slot", "here/": "arrival", "cancel/": "cancel"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture(params=["fr", "en"])
def language(request):
    return request.param


def links(text: str) -> dict[str, int]:
    """Return the signed links of a text: purpose -> the order id its token opens."""
    found = {}
    for token, suffix in LINK.findall(text):
        purpose = PURPOSES[suffix or None]
        found[purpose] = read_token(token, purpose=purpose).reservation_id
    return found


def ready_e_mail(order) -> Notification:
    """Mark the order ready the way the desk does, and return the e-mail it queued."""
    order.status = "preparing"
    order.ready_at = order.pickup_deadline = None
    order.save(update_fields=["status", "ready_at", "pickup_deadline"])
    reservation_services.mark_ready(reservation=order, by=StaffFactory())
    return Notification.objects.get(kind="reservation_ready", about_id=order.pk)


class TestReadyEmail:
    def test_at_an_appointment_branch_links_to_the_order_a_time_and_i_am_here(
        self, appointment_branch, language
    ):
        order = order_with_documents(appointment_branch, patron__preferred_language=language)
        email = ready_e_mail(order)

        for body in (email.body_text, email.body_html):
            assert links(body) == {"order": order.pk, "slot": order.pk, "arrival": order.pk}
        words = {"fr": "Choisir une heure de retrait", "en": "Choose a pickup time"}[language]
        assert words in email.body_text and words in email.body_html
        # The account page's link is still there.
        assert f"{SITE}/account/reservations/" in email.body_text

    def test_at_a_branch_without_appointments_offers_no_time(self, language):
        order = order_with_documents(
            BranchFactory(appointments_enabled=False), patron__preferred_language=language
        )
        email = ready_e_mail(order)

        assert links(email.body_text) == {"order": order.pk, "arrival": order.pk}
        assert links(email.body_html) == {"order": order.pk, "arrival": order.pk}

    def test_the_links_open_the_order_s_pages(self, client, appointment_branch):
        order = order_with_documents(appointment_branch)
        email = ready_e_mail(order)

        for match in LINK.finditer(email.body_text):
            response = client.get(match.group(0).removeprefix(SITE))
            assert response.status_code == 200
            assert order.reference in response.content.decode()


class TestAppointmentReminder:
    @pytest.fixture
    def booked(self, appointment_branch, language):
        order = order_with_documents(
            appointment_branch,
            "Le Petit Prince",
            patron__preferred_language=language,
            patron__first_name="Camille",
        )
        return book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

    def test_says_when_and_where_with_the_links_to_come_change_or_cancel(self, booked, language):
        send_appointment_reminders(now=TUESDAY_10.replace(hour=7))

        email = Notification.objects.get(kind="appointment_reminder")
        order = booked.reservation
        words = {
            "fr": ("Aujourd’hui à 10:00", "Aujourd’hui de 10:00 à 10:15", "Bonjour Camille"),
            "en": ("Today at 10:00", "Today from 10:00 to 10:15", "Hello Camille"),
        }[language]
        assert words[0] in email.subject and order.branch.name in email.subject
        for body in (email.body_text, email.body_html):
            assert words[1] in body.replace("\N{NO-BREAK SPACE}", " ")
            assert words[2] in body
            assert order.reference in body
            assert "Le Petit Prince" in body
            assert links(body) == {"arrival": order.pk, "slot": order.pk, "cancel": order.pk}
        assert email.dedup_key == f"appointment_reminder:{booked.pk}"
        assert email.address == order.patron.email

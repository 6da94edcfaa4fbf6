"""The signed pickup pages: one order, one purpose each, without signing in, without JavaScript."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from notifications.models import Notification
from pickups.models import Appointment, Arrival, PickupSlot
from pickups.services import book_appointment
from reservations.models import ReservationStatus
from tests.factories import BranchFactory, ReservationFactory
from tests.pickups.conftest import NOW, PARIS, TUESDAY_10
from tests.pickups.helpers import clock, order_with_documents, page_text, path  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TUESDAY_1015 = TUESDAY_10 + datetime.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _default_language_after(settings):
    """Put back the default language: LocaleMiddleware leaves a request's active in the thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def order(appointment_branch):
    return order_with_documents(
        appointment_branch,
        "Le Petit Prince",
        "Vendredi ou la vie sauvage",
        patron__first_name="Camille",
        patron__last_name="Lefebvre",
    )


class TestOrderPage:
    def test_shows_the_order_without_signing_in(self, client, order):
        response = client.get(path(order))
        text = page_text(response)

        assert response.status_code == 200
        assert f"Commande {order.reference}" in text
        assert order.branch.name in text
        assert "Le Petit Prince" in text and "Vendredi ou la vie sauvage" in text
        assert "Prête à retirer" in text
        assert "jeudi 10 décembre 2026 à 19:00" in text
        assert "Bonjour Camille," in text

    def test_shows_nothing_of_the_patron_but_the_first_name(self, client, order):
        other = ReservationFactory(patron=order.patron, branch=order.branch)
        text = page_text(client.get(path(order)))

        assert "Lefebvre" not in text
        assert order.patron.card_number not in text
        assert order.patron.email not in text
        assert other.reference not in text

    def test_is_kept_out_of_search_engines_and_caches(self, client, order):
        response = client.get(path(order))

        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
        assert '<meta name="robots" content="noindex, nofollow">' in page_text(response)

    def test_lists_the_times_by_day_with_the_places_left(self, client, order):
        text = page_text(client.get(path(order)))

        # From now (Monday 12:00) to the deadline (Thursday 10 December, 19:00).
        assert "lundi 30 novembre" in text and "jeudi 10 décembre" in text
        assert 'value="2026-12-01T10:00:00+01:00"' in text
        assert "4 places restantes" in text
        assert 'value="2026-11-30T11:45:00+01:00"' not in text  # past
        assert text.count('type="radio" name="starts_at"') == 27 + 10 * 36

    def test_a_full_slot_is_shown_disabled(self, client, order, appointment_branch):
        PickupSlot.objects.create(
            branch=appointment_branch,
            starts_at=TUESDAY_10,
            ends_at=TUESDAY_1015,
            capacity=4,
            booked=4,
        )
        text = page_text(client.get(path(order)))

        assert 'value="2026-12-01T10:00:00+01:00" disabled' in text
        assert 'value="2026-12-01T10:15:00+01:00">' in text
        assert "complet" in text

    def test_a_booked_appointment_is_shown_checked_with_a_cancel_button(self, client, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        text = page_text(client.get(path(order)))

        assert "mardi 1 décembre, 10:00–10:15" in text
        assert 'value="2026-12-01T10:00:00+01:00" checked' in text
        assert "Déplacer mon rendez-vous" in text
        assert "Annuler mon rendez-vous" in text

    def test_a_branch_without_appointments_offers_no_times_but_i_am_here(self, client):
        branch = BranchFactory(appointments_enabled=False)
        order = order_with_documents(branch)
        text = page_text(client.get(path(order)))

        assert 'name="starts_at"' not in text
        assert "Je suis là" in text

    def test_an_order_not_ready_offers_neither_times_nor_i_am_here(self, client, order):
        order.status = ReservationStatus.PREPARING
        order.save(update_fields=["status"])
        text = page_text(client.get(path(order)))

        assert 'name="starts_at"' not in text
        assert 'name="note"' not in text
        assert "En préparation" in text

    def test_is_in_english_for_an_english_browser(self, client, order):
        text = page_text(client.get(path(order), HTTP_ACCEPT_LANGUAGE="en"))

        assert f"Order {order.reference}" in text
        assert "Choose a pickup time" in text
        assert "Thursday 10 December 2026 at 19:00" in text

    def test_a_post_is_refused(self, client, order):
        assert client.post(path(order)).status_code == 405


class TestBooking:
    def test_the_e_mail_s_link_lands_on_the_list_of_times(self, client, order):
        response = client.get(path(order, "slot"))
        text = page_text(response)

        assert response.status_code == 200
        assert "<h1>Choisir une heure de retrait</h1>" in text
        assert 'name="starts_at"' in text
        assert "pickup-section--focus" in text

    def test_booking_a_time_leads_to_the_order_page_with_a_message(self, client, order):
        response = client.post(
            path(order, "slot"), {"starts_at": TUESDAY_10.isoformat()}, follow=True
        )
        text = page_text(response)

        appointment = Appointment.objects.get(reservation=order, status="booked")
        assert appointment.slot.starts_at == TUESDAY_10
        assert response.redirect_chain[0][0].startswith("/pickup/")
        assert (
            response.redirect_chain[0][0].endswith("/")
            and "/slot/" not in (response.redirect_chain[0][0])
        )
        assert "Votre rendez-vous de retrait est réservé : mardi 1 décembre, 10:00–10:15." in text

    def test_moving_the_appointment_frees_the_first_time(self, client, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        client.post(path(order, "slot"), {"starts_at": TUESDAY_1015.isoformat()})

        booked = Appointment.objects.get(reservation=order, status="booked")
        assert booked.slot.starts_at == TUESDAY_1015
        assert PickupSlot.objects.get(starts_at=TUESDAY_10).booked == 0

    def test_a_full_time_is_refused_and_nothing_changes(self, client, order, appointment_branch):
        PickupSlot.objects.create(
            branch=appointment_branch,
            starts_at=TUESDAY_10,
            ends_at=TUESDAY_1015,
            capacity=4,
            booked=4,
        )
        url = path(order, "slot")

        response = client.post(url, {"starts_at": TUESDAY_10.isoformat()}, follow=True)

        assert response.redirect_chain == [(url, 302)]
        assert "Cette heure vient d’être prise" in page_text(response)
        assert not Appointment.objects.exists()
        assert PickupSlot.objects.get(starts_at=TUESDAY_10).booked == 4

    @pytest.mark.parametrize(
        "value",
        ["", "demain", "2026-12-01T10:00:00", "2026-12-01T10:05:00+01:00"],
        ids=["empty", "garbage", "naive", "not-a-slot-start"],
    )
    def test_a_time_not_listed_is_refused_with_a_message(self, client, order, value):
        response = client.post(path(order, "slot"), {"starts_at": value}, follow=True)

        assert response.status_code == 200
        assert 'class="message message--error"' in page_text(response)
        assert not Appointment.objects.exists()

    def test_a_past_time_is_refused(self, client, order):
        past = datetime.datetime(2026, 11, 30, 11, 0, tzinfo=PARIS)
        response = client.post(path(order, "slot"), {"starts_at": past.isoformat()}, follow=True)

        assert "Cette heure est passée" in page_text(response)
        assert not Appointment.objects.exists()

    def test_a_time_after_the_deadline_is_refused(self, client, order):
        late = datetime.datetime(2026, 12, 11, 10, 0, tzinfo=PARIS)
        response = client.post(path(order, "slot"), {"starts_at": late.isoformat()}, follow=True)

        assert "quand votre commande cesse de vous attendre" in page_text(response)
        assert not Appointment.objects.exists()

    def test_the_slot_link_of_a_collected_order_says_it_is_used(self, client, order):
        order.status = ReservationStatus.COLLECTED
        order.collected_at = NOW
        order.save(update_fields=["status", "collected_at"])

        response = client.get(path(order, "slot"))
        text = page_text(response)

        assert response.status_code == 200
        assert f"Vous avez retiré la commande {order.reference}" in text
        assert 'name="starts_at"' not in text

    def test_the_slot_link_at_a_branch_that_stopped_appointments_says_so(
        self, client, order, appointment_branch
    ):
        appointment_branch.appointments_enabled = False
        appointment_branch.save(update_fields=["appointments_enabled"])

        text = page_text(client.get(path(order, "slot")))

        assert "ne prend pas de rendez-vous" in text
        assert 'name="starts_at"' not in text

    def test_booking_works_without_a_session_cookie_from_an_e_mail(self, order):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        page = strict.get(path(order, "slot"))
        token = page.cookies["csrftoken"].value

        response = strict.post(
            path(order, "slot"),
            {"starts_at": TUESDAY_10.isoformat(), "csrfmiddlewaretoken": token},
        )

        assert response.status_code == 302
        assert Appointment.objects.filter(reservation=order).count() == 1


class TestCancelling:
    @pytest.fixture
    def booked(self, order):
        return book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

    def test_the_e_mail_s_link_asks_first(self, client, order, booked):
        response = client.get(path(order, "cancel"))
        text = page_text(response)

        assert response.status_code == 200
        assert "Oui, annuler mon rendez-vous" in text
        assert "mardi 1 décembre, 10:00–10:15" in text
        booked.refresh_from_db()
        assert booked.status == "booked"

    def test_a_post_without_confirmation_asks_too(self, client, order, booked):
        response = client.post(path(order, "cancel"))

        assert response.status_code == 200
        booked.refresh_from_db()
        assert booked.status == "booked"

    def test_confirming_cancels_and_frees_the_place(self, client, order, booked):
        response = client.post(path(order, "cancel"), {"confirm": "yes"}, follow=True)

        booked.refresh_from_db()
        assert booked.status == "cancelled"
        assert PickupSlot.objects.get(pk=booked.slot_id).booked == 0
        assert "Votre rendez-vous est annulé." in page_text(response)

    def test_a_used_cancel_link_says_there_is_nothing_to_cancel(self, client, order, booked):
        url = path(order, "cancel")
        client.post(url, {"confirm": "yes"})

        again = page_text(client.get(url))
        posted = client.post(url, {"confirm": "yes"}, follow=True)

        assert f"Votre commande {order.reference} n’a pas de rendez-vous à annuler." in again
        assert "Oui, annuler" not in again
        assert "n’a pas de rendez-vous à annuler" in page_text(posted)
        assert Appointment.objects.get().status == "cancelled"

    def test_an_appointment_that_has_started_cannot_be_cancelled(
        self, client, order, booked, time_machine
    ):
        time_machine.move_to(TUESDAY_10 + datetime.timedelta(minutes=5), tick=False)

        text = page_text(client.get(path(order, "cancel")))
        client.post(path(order, "cancel"), {"confirm": "yes"})

        assert "Votre rendez-vous a commencé" in text
        booked.refresh_from_db()
        assert booked.status == "booked"


class TestIAmHere:
    def test_the_e_mail_s_link_lands_on_the_form(self, client, order):
        response = client.get(path(order, "arrival"))
        text = page_text(response)

        assert response.status_code == 200
        assert "<h1>Je suis là</h1>" in text
        assert 'name="note"' in text and 'maxlength="200"' in text
        assert 'name="starts_at"' not in text

    def test_saying_i_am_here_with_a_note_tells_the_desk(self, client, order):
        response = client.post(path(order, "arrival"), {"note": "voiture bleue"}, follow=True)

        arrival = Arrival.objects.get(reservation=order)
        assert arrival.note == "voiture bleue"
        assert arrival.arrived_at == NOW
        assert "le guichet sait que vous êtes là" in page_text(response)
        # Here already: the page leads with the arrival and lists no more times to book.
        assert 'name="starts_at"' not in page_text(response)

    def test_the_note_is_optional(self, client, order):
        client.post(path(order, "arrival"), {})

        assert Arrival.objects.get(reservation=order).note == ""

    def test_a_note_longer_than_200_characters_is_refused(self, client, order):
        response = client.post(path(order, "arrival"), {"note": "x" * 201})

        assert response.status_code == 200
        assert "field--invalid" in page_text(response)
        assert not Arrival.objects.exists()

    def test_saying_it_again_updates_the_note(self, client, order):
        client.post(path(order, "arrival"), {"note": "voiture bleue"})
        client.post(path(order, "arrival"), {"note": "porte de côté"})

        assert Arrival.objects.get(reservation=order).note == "porte de côté"
        assert "porte de côté" in page_text(client.get(path(order)))

    @pytest.mark.parametrize("status", ["preparing", "collected", "cancelled", "expired"])
    def test_an_order_not_waiting_at_the_desk_says_so_and_records_nothing(
        self, client, order, status
    ):
        order.status = status
        order.save(update_fields=["status"])

        page = page_text(client.get(path(order, "arrival")))
        posted = client.post(path(order, "arrival"), {"note": "là"}, follow=True)

        assert order.reference in page and 'name="note"' not in page
        assert 'class="message message--error"' in page_text(posted)
        assert not Arrival.objects.exists()


class TestNoNotificationFromPages:
    def test_booking_and_arriving_send_no_e_mail(self, client, order):
        client.post(path(order, "slot"), {"starts_at": TUESDAY_10.isoformat()})
        client.post(path(order, "arrival"), {"note": ""})

        assert not Notification.objects.exists()


class TestMyOrders:
    """The signed-in patron's list of orders links a ready order to its pickup pages."""

    ORDERS = "/account/reservations/"

    @pytest.fixture
    def signed_in(self, client, order):
        client.force_login(order.patron)
        return client

    def test_a_ready_order_without_appointment_offers_to_choose_a_time_and_i_am_here(
        self, signed_in, order
    ):
        text = page_text(signed_in.get(self.ORDERS))

        assert "Choisir une heure de retrait" in text
        assert "Je suis là" in text
        slot_url = re.search(r'href="(/pickup/[^"]+/slot/)"', text).group(1)
        here_url = re.search(r'href="(/pickup/[^"]+/here/)"', text).group(1)
        assert order.reference in page_text(signed_in.get(slot_url))
        assert signed_in.get(here_url).status_code == 200

    def test_a_booked_appointment_is_shown(self, signed_in, order):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)

        text = page_text(signed_in.get(self.ORDERS))

        assert "Votre rendez-vous de retrait : mardi 1 décembre, 10:00–10:15." in text
        assert "Déplacer ou annuler mon rendez-vous" in text

    def test_a_branch_without_appointments_offers_only_i_am_here(self, client):
        order = order_with_documents(BranchFactory(appointments_enabled=False))
        client.force_login(order.patron)

        text = page_text(client.get(self.ORDERS))

        assert "Choisir une heure de retrait" not in text
        assert "/slot/" not in text
        assert "Je suis là" in text

    def test_an_order_being_prepared_has_no_pickup_links(self, signed_in, order):
        order.status = ReservationStatus.PREPARING
        order.save(update_fields=["status"])

        assert "/pickup/" not in page_text(signed_in.get(self.ORDERS))

    def test_the_number_of_queries_does_not_grow_with_ready_orders(
        self, signed_in, order, appointment_branch
    ):
        book_appointment(reservation_id=order.pk, starts_at=TUESDAY_10, now=NOW)
        with CaptureQueriesContext(connection) as one:
            signed_in.get(self.ORDERS)
        for _ in range(4):
            more = order_with_documents(appointment_branch, patron=order.patron)
            book_appointment(reservation_id=more.pk, starts_at=TUESDAY_1015, now=NOW)
        with CaptureQueriesContext(connection) as five:
            response = signed_in.get(self.ORDERS)

        assert page_text(response).count("Votre rendez-vous de retrait") == 5
        assert len(five) == len(one)

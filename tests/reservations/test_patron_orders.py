"""My orders and my loans: only the patron's own, a timeline, cancelling with confirmation."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item
from reservations import services
from reservations.models import LineStatus, ReservationStatus
from reservations.selectors import PATRON_LINE_STATUS
from tests.factories import ItemFactory, LoanFactory, PatronFactory, RecordFactory
from tests.reservations.conftest import pick_all

pytestmark = pytest.mark.django_db

ORDERS = "/account/reservations/"
LOANS = "/account/loans/"


def page_text(response) -> str:
    return response.content.decode().replace("\N{NO-BREAK SPACE}", " ")


def cancel_url(reservation) -> str:
    return f"/account/reservations/{reservation.reference}/cancel/"


@pytest.fixture
def signed_in(client, patron):
    client.force_login(patron)
    return client


class TestSignInRequired:
    @pytest.mark.parametrize("path", [ORDERS, LOANS, "/account/reservations/CC-22222/cancel/"])
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, path):
        response = client.get(path)

        assert response.status_code == 302
        assert response.url == f"/accounts/login/?next={path}"


class TestMyOrders:
    def test_no_orders_yet(self, signed_in):
        assert "Vous n’avez pas encore de commande." in page_text(signed_in.get(ORDERS))

    def test_a_submitted_order_shows_its_reference_branch_timeline_and_deadline(
        self, signed_in, order
    ):
        text = page_text(signed_in.get(ORDERS))

        assert f"Commande {order.reference}" in text
        assert "À retirer à Médiathèque Václav Havel" in text
        assert 'aria-current="step"' in text and "Reçue" in text
        assert "En préparation" in text and "Prête à retirer" in text and "Retirée" in text
        assert "Prête au plus tard le jeudi 11 juin 2026 à 10:00." in text
        assert text.count("réservé pour vous") == 3
        assert "Annuler cette commande" in text

    def test_a_ready_order_shows_its_pickup_deadline(self, signed_in, ready_order):
        text = page_text(signed_in.get(ORDERS))

        assert "Vos documents vous attendent à l’accueil" in text
        assert "retirez-les au plus tard le" in text
        assert "mis de côté pour vous" in text

    def test_an_unavailable_line_is_shown_as_such(self, signed_in, order, librarian):
        line = order.lines.select_related("record").first()
        services.report_missing(line=line, by=librarian)

        text = page_text(signed_in.get(ORDERS))

        assert "indisponible" in text
        assert "En préparation" in text

    def test_a_cancelled_order_has_no_cancel_button_and_says_how_it_ended(
        self, signed_in, order, patron
    ):
        services.cancel(reservation=order, by=patron)

        text = page_text(signed_in.get(ORDERS))

        assert "Annulée" in text
        assert "Annuler cette commande" not in text
        assert "Prête au plus tard" not in text
        assert text.count("remis en rayon") == 3

    def test_orders_are_newest_first_and_only_the_patrons_own(
        self, signed_in, patron, branch, shelf, clock
    ):
        older = services.submit_reservation(patron=patron, branch=branch, records=[shelf()])
        clock.advance(hours=2)
        newer = services.submit_reservation(patron=patron, branch=branch, records=[shelf()])
        stranger = services.submit_reservation(
            patron=PatronFactory(), branch=branch, records=[shelf("Secret d’un autre")]
        )

        text = page_text(signed_in.get(ORDERS))

        assert text.index(newer.reference) < text.index(older.reference)
        assert stranger.reference not in text
        assert "Secret d’un autre" not in text

    def test_in_english(self, signed_in, order):
        signed_in.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})

        text = page_text(signed_in.get(ORDERS))

        assert f"Order {order.reference}" in text
        assert "Ready by Thursday 11 June 2026 at 10:00 at the latest." in text
        assert "reserved for you" in text and "Cancel this order" in text

    def test_the_number_of_queries_does_not_grow_with_the_orders(
        self, signed_in, patron, branch, shelf, clock, librarian
    ):
        def place(count):
            for _ in range(count):
                reservation = services.submit_reservation(
                    patron=patron, branch=branch, records=[shelf(), shelf()]
                )
                pick_all(reservation, librarian)
                services.mark_ready(reservation=reservation, by=librarian)
                services.collect(reservation=reservation, by=librarian)
                clock.advance(minutes=5)

        place(1)
        with CaptureQueriesContext(connection) as one:
            assert signed_in.get(ORDERS).status_code == 200
        place(9)
        with CaptureQueriesContext(connection) as ten:
            response = signed_in.get(ORDERS)

        assert len(response.context["reservations"]) == 10
        assert len(ten) == len(one)


class TestCancel:
    def test_the_button_leads_to_a_confirmation_that_changes_nothing(self, signed_in, order):
        response = signed_in.post(cancel_url(order))

        assert response.status_code == 200
        text = page_text(response)
        assert f"Annuler la commande {order.reference} ?" in text
        assert 'name="confirm" value="yes"' in text
        order.refresh_from_db()
        assert order.status == ReservationStatus.SUBMITTED

    def test_the_confirmation_page_can_be_opened_directly(self, signed_in, order):
        response = signed_in.get(cancel_url(order))

        assert response.status_code == 200
        assert "Non, la garder" in page_text(response)

    def test_confirming_cancels_and_puts_the_copies_back(self, signed_in, order):
        response = signed_in.post(cancel_url(order), {"confirm": "yes"}, follow=True)

        assert response.redirect_chain == [(ORDERS, 302)]
        assert f"Votre commande {order.reference} est annulée." in page_text(response)
        order.refresh_from_db()
        assert order.status == ReservationStatus.CANCELLED
        assert set(
            Item.objects.filter(reservation_lines__reservation=order).values_list(
                "status", flat=True
            )
        ) == {Item.Status.AVAILABLE}

    def test_another_patrons_order_is_not_found(self, client, order):
        client.force_login(PatronFactory())

        assert client.get(cancel_url(order)).status_code == 404
        assert client.post(cancel_url(order), {"confirm": "yes"}).status_code == 404
        order.refresh_from_db()
        assert order.status == ReservationStatus.SUBMITTED

    @pytest.mark.parametrize("reference", ["CC-ZZZZZ", "nope", "%3Cscript%3E", "x" * 300])
    def test_an_unknown_reference_is_not_found(self, signed_in, order, reference):
        assert signed_in.post(f"/account/reservations/{reference}/cancel/").status_code == 404

    def test_a_collected_order_can_no_longer_be_cancelled(self, signed_in, ready_order, librarian):
        services.collect(reservation=ready_order, by=librarian)

        response = signed_in.post(cancel_url(ready_order), {"confirm": "yes"}, follow=True)

        assert f"La commande {ready_order.reference} ne peut plus être annulée." in page_text(
            response
        )
        ready_order.refresh_from_db()
        assert ready_order.status == ReservationStatus.COLLECTED

    def test_the_confirmation_of_a_collected_order_is_not_offered(
        self, signed_in, ready_order, librarian
    ):
        services.collect(reservation=ready_order, by=librarian)

        response = signed_in.get(cancel_url(ready_order), follow=True)

        assert f"La commande {ready_order.reference} ne peut plus être annulée." in page_text(
            response
        )


class TestMyLoans:
    def test_loans_soonest_due_first_overdue_marked_returned_last(self, signed_in, patron, clock):
        today = clock.now.date()
        LoanFactory(
            patron=patron,
            item=ItemFactory(record=RecordFactory(title="Plus tard"), status="on_loan"),
            due_on=today + datetime.timedelta(days=20),
        )
        LoanFactory(
            patron=patron,
            item=ItemFactory(record=RecordFactory(title="Bientôt"), status="on_loan"),
            due_on=today + datetime.timedelta(days=2),
        )
        LoanFactory(
            patron=patron,
            item=ItemFactory(record=RecordFactory(title="Oublié"), status="on_loan"),
            due_on=today - datetime.timedelta(days=3),
        )
        LoanFactory(
            patron=patron,
            item=ItemFactory(record=RecordFactory(title="Déjà rendu")),
            due_on=today - datetime.timedelta(days=10),
            returned_at=clock.now - datetime.timedelta(days=12),
        )
        LoanFactory(item=ItemFactory(record=RecordFactory(title="Prêt d’un autre")))

        text = page_text(signed_in.get(LOANS))

        assert text.index("Oublié") < text.index("Bientôt") < text.index("Plus tard")
        assert text.index("Plus tard") < text.index("Rendus récemment") < text.index("Déjà rendu")
        assert "loan--overdue" in text and "En retard" in text
        assert "Il fallait le rendre le dimanche 7 juin 2026." in text
        assert "À rendre le vendredi 12 juin 2026." in text
        assert "Prêt d’un autre" not in text

    def test_nothing_on_loan(self, signed_in):
        assert "Vous n’avez aucun document en prêt." in page_text(signed_in.get(LOANS))

    def test_a_loan_no_campaign_touched_says_nothing_of_one(self, signed_in, patron):
        LoanFactory(patron=patron)

        text = page_text(signed_in.get(LOANS))

        assert "Prolongé" not in text
        assert "repoussé la date de retour" not in text

    def test_in_english(self, signed_in, patron, clock):
        LoanFactory(patron=patron, due_on=clock.now.date() - datetime.timedelta(days=1))
        signed_in.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})

        text = page_text(signed_in.get(LOANS))

        assert "My loans" in text and "Overdue" in text
        assert "It was due back on Tuesday 9 June 2026." in text

    def test_the_number_of_queries_does_not_grow_with_the_loans(self, signed_in, patron):
        LoanFactory(patron=patron)
        with CaptureQueriesContext(connection) as one:
            signed_in.get(LOANS)
        LoanFactory.create_batch(9, patron=patron)
        with CaptureQueriesContext(connection) as ten:
            signed_in.get(LOANS)

        assert len(ten) == len(one)


def test_every_line_status_has_a_patron_label():
    assert set(PATRON_LINE_STATUS) == set(LineStatus)

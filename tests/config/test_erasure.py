"""A patron erases their account (GDPR art. 17); the figures stay (config/erasure.py).

Also the admin's delete button, which runs the same erasure instead of refusing
("Cannot delete user": orders and loans protect their patron), and the privacy page.
"""

import datetime
import threading

import pytest
from axes.models import AccessAttempt
from django.db import connections, transaction
from django.utils import timezone

from accounts.models import User
from config.erasure import ErasureRefused, erase_patron
from notifications.models import Notification
from pickups.links import pickup_path
from pickups.models import Arrival
from reservations.models import AuditEntry, Loan, Reservation
from tests.factories import (
    PASSWORD,
    LoanFactory,
    NotificationFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

ERASE = "/account/erase/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def patron(db):
    """A patron with a closed history: a collected order, a returned loan, e-mails, a note."""
    patron = PatronFactory(last_name="Martin", email="zoe@example.org")
    now = timezone.now()
    order = ReservationFactory(
        patron=patron, status="collected", submitted_at=now - 9 * DAY, collected_at=now - 2 * DAY
    )
    ReservationLineFactory(reservation=order, status="collected", item__status="on_loan")
    LoanFactory(patron=patron, returned_at=now - DAY, out_at=now - 2 * DAY)
    NotificationFactory(recipient=patron, subject="Votre commande est prête")
    NotificationFactory(recipient=None, address="ZOE@example.org", kind="password_reset")
    Arrival.objects.create(reservation=order, arrived_at=now - 2 * DAY, note="Clio rouge")
    AuditEntry.objects.create(at=now - 2 * DAY, actor=patron, action="cancel", reservation=order)
    AccessAttempt.objects.create(
        username=patron.card_number, ip_address="192.0.2.1", failures_since_start=2
    )
    patron.order = order
    return patron


class TestErasure:
    def test_the_account_and_what_identifies_its_owner_go(self, patron):
        someone_else = NotificationFactory()
        # A relative's account with the same address keeps its e-mails.
        relative = NotificationFactory(recipient=PatronFactory(email="zoe@example.org"))
        order = patron.order

        erase_patron(patron)

        assert not User.objects.filter(pk=patron.pk).exists()
        assert set(Notification.objects.all()) == {someone_else, relative}
        assert Arrival.objects.get(reservation=order).note == ""
        assert not AccessAttempt.objects.filter(username=patron.card_number).exists()

    def test_the_e_mails_links_to_an_erased_patrons_order_lead_nowhere(self, client, patron):
        link = pickup_path(patron.order, "order")
        assert client.get(link).status_code == 200

        erase_patron(patron)

        response = client.get(link)
        assert response.status_code == 404
        assert patron.first_name not in response.content.decode()

    def test_the_figures_stay_without_a_name(self, patron):
        order = patron.order

        erase_patron(patron)

        order.refresh_from_db()
        assert order.patron is None
        assert (order.status, order.lines.count(), order.branch_id) == (
            "collected",
            1,
            order.branch_id,
        )
        loan = Loan.objects.get()
        assert loan.patron is None and loan.returned_at is not None
        assert AuditEntry.objects.get().actor is None

    def test_an_order_in_progress_or_a_document_out_must_be_settled_first(self, patron):
        ReservationFactory(patron=patron, status="submitted")
        LoanFactory(patron=patron)

        with pytest.raises(ErasureRefused) as refused:
            erase_patron(patron)

        assert refused.value.reasons == [
            "1 commande est en cours\u00a0: annulez-la, ou retirez-la, d’abord.",
            "1 document est en prêt\u00a0: rendez-le d’abord.",
        ]
        assert User.objects.filter(pk=patron.pk).exists()
        assert Notification.objects.filter(recipient=patron).exists()

    @pytest.mark.django_db(transaction=True)
    def test_an_order_submitted_while_erasing_waits_for_the_erasure(self, patron):
        """Erasure holds the patron's row lock, as submission does: one of them wins."""
        locked, release = threading.Event(), threading.Event()

        def hold_the_patron_lock():
            try:
                with transaction.atomic():
                    User.objects.select_for_update().get(pk=patron.pk)
                    locked.set()
                    release.wait(5)
                    ReservationFactory(patron=User.objects.get(pk=patron.pk), status="submitted")
            finally:
                connections.close_all()

        submitter = threading.Thread(target=hold_the_patron_lock)
        submitter.start()
        locked.wait(5)
        threading.Timer(0.3, release.set).start()
        with pytest.raises(ErasureRefused):
            erase_patron(patron)  # waits for the lock, then sees the new order
        submitter.join()

        assert User.objects.filter(pk=patron.pk).exists()


class TestThePage:
    def test_the_patron_erases_their_account_with_their_password(self, client, patron):
        client.force_login(patron)
        page = client.get(ERASE).content.decode()

        response = client.post(ERASE, {"password": PASSWORD}, follow=True)

        assert "Ce qui est effacé" in page
        assert response.redirect_chain[-1][0] == "/"
        assert "Votre compte est effacé" in response.content.decode()
        assert not User.objects.filter(pk=patron.pk).exists()
        assert "_auth_user_id" not in client.session

    def test_a_wrong_password_erases_nothing(self, client, patron):
        client.force_login(patron)

        response = client.post(ERASE, {"password": "not mine at all"})

        assert response.status_code == 400
        assert "Ce n’est pas votre mot de passe" in response.content.decode()
        assert User.objects.filter(pk=patron.pk).exists()

    def test_the_page_says_what_must_be_settled_and_offers_no_button(self, client, patron):
        ReservationFactory(patron=patron, status="submitted")
        client.force_login(patron)

        page = client.get(ERASE).content.decode()
        client.post(ERASE, {"password": PASSWORD})

        assert "1 commande est en cours" in page
        assert 'name="password"' not in page
        assert User.objects.filter(pk=patron.pk).exists()

    def test_staff_close_no_account_here(self, client):
        client.force_login(StaffFactory(groups=["desk"]))

        assert client.get(ERASE).status_code == 404

    def test_signed_out_it_asks_to_sign_in(self, client):
        response = client.get(ERASE)

        assert response.status_code == 302 and response.url.startswith("/accounts/login/")

    def test_my_data_leads_to_it_and_to_the_privacy_page(self, client, patron):
        client.force_login(patron)

        page = client.get("/account/data/").content.decode()

        assert f'href="{ERASE}"' in page and 'href="/privacy/"' in page


class TestTheAdminDeleteButton:
    def test_a_network_admin_deletes_a_patron_by_erasing_them(self, client, patron):
        enter_admin(client, StaffFactory(groups=["network admin"]))
        url = f"/admin/accounts/user/{patron.pk}/delete/"

        confirm = client.get(url).content.decode()
        client.post(url, {"post": "yes"})

        assert "Impossible de supprimer" not in confirm and "Cannot delete" not in confirm
        assert not User.objects.filter(pk=patron.pk).exists()
        assert Reservation.objects.get().patron is None

    def test_the_admin_says_what_must_be_settled_first(self, client, patron):
        LoanFactory(patron=patron)
        enter_admin(client, StaffFactory(groups=["network admin"]))
        url = f"/admin/accounts/user/{patron.pk}/delete/"

        confirm = client.get(url).content.decode()
        client.post(url, {"post": "yes"})

        assert "1 document est en prêt" in confirm
        assert User.objects.filter(pk=patron.pk).exists()

    def test_the_bulk_action_cannot_delete_a_superuser_for_a_network_admin(self, client, patron):
        superuser = StaffFactory(is_superuser=True)
        enter_admin(client, StaffFactory(groups=["network admin"]))

        client.post(
            "/admin/accounts/user/",
            {
                "action": "delete_selected",
                "_selected_action": [patron.pk, superuser.pk],
                "post": "yes",
            },
        )

        assert User.objects.filter(pk=superuser.pk).exists()
        assert User.objects.filter(pk=patron.pk).exists()  # all or nothing, as Django does


def test_the_privacy_page_says_how_long_from_the_settings(client, settings):
    settings.CLOSED_ORDER_RETENTION_DAYS = 45

    page = client.get("/privacy/").content.decode()

    assert "45 jours après" in page
    assert 'href="/account/data/"' in page and f'href="{ERASE}"' in page
    assert "CNIL" in page
    assert 'href="/privacy/"' in client.get("/").content.decode()  # in every page's footer


def test_staff_pages_show_an_order_whose_patron_is_gone(client, patron):
    order = patron.order
    erase_patron(patron)
    librarian = StaffFactory(groups=["librarian", "desk"], branches=[order.branch])
    client.force_login(librarian)

    pages = [
        client.get(f"/staff/orders/{order.reference}/"),
        client.get("/staff/desk/", {"q": order.reference}),
        client.get("/staff/export.csv"),
    ]
    enter_admin(client, StaffFactory(groups=["network admin"]))
    pages.append(client.get(f"/admin/reservations/reservation/{order.pk}/change/"))
    pages.append(client.get("/admin/reservations/reservation/"))

    assert [page.status_code for page in pages] == [200] * 5
    assert order.reference in pages[1].content.decode()

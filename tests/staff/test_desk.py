"""The desk: find a ready order by card, reference or slip; hand it over; take returns."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import Item
from reservations import services
from reservations.models import LineStatus, Loan, ReservationStatus
from staff.desk_selectors import reference_in
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

DESK = "/staff/desk/"


@pytest.fixture
def agent(branch):
    return StaffFactory(groups=["desk"], branches=[branch])


@pytest.fixture
def desk_client(client, agent):
    client.force_login(agent)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    return client


def ready_at(branch, **fields):
    """An order stored as ready (without going through its preparation)."""
    now = timezone.now()
    return ReservationFactory(
        branch=branch,
        status="ready",
        ready_at=now,
        pickup_deadline=now + datetime.timedelta(days=10),
        **fields,
    )


def hand_over_url(reservation):
    return reverse("staff:hand_over", args=[reservation.reference])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_urls_are_the_ones_promised():
    assert reverse("staff:desk") == DESK
    assert reverse("staff:hand_over", args=["CC-7K3Q9"]) == "/staff/desk/orders/CC-7K3Q9/hand-over/"
    assert reverse("staff:return_item") == "/staff/desk/returns/"


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("CC-7K3Q9", "CC-7K3Q9"),
        ("  cc-7k3q9 ", "CC-7K3Q9"),
        ("cc 7k3 q9", "CC-7K3Q9"),
        ("CC7K3Q9", "CC-7K3Q9"),
        ("https://example.org/staff/orders/CC-7K3Q9/", "CC-7K3Q9"),
        ("20000001", None),
        ("CC-7K3Q9X", None),
    ],
)
def test_references_are_read_whatever_their_case_spaces_or_wrapping(text, reference):
    assert reference_in(text) == reference


class TestFind:
    def test_the_field_is_autofocused_for_the_scanner(self, desk_client):
        response = desk_client.get(DESK)

        assert response.status_code == 200
        assert b'name="q"' in response.content
        assert b"autofocus" in response.content

    def test_a_reference_shows_the_order_with_its_slot_and_picked_lines(
        self, desk_client, ready_order
    ):
        response = desk_client.get(DESK, {"q": ready_order.reference.lower()})

        assert response.context["found"].orders == [ready_order]
        page = response.content.decode()
        assert "Shelf slot" in page
        assert ready_order.patron.masked_card_number in page
        assert ready_order.patron.card_number not in page
        for line in ready_order.lines.all():
            assert f'name="lines" value="{line.pk}" id="line-{line.pk}" checked' in page
        assert "go back on the shelf" in page

    def test_a_card_number_shows_the_patrons_ready_orders_and_the_others(
        self, desk_client, ready_order, patron, shelf, branch
    ):
        elsewhere = BranchFactory()
        services.submit_reservation(patron=patron, branch=branch, records=[shelf()])
        other_ready = ready_at(elsewhere, patron=patron)

        response = desk_client.get(DESK, {"q": f" {patron.card_number} "})

        found = response.context["found"]
        assert found.orders == [ready_order]
        assert other_ready not in found.orders
        assert found.notes == [
            "1 order is ready at another library, not at yours.",
            "1 order is still being prepared.",
        ]
        assert other_ready.reference not in response.content.decode()

    def test_a_card_with_no_ready_order_says_so(self, desk_client, order, patron):
        response = desk_client.get(DESK, {"q": patron.card_number})

        found = response.context["found"]
        assert found.orders == []
        assert "has no order ready at your libraries" in found.problem
        assert found.notes == ["1 order is still being prepared."]

    @pytest.mark.parametrize("query", ["nothing-here", "CC-ZZZZZ", "<script>"])
    def test_unknown_input_says_nothing_matches(self, desk_client, query):
        response = desk_client.get(DESK, {"q": query})

        assert response.status_code == 200
        assert response.context["found"].problem
        assert response.context["found"].orders == []
        assert b"<script>" not in response.content.split(b"<main")[1]

    def test_another_branchs_order_is_not_found_and_shows_nothing_of_it(self, desk_client):
        theirs = ready_at(BranchFactory())
        theirs.patron.last_name = "Quimperlé-Outremer"  # a name no one else has here
        theirs.patron.save(update_fields=["last_name"])
        response = desk_client.get(DESK, {"q": theirs.reference})

        found = response.context["found"]
        assert found.orders == []
        assert found.problem == f"Order {theirs.reference} was not found at your libraries."
        assert theirs.patron.last_name not in response.content.decode()

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("expired", "expired on"),
            ("cancelled", "was cancelled on"),
            ("collected", "already handed over"),
            ("preparing", "not ready yet"),
        ],
    )
    def test_a_slip_of_an_order_that_is_not_ready_says_why(
        self, desk_client, branch, clock, status, expected
    ):
        now = clock.now
        order = ReservationFactory(
            branch=branch,
            status=status,
            expired_at=now,
            cancelled_at=now,
            collected_at=now,
        )
        response = desk_client.get(DESK, {"q": order.reference})

        found = response.context["found"]
        assert found.orders == []
        assert expected in found.problem
        assert b"Hand over</button>" not in response.content

    def test_finding_an_order_costs_a_constant_number_of_queries(
        self, desk_client, ready_order, patron, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(12):
            desk_client.get(DESK, {"q": ready_order.reference})
        with django_assert_max_num_queries(12):
            desk_client.get(DESK, {"q": patron.card_number})


class TestHandOver:
    def test_handing_over_everything_lends_every_document(self, desk_client, ready_order):
        lines = list(ready_order.lines.all())

        response = desk_client.post(
            hand_over_url(ready_order), {"lines": [line.pk for line in lines]}, follow=True
        )

        ready_order.refresh_from_db()
        assert ready_order.status == ReservationStatus.COLLECTED
        assert Loan.objects.filter(line__reservation=ready_order).count() == 3
        (message,) = messages_of(response)
        assert message.startswith(f"Order {ready_order.reference} handed over:")
        assert "due back on July 1, 2026" in message

    def test_unticked_documents_go_back_to_the_shelf(self, desk_client, ready_order):
        first, *others = ready_order.lines.order_by("pk")

        response = desk_client.post(hand_over_url(ready_order), {"lines": [first.pk]}, follow=True)

        assert Loan.objects.get().line == first
        for line in others:
            line.refresh_from_db()
            assert line.status == LineStatus.RELEASED
            assert Item.objects.get(pk=line.item_id).status == Item.Status.AVAILABLE
        assert "2 documents were not taken" in messages_of(response)[0]

    def test_a_double_hand_over_is_refused_plainly(self, desk_client, ready_order):
        ids = list(ready_order.lines.values_list("pk", flat=True))
        desk_client.post(hand_over_url(ready_order), {"lines": ids})

        response = desk_client.post(hand_over_url(ready_order), {"lines": ids}, follow=True)

        assert response.status_code == 200
        assert messages_of(response)[-1] == (
            f"Order {ready_order.reference} is collected: it cannot be collected."
        )
        assert Loan.objects.count() == 3

    def test_a_stale_form_changes_nothing(self, desk_client, ready_order, branch):
        stranger = ReservationFactory(branch=branch)
        foreign = ReservationLineFactory(reservation=stranger)

        response = desk_client.post(
            hand_over_url(ready_order), {"lines": [foreign.pk, "abc"]}, follow=True
        )

        assert "has changed since this page was shown" in messages_of(response)[0]
        assert foreign.record.title not in messages_of(response)[0]
        ready_order.refresh_from_db()
        assert ready_order.status == ReservationStatus.READY
        assert not Loan.objects.exists()

    def test_nothing_ticked_changes_nothing(self, desk_client, ready_order):
        response = desk_client.post(hand_over_url(ready_order), {}, follow=True)

        assert messages_of(response) == ["Tick at least one document to hand over."]
        ready_order.refresh_from_db()
        assert ready_order.status == ReservationStatus.READY

    def test_an_expired_order_cannot_be_handed_over(self, desk_client, ready_order, clock):
        # The sweep runs a month later (the clock is left alone: the session would expire).
        services.expire_overdue(now=clock.now + datetime.timedelta(days=30))
        ids = list(ready_order.lines.values_list("pk", flat=True))

        response = desk_client.post(hand_over_url(ready_order), {"lines": ids}, follow=True)

        assert "is expired: it cannot be collected" in messages_of(response)[0]
        assert not Loan.objects.exists()

    def test_another_branchs_order_is_a_404(self, desk_client):
        theirs = ready_at(BranchFactory())

        assert desk_client.post(hand_over_url(theirs), {}).status_code == 404

    def test_the_hand_over_is_post_only(self, desk_client, ready_order):
        assert desk_client.get(hand_over_url(ready_order)).status_code == 405


class TestReturns:
    def test_a_returned_book_goes_to_quarantine(self, desk_client, agent, branch, book):
        loan = LoanFactory(
            item=ItemFactory(branch=branch, record__document_type=book, status="on_loan")
        )

        response = desk_client.post(
            reverse("staff:return_item"), {"barcode": f" {loan.item.barcode} "}, follow=True
        )

        loan.refresh_from_db()
        assert loan.returned_at is not None
        assert Item.objects.get(pk=loan.item_id).status == Item.Status.QUARANTINE
        assert messages_of(response) == [
            f"Returned: “{loan.item.record.title}”; in quarantine until June 13, 2026."
        ]
        # The next copy is scanned into the returns field.
        assert response.context["focus_returns"]

    def test_a_copy_without_quarantine_goes_back_on_the_shelf(self, desk_client, branch, clock):
        dvd = DocumentTypeFactory(code="dvd", quarantine_days=0)
        loan = LoanFactory(
            item=ItemFactory(branch=branch, record__document_type=dvd, status="on_loan")
        )

        response = desk_client.post(
            reverse("staff:return_item"), {"barcode": loan.item.barcode}, follow=True
        )

        assert messages_of(response)[0].endswith("back on the shelf.")
        assert Item.objects.get(pk=loan.item_id).status == Item.Status.AVAILABLE

    @pytest.mark.parametrize(
        ("barcode", "expected"),
        [
            ("C-UNKNOWN", "No copy has the barcode C-UNKNOWN."),
            ("", "Scan or type the barcode of the copy returned."),
        ],
    )
    def test_bad_barcodes_are_refused_plainly(self, desk_client, clock, barcode, expected):
        response = desk_client.post(reverse("staff:return_item"), {"barcode": barcode}, follow=True)

        assert messages_of(response) == [expected]

    def test_a_copy_not_on_loan_is_refused(self, desk_client, branch, clock):
        item = ItemFactory(branch=branch)

        response = desk_client.post(
            reverse("staff:return_item"), {"barcode": item.barcode}, follow=True
        )

        assert messages_of(response) == [f"The copy {item.barcode} is not on loan."]
        item.refresh_from_db()
        assert item.status == Item.Status.AVAILABLE


class TestPermissions:
    def test_a_librarian_may_not_use_the_desk(self, client, branch):
        client.force_login(StaffFactory(groups=["librarian"], branches=[branch]))

        assert client.get(DESK).status_code == 403
        assert client.post(reverse("staff:return_item"), {"barcode": "x"}).status_code == 403

    def test_a_patron_may_not_use_the_desk(self, client):
        client.force_login(PatronFactory())

        assert client.get(DESK).status_code == 403

    def test_visitors_are_sent_to_sign_in(self, client):
        response = client.get(DESK)

        assert response.status_code == 302
        assert "/accounts/login/" in response.url

    def test_a_network_admin_hands_over_at_any_branch(self, client, ready_order):
        client.force_login(StaffFactory(groups=["network admin"]))
        ids = list(ready_order.lines.values_list("pk", flat=True))

        client.post(hand_over_url(ready_order), {"lines": ids})

        ready_order.refresh_from_db()
        assert ready_order.status == ReservationStatus.COLLECTED

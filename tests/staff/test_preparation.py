"""The librarians' pages: queue, pull list, preparing an order, bag slip."""

from datetime import timedelta

import pytest
from django.urls import reverse

from catalog.models import Item
from notifications.models import Notification
from reservations import services
from reservations.models import LineStatus, Reservation, ReservationStatus
from staff import selectors
from tests.factories import (
    BranchFactory,
    ItemFactory,
    ReservationLineFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def preparer(branch):
    return StaffFactory(groups=["librarian"], branches=[branch], first_name="Dominique")


@pytest.fixture
def signed_in(client, preparer):
    client.force_login(preparer)
    return client


@pytest.fixture
def other_branch(clock):
    return BranchFactory(name="Médiathèque Marguerite Duras")


def url(name, *args):
    return reverse(f"staff:{name}", args=args)


def lines_of(order):
    return list(order.lines.select_related("item", "record").order_by("pk"))


class TestAccess:
    @pytest.mark.parametrize(
        ("name", "method"),
        [("queue", "get"), ("pull_list", "get"), ("prepare", "get"), ("claim", "post")],
    )
    def test_anonymous_is_sent_to_sign_in(self, client, order, name, method):
        args = () if name in ("queue", "pull_list") else (order.reference,)
        response = getattr(client, method)(url(name, *args))
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")

    def test_desk_staff_and_patrons_are_refused(self, client, branch, patron, order):
        client.force_login(StaffFactory(groups=["desk"], branches=[branch]))
        assert client.get(url("queue")).status_code == 403
        assert client.post(url("claim", order.reference)).status_code == 403
        client.force_login(patron)
        assert client.get(url("prepare", order.reference)).status_code == 403

    def test_another_branchs_order_is_not_found(self, signed_in, other_branch):
        theirs = ReservationLineFactory(reservation__branch=other_branch).reservation
        for name in ("prepare", "slip"):
            assert signed_in.get(url(name, theirs.reference)).status_code == 404
        for name in ("claim", "scan", "ready"):
            assert signed_in.post(url(name, theirs.reference), {"barcode": "x"}).status_code == 404
        line = theirs.lines.get()
        assert signed_in.post(url("missing", theirs.reference, line.pk)).status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == ReservationStatus.SUBMITTED

    def test_state_changes_refuse_get(self, signed_in, order):
        assert signed_in.get(url("claim", order.reference)).status_code == 405
        assert signed_in.get(url("ready", order.reference)).status_code == 405


class TestQueue:
    def test_lists_my_open_orders_oldest_deadline_first(
        self, signed_in, branch, other_branch, clock
    ):
        late = ReservationLineFactory(
            reservation__branch=branch,
            reservation__processing_deadline=clock.now - timedelta(hours=2),
        ).reservation
        soon = ReservationLineFactory(
            reservation__branch=branch,
            reservation__processing_deadline=clock.now + timedelta(hours=3),
        ).reservation
        later = ReservationLineFactory(
            reservation__branch=branch,
            reservation__processing_deadline=clock.now + timedelta(hours=20),
        ).reservation
        ReservationLineFactory(
            reservation__branch=branch,
            reservation__status="ready",
            reservation__ready_at=clock.now,
            reservation__pickup_deadline=clock.now + timedelta(days=3),
        )
        theirs = ReservationLineFactory(reservation__branch=other_branch).reservation

        response = signed_in.get(url("queue"))

        page = response.context["page"]
        assert [order.reference for order in page] == [
            late.reference,
            soon.reference,
            later.reference,
        ]
        html = response.content.decode()
        assert theirs.reference not in html
        assert "en retard de 2 h" in html and "time-left--overdue" in html
        assert "dans 3 h" in html and "time-left--soon" in html
        assert "dans 20 h" in html

    def test_counts_and_filters(self, signed_in, branch, preparer, clock):
        first = ReservationLineFactory(reservation__branch=branch).reservation
        ReservationLineFactory(reservation__branch=branch)
        services.start_preparing(reservation=first, by=preparer)

        response = signed_in.get(url("queue"), {"status": "preparing"})

        assert [order.pk for order in response.context["page"]] == [first.pk]
        assert selectors.queue_counts(preparer) == {"submitted": 1, "preparing": 1}
        assert "Dominique" in response.content.decode()

    def test_another_branch_id_shows_none_of_its_orders(self, signed_in, branch, other_branch):
        theirs = ReservationLineFactory(reservation__branch=other_branch).reservation
        mine = ReservationLineFactory(reservation__branch=branch).reservation

        for value in (other_branch.pk, "nonsense", 999999):
            response = signed_in.get(url("queue"), {"branch": value})
            assert response.status_code == 200
            html = response.content.decode()
            assert theirs.reference not in html
            assert mine.reference in html

    @pytest.mark.parametrize("orders", [1, 20])
    def test_constant_number_of_queries(
        self, signed_in, branch, preparer, orders, django_assert_max_num_queries
    ):
        for number in range(orders):
            order = ReservationLineFactory(reservation__branch=branch).reservation
            ReservationLineFactory(reservation=order)
            if number % 2:
                services.start_preparing(reservation=order, by=preparer)
        with django_assert_max_num_queries(10):
            response = signed_in.get(url("queue"), {"branch": branch.pk})
        assert len(response.context["page"]) == orders

    def test_claim_starts_preparing_and_opens_the_order(self, signed_in, order, preparer):
        response = signed_in.post(url("claim", order.reference))

        assert response.status_code == 302
        assert response.url == url("prepare", order.reference)
        order.refresh_from_db()
        assert order.status == ReservationStatus.PREPARING
        assert order.prepared_by == preparer

    def test_claiming_an_order_already_claimed_says_so(self, signed_in, order, branch):
        colleague = StaffFactory(groups=["librarian"], branches=[branch])
        services.start_preparing(reservation=order, by=colleague)

        response = signed_in.post(url("claim", order.reference), follow=True)

        assert f"La commande {order.reference} est" in response.content.decode()
        order.refresh_from_db()
        assert order.prepared_by == colleague


class TestPrepare:
    def test_shows_the_order_with_the_card_masked(self, signed_in, order, patron):
        html = signed_in.get(url("prepare", order.reference)).content.decode()

        assert patron.get_full_name() in html
        assert patron.masked_card_number in html
        assert patron.card_number not in html
        for line in lines_of(order):
            assert line.item.barcode in html
        assert "autofocus" in html

    def test_scanning_a_copy_picks_its_line(self, signed_in, order, preparer):
        line = lines_of(order)[0]

        response = signed_in.post(url("scan", order.reference), {"barcode": line.item.barcode})

        assert response.status_code == 302
        line.refresh_from_db()
        order.refresh_from_db()
        assert line.status == LineStatus.PICKED
        assert order.status == ReservationStatus.PREPARING
        assert order.prepared_by == preparer

    def test_scanning_twice_changes_nothing(self, signed_in, order):
        line = lines_of(order)[0]
        signed_in.post(url("scan", order.reference), {"barcode": line.item.barcode})
        response = signed_in.post(
            url("scan", order.reference), {"barcode": line.item.barcode}, follow=True
        )
        assert "déjà" in response.content.decode()

    @pytest.mark.parametrize("kind", ["unknown", "other_order", "other_branch", "blank"])
    def test_a_barcode_of_no_line_is_refused_clearly(
        self, signed_in, order, branch, other_branch, kind
    ):
        barcode = {
            "unknown": lambda: "NOPE-123",
            "other_order": lambda: ReservationLineFactory(reservation__branch=branch).item.barcode,
            "other_branch": lambda: ItemFactory(branch=other_branch).barcode,
            "blank": lambda: "   ",
        }[kind]()

        response = signed_in.post(url("scan", order.reference), {"barcode": barcode})

        assert response.status_code in (400, 409)
        html = response.content.decode()
        assert 'class="scan-error"' in html and 'role="alert"' in html
        assert not order.lines.filter(status=LineStatus.PICKED).exists()
        order.refresh_from_db()
        assert order.status == ReservationStatus.SUBMITTED

    def test_a_stale_form_shows_the_services_message(self, signed_in, order, patron):
        line = lines_of(order)[0]
        services.cancel(reservation=order, by=patron, reason="")

        response = signed_in.post(url("scan", order.reference), {"barcode": line.item.barcode})

        assert response.status_code == 409
        assert f"La commande {order.reference} est annulée" in response.content.decode()
        line.refresh_from_db()
        assert line.status != LineStatus.PICKED

    def test_missing_copy_is_swapped_for_another(self, signed_in, order, branch):
        line = lines_of(order)[0]
        spare = ItemFactory(record=line.record, branch=branch, call_number="R DUR")

        response = signed_in.post(url("missing", order.reference, line.pk), follow=True)

        line.refresh_from_db()
        assert line.item == spare and line.status == LineStatus.ALLOCATED
        assert spare.barcode in response.content.decode()

    def test_missing_copy_without_another_makes_the_line_unavailable(self, signed_in, order):
        line = lines_of(order)[0]

        signed_in.post(url("missing", order.reference, line.pk))

        line.refresh_from_db()
        assert line.status == LineStatus.UNAVAILABLE
        assert line.item.status == Item.Status.UNAVAILABLE

    def test_every_copy_missing_cancels_the_order(self, signed_in, order):
        for line in lines_of(order):
            response = signed_in.post(url("missing", order.reference, line.pk), follow=True)
        order.refresh_from_db()
        assert order.status == ReservationStatus.CANCELLED
        assert "annulée" in response.content.decode()

    def test_ready_before_every_copy_is_pulled_is_refused(self, signed_in, order):
        line = lines_of(order)[0]
        signed_in.post(url("scan", order.reference), {"barcode": line.item.barcode})

        response = signed_in.post(url("ready", order.reference))

        assert response.status_code == 409
        assert f"de la commande {order.reference} restent" in response.content.decode()
        order.refresh_from_db()
        assert order.status == ReservationStatus.PREPARING

    def test_ready_tells_the_patron_and_opens_the_slip(self, signed_in, order, patron):
        for line in lines_of(order):
            signed_in.post(url("scan", order.reference), {"barcode": line.item.barcode})

        response = signed_in.post(url("ready", order.reference))

        assert response.url == url("slip", order.reference)
        order.refresh_from_db()
        assert order.status == ReservationStatus.READY
        assert Notification.objects.filter(kind="reservation_ready", recipient=patron).exists()

    def test_double_ready_changes_nothing(self, signed_in, order):
        for line in lines_of(order):
            signed_in.post(url("scan", order.reference), {"barcode": line.item.barcode})
        signed_in.post(url("ready", order.reference))
        ready_at = Reservation.objects.get(pk=order.pk).ready_at

        response = signed_in.post(url("ready", order.reference))

        assert response.status_code == 409
        assert "prête" in response.content.decode()
        assert Reservation.objects.get(pk=order.pk).ready_at == ready_at
        assert Notification.objects.filter(kind="reservation_ready").count() == 1

    def test_messages_are_in_english_for_english_readers(self, signed_in, order, patron):
        services.cancel(reservation=order, by=patron, reason="")
        response = signed_in.post(url("ready", order.reference), HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert f"Order {order.reference} is cancelled: it cannot be marked ready." in html
        assert (
            "Orders to prepare"
            in signed_in.get(url("queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )


class TestSlip:
    def test_slip_has_the_reference_as_text_and_qr_code(self, signed_in, ready_order, patron):
        html = signed_in.get(url("slip", ready_order.reference)).content.decode()

        assert ready_order.reference in html
        assert "<svg" in html and "slip__qr-code" in html
        assert patron.masked_card_number in html
        assert patron.card_number not in html
        assert 'media="print"' in html

    def test_qr_code_encodes_the_reference(self):
        import segno

        from staff.preparation_views import qr_code_svg

        assert qr_code_svg("CC-7K3Q9") == segno.make("CC-7K3Q9", error="m", micro=False).svg_inline(
            scale=4, svgclass="slip__qr-code", omitsize=False
        )

    def test_no_slip_for_an_order_not_ready(self, signed_in, ready_order, clock):
        services.expire_overdue(now=ready_order.pickup_deadline + timedelta(minutes=1))

        response = signed_in.get(url("slip", ready_order.reference))

        assert response.status_code == 200
        html = response.content.decode()
        assert '<svg class="slip__qr-code"' not in html
        assert "expirée" in html


@pytest.fixture
def ready_order(order, preparer, clock):
    clock.set(2026, 6, 10, 15, 0)
    for line in lines_of(order):
        services.confirm_pick(line=line, barcode=line.item.barcode, by=preparer)
    return services.mark_ready(reservation=order, by=preparer)


class TestPullList:
    def test_lists_copies_to_pull_by_shelf_then_title(
        self, signed_in, branch, other_branch, preparer
    ):
        b = ReservationLineFactory(
            reservation__branch=branch, item__call_number="R DUR", item__record__title="B"
        )
        a = ReservationLineFactory(
            reservation__branch=branch, item__call_number="BD SAI", item__record__title="Z"
        )
        a2 = ReservationLineFactory(
            reservation__branch=branch, item__call_number="R DUR", item__record__title="A"
        )
        picked = ReservationLineFactory(reservation__branch=branch)
        services.confirm_pick(line=picked, barcode=picked.item.barcode, by=preparer)
        theirs = ReservationLineFactory(reservation__branch=other_branch)

        response = signed_in.get(url("pull_list"), {"branch": branch.pk})

        assert [line.pk for line in response.context["page"]] == [a.pk, a2.pk, b.pk]
        html = response.content.decode()
        assert theirs.item.barcode not in html
        assert 'media="print"' in html

    def test_another_branch_is_never_shown(self, signed_in, branch, other_branch):
        theirs = ReservationLineFactory(reservation__branch=other_branch)
        response = signed_in.get(url("pull_list"), {"branch": other_branch.pk})
        assert response.context["branch"] == branch
        assert theirs.item.barcode not in response.content.decode()

    def test_scanning_a_copy_on_the_list_picks_it(self, signed_in, branch):
        line = ReservationLineFactory(reservation__branch=branch)

        response = signed_in.post(
            url("pull_scan"), {"branch": branch.pk, "barcode": line.item.barcode}
        )

        assert response.status_code == 302
        line.refresh_from_db()
        assert line.status == LineStatus.PICKED

    @pytest.mark.parametrize("kind", ["unknown", "other_branch", "not_on_list", "picked"])
    def test_a_copy_not_on_the_list_is_refused(
        self, signed_in, branch, other_branch, preparer, kind
    ):
        on_list = ReservationLineFactory(reservation__branch=branch)
        if kind == "picked":
            services.confirm_pick(line=on_list, barcode=on_list.item.barcode, by=preparer)
        barcode = {
            "unknown": "NOPE-1",
            "other_branch": ReservationLineFactory(reservation__branch=other_branch).item.barcode,
            "not_on_list": ItemFactory(branch=branch).barcode,
            "picked": on_list.item.barcode,
        }[kind]

        response = signed_in.post(url("pull_scan"), {"branch": branch.pk, "barcode": barcode})

        assert response.status_code == 409
        assert 'class="scan-error"' in response.content.decode()
        on_list.refresh_from_db()
        expected = LineStatus.PICKED if kind == "picked" else LineStatus.ALLOCATED
        assert on_list.status == expected

    @pytest.mark.parametrize("orders", [1, 25])
    def test_constant_number_of_queries(
        self, signed_in, branch, orders, django_assert_max_num_queries
    ):
        for _ in range(orders):
            order = ReservationLineFactory(reservation__branch=branch).reservation
            ReservationLineFactory(reservation=order)
        with django_assert_max_num_queries(9):
            response = signed_in.get(url("pull_list"), {"branch": branch.pk})
        assert len(response.context["page"]) == 2 * orders

"""Phone and e-mail orders: find the patron, choose channel and branch, fill, submit."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from reservations import services
from reservations.models import Channel, Reservation
from reservations.ordering import OrderDraft
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    PatronFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

PAGE = "/staff/phone-order/"


@pytest.fixture
def phone_branch(branch):
    branch.accepts_phone_orders = True
    branch.save()
    return branch


@pytest.fixture
def staff(phone_branch):
    return StaffFactory(groups=["librarian"], branches=[phone_branch])


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    return client


def url(name, patron):
    return reverse(f"staff:{name}", args=[patron.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def set_up(client, patron, branch, channel="phone"):
    return client.post(url("remote_order_setup", patron), {"channel": channel, "branch": branch.pk})


def add(client, patron, record, **kwargs):
    return client.post(url("remote_order_add", patron), {"record": record.pk}, **kwargs)


class TestFindThePatron:
    def test_by_exact_card_number(self, staff_client, patron):
        PatronFactory(card_number=patron.card_number + "9")

        response = staff_client.get(PAGE, {"q": f" {patron.card_number} "})

        assert response.context["patrons"] == [patron]
        assert "valid until" in response.content.decode()

    def test_by_last_name_at_most_twenty_and_no_staff(self, staff_client, clock):
        for _ in range(25):
            PatronFactory(last_name="Martin-Dupont")
        StaffFactory(last_name="Martin")

        response = staff_client.get(PAGE, {"q": "martin"})

        assert len(response.context["patrons"]) == 20
        assert all(not patron.is_staff for patron in response.context["patrons"])

    def test_membership_validity_is_shown(self, staff_client, clock):
        PatronFactory(last_name="Expired", membership_expires_on=datetime.date(2026, 1, 31))

        response = staff_client.get(PAGE, {"q": "Expired"})

        assert "ended on Jan. 31, 2026" in response.content.decode()

    def test_nobody_found_says_so(self, staff_client, clock):
        response = staff_client.get(PAGE, {"q": "Nobody"})

        assert response.context["patrons"] == []
        assert "No patron has this card number" in response.content.decode()


class TestChannelAndBranch:
    def test_only_my_branches_taking_that_channel_are_offered(
        self, staff_client, staff, patron, phone_branch
    ):
        closed = BranchFactory(accepts_phone_orders=False, accepts_email_orders=False)
        theirs = BranchFactory(accepts_phone_orders=True)
        staff.branches.add(closed)

        response = staff_client.get(url("remote_order_patron", patron))

        offered = list(response.context["setup_form"].fields["branch"].queryset)
        assert offered == [phone_branch]
        assert theirs not in offered

    def test_a_branch_not_taking_the_channel_is_refused(self, staff_client, patron, phone_branch):
        response = set_up(staff_client, patron, phone_branch, channel="email")

        assert response.status_code == 400
        assert "does not take orders by e-mail" in response.content.decode()
        assert OrderDraft.taken_for(staff_client.session, patron.pk).branch_id is None

    def test_another_branch_is_refused(self, staff_client, patron):
        theirs = BranchFactory(accepts_phone_orders=True)

        response = set_up(staff_client, patron, theirs)

        assert response.status_code == 400

    def test_without_any_branch_taking_orders_the_page_says_so(self, client, patron, branch):
        client.force_login(StaffFactory(groups=["librarian"], branches=[branch]))
        client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})

        response = client.get(url("remote_order_patron", patron))

        assert "None of your libraries takes orders by phone or e-mail" in (
            response.content.decode()
        )


class TestBuildAndSubmit:
    def test_a_phone_order_is_placed_for_the_patron(
        self, staff_client, staff, patron, phone_branch, shelf
    ):
        first, second = shelf("Les Misérables"), shelf("Madame Bovary")
        set_up(staff_client, patron, phone_branch)

        search = staff_client.get(url("remote_order_patron", patron), {"q": "Misérables"})
        assert [hit.pk for hit in search.context["results"].hits] == [first.pk]
        add(staff_client, patron, first)
        add(staff_client, patron, second)
        page = staff_client.get(url("remote_order_patron", patron))
        assert "2 of 5 used" in page.content.decode()

        response = staff_client.post(url("remote_order_submit", patron), follow=True)

        order = Reservation.objects.get()
        assert (order.patron, order.branch, order.channel) == (patron, phone_branch, Channel.PHONE)
        assert order.created_by == staff
        assert {line.record for line in order.lines.all()} == {first, second}
        assert response.request["PATH_INFO"] == f"/staff/phone-order/orders/{order.reference}/"
        assert order.reference in messages_of(response)[0]
        assert OrderDraft.taken_for(staff_client.session, patron.pk).record_ids == []

    def test_the_cap_counts_the_patrons_active_orders(
        self, staff_client, patron, phone_branch, shelf
    ):
        services.submit_reservation(
            patron=patron, branch=phone_branch, records=[shelf() for _ in range(4)]
        )
        set_up(staff_client, patron, phone_branch)
        add(staff_client, patron, shelf())

        response = add(staff_client, patron, shelf(), follow=True)

        assert "at most 5 documents" in messages_of(response)[-1]
        assert len(OrderDraft.taken_for(staff_client.session, patron.pk).record_ids) == 1
        assert "5 of 5 used" in response.content.decode()

    def test_a_document_already_ordered_or_chosen_is_refused(
        self, staff_client, patron, phone_branch, shelf
    ):
        ordered = shelf()
        order = services.submit_reservation(patron=patron, branch=phone_branch, records=[ordered])
        chosen = shelf()
        set_up(staff_client, patron, phone_branch)
        add(staff_client, patron, chosen)

        assert (
            f"already in the patron's order {order.reference}"
            in messages_of(add(staff_client, patron, ordered, follow=True))[-1]
        )
        assert (
            "already in this order"
            in messages_of(add(staff_client, patron, chosen, follow=True))[-1]
        )

    def test_a_document_not_reservable_is_refused(self, staff_client, patron, phone_branch, shelf):
        reference_book = DocumentTypeFactory(
            code="ref", name_en="Reference", reservable_online=False
        )
        set_up(staff_client, patron, phone_branch)

        response = add(staff_client, patron, shelf(document_type=reference_book), follow=True)

        assert "cannot be reserved online" in messages_of(response)[-1]

    @pytest.mark.parametrize("record", ["abc", "999999999", ""])
    def test_an_unknown_record_is_refused(self, staff_client, patron, phone_branch, record):
        set_up(staff_client, patron, phone_branch)

        response = staff_client.post(
            url("remote_order_add", patron), {"record": record}, follow=True
        )

        assert messages_of(response) == ["This document is not in the catalogue."]

    def test_nothing_can_be_added_before_choosing_the_branch(self, staff_client, patron, shelf):
        response = add(staff_client, patron, shelf(), follow=True)

        assert "Choose how the order came in" in messages_of(response)[-1]

    def test_an_expired_membership_is_refused(self, staff_client, phone_branch, shelf, clock):
        patron = PatronFactory(membership_expires_on=datetime.date(2026, 1, 31))
        set_up(staff_client, patron, phone_branch)

        response = add(staff_client, patron, shelf(), follow=True)

        assert "no valid membership" in messages_of(response)[-1]

    def test_a_broken_rule_at_submission_keeps_the_selection(
        self, staff_client, patron, phone_branch, shelf
    ):
        record = shelf()
        set_up(staff_client, patron, phone_branch)
        add(staff_client, patron, record)
        # Someone else takes the last copy meanwhile.
        services.submit_reservation(patron=PatronFactory(), branch=phone_branch, records=[record])

        response = staff_client.post(url("remote_order_submit", patron), follow=True)

        assert messages_of(response)[-1] == (
            f"“{record.title}” is no longer available at {phone_branch.name}."
        )
        assert OrderDraft.taken_for(staff_client.session, patron.pk).record_ids == [record.pk]
        assert not Reservation.objects.filter(patron=patron).exists()

    def test_the_branch_stopping_phone_orders_is_told_at_submission(
        self, staff_client, patron, phone_branch, shelf
    ):
        set_up(staff_client, patron, phone_branch)
        add(staff_client, patron, shelf())
        phone_branch.accepts_phone_orders = False
        phone_branch.save()

        response = staff_client.post(url("remote_order_submit", patron), follow=True)

        assert "Choose how the order came in" in messages_of(response)[-1]
        assert not Reservation.objects.exists()

    def test_removing_a_document(self, staff_client, patron, phone_branch, shelf):
        record = shelf()
        set_up(staff_client, patron, phone_branch)
        add(staff_client, patron, record)

        staff_client.post(url("remote_order_remove", patron), {"record": record.pk})

        assert OrderDraft.taken_for(staff_client.session, patron.pk).record_ids == []

    def test_the_page_costs_a_constant_number_of_queries(
        self, staff_client, patron, phone_branch, shelf, django_assert_max_num_queries
    ):
        set_up(staff_client, patron, phone_branch)
        for index in range(4):
            add(staff_client, patron, shelf(f"Roman {index}"))

        with django_assert_max_num_queries(14):
            response = staff_client.get(url("remote_order_patron", patron), {"q": "Roman"})
        assert response.context["results"].count == 4

    def test_the_done_page_of_another_branchs_order_is_a_404(self, staff_client):
        theirs = Reservation.objects.create(
            patron=PatronFactory(),
            branch=BranchFactory(),
            submitted_at=timezone.now(),
            processing_deadline=timezone.now(),
        )

        response = staff_client.get(reverse("staff:remote_order_done", args=[theirs.reference]))

        assert response.status_code == 404


class TestPermissions:
    def test_desk_agents_may_not_take_phone_orders(self, client, phone_branch, patron):
        client.force_login(StaffFactory(groups=["desk"], branches=[phone_branch]))

        assert client.get(PAGE).status_code == 403
        assert client.get(url("remote_order_patron", patron)).status_code == 403
        assert client.post(url("remote_order_submit", patron)).status_code == 403

    def test_patrons_may_not_either(self, client, patron):
        client.force_login(patron)

        assert client.get(PAGE).status_code == 403

    def test_a_staff_member_is_not_a_patron_to_order_for(self, staff_client, staff):
        assert staff_client.get(url("remote_order_patron", staff)).status_code == 404

    def test_network_admins_take_orders_at_any_branch(self, client, patron, shelf, phone_branch):
        client.force_login(StaffFactory(groups=["network admin"]))
        set_up(client, patron, phone_branch)
        add(client, patron, shelf())

        client.post(url("remote_order_submit", patron))

        assert Reservation.objects.get().created_by.groups.get().name == "network admin"

"""The staff board /staff/board/: its sections, its fragment for polling, "seen", who sees what."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pickups.models import Appointment, AppointmentStatus, Arrival, PickupSlot
from reservations.models import AuditEntry, ReservationStatus
from staff import board_selectors
from tests.factories import (
    BranchFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)
from tests.pickups.conftest import DEADLINE, NOW, PARIS

pytestmark = pytest.mark.django_db

BOARD = reverse("board:board")
FRAGMENT = reverse("board:fragment")
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(hour: int, minute: int = 0, day: int = 30) -> datetime.datetime:
    """A moment of Monday 30 November 2026 (the tests' today) or another day of November."""
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def branch(appointment_branch):
    return appointment_branch


@pytest.fixture
def other_branch(db):
    return BranchFactory(name="Médiathèque Marguerite Duras", appointments_enabled=True)


@pytest.fixture
def staff(branch):
    """A member of staff who prepares orders and hands them over at one branch."""
    return StaffFactory(groups=["librarian", "desk"], branches=[branch], first_name="Dominique")


@pytest.fixture
def signed_in(client, staff):
    client.force_login(staff)
    return client


def ready_order(branch, **fields):
    """A ready order at the branch, ready since 10:00 and waiting until DEADLINE unless told."""
    fields = {"ready_at": NOW - datetime.timedelta(hours=2), "pickup_deadline": DEADLINE} | fields
    return ReservationFactory(branch=branch, status=ReservationStatus.READY, **fields)


def book(order, starts_at, *, minutes=15, status=AppointmentStatus.BOOKED):
    """Give the order an appointment in the slot starting at `starts_at` (made if needed)."""
    slot, _ = PickupSlot.objects.get_or_create(
        branch=order.branch,
        starts_at=starts_at,
        defaults={"ends_at": starts_at + datetime.timedelta(minutes=minutes), "capacity": 4},
    )
    if status == AppointmentStatus.BOOKED:
        PickupSlot.objects.filter(pk=slot.pk).update(booked=slot.booked + 1)
    return Appointment.objects.create(reservation=order, slot=slot, status=status)


def arrive(order, arrived_at, note=""):
    return Arrival.objects.create(reservation=order, arrived_at=arrived_at, note=note)


def open_order(branch, *, status="submitted", due, **fields):
    return ReservationLineFactory(
        reservation__branch=branch,
        reservation__status=status,
        reservation__processing_deadline=due,
        **{f"reservation__{key}": value for key, value in fields.items()},
    ).reservation


def collected(branch, when):
    return ReservationFactory(
        branch=branch,
        status=ReservationStatus.COLLECTED,
        ready_at=when - datetime.timedelta(days=1),
        pickup_deadline=when + datetime.timedelta(days=5),
        collected_at=when,
    )


def references(orders):
    return [order.reference for order in orders]


class TestSections:
    def test_each_order_is_in_its_section(self, signed_in, branch, other_branch, staff):
        due_today = open_order(branch, due=at(17))
        preparing_overdue = open_order(
            branch, status="preparing", due=at(9, day=29), prepared_by=staff
        )
        due_tomorrow = open_order(branch, due=at(11, day=30) + datetime.timedelta(days=1))
        with_appointment = ready_order(branch)
        book(with_appointment, at(14))
        without_appointment = ready_order(branch)
        here = ready_order(branch)
        arrive(here, at(11, 50), note="voiture bleue")
        appointment_ended = ready_order(branch)
        book(appointment_ended, at(10))
        missed = ready_order(branch)
        book(missed, at(11), status=AppointmentStatus.MISSED)
        past_deadline = ready_order(branch, pickup_deadline=at(11))
        handed_today = collected(branch, at(11, 30))
        collected(branch, at(18, day=29))  # yesterday
        theirs = ready_order(other_branch)
        arrive(theirs, at(11, 55), note="porte de côté")

        response = signed_in.get(BOARD)

        assert response.status_code == 200
        board = response.context["board"]
        assert board.branch == branch and board.day == NOW.date()
        assert references(board.to_prepare) == references([preparing_overdue, due_today])
        assert due_tomorrow not in board.to_prepare
        assert references(board.ready) == references([with_appointment, without_appointment])
        assert references(board.here) == [here.reference]
        assert set(references(board.late)) == {
            appointment_ended.reference,
            missed.reference,
            past_deadline.reference,
        }
        assert references(board.handed_over) == [handed_today.reference]
        html = response.content.decode()
        assert theirs.reference not in html and "porte de côté" not in html
        # Quoted the French way on a French board.
        assert "« voiture bleue »" in html.replace("\N{NO-BREAK SPACE}", " ")
        assert "board-card--unseen" in html
        assert "14:00–14:15" in html

    def test_a_patron_here_shows_how_long_they_have_waited_and_the_count_in_the_title(
        self, signed_in, branch
    ):
        order = ready_order(branch)
        arrive(order, at(11, 48), note="à la porte de côté")

        html = signed_in.get(BOARD).content.decode()

        assert "à la porte de côté" in html
        # timesince keeps the number and its unit together (a no-break space).
        assert "11:48" in html and "12\xa0minutes" in html
        title = html[html.index("<title>") : html.index("</title>")]
        assert "(1 " in title

    def test_an_arrival_of_yesterday_is_not_a_patron_here_today(self, signed_in, branch):
        order = ready_order(branch)
        arrive(order, at(17, day=29))

        board = signed_in.get(BOARD).context["board"]

        assert board.here == [] and references(board.ready) == [order.reference]

    def test_a_patron_who_booked_again_after_missing_is_ready_not_late(self, signed_in, branch):
        order = ready_order(branch)
        book(order, at(10), status=AppointmentStatus.MISSED)
        book(order, at(16))

        board = signed_in.get(BOARD).context["board"]

        assert references(board.ready) == [order.reference] and board.late == []
        assert board.ready[0].appointment.slot.starts_at == at(16)

    def test_another_day_lists_the_appointments_of_that_day(self, signed_in, branch):
        tomorrow = NOW.date() + datetime.timedelta(days=1)
        coming = ready_order(branch)
        book(coming, at(10) + datetime.timedelta(days=1))
        ready_order(branch)  # no appointment: not expected tomorrow in particular

        board = signed_in.get(BOARD, {"day": tomorrow.isoformat()}).context["board"]

        assert board.day == tomorrow and not board.is_today
        assert references(board.ready) == [coming.reference]
        assert board.late == [] and board.here == []

    def test_a_day_that_is_not_a_date_is_today(self, signed_in):
        board = signed_in.get(BOARD, {"day": "tomorrow"}).context["board"]
        assert board.day == NOW.date()

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
    def test_a_day_at_the_end_of_the_calendar_is_today_not_an_error(self, signed_in, day):
        for url in (BOARD, FRAGMENT):
            response = signed_in.get(url, {"day": day})
            assert response.status_code == 200
            assert response.context["board"].day == NOW.date()

    def test_claim_and_hand_over_go_to_the_staff_pages(self, signed_in, branch):
        to_claim = open_order(branch, due=at(17))
        order = ready_order(branch)

        html = signed_in.get(BOARD).content.decode()

        assert reverse("staff:claim", args=[to_claim.reference]) in html
        assert f"{reverse('staff:desk')}?q={order.reference}" in html

    def test_claiming_from_the_board_uses_the_preparation_service(self, signed_in, branch, staff):
        to_claim = open_order(branch, due=at(17))

        response = signed_in.post(reverse("staff:claim", args=[to_claim.reference]))

        assert response.status_code == 302
        to_claim.refresh_from_db()
        assert to_claim.status == ReservationStatus.PREPARING and to_claim.prepared_by == staff

    def test_desk_staff_see_no_claim_button_and_librarians_no_hand_over(self, client, branch):
        to_claim = open_order(branch, due=at(17))
        order = ready_order(branch)
        client.force_login(StaffFactory(groups=["desk"], branches=[branch]))
        html = client.get(BOARD).content.decode()
        assert reverse("staff:claim", args=[to_claim.reference]) not in html
        assert f"?q={order.reference}" in html
        client.force_login(StaffFactory(groups=["librarian"], branches=[branch]))
        html = client.get(BOARD).content.decode()
        assert reverse("staff:claim", args=[to_claim.reference]) in html
        assert f"?q={order.reference}" not in html

    def test_without_javascript_the_page_reloads_itself(self, signed_in):
        html = signed_in.get(BOARD).content.decode()
        assert '<noscript><meta http-equiv="refresh"' in html
        assert "js/vendor/htmx.min.js" in html
        assert 'hx-trigger="every 5s"' in html

    def test_the_board_has_landmarks_headings_and_a_live_region(self, signed_in):
        html = signed_in.get(BOARD).content.decode()
        assert html.count("<h1") == 1
        for heading in ("board-here", "board-late", "board-ready", "board-prepare", "board-handed"):
            assert f'aria-labelledby="{heading}"' in html and f'id="{heading}"' in html
        assert 'id="board-announcer"' in html and 'aria-live="polite"' in html

    def test_the_staff_menu_links_to_the_board(self, signed_in):
        html = signed_in.get(reverse("staff:dashboard")).content.decode()
        assert f'href="{BOARD}"' in html


class TestAccess:
    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(BOARD)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")

    def test_patrons_are_refused(self, client):
        client.force_login(PatronFactory())
        assert client.get(BOARD).status_code == 403
        assert client.get(FRAGMENT).status_code == 403

    def test_another_branchs_board_is_not_found(self, signed_in, other_branch):
        theirs = ready_order(other_branch)
        arrive(theirs, at(11, 55), note="porte de côté")
        query = {"branch": other_branch.pk}
        for url in (BOARD, FRAGMENT):
            response = signed_in.get(url, query)
            assert response.status_code == 404
            assert "porte de côté" not in response.content.decode()

    def test_another_branchs_arrival_cannot_be_marked_seen(self, signed_in, other_branch):
        arrival = arrive(ready_order(other_branch), at(11, 55))

        response = signed_in.post(reverse("board:seen", args=[arrival.pk]))

        assert response.status_code == 404
        arrival.refresh_from_db()
        assert arrival.seen_at is None

    def test_the_default_is_my_first_branch_by_name(self, client, branch):
        first = BranchFactory(name="Bibliothèque Aimé Césaire")
        client.force_login(StaffFactory(groups=["desk"], branches=[branch, first]))
        response = client.get(BOARD)
        assert response.context["board"].branch == first
        assert [b.name for b in response.context["branches"]][0] == first.name

    def test_a_network_admin_chooses_any_branch(self, client, other_branch):
        client.force_login(StaffFactory(groups=["network admin"]))
        response = client.get(BOARD, {"branch": other_branch.pk})
        assert response.context["board"].branch == other_branch

    def test_staff_attached_to_no_branch_are_told_so(self, client):
        client.force_login(StaffFactory(groups=["desk"]))
        response = client.get(BOARD)
        assert response.status_code == 200
        assert "board" not in response.context


class TestQueries:
    def _fill(self, branch, count, start):
        for index in range(count):
            open_order(branch, due=at(17))
            ready_order(branch)
            book(ready_order(branch), at(14) + datetime.timedelta(minutes=15 * index))
            book(ready_order(branch), at(10) + datetime.timedelta(minutes=15 * index))  # late
            arrive(ready_order(branch), at(11, 30 + index), note=f"note {index}")
            collected(branch, at(9, start + index))

    def _count(self, client, url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    @pytest.mark.parametrize("url", [BOARD, FRAGMENT])
    def test_the_number_of_queries_does_not_grow_with_the_orders(self, signed_in, branch, url):
        self._fill(branch, 1, 0)
        few = self._count(signed_in, url)
        self._fill(branch, 5, 10)
        many = self._count(signed_in, url)
        assert signed_in.get(BOARD).context["board"].here.__len__() == 6
        assert many == few


class TestFragment:
    def test_returns_the_sections_alone_with_the_title(self, signed_in, branch):
        arrive(ready_order(branch), at(11, 50), note="voiture bleue")

        response = signed_in.get(FRAGMENT, {"branch": branch.pk}, **HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html and "staff-nav" not in html
        assert html.lstrip().startswith("<title>")
        assert 'id="board"' in html and "voiture bleue" in html
        assert [t.name for t in response.templates][0] == "staff/board/board_fragment.html"

    def test_the_polling_address_remembers_the_newest_arrival(self, signed_in, branch):
        arrival = arrive(ready_order(branch), at(11, 50))
        html = signed_in.get(BOARD).content.decode()
        assert f"since={arrival.pk}" in html

    def test_announces_only_arrivals_newer_than_the_page_knows(self, signed_in, branch):
        first = arrive(ready_order(branch, patron__first_name="Camille"), at(11, 40))
        order = ready_order(branch, patron__first_name="Aïssata")
        second = arrive(order, at(11, 50), note="voiture bleue")

        fresh = signed_in.get(FRAGMENT, {"since": first.pk}, **HTMX).content.decode()
        known = signed_in.get(FRAGMENT, {"since": second.pk}, **HTMX).content.decode()

        announcer = fresh[fresh.index('id="board-announcer"') :]
        assert 'hx-swap-oob="innerHTML"' in announcer
        assert order.reference in announcer and "voiture bleue" in announcer
        assert first.reservation.reference not in announcer
        assert 'id="board-announcer"' not in known

    def test_signed_out_polling_reloads_the_page(self, client):
        response = client.get(FRAGMENT, **HTMX)
        assert response.status_code == 204
        assert response["HX-Refresh"] == "true"


class TestSeen:
    def test_marks_the_arrival_seen_once_and_goes_back_to_the_board(self, signed_in, branch, staff):
        arrival = arrive(ready_order(branch), at(11, 50))
        url = reverse("board:seen", args=[arrival.pk])
        day = NOW.date().isoformat()

        response = signed_in.post(url, {"branch": branch.pk, "day": day})

        assert response.status_code == 302
        assert response.url == f"{BOARD}?branch={branch.pk}&day={day}"
        arrival.refresh_from_db()
        assert arrival.seen_at == NOW
        entry = AuditEntry.objects.get(action="arrival_seen")
        assert entry.actor == staff and entry.reservation_id == arrival.reservation_id

        signed_in.post(url, {"branch": branch.pk, "day": day})
        assert AuditEntry.objects.filter(action="arrival_seen").count() == 1

    def test_seen_by_htmx_returns_the_board_fragment(self, signed_in, branch):
        arrival = arrive(ready_order(branch), at(11, 50))

        response = signed_in.post(
            reverse("board:seen", args=[arrival.pk]), {"branch": branch.pk}, **HTMX
        )

        html = response.content.decode()
        assert response.status_code == 200 and 'id="board"' in html
        assert "board-card--unseen" not in html
        assert "12:00" in html  # seen at

    def test_seen_refuses_get(self, signed_in, branch):
        arrival = arrive(ready_order(branch), at(11, 50))
        assert signed_in.get(reverse("board:seen", args=[arrival.pk])).status_code == 405


class TestSlots:
    def test_the_board_lists_every_slot_of_the_day_with_its_bookings(self, signed_in, branch):
        for _ in range(2):
            book(ready_order(branch), at(14))
        for _ in range(4):
            book(ready_order(branch), at(15))

        board = signed_in.get(BOARD).context["board"]

        # Open 10:00-19:00 on Mondays, 15-minute slots.
        assert len(board.slots) == 36
        by_start = {slot.starts_at: slot for slot in board.slots}
        assert (by_start[at(14)].booked, by_start[at(14)].capacity) == (2, 4)
        assert by_start[at(15)].is_full
        assert (by_start[at(10)].booked, by_start[at(10)].capacity) == (0, 4)

    def test_a_booked_slot_the_branch_no_longer_offers_is_still_listed(self, branch):
        book(ready_order(branch), at(19, 30))
        slots = board_selectors.slot_counts(branch, NOW.date())
        assert slots[-1].starts_at == at(19, 30) and slots[-1].booked == 1

    def test_a_branch_without_appointments_shows_no_slot(self, client, other_branch):
        other_branch.appointments_enabled = False
        other_branch.save()
        client.force_login(StaffFactory(groups=["desk"], branches=[other_branch]))
        board = client.get(BOARD).context["board"]
        assert board.slots == []


class TestFrench:
    def test_the_board_speaks_french(self, signed_in, branch):
        arrive(ready_order(branch), at(11, 50), note="voiture bleue")
        book(ready_order(branch), at(14))

        html = signed_in.get(BOARD).content.decode()

        for words in (
            "Tableau des retraits",
            "Usager sur place",
            "Sur place depuis 11:50 (10\xa0minutes d’attente)",
            "En retard",
            "Prêtes",
            "À préparer",
            "Remises",
            "Rendez-vous 14:00–14:15",
            "Rendez-vous du jour",
            "(1 sur place)",
        ):
            assert words in html, words

    def test_a_new_arrival_is_read_out_in_french(self, signed_in, branch):
        order = ready_order(branch, patron__first_name="Camille", patron__last_name="Dupont")
        arrive(order, at(11, 50))
        html = signed_in.get(FRAGMENT, {"since": 0}, **HTMX).content.decode()
        assert f"Camille Dupont est là pour la commande {order.reference}." in html

"""The staff dashboard /staff/ and its CSV export /staff/export.csv."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from staff import stats
from staff.chart import lay_out, nice_ceiling
from tests.factories import BranchFactory, ReservationFactory, StaffFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A fixed "now": Saturday 28 November 2026, 15:00 in Paris.
NOW = datetime.datetime(2026, 11, 28, 15, 0, tzinfo=PARIS)


def paris(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def order(branch, *, submitted, status="submitted", hours=24, ready_after=None, **fields):
    """Store an order received at `submitted`, made ready `ready_after` later if given."""
    if ready_after is not None:
        fields.update(
            ready_at=submitted + ready_after,
            pickup_deadline=submitted + ready_after + datetime.timedelta(days=5),
        )
        status = fields.pop("final_status", "ready")
    return ReservationFactory(
        branch=branch,
        status=status,
        submitted_at=submitted,
        processing_deadline=submitted + datetime.timedelta(hours=hours),
        **fields,
    )


@pytest.fixture
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def branch():
    return BranchFactory(name="Médiathèque Václav Havel")


@pytest.fixture
def librarian(branch):
    return StaffFactory(groups=["librarian"], branches=[branch])


class TestTodayCounts:
    def test_open_orders_count_whenever_received_and_closed_ones_only_today(
        self, branch, frozen_now
    ):
        order(branch, submitted=paris(20))
        order(branch, submitted=paris(28, 9))
        order(branch, submitted=paris(27), status="preparing")
        order(branch, submitted=paris(26), ready_after=datetime.timedelta(hours=3))
        order(
            branch,
            submitted=paris(25),
            ready_after=datetime.timedelta(hours=3),
            final_status="collected",
            collected_at=paris(28, 0, 5),
        )
        order(
            branch,
            submitted=paris(24),
            ready_after=datetime.timedelta(hours=3),
            final_status="collected",
            collected_at=paris(27, 23, 55),  # yesterday in Paris
        )
        order(branch, submitted=paris(27), status="cancelled", cancelled_at=paris(28, 8))

        counts = {c.status: c.count for c in stats.status_counts_today([branch.pk])}

        assert counts == {
            "submitted": 2,
            "preparing": 1,
            "ready": 1,
            "collected": 1,
            "cancelled": 1,
            "expired": 0,
        }

    def test_counts_take_one_query(self, branch, django_assert_num_queries):
        with django_assert_num_queries(1):
            stats.status_counts_today([branch.pk])


class TestOverdue:
    def test_only_open_orders_past_their_deadline_oldest_first(self, branch, frozen_now):
        late = order(branch, submitted=paris(26, 9), status="preparing")
        later = order(branch, submitted=paris(25, 9))
        order(branch, submitted=paris(28, 9))  # due tomorrow
        order(branch, submitted=paris(20), ready_after=datetime.timedelta(days=3))  # ready

        overdue = stats.overdue_orders([branch.pk])

        assert overdue.count == 2
        assert overdue.oldest == [later, late]

    def test_lists_the_ten_oldest_and_counts_them_all(self, branch, frozen_now):
        for hour in range(12):
            order(branch, submitted=paris(20, hour))

        overdue = stats.overdue_orders([branch.pk])

        assert overdue.count == 12
        assert [o.submitted_at for o in overdue.oldest] == [paris(20, h) for h in range(10)]


class TestSeries:
    def test_thirty_days_oldest_first_with_empty_days_as_zeros(self, branch, frozen_now):
        order(branch, submitted=paris(28, 9))
        order(branch, submitted=paris(28, 11))
        order(branch, submitted=paris(10))

        series = stats.daily_series([branch.pk])

        assert len(series) == 30
        assert series[0].day == datetime.date(2026, 10, 30)
        assert series[-1].day == datetime.date(2026, 11, 28)
        by_day = {d.day: d.received for d in series}
        assert by_day[datetime.date(2026, 11, 28)] == 2
        assert by_day[datetime.date(2026, 11, 10)] == 1
        assert sum(by_day.values()) == 3
        assert series[1] == stats.Day(day=datetime.date(2026, 10, 31))
        assert series[1].share_on_time is None

    def test_days_are_the_networks_local_days(self, branch, frozen_now):
        # 00:30 in Paris on the 20th is 23:30 UTC on the 19th; 23:30 in Paris stays the 20th.
        order(branch, submitted=paris(20, 0, 30))
        order(branch, submitted=paris(20, 23, 30))
        order(branch, submitted=paris(19, 23, 59))

        by_day = {d.day: d.received for d in stats.daily_series([branch.pk])}

        assert by_day[datetime.date(2026, 11, 20)] == 2
        assert by_day[datetime.date(2026, 11, 19)] == 1

    def test_orders_before_the_first_local_midnight_are_left_out(self, branch, frozen_now):
        order(branch, submitted=paris(29, 23, 59, month=10))
        order(branch, submitted=paris(30, 0, 1, month=10))

        series = stats.daily_series([branch.pk])

        assert sum(d.received for d in series) == 1
        assert series[0].received == 1

    def test_share_on_time_is_over_the_orders_made_ready(self, branch, frozen_now):
        day = paris(24, 9)
        order(branch, submitted=day, hours=24, ready_after=datetime.timedelta(hours=5))
        order(branch, submitted=day, hours=24, ready_after=datetime.timedelta(hours=24))
        order(branch, submitted=day, hours=24, ready_after=datetime.timedelta(hours=30))
        order(
            branch,
            submitted=day,
            hours=24,
            ready_after=datetime.timedelta(hours=2),
            final_status="collected",
            collected_at=paris(26),
        )
        order(branch, submitted=day)  # not ready yet: not in the share

        (figures,) = [d for d in stats.daily_series([branch.pk]) if d.received]

        assert (figures.received, figures.ready, figures.on_time) == (5, 4, 3)
        assert figures.share_on_time == 0.75
        assert figures.percent_on_time == 75.0

    def test_series_takes_one_query(self, branch, django_assert_num_queries):
        with django_assert_num_queries(1):
            stats.daily_series([branch.pk])
        with django_assert_num_queries(1):
            stats.daily_series_by_branch([branch.pk])


class TestChart:
    def test_axis_tops_are_round(self):
        assert nice_ceiling(0) == (4, 1)
        assert nice_ceiling(7) == (8, 2)
        assert nice_ceiling(37) == (40, 10)
        assert nice_ceiling(1000) == (1000, 500)

    def test_the_share_line_breaks_on_days_without_a_ready_order(self):
        days = [
            stats.Day(day=datetime.date(2026, 11, d), received=2, ready=r, on_time=r)
            for d, r in ((1, 1), (2, 1), (3, 0), (4, 2))
        ]

        chart = lay_out(days)

        assert len(chart.bars) == 4
        assert len(chart.dots) == 3
        assert len(chart.lines) == 2
        assert chart.lines[1].count(",") == 1  # the last day stands alone


class TestPage:
    def test_shows_counts_overdue_and_an_accessible_chart(self, client, branch, librarian):
        ReservationFactory(
            branch=branch,
            submitted_at=timezone.now() - datetime.timedelta(days=3),
            processing_deadline=timezone.now() - datetime.timedelta(days=2),
        )
        client.force_login(librarian)

        response = client.get(reverse("staff:dashboard"))

        assert response.status_code == 200
        assert response.context["overdue"].count == 1
        html = response.content.decode()
        assert '<svg class="dash-chart__svg"' in html
        assert 'role="img"' in html
        assert '<title id="dash-chart-title">' in html
        assert '<desc id="dash-chart-desc">' in html
        assert "<details" in html and "<table" in html
        assert "<script" not in html

    def test_svg_coordinates_use_a_dot_in_french(self, client, branch, librarian):
        ReservationFactory(branch=branch)
        client.force_login(librarian)

        html = client.get(reverse("staff:dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

        svg = html[html.index("<svg") : html.index("</svg>")]
        assert 'x="' in svg
        for attribute in ('x="', 'y="', 'width="', 'height="'):
            for value in svg.split(attribute)[1:]:
                assert "," not in value.split('"')[0]

    def test_counts_only_my_branches(self, client, branch, librarian):
        other = BranchFactory()
        ReservationFactory(branch=branch)
        ReservationFactory.create_batch(3, branch=other)
        client.force_login(librarian)

        response = client.get(reverse("staff:dashboard"))

        counts = {c.status: c.count for c in response.context["status_counts"]}
        assert counts["submitted"] == 1
        assert response.context["branches"] == [branch]
        assert sum(d.received for d in response.context["chart"].days) == 1

    def test_filters_by_one_of_my_branches_and_ignores_others(self, client, branch):
        second, foreign = BranchFactory(), BranchFactory()
        librarian = StaffFactory(groups=["librarian"], branches=[branch, second])
        ReservationFactory(branch=branch)
        ReservationFactory.create_batch(2, branch=second)
        ReservationFactory.create_batch(4, branch=foreign)
        client.force_login(librarian)

        def submitted(query):
            response = client.get(reverse("staff:dashboard"), query)
            return {c.status: c.count for c in response.context["status_counts"]}["submitted"]

        assert submitted({}) == 3
        assert submitted({"branch": second.pk}) == 2
        assert submitted({"branch": foreign.pk}) == 3
        assert submitted({"branch": "nonsense"}) == 3

    def test_network_admin_sees_every_branch(self, client, branch):
        ReservationFactory(branch=branch)
        ReservationFactory(branch=BranchFactory())
        client.force_login(StaffFactory(groups=["network admin"]))

        response = client.get(reverse("staff:dashboard"))

        assert {c.status: c.count for c in response.context["status_counts"]}["submitted"] == 2

    @pytest.mark.parametrize("orders", [1, 100])
    def test_makes_a_constant_number_of_queries(
        self, client, branch, librarian, orders, django_assert_max_num_queries
    ):
        ReservationFactory.create_batch(
            orders,
            branch=branch,
            submitted_at=timezone.now() - datetime.timedelta(days=3),
            processing_deadline=timezone.now() - datetime.timedelta(days=2),
        )
        client.force_login(librarian)

        with django_assert_max_num_queries(10):
            response = client.get(reverse("staff:dashboard"))

        assert response.status_code == 200
        assert response.context["overdue"].count == orders

    def test_desk_staff_may_see_it_but_patrons_may_not(self, client, branch):
        client.force_login(StaffFactory(groups=["desk"], branches=[branch]))
        assert client.get(reverse("staff:dashboard")).status_code == 200
        client.force_login(StaffFactory(groups=[], branches=[branch]))
        assert client.get(reverse("staff:dashboard")).status_code == 403


class TestCsv:
    def rows(self, response) -> list[list[str]]:
        content = response.content.decode("utf-8")
        assert content.startswith("\ufeff")
        return list(csv.reader(io.StringIO(content[1:])))

    def test_one_row_per_day_and_branch_of_mine(self, client, branch, frozen_now):
        second, foreign = BranchFactory(name="Bibliothèque Goutte d’Or"), BranchFactory()
        librarian = StaffFactory(groups=["librarian"], branches=[branch, second])
        order(branch, submitted=paris(27, 9), ready_after=datetime.timedelta(hours=2))
        order(branch, submitted=paris(27, 10), ready_after=datetime.timedelta(hours=30))
        order(branch, submitted=paris(27, 11))
        order(foreign, submitted=paris(27, 9))
        client.force_login(librarian)

        response = client.get(reverse("staff:dashboard_csv"))

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        header, *rows = self.rows(response)
        assert len(header) == 6
        assert len(rows) == 60
        assert {row[1] for row in rows} == {branch.name, second.name}
        assert ["2026-11-27", branch.name, "3", "2", "1", "50.0"] in rows
        assert ["2026-11-26", branch.name, "0", "0", "0", ""] in rows

    def test_honours_the_branch_filter(self, client, branch, frozen_now):
        second = BranchFactory()
        librarian = StaffFactory(groups=["librarian"], branches=[branch, second])
        client.force_login(librarian)

        rows = self.rows(client.get(reverse("staff:dashboard_csv"), {"branch": second.pk}))[1:]

        assert len(rows) == 30
        assert {row[1] for row in rows} == {second.name}

    @pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+33 1", "-2", "@SUM(A1)"])
    def test_cells_that_would_run_as_formulas_are_quoted(self, client, name, frozen_now):
        risky = BranchFactory(name=name)
        client.force_login(StaffFactory(groups=["desk"], branches=[risky]))

        rows = self.rows(client.get(reverse("staff:dashboard_csv")))[1:]

        assert {row[1] for row in rows} == {"'" + name}

    def test_takes_a_constant_number_of_queries(
        self, client, branch, librarian, django_assert_max_num_queries
    ):
        ReservationFactory.create_batch(20, branch=branch)
        client.force_login(librarian)

        with django_assert_max_num_queries(6):
            assert client.get(reverse("staff:dashboard_csv")).status_code == 200


def test_the_page_speaks_english_too(client, branch, librarian):
    ReservationFactory(branch=branch)
    client.force_login(librarian)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("staff:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<h1>Dashboard</h1>" in html
    assert "orders received." in html
    assert "Tableau de bord" not in html

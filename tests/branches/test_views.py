"""The branches page: every library with its hours, closures, services and distance."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from branches.calendar import is_open_day
from branches.models import PostcodeArea
from branches.selectors import branch_directory
from branches.templatetags.branch_info import closure_period, distance, map_url, weekly_hours
from tests.factories import BranchFactory, ClosureFactory, PatronFactory

pytestmark = pytest.mark.django_db

# Václav Havel (18e), the Canopée (1er) and Marguerite Yourcenar (15e).
HAVEL = {"latitude": Decimal("48.889950"), "longitude": Decimal("2.359870"), "postcode": "75018"}
CANOPEE = {"latitude": Decimal("48.861819"), "longitude": Decimal("2.347644"), "postcode": "75001"}
YOURCENAR = {
    "latitude": Decimal("48.838390"),
    "longitude": Decimal("2.300460"),
    "postcode": "75015",
}
TODAY = timezone.localdate


def names_in_order(response, *names):
    html = response.content.decode()
    positions = [html.index(f">{name}</h2>") for name in names]
    return positions == sorted(positions)


class TestListing:
    def test_lists_every_branch_with_its_address_and_contact(self, client):
        BranchFactory(
            name="Médiathèque Václav Havel",
            address="26 esplanade Nathalie Sarraute",
            phone="01 40 38 65 40",
            email="bib.vaclavhavel@paris.fr",
        )
        BranchFactory(name="Bibliothèque Forney", click_and_collect_enabled=False)

        response = client.get("/branches/")

        assert response.status_code == 200
        assertContains(response, "<h1>Les bibliothèques du réseau</h1>", html=True)
        assertContains(response, "26 esplanade Nathalie Sarraute")
        assertContains(response, '<a href="tel:0140386540">01 40 38 65 40</a>', html=True)
        assertContains(response, 'href="mailto:bib.vaclavhavel@paris.fr"')
        assertContains(response, "Bibliothèque Forney")
        assertContains(response, "Pas de click & collect")
        assertContains(response, "1 bibliothèque sur 2 propose le click & collect.")

    def test_without_a_position_click_and_collect_branches_come_first(self, client):
        BranchFactory(name="Annexe A", click_and_collect_enabled=False)
        BranchFactory(name="Bibliothèque Z")

        response = client.get("/branches/")

        assert names_in_order(response, "Bibliothèque Z", "Annexe A")
        assertNotContains(response, "Les plus proches")

    def test_is_in_english_for_an_english_browser(self, client):
        BranchFactory(accepts_phone_orders=True)

        response = client.get("/branches/", headers={"accept-language": "en"})

        assertContains(response, "Libraries of the network")
        assertContains(response, "Orders by phone: yes")
        assertContains(response, "Tuesday–Saturday")

    def test_links_to_the_map_with_decimal_points_in_french_too(self, client):
        BranchFactory(**HAVEL)

        response = client.get("/branches/")

        assertContains(
            response,
            "https://www.openstreetmap.org/?mlat=48.889950&amp;mlon=2.359870"
            "#map=18/48.889950/2.359870",
        )

    def test_makes_as_many_queries_for_seventy_branches_as_for_one(
        self, client, django_assert_num_queries
    ):
        branch = BranchFactory()
        ClosureFactory(branch=branch)
        PostcodeArea.objects.create(postcode="75018", latitude="48.89", longitude="2.35")
        # Postcode lookup, branches, their hours, their closures.
        with django_assert_num_queries(4):
            client.get("/branches/?postcode=75018")
        for branch in BranchFactory.create_batch(69):
            ClosureFactory(branch=branch)

        with django_assert_num_queries(4):
            response = client.get("/branches/?postcode=75018")

        assert len(response.context["branches"]) == 70

    def test_marks_the_patron_home_branch(self, client):
        home = BranchFactory(name="Médiathèque Václav Havel", **HAVEL)
        BranchFactory(name="Bibliothèque de la Canopée", **CANOPEE)
        client.force_login(PatronFactory(home_branch=home))

        response = client.get("/branches/")

        assertContains(response, "Votre bibliothèque")
        assertContains(response, "Les plus proches de votre bibliothèque, Médiathèque Václav Havel")
        assert names_in_order(response, "Médiathèque Václav Havel", "Bibliothèque de la Canopée")


class TestNearestFirst:
    def test_a_postcode_lists_the_nearest_first_with_their_distance(self, client):
        BranchFactory(name="Médiathèque Václav Havel", **HAVEL)
        BranchFactory(name="Bibliothèque Marguerite Yourcenar", **YOURCENAR)
        BranchFactory(name="Bibliothèque de la Canopée", **CANOPEE)
        PostcodeArea.objects.create(
            postcode="75015", latitude=YOURCENAR["latitude"], longitude=YOURCENAR["longitude"]
        )

        response = client.get("/branches/", {"postcode": "75 015"})

        assert names_in_order(
            response,
            "Bibliothèque Marguerite Yourcenar",
            "Bibliothèque de la Canopée",
            "Médiathèque Václav Havel",
        )
        assertContains(response, "Les plus proches du code postal 75015 d'abord.")
        assertContains(response, "à 10\u00a0m")  # Yourcenar itself
        assertContains(response, "à 4,3\u00a0km")  # the Canopée
        assertContains(response, 'value="75 015"')

    def test_browser_coordinates_list_the_nearest_first(self, client):
        BranchFactory(name="Médiathèque Václav Havel", **HAVEL)
        BranchFactory(name="Bibliothèque de la Canopée", **CANOPEE)

        response = client.get("/branches/", {"lat": "48.8620", "lon": "2.3470"})

        assert names_in_order(response, "Bibliothèque de la Canopée", "Médiathèque Václav Havel")
        assertContains(response, "Les plus proches de votre position d'abord.")

    def test_warns_when_the_nearest_click_and_collect_branch_is_beyond_the_radius(
        self, client, settings
    ):
        settings.RECOMMENDED_RADIUS_KM = 1
        BranchFactory(name="Bibliothèque de la Canopée", click_and_collect_enabled=False, **CANOPEE)
        BranchFactory(name="Médiathèque Václav Havel", **HAVEL)

        response = client.get("/branches/", {"lat": "48.8620", "lon": "2.3470"})

        assertContains(response, "Pas de bibliothèque click & collect tout près")
        assertContains(response, "Médiathèque Václav Havel, est à 3,2\u00a0km")
        assertContains(response, "les 1 km recommandés par le réseau")

    def test_no_warning_within_the_radius(self, client, settings):
        settings.RECOMMENDED_RADIUS_KM = 5
        BranchFactory(**HAVEL)

        response = client.get("/branches/", {"lat": "48.8620", "lon": "2.3470"})

        assertNotContains(response, "tout près")

    def test_no_warning_without_a_position(self, client):
        BranchFactory(**HAVEL)

        assertNotContains(client.get("/branches/"), "tout près")


class TestBadInput:
    def test_an_unknown_postcode_is_reported_and_the_list_still_shown(self, client):
        BranchFactory(name="Médiathèque Václav Havel")

        response = client.get("/branches/", {"postcode": "99999"})

        assert response.status_code == 200
        assertContains(response, "Code postal «\u00a099999\u00a0» introuvable.")
        assertContains(response, 'aria-invalid="true"')
        assertContains(response, "Médiathèque Václav Havel")

    @pytest.mark.parametrize(
        "params",
        [
            {"lat": "nan", "lon": "2.35"},
            {"lat": "91", "lon": "2.35"},
            {"lat": "48.8", "lon": "1e400"},
            {"lat": "'; DROP TABLE branches_branch; --", "lon": ""},
            {"lat": "48.8"},
        ],
    )
    def test_nonsense_coordinates_are_reported(self, client, params):
        BranchFactory()

        response = client.get("/branches/", params)

        assert response.status_code == 200
        assertContains(response, "pas pu lire votre position.")

    def test_markup_in_the_postcode_is_shown_as_text_and_cut(self, client):
        response = client.get("/branches/", {"postcode": "<script>alert(1)</script>" * 100})

        assert response.status_code == 200
        assertNotContains(response, "<script>alert")
        assertContains(response, "&lt;script&gt;alert(1)&lt;/")

    def test_only_reading_is_allowed(self, client):
        assert client.post("/branches/").status_code == 405


class TestOpeningHours:
    def test_identical_consecutive_days_are_merged(self, client):
        BranchFactory(
            hours=[
                (1, "13:00", "19:00"),
                (2, "13:00", "19:00"),
                (3, "13:00", "19:00"),
                (4, "13:00", "19:00"),
                (5, "10:00", "18:00"),
            ]
        )

        response = client.get("/branches/")

        for days, hours in [
            ("Lundi", "fermé"),
            ("Mardi–vendredi", "13:00–19:00"),
            ("Samedi", "10:00–18:00"),
            ("Dimanche", "fermé"),
        ]:
            assertInHTML(
                f'<div class="hours__row"><dt>{days}</dt><dd>{hours}</dd></div>',
                response.content.decode(),
            )

    def test_a_day_with_a_lunch_break_shows_both_intervals(self):
        branch = BranchFactory(hours=[(2, "14:00", "18:00"), (2, "10:00", "12:30")])

        week = weekly_hours(branch)

        assert [(row.days, row.hours) for row in week] == [
            ("lundi–mardi", "fermé"),
            ("mercredi", "10:00–12:30, 14:00–18:00"),
            ("jeudi–dimanche", "fermé"),
        ]

    def test_open_today_follows_the_branch_calendar(self):
        # Friday 1 May 2026 is a public holiday; Monday 4 May an ordinary day.
        everyday = [(day, "10:00", "18:00") for day in range(7)]
        open_branch = BranchFactory(hours=everyday)
        closed_branch = BranchFactory(hours=everyday)
        ClosureFactory(
            branch=closed_branch,
            starts_on=datetime.date(2026, 5, 3),
            ends_on=datetime.date(2026, 5, 5),
        )
        for day in (datetime.date(2026, 5, 1), datetime.date(2026, 5, 4)):
            directory = branch_directory(position=None, today=day)

            for branch in directory.branches:
                assert branch.open_today == is_open_day(branch, day), (branch, day)
        assert not is_open_day(closed_branch, datetime.date(2026, 5, 4))
        assert is_open_day(open_branch, datetime.date(2026, 5, 4))


@pytest.mark.usefixtures("midday")
class TestClosures:
    def test_closures_of_the_next_sixty_days_are_shown_with_their_reason(self, client):
        branch = BranchFactory()
        ClosureFactory(
            branch=branch,
            starts_on=TODAY() + datetime.timedelta(days=10),
            ends_on=TODAY() + datetime.timedelta(days=12),
            reason="Inventaire",
        )
        ClosureFactory(
            branch=branch,
            starts_on=TODAY() + datetime.timedelta(days=61),
            reason="Travaux lointains",
        )
        ClosureFactory(
            branch=branch,
            starts_on=TODAY() - datetime.timedelta(days=5),
            ends_on=TODAY() - datetime.timedelta(days=1),
            reason="Passée",
        )

        response = client.get("/branches/")

        assertContains(response, "Fermetures à venir")
        assertContains(response, "Inventaire")
        assertNotContains(response, "Travaux lointains")
        assertNotContains(response, "Passée")

    def test_a_branch_without_closures_has_no_closures_heading(self, client):
        BranchFactory()

        assertNotContains(client.get("/branches/"), "Fermetures à venir")

    def test_closure_periods_read_as_sentences(self):
        today = TODAY()
        later = today + datetime.timedelta(days=20)
        one_day = ClosureFactory.build(starts_on=later, ends_on=later)
        ongoing = ClosureFactory.build(starts_on=today - datetime.timedelta(days=2), ends_on=later)
        future = ClosureFactory.build(starts_on=later, ends_on=later + datetime.timedelta(days=3))

        assert closure_period(one_day).startswith("fermée le ")
        assert closure_period(ongoing).startswith("fermée jusqu'au ")
        assert closure_period(future).startswith("fermée du ")
        assert " au " in closure_period(future)

    def test_dates_read_as_in_french(self, settings):
        settings.TIME_ZONE = "Europe/Paris"
        closure = ClosureFactory.build(
            starts_on=datetime.date(2099, 12, 24), ends_on=datetime.date(2100, 1, 2)
        )

        assert closure_period(closure) == "fermée du 24 déc. 2099 au 2 jan. 2100"


class TestServices:
    def test_shows_what_each_branch_offers(self, client):
        BranchFactory(
            processing_hours=48,
            pickup_days=7,
            accepts_phone_orders=True,
            accepts_email_orders=False,
        )

        response = client.get("/branches/")

        assertContains(response, "Commandes préparées sous 48 heures d'ouverture")
        assertContains(response, "Retrait dans les 7 jours d'ouverture")
        assertContains(response, "Commandes par téléphone\u00a0: oui")
        assertContains(response, "Commandes par e-mail\u00a0: non")

    def test_a_branch_without_click_and_collect_says_so(self, client):
        BranchFactory(click_and_collect_enabled=False, accepts_phone_orders=True)

        response = client.get("/branches/")

        assertContains(response, "ne prépare pas de commandes click & collect")
        assertNotContains(response, "Commandes par téléphone")


@pytest.mark.parametrize(
    ("kilometres", "shown"),
    [(0.0, "10\u00a0m"), (0.347, "350\u00a0m"), (1.0, "1,0\u00a0km"), (12.345, "12,3\u00a0km")],
)
def test_distances_read_as_walkers_read_them(kilometres, shown):
    assert distance(kilometres) == shown


def test_map_url_is_never_localized():
    branch = BranchFactory.build(latitude=Decimal("48.5"), longitude=Decimal("-2.25"))

    assert map_url(branch).endswith("#map=18/48.500000/-2.250000")

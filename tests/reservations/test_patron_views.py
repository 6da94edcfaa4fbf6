"""The basket and its checkout: the cap, bad input, the choice of branch, errors in both languages.

It is Wednesday 10 June 2026, 10:00 in Paris (the `clock` fixture); the factory branch is open
Tuesday to Saturday 10:00-19:00 and prepares orders within 24 hours.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import PostcodeArea
from catalog.models import Item
from reservations import services
from reservations.models import Reservation
from reservations.ordering import OrderDraft
from tests.factories import BranchFactory, DocumentTypeFactory, ItemFactory, PatronFactory

pytestmark = pytest.mark.django_db

BASKET = "/basket/"


@pytest.fixture
def signed_in(client, patron):
    client.force_login(patron)
    return client


def english(client):
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    return client


def add(client, record, **extra):
    return client.post(
        "/basket/add/",
        {"record": record.pk if hasattr(record, "pk") else record, **extra},
        follow=True,
    )


def basket_ids(client) -> list[int]:
    return OrderDraft.basket(client.session).record_ids


def page_text(response) -> str:
    """Return the page's HTML, French no-break spaces read as plain spaces."""
    return response.content.decode().replace("\N{NO-BREAK SPACE}", " ")


class TestAddresses:
    def test_urls_are_the_public_addresses(self):
        assert reverse("reservations:basket") == "/basket/"
        assert reverse("reservations:basket_add") == "/basket/add/"
        assert reverse("reservations:basket_remove") == "/basket/remove/"
        assert reverse("reservations:checkout") == "/basket/checkout/"
        assert reverse("pickups:my_orders") == "/account/reservations/"
        assert reverse("reservations:cancel", args=["CC-7K3Q9"]) == (
            "/account/reservations/CC-7K3Q9/cancel/"
        )
        assert reverse("reservations:my_loans") == "/account/loans/"

    def test_basket_actions_refuse_get(self, client):
        for path in ("/basket/add/", "/basket/remove/", "/basket/checkout/"):
            assert client.get(path).status_code == 405


class TestBasketPage:
    def test_an_empty_basket_says_so_and_shows_the_cap(self, client):
        response = client.get(BASKET)

        assert response.status_code == 200
        assert "Votre panier est vide." in page_text(response)
        assert "0 document utilisé sur 5" in page_text(response)

    def test_anonymous_visitor_fills_the_basket_and_is_asked_to_sign_in(self, client, shelf):
        record = shelf("Vingt mille lieues sous les mers")

        response = add(client, record)

        assert basket_ids(client) == [record.pk]
        text = page_text(response)
        assert "« Vingt mille lieues sous les mers » est dans votre panier." in text
        assert "Saint-Mars, Dominique de" in text and "Livre" in text
        assert "1 document utilisé sur 5" in text
        assert "Connectez-vous avec votre carte" in text
        assert 'name="branch"' not in text

    def test_the_cap_counts_active_orders_and_the_basket(self, signed_in, patron, branch, shelf):
        services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])
        add(signed_in, shelf())

        text = page_text(signed_in.get(BASKET))

        assert "3 documents utilisés sur 5" in text
        assert "2 dans des commandes pas encore retirées" in text
        assert "1 dans le panier." in text
        assert "Vous pouvez encore en ajouter 2." in text

    def test_the_cap_in_english(self, signed_in, shelf):
        add(english(signed_in), shelf())

        text = page_text(signed_in.get(BASKET))

        assert "1 of 5 documents used" in text
        assert "You can add 4 more." in text

    def test_a_record_that_can_no_longer_be_reserved_drops_out(self, client, shelf):
        kept, dropped = shelf(), shelf()
        add(client, kept)
        add(client, dropped)
        dropped.document_type = DocumentTypeFactory(code="game", reservable_online=False)
        dropped.save()

        text = page_text(client.get(BASKET))

        assert dropped.title not in text
        assert basket_ids(client) == [kept.pk]


class TestAdding:
    def test_the_sixth_document_is_refused_and_nothing_changes(
        self, signed_in, patron, branch, shelf
    ):
        services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])
        for _ in range(3):
            add(signed_in, shelf())
        before = basket_ids(signed_in)

        response = add(signed_in, shelf("Le Petit Prince"))

        assert basket_ids(signed_in) == before
        text = page_text(response)
        assert "Vous pouvez avoir au plus 5 documents dans votre panier" in text
        assert "5 documents utilisés sur 5" in text
        assert "Vous avez atteint la limite de 5 documents." in text

    def test_the_sixth_document_is_refused_in_english(self, client, shelf):
        for _ in range(5):
            add(client, shelf())

        response = add(english(client), shelf())

        assert len(basket_ids(client)) == 5
        assert "You can have at most 5 documents in your basket" in page_text(response)

    def test_a_record_already_in_the_basket_is_not_added_twice(self, client, shelf):
        record = shelf("Bonjour tristesse")
        add(client, record)

        response = add(client, record)

        assert basket_ids(client) == [record.pk]
        assert "« Bonjour tristesse » est déjà dans votre panier." in page_text(response)

    def test_a_record_already_ordered_is_refused(self, signed_in, patron, branch, shelf):
        record = shelf("Bonjour tristesse")
        order = services.submit_reservation(patron=patron, branch=branch, records=[record])

        response = add(signed_in, record)

        assert basket_ids(signed_in) == []
        assert f"« Bonjour tristesse » est déjà dans votre commande {order.reference}." in (
            page_text(response)
        )

    def test_a_record_of_a_type_not_reservable_online_is_refused(self, client, shelf):
        game = DocumentTypeFactory(
            code="game", name_fr="Jeu", name_en="Game", reservable_online=False
        )
        record = shelf("Les Aventuriers du rail", document_type=game)

        response = add(client, record)

        assert basket_ids(client) == []
        assert "« Les Aventuriers du rail » (Jeu) ne peut pas être réservé en ligne." in (
            page_text(response)
        )

    @pytest.mark.parametrize(
        "value", ["999999", "abc", "-3", "0", "1.5", "", "9" * 30, "<script>", "1 OR 1=1"]
    )
    def test_an_unknown_or_malformed_record_id_is_a_clear_message(self, client, value):
        response = client.post("/basket/add/", {"record": value}, follow=True)

        assert response.status_code == 200
        assert basket_ids(client) == []
        assert "Ce document n’est pas dans le catalogue." in page_text(response)

    def test_a_patron_whose_membership_ended_is_told_up_front_and_cannot_add(
        self, client, clock, shelf
    ):
        patron = PatronFactory(membership_expires_on=clock.now.date().replace(month=5, day=31))
        client.force_login(patron)

        page = page_text(client.get(BASKET))
        response = add(client, shelf())

        assert "Vous ne pouvez pas réserver pour le moment" in page
        assert "Votre adhésion a pris fin le 31 mai 2026." in page
        assert basket_ids(client) == []
        assert "Votre adhésion a pris fin le 31 mai 2026" in page_text(response)

    def test_the_patron_goes_back_to_the_page_they_came_from(self, client, shelf):
        record = shelf()

        response = client.post("/basket/add/", {"record": record.pk, "next": "/catalog/?q=max"})

        assert response.status_code == 302
        assert response.url == "/catalog/?q=max"

    @pytest.mark.parametrize(
        "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
    )
    def test_next_to_another_site_is_ignored(self, client, shelf, target):
        response = client.post("/basket/add/", {"record": shelf().pk, "next": target})

        assert response.url == BASKET


class TestRemoving:
    def test_remove_takes_the_document_out(self, client, shelf):
        first, second = shelf("Premier"), shelf("Second")
        add(client, first)
        add(client, second)

        response = client.post("/basket/remove/", {"record": first.pk}, follow=True)

        assert basket_ids(client) == [second.pk]
        assert "« Premier » n’est plus dans votre panier." in page_text(response)

    @pytest.mark.parametrize("value", ["999999", "abc", ""])
    def test_removing_what_is_not_there_changes_nothing(self, client, shelf, value):
        record = shelf()
        add(client, record)

        response = client.post("/basket/remove/", {"record": value}, follow=True)

        assert basket_ids(client) == [record.pk]
        assert "Ce document n’était pas dans votre panier." in page_text(response)


class TestBranchChoice:
    @pytest.fixture
    def paris(self, clock):
        """Three click & collect branches in the north of Paris, one closed to it, postcodes."""
        PostcodeArea.objects.create(
            postcode="75018",
            label="Paris 18e",
            latitude=Decimal("48.892"),
            longitude=Decimal("2.348"),
        )
        PostcodeArea.objects.create(
            postcode="75010",
            label="Paris 10e",
            latitude=Decimal("48.876"),
            longitude=Decimal("2.361"),
        )
        return {
            "havel": BranchFactory(
                name="Médiathèque Václav Havel",
                latitude=Decimal("48.889950"),
                longitude=Decimal("2.359870"),
                hours=[
                    (1, "13:00", "19:00"),
                    (2, "13:00", "19:00"),
                    (3, "13:00", "19:00"),
                    (4, "13:00", "19:00"),
                    (5, "10:00", "18:00"),
                ],
            ),
            "sagan": BranchFactory(
                name="Médiathèque Françoise Sagan",
                postcode="75010",
                latitude=Decimal("48.876400"),
                longitude=Decimal("2.357600"),
            ),
            "duras": BranchFactory(
                name="Médiathèque Marguerite Duras",
                postcode="75020",
                latitude=Decimal("48.857000"),
                longitude=Decimal("2.405000"),
            ),
            "forney": BranchFactory(
                name="Bibliothèque Forney",
                postcode="75004",
                latitude=Decimal("48.853000"),
                longitude=Decimal("2.359000"),
                click_and_collect_enabled=False,
            ),
        }

    def names_in_order(self, text, names):
        positions = {name: text.find(name) for name in names}
        assert all(position >= 0 for position in positions.values()), positions
        return sorted(names, key=positions.get)

    def test_branches_are_listed_nearest_first_from_a_postcode(self, signed_in, paris, shelf):
        record = shelf(at=paris["sagan"])
        add(signed_in, record)

        text = page_text(signed_in.get(BASKET, {"postcode": "75010"}))

        assert "du code postal 75010" in text
        assert self.names_in_order(
            text,
            [
                "Médiathèque Václav Havel",
                "Médiathèque Françoise Sagan",
                "Médiathèque Marguerite Duras",
            ],
        ) == [
            "Médiathèque Françoise Sagan",
            "Médiathèque Václav Havel",
            "Médiathèque Marguerite Duras",
        ]
        assert "Bibliothèque Forney" not in text
        assert 'class="branch-option__distance">0,' in text

    def test_each_branch_shows_its_hours_and_what_it_has_on_the_shelf(
        self, signed_in, paris, shelf
    ):
        both = shelf("Partout", at=paris["havel"])
        ItemFactory(record=both, branch=paris["sagan"])
        only_havel = shelf("Seulement à Havel", at=paris["havel"])
        add(english(signed_in), both)
        add(signed_in, only_havel)

        text = page_text(signed_in.get(BASKET, {"postcode": "75018"}))

        assert "Tue–Fri 13:00–19:00, Sat 10:00–18:00" in text
        assert "2 of 2 on the shelf here" in text
        assert "1 of 2 on the shelf here" in text
        assert "Not on the shelf here: <cite>Seulement à Havel</cite>" in text

    def test_the_nearest_branch_having_everything_is_preselected(self, signed_in, paris, shelf):
        record = shelf(at=paris["duras"])
        add(signed_in, record)

        response = signed_in.get(BASKET, {"postcode": "75010"})

        assert response.context["suggested"] == paris["duras"]
        assert f'value="{paris["duras"].pk}" id="branch-{paris["duras"].pk}" checked' in (
            page_text(response)
        )

    def test_a_notice_when_the_nearest_branch_is_further_than_recommended(
        self, signed_in, paris, shelf
    ):
        add(signed_in, shelf(at=paris["havel"]))

        near = page_text(signed_in.get(BASKET, {"postcode": "75018"}))
        far = page_text(signed_in.get(BASKET, {"lat": "48.8414", "lon": "2.2530"}))

        assert "plus que les 1 km recommandés" not in near
        assert "La bibliothèque la plus proche est à" in far
        assert "plus que les 1 km recommandés" in far
        assert "de votre position" in far

    def test_an_unknown_postcode_is_said_and_the_list_still_shown(self, signed_in, paris, shelf):
        add(signed_in, shelf(at=paris["havel"]))

        text = page_text(signed_in.get(BASKET, {"postcode": "99999"}))

        assert "Nous ne connaissons pas le code postal 99999" in text
        assert "ordre alphabétique" in text
        assert "Médiathèque Václav Havel" in text

    @pytest.mark.parametrize(
        "postcode", ["<script>alert(1)</script>", "x" * 2000, "'; DROP TABLE x; --"]
    )
    def test_a_malformed_postcode_is_an_error_not_a_crash(self, signed_in, paris, shelf, postcode):
        add(signed_in, shelf(at=paris["havel"]))

        response = signed_in.get(BASKET, {"postcode": postcode})

        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in page_text(response)

    def test_the_home_branch_is_the_position_when_none_is_given(self, client, paris, shelf):
        patron = PatronFactory(home_branch=paris["duras"])
        client.force_login(patron)
        add(client, shelf(at=paris["havel"]))

        text = page_text(client.get(BASKET))

        assert "de votre bibliothèque habituelle, Médiathèque Marguerite Duras" in text
        assert text.find("Médiathèque Marguerite Duras</span>") < text.find(
            "Médiathèque Václav Havel</span>"
        )

    def test_without_a_position_the_branches_are_alphabetical(self, signed_in, paris, shelf):
        add(signed_in, shelf(at=paris["havel"]))

        text = page_text(signed_in.get(BASKET))

        assert "ordre alphabétique" in text
        assert self.names_in_order(
            text,
            [
                "Médiathèque Václav Havel",
                "Médiathèque Françoise Sagan",
                "Médiathèque Marguerite Duras",
            ],
        ) == [
            "Médiathèque Françoise Sagan",
            "Médiathèque Marguerite Duras",
            "Médiathèque Václav Havel",
        ]

    def test_the_page_makes_as_many_queries_for_many_branches_and_documents(
        self, signed_in, paris, shelf
    ):
        add(signed_in, shelf(at=paris["havel"]))
        with CaptureQueriesContext(connection) as few:
            signed_in.get(BASKET, {"postcode": "75018"})
        for _ in range(4):
            add(signed_in, shelf(at=paris["sagan"]))
        BranchFactory.create_batch(5)
        with CaptureQueriesContext(connection) as many:
            signed_in.get(BASKET, {"postcode": "75018"})

        assert len(many) == len(few)


class TestCheckout:
    def fill(self, client, *records):
        for record in records:
            add(client, record)

    def test_anonymous_checkout_asks_to_sign_in_and_keeps_the_basket(self, client, branch, shelf):
        record = shelf()
        self.fill(client, record)

        response = client.post("/basket/checkout/", {"branch": branch.pk})

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=/basket/")
        assert basket_ids(client) == [record.pk]
        assert not Reservation.objects.exists()

    def test_checkout_places_the_order_and_empties_the_basket(
        self, signed_in, patron, branch, shelf
    ):
        records = [shelf("Un"), shelf("Deux")]
        self.fill(signed_in, *records)

        response = signed_in.post(
            "/basket/checkout/",
            {"branch": branch.pk, "records": [record.pk for record in records]},
            follow=True,
        )

        order = Reservation.objects.get(patron=patron)
        assert response.redirect_chain == [("/account/reservations/", 302)]
        assert basket_ids(signed_in) == []
        assert sorted(line.record_id for line in order.lines.all()) == sorted(r.pk for r in records)
        text = page_text(response)
        assert (
            f"Merci ! Votre commande {order.reference} est enregistrée à Médiathèque Václav Havel."
            in text
        )
        assert "prête au plus tard le jeudi 11 juin 2026 à 10:00" in text

    def test_checkout_message_in_english(self, signed_in, patron, branch, shelf):
        self.fill(english(signed_in), shelf())

        response = signed_in.post("/basket/checkout/", {"branch": branch.pk}, follow=True)

        order = Reservation.objects.get(patron=patron)
        assert f"Thank you! Your order {order.reference} is registered" in page_text(response)
        assert "by Thursday 11 June 2026 at 10:00 at the latest" in page_text(response)

    @pytest.mark.parametrize("language", ["fr", "en"])
    def test_an_error_of_the_service_is_shown_in_the_patrons_language_basket_intact(
        self, signed_in, branch, shelf, language
    ):
        record = shelf("L’Étranger")
        self.fill(signed_in, record)
        Item.objects.filter(record=record).update(status=Item.Status.ON_LOAN)
        if language == "en":
            english(signed_in)

        response = signed_in.post(
            "/basket/checkout/", {"branch": branch.pk, "postcode": "75018"}, follow=True
        )

        assert response.redirect_chain == [("/basket/?postcode=75018", 302)]
        expected = {
            "fr": "« L’Étranger » n’est plus disponible à Médiathèque Václav Havel.",
            "en": "“L’Étranger” is no longer available at Médiathèque Václav Havel.",
        }[language]
        assert expected in page_text(response)
        assert basket_ids(signed_in) == [record.pk]
        assert not Reservation.objects.exists()

    def test_the_cap_is_enforced_at_checkout_too(self, client, patron, branch, shelf):
        """Filled before signing in, with orders placed meanwhile: the service says no."""
        self.fill(client, *[shelf() for _ in range(4)])
        services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])
        client.force_login(patron)

        page = page_text(client.get(BASKET))
        response = client.post("/basket/checkout/", {"branch": branch.pk}, follow=True)

        assert "6 documents utilisés sur 5" in page
        assert "Vous pouvez avoir au plus 5 documents à la fois" in page
        assert "vous en avez déjà 2" in page_text(response)
        assert len(basket_ids(client)) == 4
        assert Reservation.objects.count() == 1

    def test_an_expired_membership_is_refused_at_checkout(self, client, clock, branch, shelf):
        record = shelf()
        self.fill(client, record)
        client.force_login(PatronFactory(membership_expires_on=clock.now.date().replace(day=1)))

        response = client.post("/basket/checkout/", {"branch": branch.pk}, follow=True)

        assert "Votre adhésion a pris fin le 1 juin 2026" in page_text(response)
        assert basket_ids(client) == [record.pk]

    def test_an_empty_basket_cannot_be_checked_out(self, signed_in, branch):
        response = signed_in.post("/basket/checkout/", {"branch": branch.pk}, follow=True)

        assert "Choisissez au moins un document." in page_text(response)
        assert not Reservation.objects.exists()

    @pytest.mark.parametrize(
        "posted, message",
        [
            ({}, "Choisissez la bibliothèque où vous retirerez vos documents."),
            ({"branch": "999999"}, "Cette bibliothèque est inconnue"),
            ({"branch": "abc"}, "Cette bibliothèque est inconnue"),
            ({"branch": "1; DROP TABLE branches_branch"}, "Cette bibliothèque est inconnue"),
        ],
    )
    def test_a_tampered_or_missing_branch_is_a_clear_message(
        self, signed_in, shelf, posted, message
    ):
        record = shelf()
        self.fill(signed_in, record)

        response = signed_in.post("/basket/checkout/", posted, follow=True)

        assert response.status_code == 200
        assert message in page_text(response)
        assert basket_ids(signed_in) == [record.pk]
        assert not Reservation.objects.exists()

    def test_a_branch_with_click_and_collect_off_is_refused_by_name(self, signed_in, shelf):
        closed = BranchFactory(name="Bibliothèque Forney", click_and_collect_enabled=False)
        record = shelf(at=closed)
        self.fill(signed_in, record)

        response = signed_in.post("/basket/checkout/", {"branch": closed.pk}, follow=True)

        assert "Bibliothèque Forney ne propose pas" in page_text(response)
        assert basket_ids(signed_in) == [record.pk]
        assert not Reservation.objects.exists()

    @pytest.mark.parametrize("tamper", ["foreign", "missing", "garbage"])
    def test_records_other_than_the_basket_are_refused(self, signed_in, branch, shelf, tamper):
        inside, outside = shelf(), shelf()
        self.fill(signed_in, inside)
        records = {
            "foreign": [inside.pk, outside.pk],
            "missing": [outside.pk],
            "garbage": ["x"],
        }[tamper]

        response = signed_in.post(
            "/basket/checkout/", {"branch": branch.pk, "records": records}, follow=True
        )

        assert "Votre panier a changé depuis l’affichage de la page" in page_text(response)
        assert basket_ids(signed_in) == [inside.pk]
        assert not Reservation.objects.exists()

    def test_the_checkout_form_is_a_radio_group_with_a_legend(self, signed_in, branch, shelf):
        self.fill(signed_in, shelf())

        text = page_text(signed_in.get(BASKET))

        assert "<fieldset" in text and "Bibliothèque de retrait</legend>" in text
        assert f'<label class="branch-option__label" for="branch-{branch.pk}">' in text
        assert 'type="radio" name="branch"' in text
        assert 'style="' not in text

    def test_signing_out_empties_the_basket(self, client, shelf):
        add(client, shelf("Chez Camille"))
        client.force_login(PatronFactory())
        client.logout()

        assert "Chez Camille" not in page_text(client.get(BASKET))


class TestCheckoutSentTwice:
    def test_the_same_form_sent_again_shows_the_order_it_placed(
        self, signed_in, patron, branch, shelf
    ):
        record = shelf(copies=2)
        add(signed_in, record)
        page = signed_in.get(BASKET).content.decode()
        key = page.split('name="submission" value="')[1].split('"')[0]
        form = {"branch": branch.pk, "records": [record.pk], "submission": key}

        signed_in.post("/basket/checkout/", form)
        again = signed_in.post("/basket/checkout/", form, follow=True)

        order = Reservation.objects.get(patron=patron)
        assert again.redirect_chain == [("/account/reservations/", 302)]
        assert f"Votre commande {order.reference} était déjà enregistrée" in page_text(again)
        assert order.lines.count() == 1

    def test_each_showing_of_the_basket_draws_a_new_key(self, signed_in, shelf):
        add(signed_in, shelf())

        keys = {
            signed_in.get(BASKET).content.decode().split('name="submission" value="')[1][:40]
            for _ in range(2)
        }

        assert len(keys) == 2

    def test_a_document_ordered_elsewhere_leaves_the_basket(self, signed_in, patron, branch, shelf):
        record = shelf(copies=2)
        add(signed_in, record)
        services.submit_reservation(patron=patron, branch=branch, records=[record])  # a phone

        signed_in.get(BASKET)

        assert basket_ids(signed_in) == []

    def test_a_malformed_key_is_refused_plainly(self, signed_in, branch, shelf):
        record = shelf()
        add(signed_in, record)

        response = signed_in.post(
            "/basket/checkout/", {"branch": branch.pk, "submission": "<script>"}, follow=True
        )

        assert not Reservation.objects.exists()
        assert response.status_code == 200

"""The help page: the guide to click & collect, with the network's own figures."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db


def test_explains_the_steps_in_french(client):
    response = client.get("/help/")

    assert response.status_code == 200
    assertContains(response, "<h1>Comment fonctionne le click & collect</h1>", html=True)
    for text in (
        "Trouvez vos documents",
        "Remplissez votre panier",
        "Choisissez votre bibliothèque",
        "sous 24 ou 48 heures",
        "les jours de fermeture et les jours fériés ne sont pas comptés",
        "Vous recevez un e-mail",
        "avec votre carte de bibliothèque",
        "Un sac pour emporter vos documents",
    ):
        assertContains(response, text)


def test_states_the_configured_cap(client, settings):
    assertContains(client.get("/help/"), "Vous pouvez réserver jusqu'à 5 documents à la fois")

    settings.MAX_ACTIVE_ITEMS = 3

    response = client.get("/help/")
    assertContains(response, "Vous pouvez réserver jusqu'à 3 documents à la fois")
    assertContains(response, "Mettez jusqu'à 3 documents dans votre panier")
    assertNotContains(response, "jusqu'à 5 documents")


def test_explains_the_rules(client):
    response = client.get("/help/")

    assertContains(response, "commandes pas encore retirées")
    assertContains(response, "la commande expire et les documents retournent en rayon")
    assertContains(response, "Vous pouvez annuler une commande")


def test_gives_the_pickup_window_of_the_branches(client):
    BranchFactory(pickup_days=10, processing_hours=24)

    response = client.get("/help/")

    assertContains(response, "vos documents vous attendent 10 jours d'ouverture")
    assertContains(response, "Délai de préparation\u00a0: 24 heures d'ouverture.")


def test_gives_the_range_when_branches_differ(client):
    BranchFactory(pickup_days=5, processing_hours=24)
    BranchFactory(pickup_days=10, processing_hours=48)
    # A branch without click & collect does not count.
    BranchFactory(pickup_days=60, click_and_collect_enabled=False)

    response = client.get("/help/")

    assertContains(response, "de 5 à 10 jours d'ouverture selon la bibliothèque")
    assertContains(response, "24 ou 48 heures d'ouverture selon la bibliothèque")


def test_falls_back_on_the_default_pickup_window_without_branches(client, settings):
    settings.DEFAULT_PICKUP_DAYS = 8

    assertContains(client.get("/help/"), "vos documents vous attendent 8 jours d'ouverture")


def test_lists_the_branches_that_take_phone_or_email_orders(client):
    BranchFactory(
        name="Médiathèque Václav Havel", accepts_phone_orders=True, phone="01 40 38 65 40"
    )
    BranchFactory(name="Bibliothèque Goutte d'Or", accepts_email_orders=True, email="gdo@paris.fr")
    BranchFactory(name="Bibliothèque Internet seulement")
    BranchFactory(
        name="Bibliothèque Forney", click_and_collect_enabled=False, accepts_phone_orders=True
    )

    response = client.get("/help/")

    assertContains(response, "Médiathèque Václav Havel")
    assertContains(response, '<a href="tel:0140386540">01 40 38 65 40</a>', html=True)
    assertContains(response, '<a href="mailto:gdo@paris.fr">gdo@paris.fr</a>', html=True)
    assertNotContains(response, "Bibliothèque Internet seulement")
    assertNotContains(response, "Bibliothèque Forney")


def test_answers_the_usual_questions(client):
    response = client.get("/help/")

    assertContains(response, "J'ai oublié mon mot de passe.")
    assertContains(response, 'href="/accounts/password-reset/"')
    assertContains(
        response, "renouvelez votre adhésion à l'accueil de n'importe quelle bibliothèque"
    )
    assertContains(response, "Renseignez-vous auprès de votre bibliothèque")
    assertContains(response, "À l'accueil, comme d'habitude")


def test_links_to_the_branches_and_the_catalogue(client):
    response = client.get("/help/")

    assertContains(response, 'href="/branches/"')
    assertContains(response, 'href="/catalog/"')


def test_is_complete_in_english(client):
    response = client.get("/help/", headers={"accept-language": "en"})

    assertContains(response, "How click & collect works")
    assertContains(response, "You can reserve up to 5 documents at a time")
    assertContains(response, "Can someone collect my documents for me?")
    assertNotContains(response, "Comment")


def test_makes_a_fixed_number_of_queries(client, django_assert_num_queries):
    BranchFactory.create_batch(5, accepts_phone_orders=True)

    # The service figures and the branches taking remote orders.
    with django_assert_num_queries(2):
        client.get("/help/")


def test_home_links_to_the_guide_and_the_branches(client):
    BranchFactory()

    response = client.get("/")

    assertContains(response, 'href="/help/"')
    assertContains(response, 'href="/branches/"')

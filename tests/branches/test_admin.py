"""The branch admin: what a network admin types, including mistakes."""

import pytest

from branches.models import Branch, OpeningHours
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/branches/branch/add/"


def branch_form(hours=(), closures=(), **fields) -> dict:
    data = {
        "name": "Médiathèque Václav Havel",
        "code": "vaclav-havel",
        "address": "26 esplanade Nathalie Sarraute",
        "postcode": "75018",
        "city": "Paris",
        "latitude": "48.889950",
        "longitude": "2.359870",
        "click_and_collect_enabled": "on",
        "processing_hours": "24",
        "pickup_days": "10",
        "slot_minutes": "15",
        "patrons_per_slot": "2",
        "opening_hours-TOTAL_FORMS": str(len(hours)),
        "opening_hours-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": str(len(closures)),
        "closures-INITIAL_FORMS": "0",
        "pickup_hours-TOTAL_FORMS": "0",
        "pickup_hours-INITIAL_FORMS": "0",
    }
    for index, (weekday, opens, closes) in enumerate(hours):
        data |= {
            f"opening_hours-{index}-weekday": str(weekday),
            f"opening_hours-{index}-opens_at": opens,
            f"opening_hours-{index}-closes_at": closes,
        }
    for index, (starts, ends) in enumerate(closures):
        data |= {f"closures-{index}-starts_on": starts, f"closures-{index}-ends_on": ends}
    return data | fields


def test_admin_creates_a_branch_with_its_hours_and_closures(admin_client):
    response = admin_client.post(
        ADD_URL,
        branch_form(
            hours=[(1, "10:00", "13:00"), (1, "14:00", "19:00"), (5, "10:00", "18:00")],
            closures=[("2026-12-24", "2027-01-02")],
        ),
    )

    assert response.status_code == 302, response.context["adminform"].errors
    branch = Branch.objects.get(code="vaclav-havel")
    assert branch.opening_hours.count() == 3
    assert branch.closures.get().ends_on.isoformat() == "2027-01-02"


@pytest.mark.parametrize(
    ("field", "value"), [("latitude", "95"), ("longitude", "-200"), ("latitude", "abc")]
)
def test_invalid_coordinates_are_a_validation_error_not_a_crash(admin_client, field, value):
    response = admin_client.post(ADD_URL, branch_form(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Branch.objects.exists()


def test_opening_hours_closing_before_opening_are_a_validation_error(admin_client):
    response = admin_client.post(
        ADD_URL, branch_form(hours=[(1, "19:00", "10:00")]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "The closing time must be after the opening time." in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )
    assert not Branch.objects.exists()


def test_overlapping_opening_hours_are_a_validation_error(admin_client):
    response = admin_client.post(
        ADD_URL,
        branch_form(hours=[(2, "10:00", "14:00"), (2, "13:00", "19:00")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors() == ["The opening hours of Wednesday overlap."]
    assert not OpeningHours.objects.exists()


def test_closure_ending_before_it_starts_is_a_validation_error(admin_client):
    response = admin_client.post(
        ADD_URL, branch_form(closures=[("2026-12-24", "2026-12-20")]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "The last day cannot be before the first day." in str(
        response.context["inline_admin_formsets"][1].formset.errors
    )


def test_errors_are_shown_in_french_to_a_french_admin(admin_client):
    response = admin_client.post(ADD_URL, branch_form(latitude="95"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert "Assurez-vous que cette valeur est inférieure ou égale à 90" in response.content.decode()


def test_changelist_lists_and_searches_branches(admin_client):
    BranchFactory(name="Médiathèque Françoise Sagan", postcode="75010")
    BranchFactory(name="Bibliothèque Saint-Simon", postcode="75007")

    response = admin_client.get("/admin/branches/branch/", {"q": "75010"})

    assert response.status_code == 200
    assert [b.name for b in response.context["cl"].result_list] == ["Médiathèque Françoise Sagan"]


def test_opening_hours_are_shown_without_seconds(admin_client):
    branch = BranchFactory(hours=[(1, "10:00", "19:00")])

    response = admin_client.get(f"/admin/branches/branch/{branch.pk}/change/")

    content = response.content.decode()
    assert 'value="10:00"' in content
    assert 'value="10:00:00"' not in content


def test_admin_is_titled_with_the_network_name(admin_client, settings):
    response = admin_client.get("/admin/")

    assert settings.NETWORK_NAME in response.content.decode()
    assert "Django" not in response.context["site_header"]

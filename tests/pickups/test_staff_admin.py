"""The branch admin's appointment settings and pickup hours; the read-only pickup admins."""

import pytest

from branches.models import Branch
from pickups.models import Arrival
from tests.branches.test_admin import ADD_URL, branch_form
from tests.factories import BranchFactory
from tests.pickups.conftest import ready_order

pytestmark = pytest.mark.django_db


def with_pickup_hours(data: dict, hours) -> dict:
    data = data | {"pickup_hours-TOTAL_FORMS": str(len(hours))}
    for index, (weekday, starts, ends) in enumerate(hours):
        data |= {
            f"pickup_hours-{index}-weekday": str(weekday),
            f"pickup_hours-{index}-starts_at": starts,
            f"pickup_hours-{index}-ends_at": ends,
        }
    return data


def test_admin_saves_the_appointment_settings_and_pickup_hours(admin_client):
    data = with_pickup_hours(
        branch_form(
            hours=[(1, "10:00", "19:00")],
            appointments_enabled="on",
            slot_minutes="20",
            patrons_per_slot="3",
        ),
        [(1, "10:00", "12:00"), (1, "14:00", "18:00"), (3, "16:00", "19:00")],
    )

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 302, response.context["adminform"].errors
    branch = Branch.objects.get(code="vaclav-havel")
    assert (branch.appointments_enabled, branch.slot_minutes, branch.patrons_per_slot) == (
        True,
        20,
        3,
    )
    assert [
        (row.weekday, f"{row.starts_at:%H:%M}", f"{row.ends_at:%H:%M}")
        for row in branch.pickup_hours.order_by("weekday", "starts_at")
    ] == [(1, "10:00", "12:00"), (1, "14:00", "18:00"), (3, "16:00", "19:00")]


def test_the_form_shows_the_settings_and_the_pickup_hours(admin_client):
    html = admin_client.get(ADD_URL).content.decode()
    for name in ("appointments_enabled", "slot_minutes", "patrons_per_slot"):
        assert f'name="{name}"' in html
    assert 'name="pickup_hours-TOTAL_FORMS"' in html


def test_overlapping_pickup_hours_are_refused(admin_client):
    data = with_pickup_hours(branch_form(), [(2, "10:00", "13:00"), (2, "12:00", "15:00")])

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert not Branch.objects.filter(code="vaclav-havel").exists()
    assert "mercredi" in response.content.decode()


def test_pickup_hours_ending_before_they_start_are_refused(admin_client):
    data = with_pickup_hours(branch_form(), [(2, "15:00", "10:00")])
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert not Branch.objects.filter(code="vaclav-havel").exists()


def test_a_slot_shorter_than_five_minutes_is_refused(admin_client):
    response = admin_client.post(ADD_URL, branch_form(slot_minutes="3"))
    assert response.status_code == 200
    assert "slot_minutes" in response.context["adminform"].form.errors


def test_arrivals_are_listed_but_not_editable(admin_client):
    arrival = Arrival.objects.create(
        reservation=ready_order(BranchFactory()),
        arrived_at="2026-11-30T11:00:00+01:00",
        note="voiture bleue",
    )
    assert "voiture bleue" in admin_client.get("/admin/pickups/arrival/").content.decode()
    assert admin_client.get("/admin/pickups/arrival/add/").status_code == 403
    response = admin_client.post(
        f"/admin/pickups/arrival/{arrival.pk}/change/", {"note": "changed"}
    )
    assert response.status_code == 403
    arrival.refresh_from_db()
    assert arrival.note == "voiture bleue"

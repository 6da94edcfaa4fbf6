"""Signed links: one order, one purpose, a limited life; a bad link shows no order's data."""

import datetime
import re

import pytest
from django.utils import translation

from pickups.links import LinkExpired, LinkInvalid, make_token, read_token
from pickups.models import Arrival
from tests.pickups.helpers import (  # noqa: F401
    clock,
    order_with_documents,
    page_text,
    path,
    token_made_days_ago,
)

PURPOSES = ["order", "slot", "arrival", "cancel"]
SUFFIX = {"order": "", "slot": "slot/", "arrival": "here/", "cancel": "cancel/"}


def _reads(token: str, purpose: str) -> bool:
    try:
        read_token(token, purpose=purpose)
    except (LinkInvalid, LinkExpired):
        return False
    return True


def tampered(token: str) -> str:
    """Change one character of the signed data (not of the signature)."""
    position = 3
    swapped = "A" if token[position] != "A" else "B"
    return token[:position] + swapped + token[position + 1 :]


@pytest.fixture(autouse=True)
def _default_language_after(settings):
    yield
    translation.activate(settings.LANGUAGE_CODE)


class TestTokens:
    @pytest.mark.parametrize("purpose", PURPOSES)
    def test_a_token_opens_its_order_for_its_purpose(self, purpose):
        target = read_token(make_token(reservation_id=42, purpose=purpose), purpose=purpose)

        assert (target.reservation_id, target.purpose) == (42, purpose)

    @pytest.mark.parametrize("purpose", PURPOSES)
    @pytest.mark.parametrize("other", PURPOSES)
    def test_a_token_of_another_purpose_is_refused(self, purpose, other):
        if purpose == other:
            return
        with pytest.raises(LinkInvalid):
            read_token(make_token(reservation_id=42, purpose=other), purpose=purpose)

    def test_a_tampered_token_is_refused(self):
        token = make_token(reservation_id=42, purpose="order")

        with pytest.raises(LinkInvalid):
            read_token(tampered(token), purpose="order")

    @pytest.mark.parametrize("token", ["", "x", "a:b:c", "." * 40, "é" * 10])
    def test_garbage_is_refused(self, token):
        with pytest.raises(LinkInvalid):
            read_token(token, purpose="order")

    def test_a_token_older_than_links_live_has_expired(self, monkeypatch, settings):
        settings.PICKUP_LINK_MAX_AGE_DAYS = 30
        old = token_made_days_ago(31, reservation_id=42, purpose="order")
        recent = token_made_days_ago(29, reservation_id=42, purpose="order")

        assert read_token(recent, purpose="order").reservation_id == 42
        with pytest.raises(LinkExpired):
            read_token(old, purpose="order")

    def test_the_life_of_links_is_a_setting(self, monkeypatch, settings):
        token = token_made_days_ago(3, reservation_id=42, purpose="order")

        settings.PICKUP_LINK_MAX_AGE_DAYS = 2
        with pytest.raises(LinkExpired):
            read_token(token, purpose="order")

    def test_a_token_carries_its_expiry_whatever_the_setting_says_later(self):
        soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        gone = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)

        alive = read_token(
            make_token(reservation_id=42, purpose="slot", expires_at=soon), purpose="slot"
        )

        assert int(alive.expires_at.timestamp()) == int(soon.timestamp())
        with pytest.raises(LinkExpired):
            read_token(
                make_token(reservation_id=42, purpose="slot", expires_at=gone), purpose="slot"
            )

    def test_unknown_purposes_cannot_be_made(self):
        with pytest.raises(ValueError):
            make_token(reservation_id=42, purpose="collect")


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
class TestPages:
    @pytest.fixture
    def order(self, appointment_branch):
        return order_with_documents(appointment_branch, "Le Petit Prince")

    @pytest.fixture
    def other(self, appointment_branch):
        return order_with_documents(appointment_branch, "Les Misérables")

    @pytest.mark.parametrize("purpose", PURPOSES)
    def test_a_valid_link_opens_its_page(self, client, order, purpose):
        response = client.get(path(order, purpose))

        assert response.status_code == 200
        assert order.reference in page_text(response)

    def test_the_links_of_a_page_expire_with_the_link_that_opened_it(
        self, client, order, monkeypatch
    ):
        # Opened with a link made 29 days ago: one day left.
        opened_with = token_made_days_ago(29, reservation_id=order.pk, purpose="order")

        response = client.get(f"/pickup/{opened_with}/")

        tokens = re.findall(r'/pickup/([^/"]+)/(?:slot|here|cancel)/', response.content.decode())
        assert tokens
        first = read_token(opened_with, purpose="order").expires_at
        for token in tokens:
            purpose = next(p for p in PURPOSES[1:] if _reads(token, p))
            assert read_token(token, purpose=purpose).expires_at == first

    @pytest.mark.parametrize("purpose", PURPOSES)
    def test_a_tampered_link_is_a_clear_400_with_no_order_data(self, client, order, purpose):
        token = make_token(reservation_id=order.pk, purpose=purpose)
        response = client.get(f"/pickup/{tampered(token)}/{SUFFIX[purpose]}")
        text = page_text(response)

        assert response.status_code == 400
        assert "Ce lien ne fonctionne pas" in text
        assert order.reference not in text and "Le Petit Prince" not in text

    @pytest.mark.parametrize("purpose", ["slot", "arrival", "cancel"])
    def test_a_link_of_another_purpose_is_refused(self, client, order, purpose):
        order_token = make_token(reservation_id=order.pk, purpose="order")
        response = client.get(f"/pickup/{order_token}/{SUFFIX[purpose]}")

        assert response.status_code == 400
        assert order.reference not in page_text(response)

    def test_a_slot_link_does_not_open_the_order_page(self, client, order):
        slot_token = make_token(reservation_id=order.pk, purpose="slot")

        assert client.get(f"/pickup/{slot_token}/").status_code == 400

    def test_a_posted_form_with_a_link_of_another_purpose_changes_nothing(self, client, order):
        arrival_token = make_token(reservation_id=order.pk, purpose="arrival")
        response = client.post(
            f"/pickup/{arrival_token}/slot/", {"starts_at": "2026-12-01T10:00:00+01:00"}
        )

        assert response.status_code == 400
        assert not order.appointments.exists()

    def test_an_expired_link_is_a_clear_410(self, client, order, monkeypatch):
        token = token_made_days_ago(31, reservation_id=order.pk, purpose="order")
        response = client.get(f"/pickup/{token}/")
        text = page_text(response)

        assert response.status_code == 410
        assert "Ce lien a expiré" in text
        assert order.reference not in text

    def test_an_expired_link_reads_in_english_for_an_english_browser(
        self, client, order, monkeypatch
    ):
        token = token_made_days_ago(31, reservation_id=order.pk, purpose="arrival")
        response = client.get(f"/pickup/{token}/here/", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 410
        assert "This link has expired" in page_text(response)

    def test_an_expired_link_posted_changes_nothing(self, client, order, monkeypatch):
        token = token_made_days_ago(31, reservation_id=order.pk, purpose="arrival")

        assert client.post(f"/pickup/{token}/here/", {"note": "là"}).status_code == 410
        assert not Arrival.objects.exists()

    def test_one_order_s_link_shows_nothing_of_another(self, client, order, other):
        text = page_text(client.get(path(order)))

        assert order.reference in text and "Le Petit Prince" in text
        assert other.reference not in text and "Les Misérables" not in text

    def test_a_link_to_an_order_since_deleted_says_so(self, client, order):
        url = path(order)
        order.lines.all().delete()
        order.delete()

        response = client.get(url)

        assert response.status_code == 404
        assert "Cette commande n’existe plus" in page_text(response)

    def test_a_link_with_another_order_id_signed_by_someone_else_is_refused(
        self, client, order, other, settings
    ):
        settings.SECRET_KEY = "an attacker's key"
        forged = make_token(reservation_id=other.pk, purpose="order")
        settings.SECRET_KEY = "x" * 50

        assert client.get(f"/pickup/{forged}/").status_code == 400

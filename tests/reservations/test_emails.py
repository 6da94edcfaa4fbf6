"""The patron's e-mails about an order, rendered through the outbox in French and in English.

Each is checked for the facts the patron needs: the order reference, the branch and its address,
the documents, the dates (in Paris time), what to bring, and the link to the orders page.
"""

import pytest

from notifications.models import Notification
from reservations import services

from .conftest import paris, pick_all

pytestmark = pytest.mark.django_db

ORDERS_PAGE = "http://testserver.example/account/reservations/"

# Facts written differently in each language.
WORDS = {
    "fr": {
        "ready_deadline": "mercredi 24 juin 2026 à 19:00",
        "processing_deadline": "jeudi 11 juin 2026 à 10:00",
        "bring": "votre carte de bibliothèque",
        "tuesday": "mardi",
        "unavailable": "introuvable",
        "cancelled": "annulée",
    },
    "en": {
        "ready_deadline": "Wednesday 24 June 2026 at 19:00",
        "processing_deadline": "Thursday 11 June 2026 at 10:00",
        "bring": "your library card",
        "tuesday": "Tuesday",
        "unavailable": "could not be found",
        "cancelled": "cancelled",
    },
}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


@pytest.fixture(params=["fr", "en"])
def language(request, patron):
    patron.preferred_language = request.param
    patron.save(update_fields=["preferred_language"])
    return request.param


@pytest.fixture
def titled_order(language, patron, branch, shelf):
    records = [shelf("L'Écume des jours & autres"), shelf("Zazie dans le métro")]
    return services.submit_reservation(patron=patron, branch=branch, records=records)


def mail(kind: str, pk: int) -> Notification:
    return Notification.objects.get(dedup_key=f"{kind}:{pk}")


def assert_common_facts(sent: Notification, reservation, language: str) -> None:
    assert sent.language == language
    assert reservation.reference in sent.subject
    for body in (sent.body_text, sent.body_html):
        assert reservation.reference in body
        assert ORDERS_PAGE in body
    assert f'<html lang="{language}">' in sent.body_html
    # Plain text is not HTML-escaped; HTML is.
    assert "L'Écume des jours & autres" in sent.body_text
    assert "L&#x27;Écume des jours &amp; autres" in sent.body_html


class TestReceived:
    def test_lists_the_documents_branch_and_processing_deadline(self, titled_order, language):
        sent = mail("reservation_received", titled_order.pk)

        assert_common_facts(sent, titled_order, language)
        assert "Zazie dans le métro" in sent.body_text
        assert "Médiathèque Václav Havel" in sent.body_text
        assert "26 esplanade Nathalie Sarraute, 75018 Paris" in sent.body_text
        assert WORDS[language]["processing_deadline"] in sent.body_text
        assert WORDS[language]["processing_deadline"] in sent.body_html

    def test_subject_is_one_line_in_the_patrons_language(self, titled_order, language):
        subject = mail("reservation_received", titled_order.pk).subject

        assert "\n" not in subject
        expected = "Votre commande" if language == "fr" else "Your order"
        assert subject.startswith(expected)

    def test_a_deadline_at_midnight_reads_as_the_day_before(
        self, clock, language, patron, branch, shelf
    ):
        clock.set(2026, 6, 14, 11, 0)  # a Sunday: the branch (Tuesday-Saturday) is closed
        order = services.submit_reservation(patron=patron, branch=branch, records=[shelf()])

        body = mail("reservation_received", order.pk).body_text

        # 24 h counted from Tuesday 00:00: ready by the end of Tuesday, not "Wednesday 00:00".
        expected = {"fr": "mardi 16 juin 2026.", "en": "Tuesday 16 June 2026 at the latest"}
        assert expected[language] in body
        assert "00:00" not in body


class TestReady:
    @pytest.fixture
    def ready(self, titled_order, librarian, clock):
        clock.set(2026, 6, 10, 15, 0)
        pick_all(titled_order, librarian)
        return services.mark_ready(reservation=titled_order, by=librarian)

    def test_tells_where_until_when_and_what_to_bring(self, ready, language):
        sent = mail("reservation_ready", ready.pk)

        assert_common_facts(sent, ready, language)
        assert "Médiathèque Václav Havel" in sent.subject
        for body in (sent.body_text, sent.body_html):
            assert "26 esplanade Nathalie Sarraute, 75018 Paris" in body
            assert "01 40 38 65 40" in body
            assert WORDS[language]["ready_deadline"] in body
            assert WORDS[language]["bring"] in body
            assert WORDS[language]["tuesday"] in body
            assert "10:00–19:00" in body

    def test_deadline_is_shown_in_paris_time_whatever_the_active_zone(
        self, titled_order, librarian, clock, language, settings
    ):
        settings.TIME_ZONE = "Europe/Paris"
        clock.set(2026, 6, 10, 15, 0)
        pick_all(titled_order, librarian)
        from django.utils import timezone as tz

        with tz.override("America/New_York"):
            ready = services.mark_ready(reservation=titled_order, by=librarian)

        assert WORDS[language]["ready_deadline"] in mail("reservation_ready", ready.pk).body_text

    def test_names_the_documents_not_found(self, titled_order, librarian, language):
        missing, found = titled_order.lines.select_related("item", "record").order_by("pk")
        services.report_missing(line=missing, by=librarian)
        services.confirm_pick(line=found, barcode=found.item.barcode, by=librarian)

        ready = services.mark_ready(reservation=titled_order, by=librarian)

        text = mail("reservation_ready", ready.pk).body_text
        assert missing.record.title in text
        assert text.index(found.record.title) < text.index(missing.record.title)


class TestReminder:
    def test_reminds_until_when_and_where(self, titled_order, librarian, clock, language):
        clock.set(2026, 6, 10, 15, 0)
        pick_all(titled_order, librarian)
        services.mark_ready(reservation=titled_order, by=librarian)

        services.send_pickup_reminders(now=paris(2026, 6, 20, 9, 0))

        sent = mail("pickup_reminder", titled_order.pk)
        assert_common_facts(sent, titled_order, language)
        assert WORDS[language]["ready_deadline"] in sent.body_text
        assert WORDS[language]["bring"] in sent.body_html
        assert "Médiathèque Václav Havel" in sent.body_html


class TestLineUnavailable:
    def test_names_the_missing_document_and_the_rest(self, titled_order, librarian, language):
        missing, rest = titled_order.lines.select_related("record").order_by("pk")

        services.report_missing(line=missing, by=librarian)

        sent = mail("line_unavailable", missing.pk)
        assert sent.about == titled_order
        assert "L'Écume des jours & autres" in sent.subject
        assert WORDS[language]["unavailable"] in sent.body_text
        assert rest.record.title in sent.body_text
        assert titled_order.reference in sent.body_html
        assert ORDERS_PAGE in sent.body_html


class TestCancelled:
    def test_gives_the_library_s_reason(self, titled_order, librarian, language):
        services.cancel(reservation=titled_order, by=librarian, reason="Fermeture <travaux>")

        sent = mail("reservation_cancelled", titled_order.pk)
        assert_common_facts(sent, titled_order, language)
        assert WORDS[language]["cancelled"] in sent.subject
        assert "Fermeture <travaux>" in sent.body_text
        assert "Fermeture &lt;travaux&gt;" in sent.body_html

    def test_confirms_the_patron_s_own_cancellation(self, titled_order, patron, language):
        services.cancel(reservation=titled_order, by=patron)

        text = mail("reservation_cancelled", titled_order.pk).body_text
        assert ("Comme vous l’avez demandé" if language == "fr" else "As you asked") in text


class TestExpired:
    def test_says_the_order_ended_and_when(self, titled_order, librarian, clock, language):
        clock.set(2026, 6, 10, 15, 0)
        pick_all(titled_order, librarian)
        services.mark_ready(reservation=titled_order, by=librarian)

        services.expire_overdue(now=paris(2026, 6, 25))

        sent = mail("reservation_expired", titled_order.pk)
        assert_common_facts(sent, titled_order, language)
        assert WORDS[language]["ready_deadline"] in sent.body_text


def test_every_kind_has_its_three_templates():
    from django.template.loader import get_template

    kinds = [
        "reservation_received",
        "reservation_ready",
        "pickup_reminder",
        "line_unavailable",
        "reservation_cancelled",
        "reservation_expired",
    ]
    for kind in kinds:
        for part in ("subject.txt", "body.txt", "body.html"):
            get_template(f"emails/{kind}/{part}")

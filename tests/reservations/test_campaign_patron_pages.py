"""What a patron's loans page says of extension campaigns: the old date, the new one, the reason.

It is Wednesday 10 June 2026 in Paris (the `clock` fixture).
"""

import datetime
import functools

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservations.campaigns import run_campaign_batches, start_campaign, undo_campaign
from reservations.models import ExtensionCampaign, ExtensionChange, Loan
from reservations.selectors import current_loans, membership_extension
from tests.factories import (
    ExtensionCampaignFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    RecordFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
LOANS = "/account/loans/"
REASON = "Les bibliothèques sont fermées pour travaux."


make_campaign = functools.partial(ExtensionCampaignFactory, name="Travaux d’été", reason=REASON)


def run(campaign: ExtensionCampaign) -> ExtensionCampaign:
    start_campaign(campaign=campaign, by=None)
    run_campaign_batches(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def lend(patron, title: str, due_on: datetime.date) -> Loan:
    item = ItemFactory(record=RecordFactory(title=title), status="on_loan")
    return LoanFactory(patron=patron, item=item, due_on=due_on)


def page_text(response) -> str:
    return response.content.decode().replace("\N{NO-BREAK SPACE}", " ")


def loan_block(text: str, title: str) -> str:
    """Return the page's list item of the loan with this title."""
    start = text.index(f'<p class="loan__title">{title}</p>')
    return text[start : text.index("</li>", start)]


@pytest.fixture
def signed_in(client, patron):
    client.force_login(patron)
    return client


def english(client):
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    return client


class TestCurrentLoans:
    def test_a_loan_whose_due_date_a_campaign_set_carries_the_old_date_and_reason(self, patron):
        extended = lend(patron, "Zazie dans le métro", D(2026, 6, 20))
        run(make_campaign(due_to=D(2026, 6, 30)))
        untouched = lend(patron, "L’Amant", D(2026, 7, 1))

        loans = {loan.pk: loan for loan in current_loans(patron)}

        assert loans[extended.pk].due_on == D(2026, 7, 25)
        assert loans[extended.pk].extension_old_date == D(2026, 6, 20)
        assert loans[extended.pk].extension_reason == REASON
        assert loans[untouched.pk].extension_old_date is None
        assert loans[untouched.pk].extension_reason is None

    def test_the_latest_campaign_that_set_the_date_is_the_one_shown(self, patron, clock):
        loan = lend(patron, "Zazie dans le métro", D(2026, 6, 20))
        run(make_campaign(name="Première", reason="Grève"))
        # Put back at the desk, then extended again to the same day by a later campaign.
        Loan.objects.filter(pk=loan.pk).update(due_on=D(2026, 6, 20))
        clock.advance(days=1)
        run(make_campaign(name="Seconde", reason="Travaux"))

        (shown,) = current_loans(patron)

        assert ExtensionChange.objects.filter(loan=loan, new_date=D(2026, 7, 25)).count() == 2
        assert shown.due_on == D(2026, 7, 25)
        assert (shown.extension_old_date, shown.extension_reason) == (D(2026, 6, 20), "Travaux")

    def test_an_undone_campaign_or_a_later_renewal_leaves_no_mark(self, patron):
        undone = lend(patron, "Zazie dans le métro", D(2026, 6, 20))
        renewed = lend(patron, "L’Amant", D(2026, 6, 22))
        first = run(make_campaign(due_to=D(2026, 6, 20)))
        undo_campaign(campaign=first, by=None)
        second = run(make_campaign(due_from=D(2026, 6, 22)))
        # Renewed at the desk to the very day the undone campaign had given.
        Loan.objects.filter(pk=undone.pk).update(due_on=D(2026, 7, 25))
        # Renewed at the desk after the campaign: the date is no longer the campaign's.
        Loan.objects.filter(pk=renewed.pk).update(due_on=D(2026, 8, 15))

        loans = {loan.pk: loan for loan in current_loans(patron)}

        assert (first.status, second.status) == ("undone", "done")
        assert ExtensionChange.objects.filter(loan=undone, new_date=D(2026, 7, 25)).exists()
        assert loans[undone.pk].extension_old_date is None
        assert loans[undone.pk].extension_reason is None
        assert loans[renewed.pk].extension_old_date is None

    def test_a_running_campaign_is_shown_a_draft_one_not(self, patron):
        loan = lend(patron, "Zazie dans le métro", D(2026, 6, 20))
        running = make_campaign()
        start_campaign(campaign=running, by=None)
        draft = make_campaign(name="Brouillon", reason="Pas encore")
        # A draft's change row cannot exist in practice; it must not show even if it did.
        ExtensionChange.objects.create(
            campaign=draft, loan=loan, old_date=D(2026, 6, 1), new_date=D(2026, 6, 20)
        )
        assert current_loans(patron)[0].extension_old_date is None

        run_campaign_batches(campaign_id=running.pk)
        ExtensionCampaign.objects.filter(pk=running.pk).update(status="running")

        (shown,) = current_loans(patron)
        assert (shown.extension_old_date, shown.extension_reason) == (D(2026, 6, 20), REASON)

    def test_one_query_whatever_the_number_of_loans_and_campaigns(
        self, patron, django_assert_num_queries
    ):
        for day in range(1, 8):
            lend(patron, f"Document {day}", D(2026, 6, day))
        run(make_campaign())
        run(make_campaign(name="Seconde", shift_amount=1))
        undo_campaign(campaign=run(make_campaign(name="Annulée", shift_amount=2)), by=None)

        with django_assert_num_queries(1):
            loans = current_loans(patron)
            marks = [(loan.extension_old_date, loan.extension_reason) for loan in loans]
            titles = [loan.item.record.title for loan in loans]

        assert len(marks) == 7 and all(old is not None for old, _reason in marks)
        assert titles[0] == "Document 1"


class TestLoansPage:
    @pytest.fixture
    def extended(self, patron):
        loan = lend(patron, "Zazie dans le métro", D(2026, 6, 20))
        lend(patron, "L’Amant", D(2026, 7, 20))
        run(make_campaign(due_to=D(2026, 6, 30)))
        return loan

    def test_the_extended_loan_shows_the_old_date_the_new_one_and_the_reason(
        self, signed_in, extended
    ):
        text = page_text(signed_in.get(LOANS))

        block = loan_block(text, "Zazie dans le métro")
        assert "À rendre le samedi 25 juillet 2026." in block
        assert "Prolongé" in block
        assert (
            "Le réseau des bibliothèques a repoussé la date de retour : ce document était à "
            "rendre le samedi 20 juin 2026." in block
        )
        assert f"Motif : {REASON}" in block

    def test_a_loan_not_touched_shows_nothing(self, signed_in, extended):
        block = loan_block(page_text(signed_in.get(LOANS)), "L’Amant")

        assert "À rendre le lundi 20 juillet 2026." in block
        assert "loan__extension" not in block
        assert "Prolongé" not in block and "Motif" not in block

    def test_in_english(self, signed_in, extended):
        text = page_text(english(signed_in).get(LOANS))

        block = loan_block(text, "Zazie dans le métro")
        assert "Due back on Saturday 25 July 2026." in block
        assert "Extended" in block
        assert (
            "The library network pushed the due date back: it was due on Saturday 20 June 2026."
            in block
        )
        assert f"Reason: {REASON}" in block
        assert "Extended" not in loan_block(text, "L’Amant")

    def test_an_undone_campaign_shows_nothing(self, signed_in, patron, extended):
        undo_campaign(campaign=ExtensionCampaign.objects.get(), by=None)

        text = page_text(signed_in.get(LOANS))

        assert "À rendre le samedi 20 juin 2026." in loan_block(text, "Zazie dans le métro")
        assert "loan__extension" not in text and REASON not in text

    def test_no_reason_no_reason_line(self, signed_in, patron):
        lend(patron, "Zazie dans le métro", D(2026, 6, 20))
        run(make_campaign(reason=""))

        block = loan_block(page_text(signed_in.get(LOANS)), "Zazie dans le métro")

        assert "ce document était à rendre le samedi 20 juin 2026." in block
        assert "Motif" not in block

    def test_the_page_makes_as_many_queries_for_many_extended_loans(self, signed_in, patron):
        lend(patron, "Document 0", D(2026, 6, 20))
        with CaptureQueriesContext(connection) as few:
            signed_in.get(LOANS)
        for day in range(1, 6):
            lend(patron, f"Document {day}", D(2026, 6, day))
        run(make_campaign())
        run(make_campaign(name="Seconde", shift_amount=1))
        with CaptureQueriesContext(connection) as many:
            text = page_text(signed_in.get(LOANS))

        assert text.count("loan__extension") == 6
        assert len(many) == len(few)


class TestMembership:
    @pytest.fixture
    def ended(self, patron):
        patron.membership_expires_on = D(2026, 5, 31)
        patron.save(update_fields=["membership_expires_on"])
        return patron

    def extend(self, **fields):
        return run(
            make_campaign(
                kind="memberships",
                ended_on_or_after=D(2026, 3, 1),
                shift_amount=4,
                shift_unit="months",
                **fields,
            )
        )

    def test_the_page_shows_the_extended_membership_with_its_old_end_and_reason(
        self, signed_in, ended
    ):
        self.extend()

        text = page_text(signed_in.get(LOANS))

        assert "Votre adhésion est valable jusqu’au mercredi 30 septembre 2026." in text
        assert "Prolongée" in text
        assert (
            "Le réseau des bibliothèques l’a prolongée : elle devait prendre fin le "
            "dimanche 31 mai 2026." in text
        )
        assert f"Motif : {REASON}" in text

    def test_in_english(self, signed_in, ended):
        self.extend()

        text = page_text(english(signed_in).get(LOANS))

        assert "Your membership runs until Wednesday 30 September 2026." in text
        assert "The library network extended it: it was to end on Sunday 31 May 2026." in text
        assert f"Reason: {REASON}" in text

    def test_a_membership_not_extended_shows_its_end_only(self, signed_in, patron):
        text = page_text(signed_in.get(LOANS))

        assert "Votre adhésion est valable jusqu’au jeudi 10 juin 2027." in text
        assert "Prolongée" not in text and "Motif" not in text

    def test_an_ended_membership_says_so(self, signed_in, ended):
        text = page_text(signed_in.get(LOANS))

        assert "Votre adhésion a pris fin le dimanche 31 mai 2026." in text
        assert "Prolongée" not in text

    def test_an_undone_or_since_renewed_extension_is_not_shown(self, ended):
        renewed = PatronFactory(membership_expires_on=D(2026, 5, 1))
        campaign = self.extend()
        ended.refresh_from_db()
        renewed.refresh_from_db()
        assert membership_extension(ended).campaign == campaign
        assert membership_extension(ended).old_date == D(2026, 5, 31)
        assert membership_extension(renewed).old_date == D(2026, 5, 1)

        # Renewed at the desk since: the end date is no longer the campaign's.
        renewed.membership_expires_on = D(2027, 6, 30)
        renewed.save(update_fields=["membership_expires_on"])
        assert membership_extension(renewed) is None

        undo_campaign(campaign=campaign, by=None)
        # Renewed at the desk to the very day the undone campaign had given.
        ended.membership_expires_on = D(2026, 9, 30)
        ended.save(update_fields=["membership_expires_on"])
        assert membership_extension(ended) is None

    def test_staff_without_membership_see_no_membership_line(self, client):
        staff = PatronFactory(membership_expires_on=None, is_staff=True)
        client.force_login(staff)

        text = page_text(client.get(LOANS))

        assert "Votre adhésion" not in text

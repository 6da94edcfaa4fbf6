"""The patrons' e-mails of an extension campaign: one each, in their language, with every date.

It is Wednesday 10 June 2026 in Paris (the `clock` fixture). A loans campaign pushes due dates
back 5 weeks; a memberships campaign extends memberships ended since 1 March by 4 months.
"""

import datetime
import functools

import pytest

from notifications.models import Notification
from reservations.campaigns import carry_on, notify_patrons, run_campaign_batches, start_campaign
from reservations.models import ExtensionCampaign
from tests.factories import (
    ExtensionCampaignFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    RecordFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
REASON = "Les bibliothèques sont fermées pour travaux."
LOANS_PAGE = "http://testserver.example/account/loans/"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


make_campaign = functools.partial(ExtensionCampaignFactory, name="Travaux d’été", reason=REASON)


def run_to_the_end(campaign: ExtensionCampaign) -> ExtensionCampaign:
    start_campaign(campaign=campaign, by=None)
    return carry_on(campaign_id=campaign.pk, batch_size=2)


def lend(patron, title: str, due_on: datetime.date, creators: str = ""):
    record = RecordFactory(title=title, creators=creators)
    return LoanFactory(
        patron=patron, item=ItemFactory(record=record, status="on_loan"), due_on=due_on
    )


def plain(text: str) -> str:
    """Return the text with French no-break spaces read as plain spaces."""
    return text.replace("\N{NO-BREAK SPACE}", " ")


def mails_to(patron) -> list[Notification]:
    return list(Notification.objects.filter(recipient=patron))


@pytest.fixture
def french(clock):
    return PatronFactory(first_name="Camille", preferred_language="fr")


@pytest.fixture
def english(clock):
    return PatronFactory(first_name="Sam", preferred_language="en")


@pytest.fixture
def loans(french, english):
    """Three loans of the French patron, one of the English patron, one returned."""
    return {
        "ecume": lend(french, "L'Écume des jours & autres", D(2026, 6, 24), "Vian, Boris"),
        "zazie": lend(french, "Zazie dans le métro", D(2026, 6, 20)),
        "amant": lend(french, "L’Amant", D(2026, 7, 1), "Duras, Marguerite"),
        "lili": lend(english, "Max et Lili", D(2026, 6, 15)),
        "returned": LoanFactory(
            patron=french,
            due_on=D(2026, 6, 12),
            returned_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
        ),
    }


class TestLoansExtended:
    def test_one_e_mail_per_patron_and_nothing_for_the_others(self, loans, french, english):
        bystander = PatronFactory()

        campaign = run_to_the_end(make_campaign(notify_patrons=True))

        assert campaign.notified_at is not None
        assert campaign.notifications_queued == 2
        assert [m.kind for m in mails_to(french)] == ["loans_extended"]
        assert [m.kind for m in mails_to(english)] == ["loans_extended"]
        assert mails_to(bystander) == []
        assert Notification.objects.count() == 2
        assert {m.about for m in Notification.objects.all()} == {campaign}

    def test_a_french_patron_reads_every_loan_with_both_dates_and_the_reason(self, loans, french):
        run_to_the_end(make_campaign())

        (sent,) = mails_to(french)

        assert sent.language == "fr"
        assert sent.subject == "Nouvelles dates de retour pour vos 3 prêts"
        text = plain(sent.body_text)
        assert text.startswith("Bonjour Camille,")
        assert (
            "Les dates de retour des 3 documents que vous avez en prêt ont été repoussées "
            "de 5 semaines :" in text
        )
        # Soonest new date first, each with the date it replaces.
        assert (
            "- Zazie dans le métro\n"
            "  à rendre désormais le samedi 25 juillet 2026 au lieu du samedi 20 juin 2026\n"
            "- L'Écume des jours & autres (Vian, Boris)\n"
            "  à rendre désormais le mercredi 29 juillet 2026 au lieu du mercredi 24 juin 2026\n"
            "- L’Amant (Duras, Marguerite)\n"
            "  à rendre désormais le mercredi 5 août 2026 au lieu du mercredi 1 juillet 2026\n"
        ) in text
        assert f"Motif : {REASON}" in text
        assert "Vous n’avez rien à faire" in text
        assert LOANS_PAGE in text
        # A returned loan is not extended, so not in the e-mail.
        assert "12 juin" not in text

    def test_the_html_part_says_the_same_escaped(self, loans, french):
        run_to_the_end(make_campaign())

        (sent,) = mails_to(french)

        html = plain(sent.body_html)
        assert '<html lang="fr">' in html
        assert "<h1>Nouvelles dates de retour pour vos 3 prêts</h1>" in html
        assert "<strong>L&#x27;Écume des jours &amp; autres</strong> · Vian, Boris" in html
        assert (
            html.index("Zazie dans le métro") < html.index("L&#x27;Écume") < html.index("L’Amant")
        )
        for new, old in [
            ("samedi 25 juillet 2026", "samedi 20 juin 2026"),
            ("mercredi 29 juillet 2026", "mercredi 24 juin 2026"),
            ("mercredi 5 août 2026", "mercredi 1 juillet 2026"),
        ]:
            assert f"à rendre désormais le {new} au lieu du {old}" in html
        assert f"Motif : {REASON}" in html
        assert f'href="{LOANS_PAGE}">Voir mes prêts</a>' in html

    def test_an_english_patron_reads_it_in_english(self, loans, english):
        run_to_the_end(make_campaign())

        (sent,) = mails_to(english)

        assert sent.language == "en"
        assert sent.subject == "New due date for your loan"
        for body in (sent.body_text, sent.body_html):
            assert "Hello Sam," in body
            assert (
                "The due date of the document you have on loan has been pushed back by 5 weeks:"
                in body
            )
            assert "Max et Lili" in body
            assert "now due back on Monday 20 July 2026 instead of Monday 15 June 2026" in body
            assert f"Reason: {REASON}" in body
            assert LOANS_PAGE in body
        assert '<html lang="en">' in sent.body_html
        assert ">See my loans</a>" in sent.body_html

    def test_months_and_no_reason(self, french):
        lend(french, "Zazie dans le métro", D(2026, 1, 31))
        run_to_the_end(make_campaign(shift_amount=1, shift_unit="months", reason=""))

        (sent,) = mails_to(french)

        text = plain(sent.body_text)
        assert sent.subject == "Nouvelle date de retour pour votre prêt"
        assert (
            "La date de retour du document que vous avez en prêt a été repoussée de 1 mois :"
            in text
        )
        assert (
            "à rendre désormais le samedi 28 février 2026 au lieu du samedi 31 janvier 2026" in text
        )
        assert "Motif" not in text and "Motif" not in sent.body_html

    def test_notifying_again_queues_nothing_more(self, loans, french, english):
        campaign = run_to_the_end(make_campaign())

        assert notify_patrons(campaign_id=campaign.pk) == 0
        # Even rewound as after a crash, the dedup keys keep each patron to one e-mail.
        ExtensionCampaign.objects.filter(pk=campaign.pk).update(notified_at=None, notify_last_key=0)
        assert notify_patrons(campaign_id=campaign.pk) == 0
        carry_on(campaign_id=campaign.pk)

        assert len(mails_to(french)) == len(mails_to(english)) == 1
        assert Notification.objects.count() == 2

    def test_a_patron_who_returned_everything_before_the_e_mails_gets_none(
        self, loans, french, english, clock
    ):
        campaign = make_campaign()
        start_campaign(campaign=campaign, by=None)
        run_campaign_batches(campaign_id=campaign.pk)
        loans["lili"].returned_at = clock.now
        loans["lili"].save(update_fields=["returned_at"])
        loans["zazie"].returned_at = clock.now
        loans["zazie"].save(update_fields=["returned_at"])

        campaign = carry_on(campaign_id=campaign.pk)

        assert mails_to(english) == []
        # The other patron is told only of what they still have.
        (sent,) = mails_to(french)
        assert sent.subject == "Nouvelles dates de retour pour vos 2 prêts"
        assert "Zazie" not in sent.body_text and "Zazie" not in sent.body_html
        assert "L'Écume des jours" in sent.body_text and "L’Amant" in sent.body_text
        assert campaign.notified_at is not None
        assert campaign.notifications_queued == 1

    def test_no_e_mail_when_the_campaign_does_not_notify(self, loans):
        campaign = run_to_the_end(make_campaign(notify_patrons=False))

        assert campaign.status == "done"
        assert campaign.changes.count() == 4
        assert not Notification.objects.exists()


class TestMembershipExtended:
    @pytest.fixture
    def ended(self, french, english):
        french.membership_expires_on = D(2026, 5, 31)
        french.save(update_fields=["membership_expires_on"])
        english.membership_expires_on = D(2026, 3, 1)
        english.save(update_fields=["membership_expires_on"])
        return french, english

    def campaign(self, **fields):
        return make_campaign(
            kind="memberships",
            ended_on_or_after=D(2026, 3, 1),
            shift_amount=4,
            shift_unit="months",
            **fields,
        )

    def test_one_e_mail_each_with_the_old_and_new_end(self, ended, french, english):
        still_valid = PatronFactory()

        campaign = run_to_the_end(self.campaign())

        assert campaign.notifications_queued == 2
        assert mails_to(still_valid) == []
        (fr,) = mails_to(french)
        (en,) = mails_to(english)
        assert fr.kind == en.kind == "membership_extended"

        assert (fr.language, en.language) == ("fr", "en")
        assert plain(fr.subject) == "Votre adhésion est prolongée jusqu’au 30 septembre 2026"
        assert en.subject == "Your membership is extended until 1 July 2026"
        for body in (plain(fr.body_text), plain(fr.body_html)):
            assert (
                "Votre adhésion a été prolongée de 4 mois : elle prend fin désormais le "
                "mercredi 30 septembre 2026 au lieu du dimanche 31 mai 2026." in body
            )
            assert f"Motif : {REASON}" in body
            assert LOANS_PAGE in body
        for body in (en.body_text, en.body_html):
            assert (
                "Your membership has been extended by 4 months: it now ends on "
                "Wednesday 1 July 2026 instead of Sunday 1 March 2026." in body
            )
            assert f"Reason: {REASON}" in body
            assert LOANS_PAGE in body
        assert ">Voir mon compte</a>" in fr.body_html
        assert ">See my account</a>" in en.body_html

    def test_no_e_mail_when_the_campaign_does_not_notify(self, ended):
        campaign = run_to_the_end(self.campaign(notify_patrons=False))

        assert campaign.changes.count() == 2
        assert not Notification.objects.exists()

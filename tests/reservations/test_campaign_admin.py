"""The campaign screens of the admin: draft, dry run, start, progress, undo, and who may do what.

Celery runs eagerly here (no broker configured), so a campaign started from
the admin is carried out within the request: what the worker would do.
"""

import datetime
import functools
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.utils import timezone

from reservations import tasks
from reservations.models import ExtensionCampaign, ExtensionChange, Loan
from tests.factories import ExtensionCampaignFactory, LoanFactory, PatronFactory, StaffFactory
from tests.two_factor import enter_admin

pytestmark = pytest.mark.django_db

URL = "/admin/reservations/extensioncampaign/"
FIVE_WEEKS = datetime.timedelta(weeks=5)


@pytest.fixture
def network_admin(client):
    user = StaffFactory(groups=["network admin"])
    enter_admin(client, user)
    return user


@pytest.fixture
def loans():
    first, second = PatronFactory(), PatronFactory()
    return [LoanFactory(patron=first), LoanFactory(patron=first), LoanFactory(patron=second)]


draft = functools.partial(ExtensionCampaignFactory, notify_patrons=False)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(**fields) -> dict:
    return {
        "name": "Confinement de novembre",
        "kind": "loans",
        "reason": "Les bibliothèques sont fermées.",
        "due_from": "",
        "due_to": "",
        "ended_on_or_after": "",
        "shift_amount": "5",
        "shift_unit": "weeks",
        "notify_patrons": "on",
        **fields,
    }


def due_dates(loans) -> list[datetime.date]:
    return [Loan.objects.get(pk=loan.pk).due_on for loan in loans]


class TestDraft:
    def test_saving_a_draft_shows_its_dry_run(self, client, network_admin, loans):
        response = client.post(f"{URL}add/", form_data(), follow=True)

        campaign = ExtensionCampaign.objects.get()
        assert campaign.status == "draft"
        assert campaign.created_by == network_admin
        assert response.redirect_chain[-1][0] == f"{URL}{campaign.pk}/change/"
        assert "Prolongerait 3 prêts de 2 usagers." in messages_of(response)
        # Nothing moved: a draft only counts.
        assert not ExtensionChange.objects.exists()
        assert due_dates(loans) == [loan.due_on for loan in loans]

    def test_the_draft_page_says_how_many_it_selects(self, client, network_admin, loans):
        campaign = draft(due_to=loans[0].due_on - datetime.timedelta(days=1))

        response = client.get(f"{URL}{campaign.pk}/change/")

        assert "Ne sélectionne rien aujourd’hui" in response.content.decode()

    @pytest.mark.parametrize("amount", ["0", "-3"])
    def test_a_shift_of_zero_or_less_is_refused(self, client, network_admin, amount):
        response = client.post(f"{URL}add/", form_data(shift_amount=amount))

        assert response.status_code == 200
        assert "La prolongation doit être d’au moins 1." in response.content.decode()
        assert not ExtensionCampaign.objects.exists()

    def test_a_range_ending_before_it_starts_is_refused(self, client, network_admin):
        response = client.post(f"{URL}add/", form_data(due_from="2020-12-01", due_to="2020-11-01"))

        assert "La fin de la période précède son début." in response.content.decode()
        assert not ExtensionCampaign.objects.exists()

    def test_a_memberships_campaign_needs_its_date_and_no_loan_dates(self, client, network_admin):
        without_date = client.post(f"{URL}add/", form_data(kind="memberships"))
        with_loan_dates = client.post(
            f"{URL}add/",
            form_data(kind="memberships", ended_on_or_after="2020-09-01", due_from="2020-11-01"),
        )

        assert "Choisissez à partir de quelle date" in without_date.content.decode()
        assert "laissez-les vides pour les adhésions" in with_loan_dates.content.decode()
        assert not ExtensionCampaign.objects.exists()

    def test_the_page_is_in_english_for_an_english_speaking_admin(self, client, loans):
        admin = StaffFactory(groups=["network admin"], preferred_language="en")
        enter_admin(client, admin)
        campaign = draft()

        response = client.get(f"{URL}{campaign.pk}/change/", headers={"accept-language": "en"})

        assert "Would extend 3 loans of 2 patrons." in response.content.decode()


class TestStart:
    def test_the_confirmation_page_says_what_will_happen_and_changes_nothing(
        self, client, network_admin, loans
    ):
        campaign = draft()

        response = client.get(f"{URL}{campaign.pk}/start/")

        content = response.content.decode()
        assert response.status_code == 200
        assert "Prolongerait 3 prêts de 2 usagers." in content
        assert "Tous les prêts en cours" in content
        assert "Les bibliothèques sont fermées." in content
        campaign.refresh_from_db()
        assert campaign.status == "draft"
        assert due_dates(loans) == [loan.due_on for loan in loans]

    def test_starting_runs_the_campaign_to_its_end(self, client, network_admin, loans):
        campaign = draft()

        response = client.post(f"{URL}{campaign.pk}/start/", follow=True)

        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert (campaign.rows_total, campaign.rows_done) == (3, 3)
        assert due_dates(loans) == [loan.due_on + FIVE_WEEKS for loan in loans]
        assert any("démarrée : 3 lignes à modifier" in m for m in messages_of(response))
        # The page of a finished campaign offers undo, and no longer polls.
        content = response.content.decode()
        assert f"{URL}{campaign.pk}/undo/" in content
        assert "data-progress-url" not in content
        assert "3 sur 3 prêts prolongés." in content

    def test_starting_twice_says_so_and_changes_nothing_more(self, client, network_admin, loans):
        campaign = draft()
        client.post(f"{URL}{campaign.pk}/start/")

        response = client.post(f"{URL}{campaign.pk}/start/", follow=True)

        assert any("ne peut pas être démarrée à nouveau" in m for m in messages_of(response))
        assert due_dates(loans) == [loan.due_on + FIVE_WEEKS for loan in loans]
        assert ExtensionChange.objects.count() == 3

    def test_a_campaign_that_selects_nothing_is_not_started(self, client, network_admin, loans):
        campaign = draft(due_from=datetime.date(2000, 1, 1), due_to=datetime.date(2000, 1, 31))

        response = client.post(f"{URL}{campaign.pk}/start/", follow=True)

        assert any("ne sélectionne rien" in m for m in messages_of(response))
        campaign.refresh_from_db()
        assert campaign.status == "draft"
        assert due_dates(loans) == [loan.due_on for loan in loans]

    def test_another_campaign_of_the_kind_running_blocks_the_start(
        self, client, network_admin, loans
    ):
        draft(name="En cours", status="running", started_at=timezone.now())
        campaign = draft()

        response = client.post(f"{URL}{campaign.pk}/start/", follow=True)

        assert any("Une autre campagne sur les prêts" in m for m in messages_of(response))
        campaign.refresh_from_db()
        assert campaign.status == "draft"
        assert due_dates(loans) == [loan.due_on for loan in loans]

    def test_a_broker_that_is_down_leaves_the_campaign_to_the_sweeper(
        self, client, network_admin, loans, monkeypatch
    ):
        def broker_down(*args, **kwargs):
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:1")

        monkeypatch.setattr(tasks.carry_on_campaign, "apply_async", broker_down)
        campaign = draft()

        response = client.post(f"{URL}{campaign.pk}/start/", follow=True)

        assert any("ne sont pas joignables" in m for m in messages_of(response))
        campaign.refresh_from_db()
        assert campaign.status == "running"
        assert campaign.rows_done == 0
        # The page follows the work to come.
        assert "data-progress-url" in response.content.decode()
        assert campaign.pk in list(
            campaigns_stalled(older_than_seconds=0).values_list("pk", flat=True)
        )


def campaigns_stalled(**kwargs):
    from reservations.campaigns import stalled_campaigns

    return stalled_campaigns(**kwargs)


class TestProgressAndUndo:
    def test_progress_is_served_as_json_while_it_runs(self, client, network_admin):
        campaign = draft(
            status="running", started_at=timezone.now(), rows_total=1000, rows_done=250
        )

        progress = client.get(f"{URL}{campaign.pk}/progress/").json()
        page = client.get(f"{URL}{campaign.pk}/change/").content.decode()

        assert progress["value"] == 250
        assert progress["max"] == 1000
        assert progress["working"] is True
        assert progress["status"] == "running"
        assert "250 sur 1" in progress["text"]
        assert f'data-progress-url="{URL}{campaign.pk}/progress/"' in page
        assert '<meta http-equiv="refresh"' in page  # inside <noscript>
        assert 'value="250" max="1000"' in page

    def test_resume_is_offered_only_when_the_worker_seems_lost(self, client, network_admin):
        working = draft(name="At work", status="running", progressed_at=timezone.now())
        lost = draft(
            name="Lost",
            kind="memberships",
            ended_on_or_after=datetime.date(2020, 9, 1),
            status="running",
            progressed_at=timezone.now() - datetime.timedelta(hours=1),
        )

        working_page = client.get(f"{URL}{working.pk}/change/").content.decode()
        lost_page = client.get(f"{URL}{lost.pk}/change/").content.decode()

        assert f"{URL}{working.pk}/resume/" not in working_page
        assert f"{URL}{lost.pk}/resume/" in lost_page

    def test_resuming_a_failed_campaign_finishes_it(self, client, network_admin, loans):
        campaign = draft()
        client.post(f"{URL}{campaign.pk}/start/")
        ExtensionCampaign.objects.filter(pk=campaign.pk).update(
            status="failed", rows_done=0, last_key=0
        )
        ExtensionChange.objects.all().delete()
        Loan.objects.update(due_on=loans[0].due_on)

        response = client.post(f"{URL}{campaign.pk}/resume/", follow=True)

        assert any("reprend là où elle s’était arrêtée" in m for m in messages_of(response))
        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert due_dates(loans) == [loans[0].due_on + FIVE_WEEKS] * 3

    def test_a_failed_campaign_is_not_resumed_while_another_runs(
        self, client, network_admin, loans
    ):
        failed = draft(name="Failed", status="failed", rows_total=3, max_key=loans[-1].pk)
        draft(name="Running", status="running", progressed_at=timezone.now())

        response = client.post(f"{URL}{failed.pk}/resume/", follow=True)

        assert any("Une autre campagne sur les prêts" in m for m in messages_of(response))
        failed.refresh_from_db()
        assert failed.status == "failed"
        assert due_dates(loans) == [loan.due_on for loan in loans]

    def test_undo_gives_the_old_dates_back(self, client, network_admin, loans):
        campaign = draft()
        client.post(f"{URL}{campaign.pk}/start/")

        confirmation = client.get(f"{URL}{campaign.pk}/undo/")
        response = client.post(f"{URL}{campaign.pk}/undo/", follow=True)

        assert "reprend son ancienne valeur" in confirmation.content.decode()
        campaign.refresh_from_db()
        assert campaign.status == "undone"
        assert campaign.rows_undone == 3
        assert due_dates(loans) == [loan.due_on for loan in loans]
        assert any("est en cours d’annulation" in m for m in messages_of(response))

    def test_a_draft_cannot_be_undone(self, client, network_admin, loans):
        campaign = draft()

        response = client.post(f"{URL}{campaign.pk}/undo/", follow=True)

        assert any("ne peut pas être annulée" in m for m in messages_of(response))
        campaign.refresh_from_db()
        assert campaign.status == "draft"

    def test_a_started_campaign_cannot_be_edited_or_deleted(self, client, network_admin, loans):
        campaign = draft()
        client.post(f"{URL}{campaign.pk}/start/")

        edit = client.post(f"{URL}{campaign.pk}/change/", form_data(shift_amount="50"))
        delete = client.post(f"{URL}{campaign.pk}/delete/", {"post": "yes"})

        assert edit.status_code == 403
        assert delete.status_code == 403
        campaign.refresh_from_db()
        assert campaign.shift_amount == 5
        assert ExtensionChange.objects.filter(campaign=campaign).count() == 3


class TestPermissions:
    def test_network_admins_get_the_campaign_permissions_from_the_migration(self):
        # The group of 0003 predates the campaigns; 0007 gives it their permissions.
        group, _ = Group.objects.get_or_create(name="network admin")
        group.permissions.clear()
        migration = importlib.import_module(
            "reservations.migrations.0007_network_admins_run_campaigns"
        )

        migration.grant(django_apps, schema_editor=None)

        codenames = set(group.permissions.values_list("codename", flat=True))

        assert {"add_extensioncampaign", "run_extensioncampaign", "view_extensionchange"} <= (
            codenames
        )
        # Deleting a started campaign would lose what undo needs.
        assert "delete_extensionchange" not in codenames

    def test_staff_who_may_view_but_not_run_cannot_start(self, client, loans):
        viewer = StaffFactory(groups=["network admin"])
        viewer.groups.clear()
        viewer.user_permissions.set(
            Group.objects.get(name="network admin").permissions.filter(
                codename__in=[
                    "view_extensioncampaign",
                    "change_extensioncampaign",
                    "act_on_all_branches",
                ]
            )
        )
        enter_admin(client, viewer)
        campaign = draft()

        page = client.get(f"{URL}{campaign.pk}/change/").content.decode()
        response = client.post(f"{URL}{campaign.pk}/start/", follow=True)

        assert f"{URL}{campaign.pk}/start/" not in page
        assert any("pas autorisé" in m for m in messages_of(response))
        campaign.refresh_from_db()
        assert campaign.status == "draft"
        assert due_dates(loans) == [loan.due_on for loan in loans]

    def test_a_librarian_cannot_see_campaigns(self, client, loans):
        client.force_login(StaffFactory(groups=["librarian"]))
        campaign = draft()

        listing = client.get(URL)
        start = client.post(f"{URL}{campaign.pk}/start/")
        progress = client.get(f"{URL}{campaign.pk}/progress/")

        # The admin is for network admins only: everyone else is sent to its sign-in page.
        for response in (listing, start, progress):
            assert response.status_code == 302
            assert response.url.startswith("/admin/login/")
        campaign.refresh_from_db()
        assert campaign.status == "draft"

    def test_a_patron_is_sent_to_the_admin_login(self, client, loans):
        client.force_login(loans[0].patron)
        campaign = draft()

        response = client.post(f"{URL}{campaign.pk}/start/")

        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        campaign.refresh_from_db()
        assert campaign.status == "draft"

    def test_an_unknown_campaign_is_a_404(self, client, network_admin):
        assert client.get(f"{URL}999999/start/").status_code == 404

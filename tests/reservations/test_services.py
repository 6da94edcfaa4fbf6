"""The lifecycle's services: every rule, every transition, every refusal.

See conftest.py for the default scene: Wednesday 10 June 2026, 10:00 in Paris, a branch open
Tuesday to Saturday 10:00-19:00 with 24 h to prepare and 10 open days to collect.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from catalog.models import Item
from notifications.models import Notification
from reservations import services
from reservations.exceptions import (
    AlreadyInAnOrder,
    ChannelNotAccepted,
    ClickAndCollectClosed,
    DuplicateDocument,
    EmptyOrder,
    IllegalLineTransition,
    IllegalTransition,
    MembershipExpired,
    NoLongerAvailable,
    NoMembership,
    NotAllowed,
    NotFullyPrepared,
    NothingPicked,
    NotInOrder,
    NotOnLoan,
    NotReservableOnline,
    ReservationError,
    TooManyDocuments,
    UnknownBarcode,
    WrongBarcode,
)
from reservations.models import AuditEntry, Loan, Reservation, ReservationLine
from tests.factories import (
    BranchFactory,
    DocumentTypeFactory,
    ItemFactory,
    LoanFactory,
    PatronFactory,
    ReservationFactory,
    ReservationLineFactory,
    StaffFactory,
)

from .conftest import paris, pick_all

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Return what a refused operation must leave unchanged."""
    return {
        "reservations": list(Reservation.objects.values_list("pk", "status").order_by("pk")),
        "lines": list(ReservationLine.objects.values_list("pk", "status", "item").order_by("pk")),
        "items": list(Item.objects.values_list("pk", "status").order_by("pk")),
        "loans": list(Loan.objects.values_list("pk", "returned_at").order_by("pk")),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


def notification(kind: str, pk: int) -> Notification:
    return Notification.objects.get(dedup_key=f"{kind}:{pk}")


def statuses(reservation) -> list[tuple[str, str]]:
    """Return (line status, item status) of each line of the order."""
    return [
        (line.status, line.item.status)
        for line in reservation.lines.select_related("item").order_by("pk")
    ]


# Submission -------------------------------------------------------------------------------------


class TestSubmitReservation:
    def test_sets_one_copy_aside_per_record(self, patron, branch, records, clock):
        reservation = services.submit_reservation(patron=patron, branch=branch, records=records)

        assert reservation.status == "submitted"
        assert reservation.submitted_at == clock.now
        assert reservation.channel == "web"
        lines = list(reservation.lines.select_related("item"))
        assert sorted(line.record_id for line in lines) == sorted(r.pk for r in records)
        assert {line.status for line in lines} == {"allocated"}
        for line in lines:
            assert line.item.record_id == line.record_id
            assert line.item.branch == branch
            assert line.item.status == "held"
            assert line.item.status_changed_at == clock.now

    def test_processing_deadline_comes_from_the_branch_calendar(self, patron, branch, records):
        reservation = services.submit_reservation(patron=patron, branch=branch, records=records)

        # Wednesday 10:00 + 24 h of open days.
        assert reservation.processing_deadline == paris(2026, 6, 11, 10, 0)

    def test_saturday_evening_order_is_due_tuesday(self, patron, branch, records, clock):
        clock.set(2026, 6, 13, 18, 0)

        reservation = services.submit_reservation(patron=patron, branch=branch, records=records)

        assert reservation.processing_deadline == paris(2026, 6, 16, 18, 0)

    def test_takes_the_first_copy_on_the_shelf_leaving_others(self, patron, branch, shelf):
        record = shelf(copies=3)
        first, *others = record.items.order_by("pk")
        first.status = "on_loan"
        first.save()

        reservation = services.submit_reservation(patron=patron, branch=branch, records=[record])

        assert reservation.lines.get().item == others[0]
        others[1].refresh_from_db()
        assert others[1].status == "available"

    def test_records_the_staff_member_who_took_a_phone_order(self, patron, librarian, shelf):
        branch = BranchFactory(accepts_phone_orders=True)
        record = shelf(at=branch)

        reservation = services.submit_reservation(
            patron=patron, branch=branch, records=[record], channel="phone", created_by=librarian
        )

        assert reservation.channel == "phone"
        assert reservation.created_by == librarian
        assert reservation.audit_entries.filter(actor=librarian).count() == 2

    def test_email_order_is_taken_where_accepted(self, patron, shelf):
        branch = BranchFactory(accepts_email_orders=True)

        reservation = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(at=branch)], channel="email"
        )

        assert reservation.channel == "email"

    def test_writes_the_audit_trail(self, patron, branch, records):
        reservation = services.submit_reservation(patron=patron, branch=branch, records=records)

        entries = list(reservation.audit_entries.all())
        assert [(e.action, e.from_status, e.to_status) for e in entries] == [
            ("submitted", "", "submitted")
        ] + [("held", "available", "held")] * 3
        assert {e.actor for e in entries} == {patron}
        assert {e.item_id for e in entries[1:]} == set(
            reservation.lines.values_list("item", flat=True)
        )

    def test_queues_the_received_email(self, patron, branch, records):
        reservation = services.submit_reservation(patron=patron, branch=branch, records=records)

        sent = notification("reservation_received", reservation.pk)
        assert sent.kind == "reservation_received"
        assert sent.recipient == patron
        assert sent.about == reservation
        assert reservation.reference in sent.subject

    def test_documents_in_previous_active_orders_count_towards_the_cap(self, patron, branch, shelf):
        services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])
        services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])

        reservation = services.submit_reservation(patron=patron, branch=branch, records=[shelf()])

        assert reservation.lines.count() == 1

    def test_sixth_document_is_refused(self, patron, branch, shelf):
        services.submit_reservation(patron=patron, branch=branch, records=[shelf()] * 1)
        services.submit_reservation(
            patron=patron, branch=branch, records=[shelf() for _ in range(4)]
        )
        sixth = shelf()
        before = snapshot()

        with pytest.raises(TooManyDocuments) as refused:
            services.submit_reservation(patron=patron, branch=branch, records=[sixth])

        assert refused.value.params == {"limit": 5, "active": 5}
        assert snapshot() == before

    def test_six_documents_at_once_are_refused(self, patron, branch, shelf):
        with pytest.raises(TooManyDocuments) as refused:
            services.submit_reservation(
                patron=patron, branch=branch, records=[shelf() for _ in range(6)]
            )

        assert refused.value.params == {"limit": 5, "active": 0}
        assert not Reservation.objects.exists()

    def test_cap_follows_the_setting(self, patron, branch, shelf, settings):
        settings.MAX_ACTIVE_ITEMS = 2
        services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])

        with pytest.raises(TooManyDocuments):
            services.submit_reservation(patron=patron, branch=branch, records=[shelf()])

    @pytest.mark.parametrize("status", ["collected", "cancelled", "expired"])
    def test_documents_of_ended_orders_do_not_count(self, patron, branch, shelf, status):
        ended = ReservationFactory(patron=patron, branch=branch, status="collected")
        for _ in range(5):
            ReservationLineFactory(reservation=ended, status="collected")
        ended.status = status
        ended.save()

        reservation = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf() for _ in range(5)]
        )

        assert reservation.lines.count() == 5

    def test_unavailable_lines_do_not_count(self, patron, branch, shelf):
        active = ReservationFactory(patron=patron, branch=branch, status="preparing")
        for _ in range(5):
            ReservationLineFactory(reservation=active, status="unavailable")

        reservation = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf() for _ in range(5)]
        )

        assert reservation.lines.count() == 5

    def test_other_patrons_documents_do_not_count(self, patron, branch, shelf):
        services.submit_reservation(
            patron=PatronFactory(), branch=branch, records=[shelf() for _ in range(5)]
        )

        services.submit_reservation(
            patron=patron, branch=branch, records=[shelf() for _ in range(5)]
        )

    def test_empty_order_is_refused(self, patron, branch):
        with pytest.raises(EmptyOrder):
            services.submit_reservation(patron=patron, branch=branch, records=[])

    def test_same_document_twice_is_refused(self, patron, branch, shelf):
        record = shelf("Le Petit Prince", copies=2)

        with pytest.raises(DuplicateDocument, match="Le Petit Prince"):
            services.submit_reservation(patron=patron, branch=branch, records=[record, record])

        assert not Reservation.objects.exists()

    @pytest.mark.parametrize("channel", ["web", "phone"])
    def test_a_document_already_in_an_open_order_is_refused(
        self, patron, branch, shelf, librarian, channel
    ):
        record = shelf("Le Petit Prince", copies=2)
        first = services.submit_reservation(patron=patron, branch=branch, records=[record])
        branch.accepts_phone_orders = True
        branch.save()

        with pytest.raises(AlreadyInAnOrder) as refused:
            services.submit_reservation(
                patron=patron,
                branch=branch,
                records=[shelf(), record],
                channel=channel,
                created_by=librarian if channel == "phone" else None,
            )

        assert str(refused.value) == (
            f"«\u00a0Le Petit Prince\u00a0» est déjà dans votre commande {first.reference}."
        )
        assert refused.value.for_staff() == (
            f"« Le Petit Prince » est déjà dans la commande {first.reference} de l’usager."
        )
        assert Reservation.objects.count() == 1

    def test_a_document_of_a_collected_or_cancelled_order_can_be_ordered_again(
        self, patron, branch, shelf
    ):
        record = shelf("Le Petit Prince", copies=2)
        first = services.submit_reservation(patron=patron, branch=branch, records=[record])
        services.cancel(reservation=first, by=patron)

        again = services.submit_reservation(patron=patron, branch=branch, records=[record])

        assert again.lines.get().record == record

    def test_the_same_submission_key_gives_back_its_order_and_writes_nothing(
        self, patron, branch, shelf
    ):
        record = shelf(copies=2)
        first = services.submit_reservation(
            patron=patron, branch=branch, records=[record], submission_key="k" * 32
        )
        e_mails = Notification.objects.count()

        again = services.submit_reservation(
            patron=patron, branch=branch, records=[record], submission_key="k" * 32
        )

        assert (first.placed_before, again.placed_before) == (False, True)
        assert again.pk == first.pk
        assert Reservation.objects.count() == 1
        assert Notification.objects.count() == e_mails

    def test_a_submission_key_is_the_patrons_own(self, patron, branch, shelf):
        record = shelf(copies=2)
        services.submit_reservation(
            patron=patron, branch=branch, records=[record], submission_key="k" * 32
        )

        other = services.submit_reservation(
            patron=PatronFactory(), branch=branch, records=[record], submission_key="k" * 32
        )

        assert other.placed_before is False
        assert Reservation.objects.count() == 2

    def test_expired_membership_is_refused(self, patron, branch, records):
        patron.membership_expires_on = date(2026, 6, 9)

        with pytest.raises(MembershipExpired) as refused, translation.override("en"):
            services.submit_reservation(patron=patron, branch=branch, records=records)

        with translation.override("en"):
            assert "June 9, 2026" in str(refused.value)
        with translation.override("fr"):
            assert "9 juin 2026" in str(refused.value)

    def test_membership_ending_today_is_still_valid(self, patron, branch, records):
        patron.membership_expires_on = date(2026, 6, 10)

        services.submit_reservation(patron=patron, branch=branch, records=records)

    def test_patron_without_membership_is_refused(self, patron, branch, records):
        patron.membership_expires_on = None

        with pytest.raises(NoMembership):
            services.submit_reservation(patron=patron, branch=branch, records=records)

    def test_branch_without_click_and_collect_is_refused(self, patron, branch, records):
        branch.click_and_collect_enabled = False

        with pytest.raises(ClickAndCollectClosed, match="Václav Havel"):
            services.submit_reservation(patron=patron, branch=branch, records=records)

    def test_branch_never_open_is_refused(self, patron, shelf):
        branch = BranchFactory(hours=[])

        with pytest.raises(ClickAndCollectClosed):
            services.submit_reservation(patron=patron, branch=branch, records=[shelf(at=branch)])

    @pytest.mark.parametrize("channel", ["phone", "email", "fax"])
    def test_channel_the_branch_does_not_take_is_refused(self, patron, branch, records, channel):
        with pytest.raises(ChannelNotAccepted):
            services.submit_reservation(
                patron=patron, branch=branch, records=records, channel=channel
            )

    def test_type_not_reservable_online_is_refused(self, patron, branch, shelf):
        dvd = DocumentTypeFactory(code="dvd", name_fr="DVD", name_en="DVD", reservable_online=False)
        record = shelf("Amélie", document_type=dvd)

        with pytest.raises(NotReservableOnline, match="Amélie"):
            services.submit_reservation(patron=patron, branch=branch, records=[shelf(), record])

        assert not Reservation.objects.exists()

    def test_record_with_every_copy_taken_is_no_longer_available(self, patron, branch, shelf):
        record = shelf("Vendredi ou la vie sauvage")
        services.submit_reservation(patron=PatronFactory(), branch=branch, records=[record])

        with pytest.raises(NoLongerAvailable, match="Vendredi ou la vie sauvage"):
            services.submit_reservation(patron=patron, branch=branch, records=[record])

    def test_copy_at_another_branch_is_not_allocated(self, patron, branch, shelf):
        record = shelf(at=BranchFactory())

        with pytest.raises(NoLongerAvailable):
            services.submit_reservation(patron=patron, branch=branch, records=[record])

    @pytest.mark.parametrize("status", ["held", "on_loan", "quarantine", "unavailable"])
    def test_copy_not_on_the_shelf_is_not_allocated(self, patron, branch, shelf, status):
        record = shelf()
        record.items.update(status=status)

        with pytest.raises(NoLongerAvailable):
            services.submit_reservation(patron=patron, branch=branch, records=[record])

    def test_nothing_is_written_when_the_last_document_is_gone(self, patron, branch, shelf):
        gone = shelf()
        gone.items.update(status="on_loan")
        records = [shelf(), shelf(), gone]
        before = snapshot()

        with pytest.raises(NoLongerAvailable):
            services.submit_reservation(patron=patron, branch=branch, records=records)

        assert snapshot() == before

    @pytest.mark.parametrize(
        "breaks",
        ["membership", "closed", "channel", "not_reservable", "duplicate", "cap", "gone"],
    )
    def test_no_rule_broken_leaves_a_trace(self, patron, branch, shelf, breaks):
        records = [shelf(), shelf()]
        channel = "web"
        if breaks == "membership":
            patron.membership_expires_on = date(2026, 1, 1)
        elif breaks == "closed":
            branch.click_and_collect_enabled = False
        elif breaks == "channel":
            channel = "phone"
        elif breaks == "not_reservable":
            records.append(shelf(document_type=DocumentTypeFactory(code="cd", reservable_online=0)))
        elif breaks == "duplicate":
            records.append(records[0])
        elif breaks == "cap":
            records += [shelf() for _ in range(4)]
        elif breaks == "gone":
            records.append(shelf(copies=0))
        before = snapshot()

        with pytest.raises(ReservationError):
            services.submit_reservation(
                patron=patron, branch=branch, records=records, channel=channel
            )

        assert snapshot() == before

    def test_queries_grow_by_one_per_document_only(self, patron, branch, shelf):
        other = PatronFactory()
        services.submit_reservation(patron=other, branch=branch, records=[shelf()])  # warm caches
        one, five = [shelf()], [shelf() for _ in range(5)]

        with CaptureQueriesContext(connection) as single:
            services.submit_reservation(patron=other, branch=branch, records=one)
        with CaptureQueriesContext(connection) as several:
            services.submit_reservation(patron=patron, branch=branch, records=five)

        # One SELECT ... FOR UPDATE SKIP LOCKED per document, everything else in bulk.
        assert len(several) == len(single) + 4


class TestErrorMessages:
    def test_cap_is_explained_in_french_and_english(self):
        error = TooManyDocuments(limit=5, active=3)

        with translation.override("en"):
            assert str(error) == (
                "You can have at most 5 documents in orders not yet collected; you already have 3."
            )
        with translation.override("fr"):
            assert "5 documents" in str(error) and "3" in str(error)
            assert "You can" not in str(error)

    def test_illegal_transition_names_the_status_and_the_action(self, ready_order, librarian):
        with pytest.raises(IllegalTransition) as refused:
            services.mark_ready(reservation=ready_order, by=librarian)

        with translation.override("en"):
            assert str(refused.value) == (
                f"Order {ready_order.reference} is ready for pickup: it cannot be marked ready."
            )
        with translation.override("fr"):
            message = str(refused.value)
        assert ready_order.reference in message
        assert "ready" not in message

    def test_no_longer_available_in_both_languages(self):
        error = NoLongerAvailable(title="Pantagruel", branch="Médiathèque Václav Havel")

        with translation.override("en"):
            assert str(error) == "“Pantagruel” is no longer available at Médiathèque Václav Havel."
        with translation.override("fr"):
            assert "Pantagruel" in str(error)
            assert "no longer" not in str(error)

    def test_channel_is_named_in_the_language_of_the_reader(self, patron, branch, records):
        with pytest.raises(ChannelNotAccepted) as refused:
            services.submit_reservation(
                patron=patron, branch=branch, records=records, channel="email"
            )

        with translation.override("en"):
            assert "by e-mail" in str(refused.value)


# Preparation ------------------------------------------------------------------------------------


class TestStartPreparing:
    def test_librarian_claims_a_submitted_order(self, order, librarian, clock):
        clock.advance(hours=1)

        prepared = services.start_preparing(reservation=order, by=librarian)

        order.refresh_from_db()
        assert order.status == prepared.status == "preparing"
        assert order.prepared_by == librarian
        assert order.preparing_at == clock.now
        entry = order.audit_entries.get(action="preparing")
        assert (entry.actor, entry.from_status, entry.to_status) == (
            librarian,
            "submitted",
            "preparing",
        )

    def test_claiming_twice_is_refused(self, order, librarian):
        services.start_preparing(reservation=order, by=librarian)
        before = snapshot()

        with pytest.raises(IllegalTransition):
            services.start_preparing(reservation=order, by=StaffFactory())

        assert snapshot() == before
        order.refresh_from_db()
        assert order.prepared_by == librarian

    def test_a_cancelled_order_cannot_be_prepared(self, order, librarian, patron):
        services.cancel(reservation=order, by=patron)

        with pytest.raises(IllegalTransition):
            services.start_preparing(reservation=order, by=librarian)


class TestConfirmPick:
    def test_scanning_the_copy_set_aside_picks_the_line(self, order, librarian):
        services.start_preparing(reservation=order, by=librarian)
        line = order.lines.select_related("item").first()

        picked = services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)

        line.refresh_from_db()
        assert picked.status == line.status == "picked"
        line.item.refresh_from_db()
        assert line.item.status == "held"
        entry = order.audit_entries.get(action="picked")
        assert (entry.item, entry.from_status, entry.to_status) == (
            line.item,
            "allocated",
            "picked",
        )

    def test_scanning_a_submitted_order_starts_its_preparation(self, order, librarian):
        line = order.lines.select_related("item").first()

        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)

        order.refresh_from_db()
        assert order.status == "preparing"
        assert order.prepared_by == librarian
        assert order.audit_entries.filter(action="preparing").count() == 1

    def test_scanner_whitespace_is_ignored(self, order, librarian):
        line = order.lines.select_related("item").first()

        services.confirm_pick(line=line, barcode=f" {line.item.barcode}\n", by=librarian)

        line.refresh_from_db()
        assert line.status == "picked"

    def test_wrong_barcode_is_refused_and_names_the_expected_copy(self, order, librarian):
        line = order.lines.select_related("item", "record").first()
        other = order.lines.select_related("item").last().item
        before = snapshot()

        with pytest.raises(WrongBarcode) as refused:
            services.confirm_pick(line=line, barcode=other.barcode, by=librarian)

        with translation.override("en"):
            message = str(refused.value)
        assert other.barcode in message and line.item.barcode in message
        assert line.record.title in message
        assert snapshot() == before

    def test_scanning_a_picked_copy_again_changes_nothing(self, order, librarian):
        line = order.lines.select_related("item").first()
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)
        before = snapshot()

        again = services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)

        assert again.status == "picked"
        assert snapshot() == before

    def test_an_unavailable_line_cannot_be_picked(self, shelf, patron, branch, librarian):
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(), shelf()]
        )
        line = order.lines.select_related("item").first()
        services.report_missing(line=line, by=librarian)

        with pytest.raises(IllegalLineTransition):
            services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)

    def test_a_line_of_a_collected_order_cannot_be_picked(self, ready_order, librarian):
        services.collect(reservation=ready_order, by=librarian)
        line = ready_order.lines.select_related("item").first()
        before = snapshot()

        with pytest.raises(IllegalTransition) as refused:
            services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)

        with translation.override("en"):
            assert "is collected: it cannot be picked" in str(refused.value)
        assert snapshot() == before


class TestReportMissing:
    def test_another_copy_on_the_shelf_replaces_the_missing_one(
        self, patron, branch, shelf, librarian, clock
    ):
        record = shelf(copies=2)
        order = services.submit_reservation(patron=patron, branch=branch, records=[record])
        line = order.lines.select_related("item").get()
        missing, spare = line.item, record.items.exclude(pk=line.item_id).get()

        swapped = services.report_missing(line=line, by=librarian)

        assert swapped.status == "allocated"
        assert swapped.item == spare
        missing.refresh_from_db()
        spare.refresh_from_db()
        assert (missing.status, spare.status) == ("unavailable", "held")
        assert spare.status_changed_at == clock.now
        assert list(order.audit_entries.values_list("action", "item")[2:]) == [
            ("preparing", None),
            ("missing", missing.pk),
            ("swapped", spare.pk),
        ]
        assert not Notification.objects.filter(kind="line_unavailable").exists()

    def test_copy_held_for_another_order_is_not_taken(self, patron, branch, shelf, librarian):
        record = shelf(copies=2)
        order = services.submit_reservation(patron=patron, branch=branch, records=[record, shelf()])
        services.submit_reservation(patron=PatronFactory(), branch=branch, records=[record])
        line = order.lines.get(record=record)

        services.report_missing(line=line, by=librarian)

        line.refresh_from_db()
        assert line.status == "unavailable"

    def test_line_without_replacement_becomes_unavailable_and_the_patron_is_told(
        self, order, librarian
    ):
        line = order.lines.select_related("item", "record").first()

        result = services.report_missing(line=line, by=librarian)

        assert result.status == "unavailable"
        assert result.item == line.item  # kept: which copy was missing stays on record
        line.item.refresh_from_db()
        assert line.item.status == "unavailable"
        sent = notification("line_unavailable", line.pk)
        assert line.record.title in sent.body_text
        assert sent.about == order
        order.refresh_from_db()
        assert order.status == "preparing"

    def test_order_with_nothing_left_is_cancelled(self, patron, branch, shelf, librarian):
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(), shelf()]
        )
        first, second = order.lines.all()
        services.report_missing(line=first, by=librarian)

        services.report_missing(line=second, by=librarian)

        order.refresh_from_db()
        assert order.status == "cancelled"
        assert order.cancel_reason
        assert list(order.lines.values_list("status", flat=True)) == ["unavailable"] * 2
        assert notification("line_unavailable", first.pk)
        assert not Notification.objects.filter(dedup_key=f"line_unavailable:{second.pk}")
        sent = notification("reservation_cancelled", order.pk)
        assert "none of the documents" in sent.body_text.lower() or "aucun" in sent.body_text

    def test_a_picked_line_cannot_be_reported_missing(self, order, librarian):
        line = order.lines.select_related("item").first()
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)
        before = snapshot()

        with pytest.raises(IllegalLineTransition):
            services.report_missing(line=line, by=librarian)

        assert snapshot() == before

    def test_a_ready_order_cannot_have_a_line_reported_missing(self, ready_order, librarian):
        with pytest.raises(IllegalTransition):
            services.report_missing(line=ready_order.lines.first(), by=librarian)


class TestMarkReady:
    def test_prepared_order_is_ready_with_deadlines_from_the_calendar(
        self, order, librarian, clock
    ):
        clock.set(2026, 6, 10, 15, 0)
        pick_all(order, librarian)

        ready = services.mark_ready(reservation=order, by=librarian)

        order.refresh_from_db()
        assert order.status == ready.status == "ready"
        assert order.ready_at == clock.now
        # Ten open days after Wednesday 10 June: Wednesday 24 June at closing time.
        assert order.pickup_deadline == paris(2026, 6, 24, 19, 0)
        # Two open days before Wednesday 24: Tuesday 23, then Saturday 20.
        assert order.reminder_due_at == paris(2026, 6, 20, 9, 0)
        entry = order.audit_entries.get(action="ready")
        assert (entry.actor, entry.from_status, entry.to_status) == (
            librarian,
            "preparing",
            "ready",
        )

    def test_patron_is_told_where_and_until_when(self, ready_order, patron):
        sent = notification("reservation_ready", ready_order.pk)

        assert sent.recipient == patron
        assert "Médiathèque Václav Havel" in sent.body_text
        assert "24 juin 2026" in sent.body_text  # the patron reads French
        assert "19:00" in sent.body_text

    def test_short_pickup_window_needs_no_reminder(self, patron, shelf, librarian):
        branch = BranchFactory(pickup_days=2)
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(at=branch)]
        )
        pick_all(order, librarian)

        ready = services.mark_ready(reservation=order, by=librarian)

        assert ready.reminder_due_at is None

    def test_unavailable_lines_do_not_stop_the_order(self, patron, branch, shelf, librarian):
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(), shelf()]
        )
        missing, found = order.lines.select_related("item")
        services.report_missing(line=missing, by=librarian)
        services.confirm_pick(line=found, barcode=found.item.barcode, by=librarian)

        ready = services.mark_ready(reservation=order, by=librarian)

        assert ready.status == "ready"
        assert missing.record.title in notification("reservation_ready", order.pk).body_text

    def test_a_line_still_to_pull_stops_the_order(self, order, librarian):
        line = order.lines.select_related("item").first()
        services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)
        before = snapshot()

        with pytest.raises(NotFullyPrepared) as refused:
            services.mark_ready(reservation=order, by=librarian)

        assert refused.value.params["count"] == 2
        with translation.override("en"):
            assert str(refused.value).startswith("2 documents of order")
        assert snapshot() == before

    def test_an_order_with_nothing_picked_cannot_be_ready(self, librarian):
        order = ReservationFactory(status="preparing")
        ReservationLineFactory(reservation=order, status="unavailable")

        with pytest.raises(NothingPicked):
            services.mark_ready(reservation=order, by=librarian)

    def test_a_submitted_order_cannot_be_ready(self, order, librarian):
        with pytest.raises(IllegalTransition):
            services.mark_ready(reservation=order, by=librarian)

    def test_marking_ready_twice_is_refused(self, ready_order, librarian):
        before = snapshot()

        with pytest.raises(IllegalTransition):
            services.mark_ready(reservation=ready_order, by=librarian)

        assert snapshot() == before


# The desk ---------------------------------------------------------------------------------------


class TestCollect:
    def test_every_picked_document_becomes_a_loan(self, ready_order, patron, librarian, clock):
        clock.set(2026, 6, 12, 11, 0)

        collected = services.collect(reservation=ready_order, by=librarian)

        ready_order.refresh_from_db()
        assert ready_order.status == collected.status == "collected"
        assert ready_order.collected_at == clock.now
        assert statuses(ready_order) == [("collected", "on_loan")] * 3
        loans = Loan.objects.filter(patron=patron)
        assert loans.count() == 3
        assert {loan.due_on for loan in loans} == {date(2026, 7, 3)}  # 12 June + 21 days
        assert {loan.out_at for loan in loans} == {clock.now}
        assert {loan.line.reservation_id for loan in loans} == {ready_order.pk}

    def test_due_date_follows_each_document_type(self, patron, branch, shelf, librarian, clock):
        dvd = DocumentTypeFactory(code="dvd", loan_days=7)
        book_record, dvd_record = shelf(), shelf(document_type=dvd)
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[book_record, dvd_record]
        )
        pick_all(order, librarian)
        services.mark_ready(reservation=order, by=librarian)

        services.collect(reservation=order, by=librarian)

        due = dict(Loan.objects.values_list("item__record", "due_on"))
        assert due == {book_record.pk: date(2026, 7, 1), dvd_record.pk: date(2026, 6, 17)}

    def test_due_date_counts_from_the_day_in_paris(self, ready_order, librarian, clock):
        clock.set(2026, 6, 12, 0, 30)  # still 11 June in UTC

        services.collect(reservation=ready_order, by=librarian)

        assert set(Loan.objects.values_list("due_on", flat=True)) == {date(2026, 7, 3)}

    def test_documents_not_taken_go_back_on_the_shelf(self, ready_order, librarian):
        first, *others = ready_order.lines.order_by("pk")

        services.collect(reservation=ready_order, by=librarian, lines=[first])

        assert statuses(ready_order) == [
            ("collected", "on_loan"),
            ("released", "available"),
            ("released", "available"),
        ]
        assert Loan.objects.get().line == first
        actions = list(ready_order.audit_entries.values_list("action", flat=True))
        assert actions[-4:] == ["collected", "lent", "released", "released"]

    def test_lines_may_be_given_by_id(self, ready_order, librarian):
        first = ready_order.lines.order_by("pk").first()

        services.collect(reservation=ready_order, by=librarian, lines=[first.pk])

        assert Loan.objects.get().line == first

    def test_unavailable_lines_stay_unavailable(self, patron, branch, shelf, librarian):
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(), shelf()]
        )
        missing, found = order.lines.select_related("item")
        services.report_missing(line=missing, by=librarian)
        services.confirm_pick(line=found, barcode=found.item.barcode, by=librarian)
        services.mark_ready(reservation=order, by=librarian)

        services.collect(reservation=order, by=librarian)

        assert statuses(order) == [("unavailable", "unavailable"), ("collected", "on_loan")]

    def test_an_unavailable_line_cannot_be_handed_over(self, patron, branch, shelf, librarian):
        order = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf(), shelf()]
        )
        missing, found = order.lines.select_related("item")
        services.report_missing(line=missing, by=librarian)
        services.confirm_pick(line=found, barcode=found.item.barcode, by=librarian)
        services.mark_ready(reservation=order, by=librarian)
        before = snapshot()

        with pytest.raises(IllegalLineTransition):
            services.collect(reservation=order, by=librarian, lines=[missing])

        assert snapshot() == before

    def test_a_line_of_another_order_is_refused(self, ready_order, librarian):
        stranger = ReservationLineFactory()
        before = snapshot()

        with pytest.raises(NotInOrder):
            services.collect(reservation=ready_order, by=librarian, lines=[stranger])

        assert snapshot() == before

    def test_handing_over_nothing_is_refused(self, ready_order, librarian):
        with pytest.raises(EmptyOrder):
            services.collect(reservation=ready_order, by=librarian, lines=[])

    def test_collecting_twice_is_refused(self, ready_order, librarian):
        services.collect(reservation=ready_order, by=librarian)
        before = snapshot()

        with pytest.raises(IllegalTransition):
            services.collect(reservation=ready_order, by=librarian)

        assert snapshot() == before
        assert Loan.objects.count() == 3

    def test_a_cancelled_order_cannot_be_collected(self, ready_order, patron, librarian):
        services.cancel(reservation=ready_order, by=patron)
        before = snapshot()

        with pytest.raises(IllegalTransition) as refused:
            services.collect(reservation=ready_order, by=librarian)

        with translation.override("en"):
            assert str(refused.value) == (
                f"Order {ready_order.reference} is cancelled: it cannot be collected."
            )
        assert snapshot() == before

    def test_an_order_still_in_preparation_cannot_be_collected(self, order, librarian):
        with pytest.raises(IllegalTransition):
            services.collect(reservation=order, by=librarian)


class TestCancel:
    @pytest.mark.parametrize("stage", ["submitted", "preparing", "ready"])
    def test_patron_cancels_an_order_not_yet_collected(
        self, order, patron, librarian, clock, stage
    ):
        if stage == "preparing":
            line = order.lines.select_related("item").first()
            services.confirm_pick(line=line, barcode=line.item.barcode, by=librarian)
        elif stage == "ready":
            pick_all(order, librarian)
            services.mark_ready(reservation=order, by=librarian)

        cancelled = services.cancel(reservation=order, by=patron, reason="  Plus besoin ")

        order.refresh_from_db()
        assert order.status == cancelled.status == "cancelled"
        assert order.cancelled_at == clock.now
        assert order.cancel_reason == "Plus besoin"
        assert statuses(order) == [("released", "available")] * 3
        entry = order.audit_entries.get(action="cancelled")
        assert (entry.actor, entry.from_status, entry.to_status) == (patron, stage, "cancelled")
        assert order.audit_entries.filter(action="released").count() == 3

    def test_patron_is_told_with_the_reason(self, order, librarian):
        services.cancel(reservation=order, by=librarian, reason="Fermeture exceptionnelle")

        sent = notification("reservation_cancelled", order.pk)
        assert "Fermeture exceptionnelle" in sent.body_text
        assert order.reference in sent.subject

    def test_released_copies_can_be_reserved_again(self, order, patron, branch, records):
        services.cancel(reservation=order, by=patron)

        again = services.submit_reservation(patron=patron, branch=branch, records=records)

        assert again.lines.count() == 3

    def test_cancelled_order_frees_the_cap(self, patron, branch, shelf):
        first = services.submit_reservation(
            patron=patron, branch=branch, records=[shelf() for _ in range(5)]
        )
        services.cancel(reservation=first, by=patron)

        services.submit_reservation(patron=patron, branch=branch, records=[shelf()])

    def test_another_patron_cannot_cancel(self, order):
        before = snapshot()

        with pytest.raises(NotAllowed):
            services.cancel(reservation=order, by=PatronFactory())

        assert snapshot() == before

    def test_a_collected_order_cannot_be_cancelled(self, ready_order, patron, librarian):
        services.collect(reservation=ready_order, by=librarian)
        before = snapshot()

        with pytest.raises(IllegalTransition):
            services.cancel(reservation=ready_order, by=patron)

        assert snapshot() == before

    def test_cancelling_twice_is_refused(self, order, patron):
        services.cancel(reservation=order, by=patron)

        with pytest.raises(IllegalTransition):
            services.cancel(reservation=order, by=patron)


# Periodic sweeps --------------------------------------------------------------------------------


class TestExpireOverdue:
    def test_ready_order_past_its_pickup_deadline_expires(self, ready_order, patron):
        after = paris(2026, 6, 24, 19, 1)

        assert services.expire_overdue(now=after) == 1

        ready_order.refresh_from_db()
        assert ready_order.status == "expired"
        assert ready_order.expired_at == after
        assert statuses(ready_order) == [("released", "available")] * 3
        entry = ready_order.audit_entries.get(action="expired")
        assert (entry.actor, entry.from_status, entry.to_status) == (None, "ready", "expired")
        assert ready_order.audit_entries.filter(action="released").count() == 3
        sent = notification("reservation_expired", ready_order.pk)
        assert sent.recipient == patron

    def test_order_within_its_deadline_is_left_alone(self, ready_order):
        assert services.expire_overdue(now=paris(2026, 6, 24, 19, 0)) == 0

        ready_order.refresh_from_db()
        assert ready_order.status == "ready"

    def test_orders_not_ready_are_left_alone(self, order):
        assert services.expire_overdue(now=paris(2027, 1, 1)) == 0

    def test_running_twice_expires_once(self, ready_order):
        after = paris(2026, 6, 25)

        assert services.expire_overdue(now=after) == 1
        assert services.expire_overdue(now=after) == 0
        assert Notification.objects.filter(kind="reservation_expired").count() == 1

    def test_many_orders_are_expired_chunk_by_chunk(self, monkeypatch, branch, shelf, librarian):
        monkeypatch.setattr(services, "SWEEP_CHUNK_SIZE", 2)
        orders = []
        for _ in range(5):
            order = services.submit_reservation(
                patron=PatronFactory(), branch=branch, records=[shelf()]
            )
            pick_all(order, librarian)
            orders.append(services.mark_ready(reservation=order, by=librarian))

        assert services.expire_overdue(now=paris(2026, 7, 1)) == 5

        assert set(Reservation.objects.values_list("status", flat=True)) == {"expired"}
        assert Notification.objects.filter(kind="reservation_expired").count() == 5
        assert set(Item.objects.values_list("status", flat=True)) == {"available"}

    def test_default_now_is_the_clock(self, ready_order, clock):
        clock.set(2026, 6, 25, 8, 0)

        assert services.expire_overdue() == 1


class TestSendPickupReminders:
    def test_reminder_is_queued_when_due(self, ready_order):
        assert services.send_pickup_reminders(now=paris(2026, 6, 20, 9, 0)) == 1

        sent = notification("pickup_reminder", ready_order.pk)
        assert ready_order.reference in sent.subject
        assert ready_order.audit_entries.filter(action="reminded").count() == 1

    def test_nothing_before_the_reminder_is_due(self, ready_order):
        assert services.send_pickup_reminders(now=paris(2026, 6, 20, 8, 59)) == 0
        assert not Notification.objects.filter(kind="pickup_reminder").exists()

    def test_running_twice_reminds_once(self, ready_order):
        services.send_pickup_reminders(now=paris(2026, 6, 20, 9, 0))

        assert services.send_pickup_reminders(now=paris(2026, 6, 22, 9, 0)) == 0
        assert Notification.objects.filter(kind="pickup_reminder").count() == 1
        assert ready_order.audit_entries.filter(action="reminded").count() == 1

    def test_no_reminder_after_the_deadline_or_once_collected(self, ready_order, librarian):
        assert services.send_pickup_reminders(now=paris(2026, 6, 25)) == 0

        services.collect(reservation=ready_order, by=librarian)
        assert services.send_pickup_reminders(now=paris(2026, 6, 21)) == 0


class TestReturnItem:
    @pytest.fixture
    def loan(self, ready_order, librarian):
        services.collect(reservation=ready_order, by=librarian)
        return Loan.objects.select_related("item").first()

    def test_returned_copy_goes_into_quarantine(self, loan, librarian, clock):
        clock.set(2026, 6, 30, 16, 0)

        returned = services.return_item(barcode=loan.item.barcode, by=librarian)

        loan.refresh_from_db()
        assert loan.returned_at == returned.returned_at == clock.now
        loan.item.refresh_from_db()
        assert loan.item.status == "quarantine"
        assert loan.item.status_changed_at == clock.now
        entry = AuditEntry.objects.get(action="returned")
        assert (entry.actor, entry.item, entry.from_status, entry.to_status) == (
            librarian,
            loan.item,
            "on_loan",
            "quarantine",
        )
        assert entry.reservation == loan.line.reservation

    def test_copy_of_a_type_without_quarantine_is_back_on_the_shelf(self):
        no_quarantine = DocumentTypeFactory(code="cd", quarantine_days=0)
        loan = LoanFactory(item__record__document_type=no_quarantine)

        services.return_item(barcode=loan.item.barcode)

        loan.item.refresh_from_db()
        assert loan.item.status == "available"

    def test_loan_made_outside_click_and_collect_is_returned_too(self):
        loan = LoanFactory()

        services.return_item(barcode=loan.item.barcode)

        assert AuditEntry.objects.get(action="returned").reservation is None

    def test_unknown_barcode_is_refused(self):
        with pytest.raises(UnknownBarcode, match="NOPE"):
            services.return_item(barcode="NOPE")

    def test_copy_not_on_loan_is_refused(self, loan):
        services.return_item(barcode=loan.item.barcode)
        before = snapshot()

        with pytest.raises(NotOnLoan):
            services.return_item(barcode=loan.item.barcode)

        assert snapshot() == before


class TestReleaseQuarantine:
    def test_copies_whose_quarantine_is_over_are_back_on_the_shelf(self, clock):
        book = DocumentTypeFactory(code="book", quarantine_days=3)
        dvd = DocumentTypeFactory(code="dvd", quarantine_days=1)
        returned_at = paris(2026, 6, 10, 12, 0)
        book_copy = ItemFactory(record__document_type=book, status="quarantine")
        dvd_copy = ItemFactory(record__document_type=dvd, status="quarantine")
        Item.objects.update(status_changed_at=returned_at)

        assert services.release_quarantine(now=returned_at + timedelta(days=1)) == 1
        dvd_copy.refresh_from_db()
        book_copy.refresh_from_db()
        assert (dvd_copy.status, book_copy.status) == ("available", "quarantine")

        assert services.release_quarantine(now=returned_at + timedelta(days=3)) == 1
        book_copy.refresh_from_db()
        assert book_copy.status == "available"
        assert book_copy.status_changed_at == returned_at + timedelta(days=3)
        entries = AuditEntry.objects.filter(action="quarantine_ended")
        assert set(entries.values_list("item", "from_status", "to_status")) == {
            (dvd_copy.pk, "quarantine", "available"),
            (book_copy.pk, "quarantine", "available"),
        }

    def test_other_copies_are_left_alone(self, clock):
        for status in ["available", "held", "on_loan", "unavailable"]:
            ItemFactory(status=status)
        Item.objects.update(status_changed_at=paris(2020, 1, 1))

        assert services.release_quarantine(now=paris(2026, 6, 10)) == 0
        assert Item.objects.filter(status="available").count() == 1

    def test_many_copies_are_released_chunk_by_chunk(self, monkeypatch, clock):
        monkeypatch.setattr(services, "SWEEP_CHUNK_SIZE", 2)
        for _ in range(5):
            ItemFactory(status="quarantine")
        Item.objects.update(status_changed_at=paris(2026, 6, 1))

        assert services.release_quarantine(now=paris(2026, 6, 10)) == 5
        assert services.release_quarantine(now=paris(2026, 6, 10)) == 0


# The whole lifecycle -----------------------------------------------------------------------------


def test_a_full_order_leaves_a_complete_audit_trail(patron, branch, shelf, librarian, clock):
    order = services.submit_reservation(patron=patron, branch=branch, records=[shelf(), shelf()])
    clock.advance(hours=1)
    services.start_preparing(reservation=order, by=librarian)
    pick_all(order, librarian)
    services.mark_ready(reservation=order, by=librarian)
    services.collect(reservation=order, by=librarian)

    assert list(
        order.audit_entries.filter(item=None).values_list("action", "from_status", "to_status")
    ) == [
        ("submitted", "", "submitted"),
        ("preparing", "submitted", "preparing"),
        ("ready", "preparing", "ready"),
        ("collected", "ready", "collected"),
    ]
    per_item = order.audit_entries.exclude(item=None).values("item").annotate(n=Count("pk"))
    assert {row["n"] for row in per_item} == {3}  # held, picked, lent
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        "reservation_received",
        "reservation_ready",
    }

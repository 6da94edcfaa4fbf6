"""The rules of ordering, the same for the patron's basket and a librarian's phone order."""

import datetime

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.utils import translation

from reservations import ordering, services
from reservations.exceptions import (
    AlreadyInAnOrder,
    AlreadyInDraft,
    DraftFull,
    MembershipExpired,
    NoMembership,
    NotReservableOnline,
    TooManyDocuments,
    UnknownRecord,
)
from reservations.ordering import Holdings, OrderDraft
from tests.factories import DocumentTypeFactory, PatronFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["basket", "taken for a patron"])
def draft(request):
    """Either kind of draft: every rule below holds for both."""
    session = SessionStore()
    if request.param == "basket":
        return OrderDraft.basket(session)
    return OrderDraft.taken_for(session, patron_id=7)


NOTHING_HELD = Holdings()


def add(draft, record, *, patron=None, held=NOTHING_HELD):
    """Add as `ordering.add_to_draft` does, with the holdings given rather than read."""
    ordering.check_addition(draft, record, patron=patron, held=held)
    draft.record_ids.append(record.pk)
    draft.save()


class TestOrderDraft:
    def test_records_are_kept_in_the_order_added(self, draft):
        first, second = RecordFactory(), RecordFactory()

        add(draft, first)
        add(draft, second)

        assert draft.record_ids == [first.pk, second.pk]
        assert len(draft) == 2 and first.pk in draft

    def test_a_draft_is_read_back_from_its_session(self, draft):
        record = RecordFactory()
        add(draft, record)

        again = OrderDraft(draft.session, patron_id=7 if draft.patron_key else None)

        assert again.record_ids == [record.pk]

    def test_the_basket_and_a_patron_s_drafts_do_not_mix(self):
        session = SessionStore()
        basket = OrderDraft.basket(session)
        for_camille = OrderDraft.taken_for(session, 1)
        for_dominique = OrderDraft.taken_for(session, 2)
        add(basket, RecordFactory())
        add(for_camille, RecordFactory())

        assert len(OrderDraft.basket(session)) == 1
        assert len(OrderDraft.taken_for(session, 1)) == 1
        assert len(for_dominique) == 0 and len(OrderDraft.taken_for(session, 2)) == 0

    def test_a_librarian_s_draft_remembers_the_channel_and_branch(self):
        session = SessionStore()
        draft = OrderDraft.taken_for(session, 1)
        draft.channel, draft.branch_id = "phone", 12
        draft.save()

        again = OrderDraft.taken_for(session, 1)
        remembered = (again.channel, again.branch_id)
        again.clear()

        assert remembered == ("phone", 12)
        assert (again.channel, again.branch_id) == ("", None)
        assert OrderDraft.taken_for(session, 1).channel == ""

    def test_a_tampered_session_value_is_read_as_empty(self):
        assert OrderDraft.basket({"basket": "1,2"}).record_ids == []
        assert OrderDraft.basket({"basket": [1, "2", None]}).record_ids == [1]
        tampered = {"remote_orders": {"1": {"channel": 3, "branch": "x", "records": [1, "2"]}}}
        draft = OrderDraft.taken_for(tampered, 1)
        assert (draft.channel, draft.branch_id, draft.record_ids) == ("", None, [1])
        assert OrderDraft.taken_for({"remote_orders": []}, 1).record_ids == []

    def test_remove_keep_only_and_clear(self, draft):
        a, b, c = RecordFactory(), RecordFactory(), RecordFactory()
        for record in (a, b, c):
            add(draft, record)

        assert draft.remove(b.pk) is True
        assert draft.remove(b.pk) is False
        draft.keep_only([c.pk])
        assert draft.record_ids == [c.pk]
        draft.clear()
        assert len(draft) == 0


class TestAddition:
    def test_the_cap_counts_what_the_patron_holds_and_the_draft(self, draft, settings):
        settings.MAX_ACTIVE_ITEMS = 3
        held = Holdings(count=1, references={9999: "CC-ABCDE"})
        add(draft, RecordFactory(), held=held)
        add(draft, RecordFactory(), held=held)

        with pytest.raises(DraftFull) as refused:
            add(draft, RecordFactory(), held=held)

        assert len(draft) == 2
        with translation.override("en"):
            assert str(refused.value).startswith("You can have at most 3 documents in your basket")
            assert refused.value.for_staff().startswith("A patron can have at most 3 documents")

    def test_refusals_leave_the_draft_as_it_was(self, draft):
        record = RecordFactory(title="Nadja")
        add(draft, record)
        game = DocumentTypeFactory(code="game", reservable_online=False)

        with pytest.raises(AlreadyInDraft):
            add(draft, record)
        with pytest.raises(UnknownRecord):
            ordering.check_addition(draft, None, patron=None, held=Holdings())
        with pytest.raises(AlreadyInAnOrder):
            add(draft, RecordFactory(pk=4242), held=Holdings(1, {4242: "CC-ABCDE"}))
        with pytest.raises(NotReservableOnline):
            add(draft, RecordFactory(document_type=game))
        assert draft.record_ids == [record.pk]

    def test_a_patron_without_a_valid_membership_cannot_add(self, draft):
        expired = PatronFactory(membership_expires_on=datetime.date(2020, 12, 31))
        never = PatronFactory(membership_expires_on=None)

        with pytest.raises(MembershipExpired) as ended:
            add(draft, RecordFactory(), patron=expired)
        with pytest.raises(NoMembership):
            add(draft, RecordFactory(), patron=never)

        assert len(draft) == 0
        with translation.override("en"):
            assert "ended on" in str(ended.value)
            assert ended.value.for_staff() == (
                "This patron has no valid membership: they cannot reserve."
            )

    def test_each_refusal_speaks_to_the_patron_and_to_the_librarian(self, draft):
        record = RecordFactory(title="Nadja")
        add(draft, record)

        with pytest.raises(AlreadyInDraft) as in_draft:
            add(draft, record)
        with pytest.raises(AlreadyInAnOrder) as ordered:
            add(
                draft, RecordFactory(pk=4343, title="Aurélia"), held=Holdings(1, {4343: "CC-7K3Q9"})
            )

        with translation.override("fr"):
            assert str(in_draft.value) == "«\u00a0Nadja\u00a0» est déjà dans votre panier."
            assert in_draft.value.for_staff() == "« Nadja » est déjà dans cette commande."
            assert (
                str(ordered.value) == "«\u00a0Aurélia\u00a0» est déjà dans votre commande CC-7K3Q9."
            )
            assert ordered.value.for_staff() == (
                "« Aurélia » est déjà dans la commande CC-7K3Q9 de l’usager."
            )


class TestHoldings:
    def test_what_the_patron_s_open_orders_hold(self, patron, branch, shelf):
        first, second, collected_later = shelf("Nadja"), shelf("Aurélia"), shelf("Zazie")
        order = services.submit_reservation(patron=patron, branch=branch, records=[first, second])
        other = services.submit_reservation(patron=patron, branch=branch, records=[collected_later])
        services.cancel(reservation=other, by=patron)

        held = ordering.holdings(patron)

        assert held == Holdings(
            count=2, references={first.pk: order.reference, second.pk: order.reference}
        )
        assert ordering.holdings(None) == Holdings()
        assert ordering.holdings(PatronFactory()) == Holdings()

    def test_an_order_is_checked_against_them_in_the_patron_s_words_or_the_librarian_s(
        self, patron, branch, shelf, settings
    ):
        settings.MAX_ACTIVE_ITEMS = 3
        held = shelf("Nadja")
        order = services.submit_reservation(patron=patron, branch=branch, records=[held])

        with pytest.raises(AlreadyInAnOrder):
            ordering.check_holdings(patron, [shelf("Aurélia"), held])
        with pytest.raises(TooManyDocuments) as too_many:
            ordering.check_holdings(patron, [shelf(), shelf(), shelf()])
        ordering.check_holdings(patron, [shelf(), shelf()])

        with translation.override("en"):
            assert str(too_many.value) == (
                "You can have at most 3 documents in orders not yet collected; you already have 1."
            )
            assert too_many.value.for_staff() == (
                "A patron can have at most 3 documents in orders not yet collected; "
                "this one already has 1."
            )
        assert order.lines.count() == 1

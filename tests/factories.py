"""factory-boy factories for every model; tests build their data with these."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.roles import ensure_roles
from branches.models import Branch, Closure, OpeningHours
from catalog.models import DocumentType, Item, Record
from notifications.models import Notification
from reservations.models import ExtensionCampaign, Loan, Reservation, ReservationLine

# The password of every user made here.
PASSWORD = "correct horse battery"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"branch-{n}")
    name = factory.Sequence(lambda n: f"Médiathèque {n}")
    address = "26 esplanade Nathalie Sarraute"
    postcode = "75018"
    city = "Paris"
    latitude = Decimal("48.889950")
    longitude = Decimal("2.359870")
    click_and_collect_enabled = True
    processing_hours = 24
    pickup_days = 10

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        """Open Tuesday to Saturday 10:00-19:00 unless `hours=[(weekday, "HH:MM", "HH:MM")...]`."""
        if not create:
            return
        spec = extracted if extracted is not None else [(d, "10:00", "19:00") for d in range(1, 6)]
        OpeningHours.objects.bulk_create(
            OpeningHours(
                branch=self,
                weekday=weekday,
                opens_at=datetime.time.fromisoformat(opens),
                closes_at=datetime.time.fromisoformat(closes),
            )
            for weekday, opens, closes in spec
        )


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    branch = factory.SubFactory(BranchFactory, hours=[])
    weekday = 1
    opens_at = datetime.time(10)
    closes_at = datetime.time(19)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    branch = factory.SubFactory(BranchFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.SelfAttribute("starts_on")
    reason = "Inventaire"


class UserFactory(factory.django.DjangoModelFactory):
    """A patron with a valid membership."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    card_number = factory.Sequence(lambda n: f"2{n:09d}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.card_number}@example.org")
    membership_expires_on = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )
    preferred_language = "fr"
    password = factory.django.Password(PASSWORD)


PatronFactory = UserFactory


class StaffFactory(UserFactory):
    """A member of staff: `StaffFactory(groups=["librarian"], branches=[branch])`."""

    card_number = factory.Sequence(lambda n: f"S{n:06d}")
    is_staff = True
    membership_expires_on = None

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            ensure_roles()
            self.groups.set(Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def branches(self, create, extracted, **kwargs):
        if create and extracted:
            self.branches.set(extracted)


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = "book"
    name_fr = "Livre"
    name_en = "Book"
    reservable_online = True
    loan_days = 21
    quarantine_days = 3


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    identifier = factory.Sequence(lambda n: f"rec-{n}")
    document_type = factory.SubFactory(DocumentTypeFactory)
    title = factory.Sequence(lambda n: f"Max et Lili, tome {n}")
    creators = "Saint-Mars, Dominique de"
    publisher = "Calligram"
    year = 2005
    language = "fre"


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    barcode = factory.Sequence(lambda n: f"C{n:011d}")
    record = factory.SubFactory(RecordFactory)
    branch = factory.SubFactory(BranchFactory)
    call_number = "BD SAI"
    status = Item.Status.AVAILABLE


class ReservationFactory(factory.django.DjangoModelFactory):
    """An order as stored; tests of rules go through reservations.services instead."""

    class Meta:
        model = Reservation

    patron = factory.SubFactory(PatronFactory)
    branch = factory.SubFactory(BranchFactory)
    submitted_at = factory.LazyFunction(timezone.now)
    processing_deadline = factory.LazyAttribute(
        lambda r: r.submitted_at + datetime.timedelta(hours=24)
    )


class ReservationLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReservationLine

    reservation = factory.SubFactory(ReservationFactory)
    item = factory.SubFactory(
        ItemFactory, branch=factory.SelfAttribute("..reservation.branch"), status="held"
    )
    record = factory.SelfAttribute("item.record")


class LoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loan

    item = factory.SubFactory(ItemFactory, status="on_loan")
    patron = factory.SubFactory(PatronFactory)
    out_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=21))


class ExtensionCampaignFactory(factory.django.DjangoModelFactory):
    """A draft campaign pushing back every current loan by 5 weeks."""

    class Meta:
        model = ExtensionCampaign

    kind = ExtensionCampaign.Kind.LOANS
    name = "Confinement"
    reason = "Les bibliothèques sont fermées."
    shift_amount = 5
    shift_unit = ExtensionCampaign.Unit.WEEKS


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    kind = "reservation_received"
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    recipient = factory.SubFactory(PatronFactory)
    address = factory.SelfAttribute("recipient.email")
    language = "fr"
    subject = "Votre commande est bien reçue"
    body_text = "Bonjour"


def unsaved_opening_hours(*spec: tuple[int, str, str]) -> list[OpeningHours]:
    """Return OpeningHours rows, not saved: `(weekday, "13:00", "19:00")`, Monday is 0."""
    return [
        OpeningHours(
            weekday=weekday,
            opens_at=datetime.time.fromisoformat(opens),
            closes_at=datetime.time.fromisoformat(closes),
        )
        for weekday, opens, closes in spec
    ]

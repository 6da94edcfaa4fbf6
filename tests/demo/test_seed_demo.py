"""`manage.py seed_demo`: the demo network, its catalogue and its people."""

import datetime
import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import User
from branches.models import Branch, PostcodeArea
from catalog.models import DocumentType, Item, Record
from demo import bulk_load, catalogue, people, seeding, sources
from demo.call_numbers import call_number_for
from demo.opening_hours import DEFAULT_WEEKLY_HOURS, UnreadableHours, parse_opening_hours
from reservations.models import ReservationLine
from tests.factories import BranchFactory

SMALL = {"records": 300, "patrons": 5, "seed": 7}
HERITAGE_LIBRARIES = ("Forney", "Historique", "Marguerite Durand", "littératures policières")
PARIS_FILE = "paris_top_loans_les_titres_les_plus_pretes.csv"
TOULOUSE_FILE = "toulouse_top_loans_2011_2022.csv"
GOODBOOKS_FILE = "goodbooks10k_books.csv"
SCO_FILE = "shakespeare_and_co_books.csv"


def seed(**options) -> str:
    """Run the command with the given options; return what it printed."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{"interactive": False, **options})
    return out.getvalue()


def hours(branch: Branch) -> list[tuple[int, str, str]]:
    return [
        (h.weekday, f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}")
        for h in branch.opening_hours.order_by("weekday", "opens_at")
    ]


def catalogue_snapshot() -> list[tuple]:
    return list(
        Item.objects.order_by("id").values_list(
            "barcode", "record__identifier", "branch__code", "call_number", "status"
        )
    )


@pytest.fixture
def seeded(db, midday):
    return seed(**SMALL)


# Opening hours -------------------------------------------------------------------


class TestOpeningHoursParser:
    def test_a_later_rule_replaces_an_earlier_one_for_its_days(self):
        # Václav Havel: Wednesday is in both rules; the second one wins, as in OSM.
        weekly = parse_opening_hours(
            "Mardi-Vendredi 13:00-19:00 | Mercredi 10:00-19:00 | Samedi 10:00-18:00"
        )
        assert weekly == {
            1: [(datetime.time(13), datetime.time(19))],
            2: [(datetime.time(10), datetime.time(19))],
            3: [(datetime.time(13), datetime.time(19))],
            4: [(datetime.time(13), datetime.time(19))],
            5: [(datetime.time(10), datetime.time(18))],
        }

    def test_the_school_year_season_is_taken_and_summer_ignored(self):
        weekly = parse_opening_hours(
            "Sep-Juin: Mardi-Samedi 12:00-19:00 | Juil-Aout: Mardi-Samedi 14:00-19:00 | "
            "Sep-Juin: Lundi, Jours feries Ferme | Juil-Aout: Dimanche, Lundi, Jours feries Ferme"
        )
        assert sorted(weekly) == [1, 2, 3, 4, 5]
        assert weekly[5] == [(datetime.time(12), datetime.time(19))]

    def test_a_summer_season_without_colon_is_ignored(self):
        weekly = parse_opening_hours(
            "Mardi, Jeudi, Vendredi 13:00-19:00 | Mercredi 10:00-19:00 | Samedi 10:00-18:00 | "
            "Dimanche 13:00-18:00 | Juil-Aout Mardi-Vendredi 13:00-19:00 | Samedi 10:00-18:00"
        )
        assert weekly[2] == [(datetime.time(10), datetime.time(19))]
        assert weekly[6] == [(datetime.time(13), datetime.time(18))]

    def test_several_rules_in_one_segment_and_day_lists(self):
        weekly = parse_opening_hours(
            "Mardi, Jeudi-Vendredi 13:00-19:00, Mercredi 10:00-19:00, Samedi 10:00-18:00"
        )
        assert {day: intervals[0][0].hour for day, intervals in weekly.items()} == {
            1: 13,
            2: 10,
            3: 13,
            4: 13,
            5: 10,
        }

    def test_several_intervals_in_a_day(self):
        weekly = parse_opening_hours(
            "Lundi-Jeudi 08:30-12:30, 13:30-17:30 | Vendredi 08:30-12:30, 13:30-16:30"
        )
        assert weekly[0] == [
            (datetime.time(8, 30), datetime.time(12, 30)),
            (datetime.time(13, 30), datetime.time(17, 30)),
        ]
        assert weekly[4][1] == (datetime.time(13, 30), datetime.time(16, 30))

    def test_closed_days_and_date_closures(self):
        weekly = parse_opening_hours(
            "Mercredi 10:00-19:00 | Mardi, Jeudi-Vendredi 14:00-19:00 | Samedi 10:00-18:00 | "
            "Dec 25, Jan 1 Ferme"
        )
        assert sorted(weekly) == [1, 2, 3, 4, 5]
        assert parse_opening_hours("Lundi, Dimanche Ferme | Mardi-Samedi 12:00-19:00").keys() == {
            1,
            2,
            3,
            4,
            5,
        }

    def test_untranslated_english_days(self):
        weekly = parse_opening_hours("Mardi, Jeudi, Vendredi, Sat 13:00-18:00")
        assert sorted(weekly) == [1, 3, 4, 5]

    @pytest.mark.parametrize(
        "text", ["", "closed", "off", "Mardi 19:00-13:00", "Lundi-Vendredi sur rendez-vous"]
    )
    def test_unreadable_hours_are_refused(self, text):
        with pytest.raises(UnreadableHours):
            parse_opening_hours(text)


# Branches ------------------------------------------------------------------------


class TestBranches:
    def test_the_paris_postcodes_are_loaded_for_the_nearest_branch(self, seeded):
        from branches.geo import position_from_postcode

        assert PostcodeArea.objects.count() == 21  # 20 arrondissements, 16e twice
        position = position_from_postcode("75018")
        assert position.latitude == pytest.approx(48.8925, abs=0.001)

    def test_only_the_lending_libraries_become_branches(self, seeded):
        assert Branch.objects.count() == 57
        for name in HERITAGE_LIBRARIES:
            assert not Branch.objects.filter(name__icontains=name).exists()

    def test_vaclav_havel_has_its_public_address_and_parsed_hours(self, seeded):
        branch = Branch.objects.get(code="vaclav-havel")
        assert branch.name == "Bibliothèque Václav Havel"
        assert branch.address == "26 Esplanade Nathalie Sarraute"
        assert branch.postcode == "75018"
        assert hours(branch) == [
            (1, "13:00", "19:00"),
            (2, "10:00", "19:00"),
            (3, "13:00", "19:00"),
            (4, "13:00", "19:00"),
            (5, "10:00", "18:00"),
        ]
        assert branch.click_and_collect_enabled

    def test_canopee_opens_on_sunday(self, seeded):
        branch = Branch.objects.get(code="canopee-la-fontaine")
        assert (6, "13:00", "18:00") in hours(branch)
        assert branch.processing_hours == 24  # a médiathèque

    def test_libraries_without_usable_hours_get_default_hours_and_no_orders(self, seeded):
        buffon = Branch.objects.get(code="buffon")  # "closed" in the data
        assert len(hours(buffon)) == sum(len(i) for i in DEFAULT_WEEKLY_HOURS.values())
        assert not buffon.click_and_collect_enabled
        assert "7 with default opening hours" in seeded

    def test_about_two_thirds_take_orders_some_by_phone_or_email(self, seeded):
        enabled = Branch.objects.filter(click_and_collect_enabled=True)
        assert enabled.count() == 38
        assert enabled.filter(accepts_phone_orders=True).exists()
        assert enabled.filter(accepts_email_orders=True).exists()
        assert not Branch.objects.filter(
            click_and_collect_enabled=False, accepts_phone_orders=True
        ).exists()
        assert set(Branch.objects.values_list("processing_hours", flat=True)) == {24, 48}

    def test_the_staff_branch_and_the_mediatheques_give_pickup_appointments(self, seeded):
        by_appointment = Branch.objects.filter(appointments_enabled=True)
        assert by_appointment.filter(code="vaclav-havel").exists()
        assert by_appointment.count() == 8
        assert not by_appointment.filter(click_and_collect_enabled=False).exists()


# Catalogue -----------------------------------------------------------------------


class TestCatalogue:
    def test_document_types_are_book_cd_and_dvd_reservable_online(self, seeded):
        types = {t.code: t for t in DocumentType.objects.all()}
        assert set(types) == {"book", "cd", "dvd"}
        assert all(t.reservable_online and t.quarantine_days == 3 for t in types.values())
        assert (types["book"].loan_days, types["dvd"].loan_days) == (21, 14)
        assert types["book"].name_fr == "Livre"

    def test_records_come_from_every_source_and_type(self, seeded):
        identifiers = Record.objects.values_list("identifier", flat=True)
        assert {identifier.split(":")[0] for identifier in identifiers} == {
            "paris",
            "toulouse",
            "goodbooks",
            "sco",
        }
        assert set(Record.objects.values_list("document_type__code", flat=True)) == {
            "book",
            "cd",
            "dvd",
        }
        assert Record.objects.count() == 300

    def test_a_goodbooks_record_keeps_its_isbn_and_language(self, seeded):
        record = Record.objects.get(identifier="goodbooks:1")
        assert (record.title, record.isbn, record.language) == (
            "The Hunger Games",
            "9780439023481",
            "eng",
        )
        assert record.created_at and record.updated_at

    def test_copies_average_the_requested_number(self, seeded):
        assert 0.85 * 900 <= Item.objects.count() <= 1.15 * 900

    def test_barcodes_are_unique_and_look_like_library_labels(self, seeded):
        barcodes = list(Item.objects.values_list("barcode", flat=True))
        assert len(set(barcodes)) == len(barcodes)
        assert all(re.fullmatch(r"30750\d{9}", barcode) for barcode in barcodes)
        assert all(catalogue.with_check_digit(b[:-1]) == b for b in barcodes)

    def test_every_copy_is_at_a_real_branch_and_a_few_are_out(self, seeded):
        lending_codes = {spec.code for spec in seeding.demo_branches.read_lending_branches()}
        assert set(Item.objects.values_list("branch__code", flat=True)) <= lending_codes
        statuses = set(Item.objects.values_list("status", flat=True))
        assert {"available", "on_loan"} <= statuses
        held = set(Item.objects.filter(status="held").values_list("pk", flat=True))
        assert held == set(ReservationLine.objects.values_list("item_id", flat=True))  # the demo's

    def test_sequences_continue_after_the_assigned_ids(self, seeded):
        record = Record.objects.create(
            identifier="new", document_type=DocumentType.objects.get(code="book"), title="New"
        )
        item = Item.objects.create(
            barcode="new", record=record, branch=Branch.objects.first(), call_number="R NEW"
        )
        assert record.pk == 301
        assert item.pk == Item.objects.count()

    def test_default_size_is_every_real_record_once(self, db):
        output = seed(copies=1, patrons=0)
        real = len(sources.read_real_records())
        assert 20_000 < real < 30_000
        assert Record.objects.count() == real
        assert Item.objects.count() == real  # exactly one copy each with --copies 1
        assert "copies/s" in output and "records" in output

    def test_records_past_the_real_ones_are_further_editions(self, db, monkeypatch):
        real = sources.read_real_records()[:20]
        monkeypatch.setattr(sources, "read_real_records", lambda: real)
        seed(records=50, patrons=0)
        assert Record.objects.count() == 50
        first = real[0]
        editions = Record.objects.filter(title=first.title, creators=first.creators)
        assert sorted(editions.values_list("identifier", flat=True)) == [
            first.identifier,
            f"{first.identifier}:ed2",
            f"{first.identifier}:ed3",
        ]


class TestEditions:
    def test_an_edition_has_its_own_identifier_year_publisher_and_isbn(self):
        real = sources.read_real_records()[:5]
        now = timezone.now()
        rows = list(
            catalogue.record_rows(
                real, 12, document_type_ids={"book": 1, "cd": 2, "dvd": 3}, timestamp=now
            )
        )
        columns = catalogue.RECORD_COLUMNS
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        assert [r["id"] for r in records] == list(range(1, 13))
        assert len({r["identifier"] for r in records}) == 12
        edition = records[5]  # the first real record, second time round
        assert edition["identifier"] == f"{real[0].identifier}:ed2"
        assert edition["title"] == real[0].title
        assert 1950 <= edition["year"] <= now.year
        assert edition["publisher"]
        code = edition["isbn"] or edition["ean"]
        assert len(code) == 13 and catalogue.with_check_digit(code[:-1]) == code
        assert "Réédition n° 2" in edition["summary"]

    def test_a_million_records_fit_the_identifier_column(self):
        real = sources.read_real_records()
        longest = max(len(record.identifier) for record in real)
        assert longest + len(":ed999") <= Record._meta.get_field("identifier").max_length


class TestSources:
    def test_paris_dvd_titles_lose_their_loan_conditions(self):
        titles = {r.title: r for r in sources.read_paris(sources.DATA_DIR / PARIS_FILE)}
        assert "Mon voisin Totoro" in titles
        assert titles["Mon voisin Totoro"].document_type == sources.DVD
        assert "Vaiana, la légende du bout du monde" in titles
        assert titles["Les trois brigands"].creators == "Freitag, Hayo"

    def test_toulouse_has_no_periodicals_and_maps_media(self):
        records = list(sources.read_toulouse(sources.DATA_DIR / TOULOUSE_FILE))
        titles = {r.title for r in records}
        assert "Causette" not in titles and "Okapi" not in titles
        assert {r.document_type for r in records} == {sources.BOOK, sources.CD, sources.DVD}
        assert len({r.identifier for r in records}) == len(records)
        brahms = next(r for r in records if r.creators.startswith("Brahms, Johannes"))
        assert brahms.document_type == sources.CD and "(1833" not in brahms.creators

    def test_goodbooks_languages_become_iso_639_2(self):
        records = {
            r.identifier: r for r in sources.read_goodbooks(sources.DATA_DIR / GOODBOOKS_FILE)
        }
        assert {r.language for r in records.values()} >= {"eng", "fre"}
        assert not {r.language for r in records.values()} & {"en-US", "en-GB"}

    def test_shakespeare_and_co_reads_past_its_byte_order_mark(self):
        first = next(sources.read_shakespeare_and_co(sources.DATA_DIR / SCO_FILE))
        assert first.identifier == "sco:malory-morte-darthur"
        assert first.year == 1485

    def test_duplicates_across_sources_are_dropped(self):
        real = sources.read_real_records()
        keys = [(r.document_type, sources.fold(r.title), sources.fold(r.surname)) for r in real]
        assert len(set(keys)) == len(keys)
        assert len({r.identifier for r in real}) == len(real)


class TestCallNumbers:
    @pytest.mark.parametrize(
        ("document_type", "title", "surname", "section", "expected"),
        [
            ("book", "Les Trois Mousquetaires", "Dumas", "", "R DUM"),
            ("book", "L'Étranger", "", "", "R ETR"),
            ("book", "Guards! Guards!", "Pratchett", "TH", "TH PRA"),
        ],
    )
    def test_adult_call_numbers_follow_the_shelf_rule(
        self, document_type, title, surname, section, expected
    ):
        record = sources.SourceRecord("x", document_type, title, surname=surname, kind=section)
        assert call_number_for(record) == expected

    @pytest.mark.parametrize(
        ("document_type", "title", "surname", "section", "expected"),
        [
            ("book", "Les Légendaires", "Sobral", "BD", "J BD SOB"),
            ("cd", "Enfantillages", "Aldebert", "", "CD J ALD"),
            ("dvd", "Le voyage de Chihiro", "Miyazaki", "", "DVD J VOYA"),
        ],
    )
    def test_youth_call_numbers_start_with_j(
        self, document_type, title, surname, section, expected
    ):
        record = sources.SourceRecord(
            "x", document_type, title, surname=surname, kind=section, youth=True
        )
        assert call_number_for(record) == expected


class TestBarcodes:
    @pytest.mark.parametrize("number", [1, 9, 10_000, 1_234_567, 99_999_999])
    def test_the_fast_barcode_matches_the_luhn_rule(self, number):
        assert catalogue.barcode_for(number) == catalogue.with_check_digit(f"30750{number:08d}")

    def test_there_is_no_barcode_past_eight_digits(self):
        with pytest.raises(ValueError):
            catalogue.barcode_for(100_000_000)


# Loaders --------------------------------------------------------------------------


class TestLoaders:
    def test_the_insert_fallback_writes_what_copy_writes(self, db, monkeypatch):
        # The fallback (SQLite's path) run here on PostgreSQL: the code path is what matters.
        seed(**SMALL)
        with_copy = catalogue_snapshot()
        monkeypatch.setattr(seeding, "load_rows", bulk_load.insert_rows)
        seed(force=True, **SMALL)
        assert catalogue_snapshot() == with_copy
        assert Record.objects.filter(created_at__isnull=True).count() == 0
        assert (
            Record.objects.create(
                identifier="after", document_type=DocumentType.objects.first(), title="After"
            ).pk
            == 301
        )

    def test_loaders_report_progress_per_batch(self, db):
        reports = []
        real = sources.read_real_records()
        rows = catalogue.record_rows(
            real, 25, document_type_ids=seeding.create_document_types(), timestamp=timezone.now()
        )
        written = bulk_load.insert_rows(
            Record,
            catalogue.RECORD_COLUMNS,
            rows,
            batch_size=10,
            progress=lambda label, count, seconds: reports.append(count),
            label="records",
        )
        assert written == 25 and reports == [10, 20, 25]


# People --------------------------------------------------------------------------


def printed_logins(output: str) -> list[tuple[str, str, str]]:
    """Return (role, card number, password) from the sign-in table."""
    table = output.split("Sign in with:", 1)[1].splitlines()[2:]
    logins = []
    for line in table:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 3 and cells[2].startswith("demo-"):
            logins.append((cells[0], cells[1], cells[2]))
    return logins


class TestPeople:
    def test_every_printed_login_signs_in(self, seeded, rf):
        logins = printed_logins(seeded)
        roles = [role for role, _card, _password in logins]
        assert roles[:3] == ["network admin (superuser)", "librarian", "desk agent"]
        assert roles.count("patron") >= 3
        for _role, card_number, password in logins:
            assert (
                authenticate(
                    rf.post("/accounts/login/"), card_number=card_number, password=password
                )
                is not None
            )

    def test_the_table_flags_the_english_speaker_and_the_expired_membership(self, seeded):
        assert re.search(r"10000002 .*English-speaking", seeded)
        assert re.search(r"10000003 .*EXPIRED", seeded)

    def test_patrons_cover_the_membership_cases(self, seeded):
        patrons = User.objects.filter(is_staff=False).order_by("card_number")
        today = timezone.localdate()
        campaign_start = people.campaign_start_for(today)
        assert [p.card_number for p in patrons] == [str(10_000_001 + i) for i in range(5)]
        ends = [p.membership_expires_on for p in patrons]
        assert ends[0] >= today and ends[1] >= today
        assert ends[2] < campaign_start  # clearly expired
        assert campaign_start <= ends[3] < today  # extended by the autumn campaign
        assert [p.preferred_language for p in patrons].count("en") == 1
        assert all(p.email.endswith("@example.org") for p in patrons)
        assert all(p.home_branch.click_and_collect_enabled for p in patrons)

    def test_staff_work_at_a_branch_in_their_group(self, seeded):
        admin = User.objects.get(card_number=people.ADMIN_CARD)
        assert admin.is_superuser and admin.is_staff
        assert [g.name for g in admin.groups.all()] == ["network admin"]
        for card_number, group in (
            (people.LIBRARIAN_CARD, "librarian"),
            (people.DESK_CARD, "desk"),
        ):
            member = User.objects.get(card_number=card_number)
            assert member.is_staff and not member.is_superuser
            assert [b.code for b in member.branches.all()] == ["vaclav-havel"]
            assert [g.name for g in member.groups.all()] == [group]

    @pytest.mark.parametrize(
        ("today", "start"),
        [
            (datetime.date(2026, 11, 28), datetime.date(2026, 9, 1)),
            (datetime.date(2026, 9, 1), datetime.date(2025, 9, 1)),
            (datetime.date(2026, 3, 10), datetime.date(2025, 9, 1)),
        ],
    )
    def test_the_campaign_starts_on_the_last_first_of_september(self, today, start):
        assert people.campaign_start_for(today) == start


# Safety --------------------------------------------------------------------------


class TestSafety:
    @pytest.mark.parametrize("existing", ["branch", "user"])
    def test_a_database_with_data_is_refused(self, db, existing):
        if existing == "branch":
            BranchFactory()
        else:
            User.objects.create_user("12345678", "secret")
        with pytest.raises(CommandError, match="--force") as refusal:
            seed(**SMALL)
        assert refusal.value.returncode == 1
        assert not Record.objects.exists()

    def test_force_deletes_and_seeds_again(self, seeded):
        User.objects.create_user("99999999", "secret")
        seed(force=True, records=40, patrons=2, seed=7)
        assert Record.objects.count() == 40
        assert Branch.objects.count() == 57
        assert not User.objects.filter(card_number="99999999").exists()
        assert User.objects.count() == 2 + 3

    def test_force_asks_before_deleting_and_a_no_keeps_everything(self, seeded, monkeypatch):
        questions = []
        monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "no")
        before = (Record.objects.count(), Item.objects.count(), User.objects.count())

        with pytest.raises(CommandError, match="nothing was deleted"):
            seed(force=True, interactive=True, records=40)

        assert "deletes every branch, record, copy and user" in questions[0]
        assert (Record.objects.count(), Item.objects.count(), User.objects.count()) == before

    def test_force_goes_ahead_after_a_yes(self, seeded, monkeypatch):
        monkeypatch.setattr("builtins.input", lambda question: "yes")

        seed(force=True, interactive=True, records=40, patrons=1)

        assert Record.objects.count() == 40

    def test_if_empty_leaves_a_database_with_data_alone(self, seeded):
        before = (Record.objects.count(), Item.objects.count(), User.objects.count())
        output = seed(if_empty=True, records=10)
        assert "skipped" in output
        assert (Record.objects.count(), Item.objects.count(), User.objects.count()) == before

    def test_if_empty_seeds_an_empty_database(self, db):
        seed(if_empty=True, records=10, patrons=1)
        assert Record.objects.count() == 10

    def test_a_failure_leaves_the_database_as_it_was(self, db, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(people, "create_patrons", broken)
        with pytest.raises(RuntimeError):
            seed(**SMALL)
        assert not Branch.objects.exists()
        assert not Record.objects.exists()
        assert not User.objects.exists()

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"records": -1}, "--records"),
            ({"copies": 0}, "--copies"),
            ({"patrons": -5}, "--patrons"),
            ({"batch_size": 0}, "--batch-size"),
            ({"records": 60_000_000, "copies": 2}, "barcode"),
        ],
    )
    def test_invalid_numbers_are_refused(self, db, options, message):
        with pytest.raises(CommandError, match=message):
            seed(**options)
        assert not Branch.objects.exists()

    @pytest.mark.parametrize(
        "arguments", [["--bogus"], ["--records", "many"], ["--force", "--if-empty"]]
    )
    def test_bad_arguments_are_argparse_errors(self, db, arguments):
        with pytest.raises(CommandError, match="Error: "):
            call_command("seed_demo", *arguments, stdout=io.StringIO())


# Determinism ---------------------------------------------------------------------


class TestDeterminism:
    def test_the_same_seed_gives_the_same_data(self, seeded):
        first = catalogue_snapshot()
        names = list(User.objects.order_by("card_number").values_list("first_name", "last_name"))
        seed(force=True, **SMALL)
        assert catalogue_snapshot() == first
        assert (
            list(User.objects.order_by("card_number").values_list("first_name", "last_name"))
            == names
        )

    def test_another_seed_gives_other_copies(self, seeded):
        first = catalogue_snapshot()
        seed(force=True, **{**SMALL, "seed": 8})
        assert catalogue_snapshot() != first
        assert Record.objects.count() == 300

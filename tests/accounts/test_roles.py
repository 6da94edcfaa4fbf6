"""The staff roles, written in accounts/roles.py and applied after every migrate."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal

from accounts.roles import DESK, LIBRARIAN, NETWORK_ADMIN, ROLES, apply_roles
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


def codes(group_name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migrated_database_has_every_role_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    assert set(ROLES[LIBRARIAN]) <= codes(LIBRARIAN)
    assert set(ROLES[DESK]) <= codes(DESK)
    assert "reservations.prepare_reservation" not in codes(DESK)
    # Permissions of models made after the group, which data migrations used to add one by one.
    admin = codes(NETWORK_ADMIN)
    assert {"catalog.run_catalogimport", "reservations.run_extensioncampaign"} <= admin
    assert {"reservations.act_on_all_branches", "notifications.view_notification"} <= admin
    assert not any(code.startswith(("auth.", "sessions.", "pickups.")) for code in admin)
    # Records of what campaigns and imports did are never edited, campaigns never deleted.
    assert not {"reservations.change_extensionchange", "catalog.change_catalogimport"} & admin
    assert "reservations.delete_extensioncampaign" not in admin


def test_a_staff_member_s_rights_come_from_the_role():
    librarian = StaffFactory(groups=[LIBRARIAN])
    desk = StaffFactory(groups=[DESK])

    assert librarian.has_perm("reservations.take_remote_order")
    assert not desk.has_perm("reservations.take_remote_order")
    assert desk.has_perm("reservations.hand_over_reservation")


def test_every_migrate_makes_a_lost_group_again():
    Group.objects.filter(name=DESK).delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert set(ROLES[DESK]) <= codes(DESK)


def test_applying_the_roles_keeps_what_a_network_gave_by_hand_but_the_withheld():
    extra = Permission.objects.get(codename="change_branch")
    Group.objects.get(name=LIBRARIAN).permissions.add(extra)
    Group.objects.get(name=DESK).permissions.remove(Permission.objects.get(codename="view_loan"))

    Group.objects.get(name=NETWORK_ADMIN).permissions.add(
        Permission.objects.get(codename="change_extensionchange")
    )

    apply_roles()

    assert "branches.change_branch" in codes(LIBRARIAN)
    assert "reservations.view_loan" in codes(DESK)
    assert "reservations.change_extensionchange" not in codes(NETWORK_ADMIN)


def test_no_module_of_the_product_imports_a_migration():
    offenders = []
    for path in PROJECT.glob("*/**/*.py"):
        relative = path.relative_to(PROJECT)
        # Tests may load a migration to test it; the product may not (it could not be squashed).
        outside = {".venv", "node_modules", "tests", "bench"}
        if relative.parts[0] in outside or "migrations" in relative.parts:
            continue
        source = path.read_text()
        if "migrations" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value] if ".migrations." in node.value else []
            if any(".migrations" in name and not name.startswith("django.") for name in names):
                offenders.append(str(relative))
    assert offenders == []

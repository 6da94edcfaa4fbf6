"""The staff groups (librarian, desk, network admin), made again if a database lost them.

Their migrations (0003 and 0007 of reservations) make them on every database;
`manage.py flush` and the test runner's flushes delete them with every row. The
seed command and the test factories then make them again, with the same
permissions, from the migrations' own definitions.
"""

import importlib

from django.contrib.auth.models import Group, Permission

# What the "network admin" group was given at first: every permission of these apps.
PROJECT_APPS = ["accounts", "branches", "catalog", "reservations", "notifications"]
CAMPAIGN_MODELS = ["extensioncampaign", "extensionchange"]


def ensure_staff_groups() -> None:
    """Make each missing staff group with the permissions its migrations give it."""
    groups = importlib.import_module("reservations.migrations.0003_staff_groups").GROUPS
    campaign_codenames = importlib.import_module(
        "reservations.migrations.0007_network_admins_run_campaigns"
    ).CODENAMES
    for name, wanted in groups.items():
        group, created = Group.objects.get_or_create(name=name)
        if not created:
            continue
        if wanted == "__all__":
            # What 0003 gave (the models of that time) plus what 0007 added.
            permissions = Permission.objects.filter(
                content_type__app_label__in=PROJECT_APPS
            ).exclude(content_type__model__in=CAMPAIGN_MODELS)
            group.permissions.set(
                [*permissions, *Permission.objects.filter(codename__in=campaign_codenames)]
            )
        else:
            group.permissions.set(
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in wanted
            )

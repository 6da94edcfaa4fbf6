"""Give the "network admin" group the permissions of models made after the group.

The group was given every permission of the project's apps when it was created
(0003); the extension campaigns and their run permission came later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_extensioncampaign",
    "change_extensioncampaign",
    "view_extensioncampaign",
    "run_extensioncampaign",
    "view_extensionchange",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("reservations")
    previous = getattr(app_config, "models_module", None)  # a stub in migrations
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="reservations", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name="network admin"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="reservations", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name="network admin"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0006_campaign_undo_notify_progress"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Elidable: accounts/roles.py gives the roles their permissions after every migrate.
    operations = [migrations.RunPython(grant, revoke, elidable=True)]

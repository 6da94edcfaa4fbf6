"""Give the "network admin" group the permissions of the catalogue imports.

The group was given every permission of the project's apps when it was created
(reservations 0003); the imports and their run permission came later. Since
then accounts/roles.py gives every role its permissions after each migrate,
so this no longer waits for the group: where it runs first, it finds no group
and the roles are applied at the end of the same migrate.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_catalogimport",
    "view_catalogimport",
    "delete_catalogimport",
    "run_catalogimport",
    "add_ilsbranchcode",
    "change_ilsbranchcode",
    "delete_ilsbranchcode",
    "view_ilsbranchcode",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("catalog")
    previous = getattr(app_config, "models_module", None)  # a stub in migrations
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="catalog", codename__in=CODENAMES)
    for group in Group.objects.filter(name="network admin"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="catalog", codename__in=CODENAMES)
    for group in Group.objects.filter(name="network admin"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_imports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

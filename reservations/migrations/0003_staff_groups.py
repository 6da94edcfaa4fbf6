"""Create the three staff groups and give them their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Group name -> (app label, permission codename) pairs.
GROUPS = {
    "librarian": [
        ("reservations", "prepare_reservation"),
        ("reservations", "take_remote_order"),
        ("reservations", "view_staff_dashboard"),
        ("reservations", "view_reservation"),
        ("reservations", "view_auditentry"),
        ("catalog", "view_record"),
        ("catalog", "view_item"),
        ("accounts", "view_user"),
    ],
    "desk": [
        ("reservations", "hand_over_reservation"),
        ("reservations", "view_staff_dashboard"),
        ("reservations", "view_reservation"),
        ("reservations", "view_loan"),
        ("catalog", "view_item"),
        ("accounts", "view_user"),
    ],
    "network admin": "__all__",
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        if wanted == "__all__":
            permissions = Permission.objects.filter(
                content_type__app_label__in=[
                    "accounts",
                    "branches",
                    "catalog",
                    "reservations",
                    "notifications",
                ]
            )
        else:
            permissions = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in wanted
            ]
        group.permissions.set(permissions)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0002_staff_permissions"),
        ("accounts", "0001_initial"),
        ("branches", "0002_postcode_area"),
        ("catalog", "0002_record_search"),
        ("notifications", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]

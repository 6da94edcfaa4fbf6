"""The staff roles: which group may do what, written here and kept so in the database.

A role is a Django group. After every `migrate` (and every `flush`, which the
tests' transactional cases run), `apply_roles` makes each group that is
missing and gives each group the permissions its role lists, as
`django.contrib.auth` creates permissions then: a new model or permission
reaches the network admins without a data migration, and no code imports a
migration to know the roles. It only adds, but for the few permissions
withheld from every role: a permission a network gave a group by hand in the
admin stays.

Permissions are named as strings ("app_label.codename"), so this module,
at the bottom of the apps, imports none of the apps it names.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate

LIBRARIAN = "librarian"
DESK = "desk"
NETWORK_ADMIN = "network admin"

# The apps whose every permission a network admin has (the admin's screens and more)...
NETWORK_ADMIN_APPS = ("accounts", "branches", "catalog", "reservations", "notifications")
# ...but these: what a campaign changed and what an import did are records, written by
# their runs and never edited, and a campaign is undone rather than deleted.
WITHHELD = (
    "catalog.change_catalogimport",
    "reservations.add_extensionchange",
    "reservations.change_extensionchange",
    "reservations.delete_extensionchange",
    "reservations.delete_extensioncampaign",
)

ROLES: dict[str, tuple[str, ...]] = {
    LIBRARIAN: (
        "reservations.prepare_reservation",
        "reservations.take_remote_order",
        "reservations.view_staff_dashboard",
        "reservations.view_reservation",
        "reservations.view_auditentry",
        "catalog.view_record",
        "catalog.view_item",
        "accounts.view_user",
    ),
    DESK: (
        "reservations.hand_over_reservation",
        "reservations.view_staff_dashboard",
        "reservations.view_reservation",
        "reservations.view_loan",
        "catalog.view_item",
        "accounts.view_user",
    ),
    NETWORK_ADMIN: tuple(f"{app}.*" for app in NETWORK_ADMIN_APPS),
}


def apply_roles(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> None:
    """Make the missing groups and give each group at least its role's permissions."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # The permissions of apps signalled after this one are not made yet: make them now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    permissions = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for name, wanted in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*(pk for key, pk in permissions.items() if _granted(key, wanted)))
    # Old data migrations gave the network admins all of an app at the time, withheld included.
    withheld = [permissions[key] for key in WITHHELD if key in permissions]
    Group.objects.using(using).get(name=NETWORK_ADMIN).permissions.remove(*withheld)


def ensure_roles() -> None:
    """Make the roles' groups again if a database lost them (tests, a flushed demo)."""
    Group = global_apps.get_model("auth", "Group")
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        apply_roles()


def _granted(permission: str, wanted: tuple[str, ...]) -> bool:
    app_label = permission.split(".", 1)[0]
    everything = f"{app_label}.*" in wanted and permission not in WITHHELD
    return permission in wanted or everything


def _after_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    apply_roles(using=using, apps=apps)


def connect(app_config) -> None:
    """Apply the roles after every migrate and flush (post_migrate of this app)."""
    post_migrate.connect(_after_migrate, sender=app_config, dispatch_uid="accounts.roles")

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

card_number_validator = RegexValidator(
    r"^[A-Za-z0-9-]{4,32}$",
    _("A card number has 4 to 32 letters, digits or dashes."),
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, card_number: str, password: str | None, **extra_fields):
        if not card_number:
            raise ValueError("A user needs a card number.")
        extra_fields["email"] = self.normalize_email(extra_fields.get("email", ""))
        user = self.model(card_number=card_number.strip(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, card_number: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(card_number, password, **extra_fields)

    def create_superuser(self, card_number: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(card_number, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A patron or a member of staff; both sign in with a card number."""

    card_number = models.CharField(
        _("card number"),
        max_length=32,
        unique=True,
        validators=[card_number_validator],
        help_text=_("The number printed on the library card; staff use their staff number."),
        error_messages={"unique": _("A user with this card number already exists.")},
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    membership_expires_on = models.DateField(
        _("membership ends on"),
        null=True,
        blank=True,
        help_text=_("Last day of the membership; empty for staff accounts."),
    )
    home_branch = models.ForeignKey(
        "branches.Branch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patrons",
        verbose_name=_("home branch"),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the e-mails sent to this user."),
    )
    branches = models.ManyToManyField(
        "branches.Branch",
        blank=True,
        related_name="staff",
        verbose_name=_("branches worked at"),
        help_text=_("Staff see and act on the orders of these branches only."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the staff area and admin."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting accounts."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "card_number"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "card_number"]
        constraints = [
            models.CheckConstraint(condition=~Q(card_number=""), name="user_card_number_not_empty"),
            models.CheckConstraint(
                condition=Q(preferred_language__in=[code for code, _name in settings.LANGUAGES]),
                name="user_preferred_language_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["membership_expires_on"]),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.card_number

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.card_number

    def has_valid_membership(self, on: datetime.date | None = None) -> bool:
        """Return whether the membership runs on the given day (today by default)."""
        if self.membership_expires_on is None:
            return self.is_staff
        return self.membership_expires_on >= (on or timezone.localdate())

    @property
    def masked_card_number(self) -> str:
        """The card number with all but its last four characters hidden."""
        return "•" * max(len(self.card_number) - 4, 0) + self.card_number[-4:]


class AuthenticatorApp(TOTPDevice):
    """A member of staff's authenticator app (two-step verification), as the admin lists it."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

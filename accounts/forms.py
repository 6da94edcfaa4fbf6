from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (an e-mail address), sending each account's e-mail in its own language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address saved on your library account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # Several accounts may share an address (a family): each gets the e-mail in its language.
        with translation.override(context["user"].preferred_language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)

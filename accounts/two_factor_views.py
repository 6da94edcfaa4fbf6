"""The pages of two-step verification: give the code, set up the app, turn it off."""

import base64
import re

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from .two_factor import (
    SET_UP_SESSION_KEY,
    ask_for_the_code,
    confirmed_device,
    device_being_set_up,
    forget_devices,
    seconds_to_wait,
    verify,
)
from .views import limit_sign_ins


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by your app"),
        help_text=_("Six digits; a new code appears every 30 seconds."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(gettext("Enter the six digits your app shows."))
        return code


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _wrong_code(form: CodeForm, device: TOTPDevice) -> None:
    wait = seconds_to_wait(device)
    form.add_error(
        "code",
        ngettext(
            "This code is not the right one, or it has expired. Wait %(seconds)d second, "
            "then enter the code your app shows now.",
            "This code is not the right one, or it has expired. Wait %(seconds)d seconds, "
            "then enter the code your app shows now.",
            wait,
        )
        % {"seconds": wait}
        if wait
        else gettext("This code is not the right one, or it has expired."),
    )


@login_required
@limit_sign_ins
def two_factor(request):
    """Ask for the code of the app the member of staff has set up."""
    device = confirmed_device(request.user) if request.user.is_staff else None
    if device is None:
        if not request.user.is_staff:
            raise Http404
        request.session[SET_UP_SESSION_KEY] = False  # removed in the admin since sign-in
        query = urlencode({"next": _next_url(request)})
        return redirect(f"{reverse('two_factor_setup')}?{query}")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if verify(request, device, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        _wrong_code(form, device)
    return render(
        request, "registration/two_factor.html", {"form": form, "next": _next_url(request)}
    )


@login_required
@limit_sign_ins
def two_factor_setup(request):
    """Set up an authenticator app (scan the QR code, give one code), or say it is on."""
    user = request.user
    if not user.is_staff:
        raise Http404
    if confirmed_device(user) is not None:
        if not user.is_verified():
            return ask_for_the_code(request)
        return render(
            request,
            "registration/two_factor_on.html",
            {"admin_requires_it": settings.ADMIN_TWO_FACTOR},
        )
    device = device_being_set_up(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if verify(request, device, form.cleaned_data["code"]):
            messages.success(
                request, gettext("Two-step verification is on: keep your phone with you.")
            )
            return redirect(_next_url(request))
        _wrong_code(form, device)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": _qr_code_svg(device.config_url),
            "key": _readable_key(device),
            "admin_requires_it": settings.ADMIN_TWO_FACTOR,
        },
    )


@login_required
@require_POST
def two_factor_off(request):
    """Remove the member of staff's app (they gave its code in this session)."""
    if not (request.user.is_staff and request.user.is_verified()):
        raise Http404
    forget_devices(request)
    messages.success(request, gettext("Two-step verification is off."))
    return redirect("two_factor_setup")


def _qr_code_svg(data: str) -> str:
    """The otpauth:// address as inline SVG, which authenticator apps scan."""
    svg = segno.make(data, error="m", micro=False).svg_inline(
        omitsize=True, svgclass="qr-code__image"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own SVG


def _readable_key(device: TOTPDevice) -> str:
    """The key in base32 (what apps take when typed), in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))

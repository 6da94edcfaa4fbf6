"""Middleware of the whole site."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.urls import reverse


class RefuseNullCharactersMiddleware:
    """Answer 400 to an address whose path or query holds a NUL character.

    No page means one, and PostgreSQL refuses it in any query: without this, a
    ``%00`` in an order reference or an admin filter was a server error. Form
    fields refuse it themselves (Django's ``ProhibitNullCharactersValidator``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the address")  # logged; the page is 400.html
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuse a request declaring a body larger than any form of the site, before reading it.

    Django reads a POST to check its CSRF token, and writes the files of a
    multipart body to disk while doing so: a 100 MB anonymous POST was stored
    before its 403. Forms are small (``REQUEST_BODY_MAX_KB``); only the
    catalogue upload of the admin takes a file, up to ``CATALOG_UPLOAD_MAX_MB``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > self._limit(request.path):
            return render(request, "request_too_large.html", status=413)
        return self.get_response(request)

    @staticmethod
    def _limit(path: str) -> int:
        if path == reverse("admin:catalog_catalogimport_add"):
            # The file and the form around it.
            return (settings.CATALOG_UPLOAD_MAX_MB + 1) * 1024 * 1024
        return settings.REQUEST_BODY_MAX_KB * 1024

"""Middleware of the whole site."""

from django.core.exceptions import BadRequest


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

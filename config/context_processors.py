from django.conf import settings


def network(request):
    """Expose the network's name and the basket limit to every template."""
    return {"NETWORK_NAME": settings.NETWORK_NAME, "MAX_ACTIVE_ITEMS": settings.MAX_ACTIVE_ITEMS}

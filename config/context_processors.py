from django.conf import settings


def network(request):
    """Expose the network's name to every template."""
    return {"NETWORK_NAME": settings.NETWORK_NAME}

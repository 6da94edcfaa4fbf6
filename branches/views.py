from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.headers import uses_geolocation

from .geo import position_from_request
from .selectors import branch_directory

# Longer input is not a postcode: it is cut before being shown back in the form.
POSTCODE_MAX_SHOWN = 20


@require_safe
@uses_geolocation
def branch_list(request):
    """List every branch with hours, closures and services, nearest first when we know where."""
    params = request.GET
    typed_postcode = params.get("postcode", "").strip()[:POSTCODE_MAX_SHOWN]
    position = position_from_request(request)

    error = ""
    if ("lat" in params or "lon" in params) and (
        position is None or position.source != "geolocation"
    ):
        error = _("We could not read your position. Please type your postcode instead.")
    elif typed_postcode and (position is None or position.source != "postcode"):
        error = _(
            "Postcode “%(postcode)s” not found. Check it, or pick a library in the list below."
        ) % {"postcode": typed_postcode}

    directory = branch_directory(position=position)
    nearest = directory.nearest_click_and_collect
    home_branch_id = getattr(request.user, "home_branch_id", None)
    context = {
        "branches": directory.branches,
        "position": position,
        "typed_postcode": typed_postcode,
        "error": error,
        "nearest": nearest,
        "far_from_nearest": nearest is not None
        and nearest.distance_km > settings.RECOMMENDED_RADIUS_KM,
        "recommended_radius_km": settings.RECOMMENDED_RADIUS_KM,
        "click_and_collect_count": sum(b.click_and_collect_enabled for b in directory.branches),
        # Found in the list rather than through request.user.home_branch: no extra query.
        "home_branch": next((b for b in directory.branches if b.pk == home_branch_id), None),
    }
    return render(request, "branches/branch_list.html", context)

"""The dashboard's pickup section, given by the pickups app: reservations does not import it."""

from django import template

from ..board_selectors import pickup_figures as figures_of

register = template.Library()


@register.inclusion_tag("pickups/staff/includes/dash_pickups.html")
def pickup_figures(branches, day=None):
    """Show the day's booked slots and the no-show rate of the branches taking appointments."""
    return {"figures": figures_of(list(branches), day)}

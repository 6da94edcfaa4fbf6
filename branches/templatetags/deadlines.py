from django import template

from core.network_time import format_deadline

register = template.Library()

# "{{ order.pickup_deadline|deadline }}": the deadline as people read it (core.network_time).
register.filter("deadline", format_deadline)

"""Receivers of anymail's delivery tracking webhooks (`/anymail/<esp>/tracking/`).

anymail authenticates the ESP's call (basic auth with ANYMAIL["WEBHOOK_SECRET"],
plus the ESP's signature where it has one) and sends the `tracking` signal with
a normalized event; here it updates the notification it is about.
"""

import logging

from anymail.signals import AnymailTrackingEvent, tracking
from django.dispatch import receiver

from . import services

logger = logging.getLogger(__name__)


@receiver(tracking, dispatch_uid="notifications.record_delivery_event")
def record_delivery_event(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Record a delivery or bounce reported by the ESP on the notification it sent."""
    if not event.message_id:
        return
    services.record_delivery_event(
        provider_message_id=event.message_id,
        event_type=event.event_type,
        detail=event.description or event.mta_response or "",
        esp_name=esp_name,
    )

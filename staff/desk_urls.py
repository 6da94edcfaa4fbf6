"""URLs of the staff desk pages."""

from django.urls import path

from . import desk_views

urlpatterns = [
    path("desk/", desk_views.desk, name="desk"),
    path("desk/orders/<str:reference>/hand-over/", desk_views.hand_over, name="hand_over"),
    path("desk/returns/", desk_views.return_item, name="return_item"),
]

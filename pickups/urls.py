"""The patron's orders at /account/reservations/, and the signed pages of an order, reached
from e-mails without signing in, under /pickup/."""

from django.urls import path

from . import views

app_name = "pickups"

urlpatterns = [
    path("account/reservations/", views.my_orders, name="my_orders"),
    path("pickup/<str:token>/", views.order, name="order"),
    path("pickup/<str:token>/slot/", views.choose_slot, name="slot"),
    path("pickup/<str:token>/here/", views.arrive, name="arrival"),
    path("pickup/<str:token>/cancel/", views.cancel, name="cancel"),
]

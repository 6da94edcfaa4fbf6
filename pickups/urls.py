"""The signed pages of an order, reached from e-mails without signing in, under /pickup/."""

from django.urls import path

from . import views

app_name = "pickups"

urlpatterns = [
    path("<str:token>/", views.order, name="order"),
    path("<str:token>/slot/", views.choose_slot, name="slot"),
    path("<str:token>/here/", views.arrive, name="arrival"),
    path("<str:token>/cancel/", views.cancel, name="cancel"),
]

"""The patron's addresses: the basket at /basket/, their orders and loans under /account/."""

from django.urls import path

from . import views

app_name = "reservations"

urlpatterns = [
    path("basket/", views.basket, name="basket"),
    path("basket/add/", views.basket_add, name="basket_add"),
    path("basket/remove/", views.basket_remove, name="basket_remove"),
    path("basket/checkout/", views.checkout, name="checkout"),
    path("account/reservations/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("account/loans/", views.my_loans, name="my_loans"),
]

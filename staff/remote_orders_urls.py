"""URLs of the staff phone and e-mail order pages."""

from django.urls import path

from . import remote_orders_views as views

urlpatterns = [
    path("phone-order/", views.remote_order, name="remote_order"),
    path("phone-order/<int:patron_id>/", views.remote_order_patron, name="remote_order_patron"),
    path(
        "phone-order/<int:patron_id>/channel/",
        views.remote_order_setup,
        name="remote_order_setup",
    ),
    path("phone-order/<int:patron_id>/add/", views.remote_order_add, name="remote_order_add"),
    path(
        "phone-order/<int:patron_id>/remove/",
        views.remote_order_remove,
        name="remote_order_remove",
    ),
    path(
        "phone-order/<int:patron_id>/submit/",
        views.remote_order_submit,
        name="remote_order_submit",
    ),
    path("phone-order/orders/<str:reference>/", views.remote_order_done, name="remote_order_done"),
]

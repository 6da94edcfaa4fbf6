"""URLs of the staff dashboard pages."""

from django.urls import path

from . import dashboard_views

urlpatterns: list = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("export.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
]

"""URLs of the staff preparation pages: the queue, the pull list, preparing an order."""

from django.urls import path

from . import preparation_views as views

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("pull-list/", views.pull_list, name="pull_list"),
    path("pull-list/scan/", views.pull_scan, name="pull_scan"),
    path("orders/<str:reference>/", views.prepare, name="prepare"),
    path("orders/<str:reference>/claim/", views.claim, name="claim"),
    path("orders/<str:reference>/scan/", views.scan, name="scan"),
    path("orders/<str:reference>/lines/<int:line_id>/missing/", views.missing, name="missing"),
    path("orders/<str:reference>/ready/", views.ready, name="ready"),
    path("orders/<str:reference>/slip/", views.slip, name="slip"),
]

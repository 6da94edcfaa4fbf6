"""URLs of the staff board, mounted under /staff/board/ (namespace "board")."""

from django.urls import path

from . import board_views

app_name = "board"

urlpatterns = [
    path("", board_views.board, name="board"),
    path("fragment/", board_views.fragment, name="fragment"),
    path("arrivals/<int:arrival_id>/seen/", board_views.seen, name="seen"),
]

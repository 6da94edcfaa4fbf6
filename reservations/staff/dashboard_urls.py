"""URLs of the staff dashboard pages."""

urlpatterns: list = []

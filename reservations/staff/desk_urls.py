"""URLs of the staff desk pages."""

urlpatterns: list = []

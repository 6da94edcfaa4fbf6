"""URLs of the staff preparation pages."""

urlpatterns: list = []

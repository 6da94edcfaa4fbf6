"""URLs of the staff phone and e-mail order pages."""

urlpatterns: list = []

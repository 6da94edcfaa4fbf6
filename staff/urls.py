"""The staff area, under /staff/: each part of it has its own module of URLs."""

from . import dashboard_urls, desk_urls, preparation_urls, remote_orders_urls

app_name = "staff"

urlpatterns = [
    *dashboard_urls.urlpatterns,
    *preparation_urls.urlpatterns,
    *desk_urls.urlpatterns,
    *remote_orders_urls.urlpatterns,
]

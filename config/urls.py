from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views

from . import erasure, personal_data, views

admin.site.site_header = settings.NETWORK_NAME
admin.site.site_title = settings.NETWORK_NAME
admin.site.index_title = _("Click & collect administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("help/", views.help_page, name="help"),
    path("branches/", include("branches.urls")),
    path("", include("reservations.urls")),
    path("account/data/", personal_data.my_data, name="my_data"),
    path("account/data.json", personal_data.my_data_download, name="my_data_download"),
    path("account/erase/", erasure.erase_my_account, name="erase_my_account"),
    path("privacy/", views.privacy, name="privacy"),
    # The patron's orders; the signed links of e-mails (one order, one purpose, no sign-in).
    path("", include("pickups.urls")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("catalog/", include("catalog.urls")),
    # The pickup board lives in the pickups app: reservations' staff URLs do not import it.
    path("staff/board/", include("staff.board_urls")),
    path("staff/", include("staff.urls")),
    path("admin/", admin.site.urls),
    # The configured e-mail provider's delivery webhook (authenticated by ANYMAIL_WEBHOOK_SECRET).
    path("anymail/", include("notifications.webhook_urls")),
]

# A database outage answers 503 with Retry-After; any other error, the site's 500.
handler500 = "config.views.server_error"

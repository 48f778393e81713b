from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from organizers.views import admin_login_or_hub
from seavl_portal.api import api, not_found

# The admin login goes through allauth, so its rate limits and verification apply there too.
admin.autodiscover()
admin.site.login = admin_login_or_hub(secure_admin_login(admin.site.login))
admin.site.site_header = "SEA-VL portal administration"

# Database or storage unreachable (wherever it raised): 503 with Retry-After; under /api/ always JSON.
handler500 = "seavl_portal.failures.server_error"


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG (not permanently, as its
    static name changes with its content)."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconRedirect.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # An unknown API path is a JSON 404 too, even one holding a newline (`(?s:...)`: `.` matches it).
    re_path(r"^api/v1/(?P<rest>(?s:.*))$", not_found),
    path("", include("accounts.urls")),
    path("", include("contributions.urls")),
    path("", include("review.urls")),
    path("", include("texttasks.urls")),
    path("", include("points.urls")),
    path("", include("localization.urls")),
    path("", include("organizers.urls")),
    path("", include("notifications.urls")),
    path("", include("portal.urls")),
]

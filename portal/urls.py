from django.urls import path

from portal import views

# The pages kept their names from when they lived in `campaign` (templates, LOGIN_REDIRECT_URL and
# redirects use `campaign:home` / `campaign:faq`), so the namespace stays "campaign".
app_name = "campaign"
urlpatterns = [
    path("", views.home, name="home"),
    path("faq/", views.faq, name="faq"),
    path("manifest.webmanifest", views.web_manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]

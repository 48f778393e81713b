from django.urls import path

from localization import views

app_name = "localization"
urlpatterns = [
    path("language/", views.language_set, name="set-language"),
    path("catalogs/", views.catalog_list, name="catalogs"),
    path("catalogs/glossary.csv", views.glossary_download_csv, name="glossary-csv"),
    path("catalogs/glossary.tbx", views.glossary_download_tbx, name="glossary-tbx"),
    path("catalogs/<str:language>/django.po", views.catalog_download, name="catalog-download"),
    path("catalogs/<str:language>/upload/", views.catalog_upload, name="catalog-upload"),
]

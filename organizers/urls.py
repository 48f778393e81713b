from django.urls import path

from organizers import views

app_name = "organizers"
urlpatterns = [
    path("organizers/", views.dashboard, name="dashboard"),
    path("organizers/exports/", views.export_list, name="exports"),
    path("organizers/exports/<int:export_id>/", views.export_detail, name="export-detail"),
    path("organizers/exports/<int:export_id>/files/<path:path>", views.export_file, name="export-file"),
    path("organizers/audit/", views.audit_log, name="audit"),
    path("organizers/hub/", views.hub, name="hub"),
    path("organizers/audit.csv", views.audit_log_csv, name="audit-csv"),
]

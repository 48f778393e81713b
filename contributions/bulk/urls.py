from django.urls import path

from contributions.bulk import views as bulk_views

urlpatterns = [
    path("images/bulk/", bulk_views.bulk_upload, name="bulk-upload"),
    path("images/bulk/presign/", bulk_views.bulk_presign, name="bulk-presign"),
    path("images/bulk/<int:import_id>/", bulk_views.bulk_detail, name="bulk-detail"),
    path("images/bulk/<int:import_id>/status.json", bulk_views.bulk_status, name="bulk-status"),
    path("images/bulk/<int:import_id>/report.csv", bulk_views.bulk_report, name="bulk-report"),
]

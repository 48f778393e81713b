from django.urls import path

from contributions import views

app_name = "contributions"
urlpatterns = [
    path("images/", views.my_images, name="my-images"),
    path("images/new/", views.image_new, name="new"),
    path("images/uploads/ticket/", views.upload_ticket, name="upload-ticket"),
    path("images/uploads/finalize/", views.upload_finalize, name="upload-finalize"),
    path("images/uploads/resumable/", views.resumable_create, name="resumable-create"),
    path("images/uploads/resumable/<str:upload>/", views.resumable_upload, name="resumable-upload"),
    path("images/uploads/resumable/<str:upload>/parts/", views.resumable_parts, name="resumable-parts"),
    path(
        "images/uploads/resumable/<str:upload>/parts/<int:number>/",
        views.resumable_part,
        name="resumable-part",
    ),
    path("images/uploads/<str:ticket>/", views.upload_local, name="upload-local"),
    path("images/<int:pk>/", views.image_detail, name="detail"),
    path("images/<int:pk>/withdraw/", views.image_withdraw, name="withdraw"),
    path("images/<uuid:key>/<str:kind>/", views.image_file, name="file"),
]

# The bulk import (a ZIP with the campaign's CSV) keeps its pages in its own module.
from contributions.bulk.urls import urlpatterns as bulk_urlpatterns  # noqa: E402

urlpatterns += bulk_urlpatterns

from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("review/", views.queue, name="queue"),
    path("review/served/<uuid:key>/", views.answer, name="answer"),
    path("review/served/<uuid:key>/image/", views.served_image, name="served-image"),
    path(
        "review/screening/<int:attempt_id>/images/<int:position>/",
        views.screening_image,
        name="screening-image",
    ),
    path("review/screening/", views.screening, name="screening"),
    path("review/screening/<int:attempt_id>/", views.screening_test, name="screening-test"),
    path("review/screening/<int:attempt_id>/result/", views.screening_result, name="screening-result"),
    path("review/organizers/", views.organizer_annotators, name="organizer-annotators"),
    path("review/organizers/agreement/", views.organizer_agreement, name="organizer-agreement"),
    path("review/organizers/adjudication/", views.organizer_adjudication, name="organizer-adjudication"),
    path(
        "review/organizers/adjudication/<int:item_id>/",
        views.organizer_adjudicate,
        name="organizer-adjudicate",
    ),
    path("review/organizers/decided/", views.organizer_decided, name="organizer-decided"),
    path("review/organizers/decided/<int:item_id>/reopen/", views.organizer_reopen, name="organizer-reopen"),
    path("review/organizers/paused/", views.organizer_paused, name="organizer-paused"),
    path(
        "review/organizers/paused/<int:user_id>/reinstate/",
        views.organizer_reinstate,
        name="organizer-reinstate",
    ),
    path("review/organizers/log/", views.organizer_log, name="organizer-log"),
]

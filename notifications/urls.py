from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/settings/", views.preferences, name="preferences"),
    path("notices/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

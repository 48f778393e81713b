from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("profile/tokens/", views.api_token_new, name="token-create"),
    path("profile/tokens/<int:token_id>/revoke/", views.api_token_delete, name="token-revoke"),
]

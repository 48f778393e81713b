from django.urls import path

from points import views

app_name = "points"
urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("points/", views.my_points, name="mine"),
    path("points/rewards/merchandise/", views.merchandise_claim, name="merchandise"),
    path("points/rewards/co-authorship/", views.coauthorship_claim, name="coauthorship"),
    path("points/certificate.pdf", views.certificate_download, name="certificate"),
    path("certificates/<uuid:key>/", views.certificate_verify, name="certificate-verify"),
    path("points/organizers/", views.organizers, name="organizers"),
    path("points/organizers/leaderboard.csv", views.leaderboard_csv, name="leaderboard-csv"),
    path("points/organizers/ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("points/organizers/merchandise.csv", views.merchandise_csv, name="merchandise-csv"),
    path("points/organizers/co-authors.csv", views.coauthors_csv, name="coauthors-csv"),
    path("points/organizers/eligible/<int:threshold>/", views.eligibility, name="eligibility"),
    path("points/organizers/eligible/<int:threshold>.csv", views.eligibility_csv, name="eligibility-csv"),
]

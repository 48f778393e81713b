from django.urls import path

from texttasks import views

app_name = "texttasks"
urlpatterns = [
    path("text-tasks/", views.hub, name="hub"),
    path("translations/", views.translations_home, name="translations"),
    path("translations/enroll/", views.translator_enroll, name="enroll"),
    path("translations/prompts/<int:prompt_id>/", views.translate, name="translate"),
    path("translations/prompts/<int:prompt_id>/image/<int:number>/", views.prompt_image, name="prompt-image"),
    path("visual-questions/", views.visual_questions, name="visual-questions"),
    path("visual-questions/images/<int:image_id>/", views.pool_image, name="pool-image"),
    path("generation-prompts/", views.generation_prompts, name="generation-prompts"),
    path(
        "generation-prompts/<uuid:chain_id>/edit/", views.generation_chain_edit, name="generation-chain-edit"
    ),
    path("text-prompts/", views.text_prompts, name="text-prompts"),
    path("my-texts/", views.my_submissions, name="mine"),
    path("my-texts/<int:task_number>/<int:submission_id>/edit/", views.submission_edit, name="edit"),
    path(
        "my-texts/<int:task_number>/<int:submission_id>/withdraw/", views.submission_withdraw, name="withdraw"
    ),
    path("validate/", views.validate, name="validate"),
    path("moderation/texts/", views.moderation, name="moderation"),
]

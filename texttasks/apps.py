from django.apps import AppConfig


class TexttasksConfig(AppConfig):
    name = "texttasks"
    verbose_name = "Text tasks"

from django.apps import AppConfig


class TexttasksConfig(AppConfig):
    name = "texttasks"
    verbose_name = "Text tasks"

    def ready(self) -> None:
        from texttasks import receivers

        receivers.connect()

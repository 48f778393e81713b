from django.apps import AppConfig


class TexttasksConfig(AppConfig):
    name = "texttasks"
    verbose_name = "Text tasks"

    def ready(self) -> None:
        from campaign.events import register_credit_source
        from texttasks.credit import accepted_texts_as_events

        register_credit_source("text", accepted_texts_as_events)

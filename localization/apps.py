from django.apps import AppConfig


class LocalizationConfig(AppConfig):
    name = "localization"
    verbose_name = "Languages of the portal"

    def ready(self) -> None:
        from localization import receivers

        receivers.connect()

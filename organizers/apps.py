from django.apps import AppConfig


class OrganizersConfig(AppConfig):
    name = "organizers"
    verbose_name = "Organizers"

    def ready(self) -> None:
        from organizers import receivers  # noqa: F401

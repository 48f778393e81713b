from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site itself: home page, FAQ, navigation, demo data. It may import every app; no app imports it."""

    name = "portal"
    verbose_name = "Portal"

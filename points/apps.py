from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "Points"

    def ready(self) -> None:
        from campaign.events import contribution_event
        from points.receivers import on_contribution_event

        contribution_event.connect(on_contribution_event, dispatch_uid="points.on_contribution_event")

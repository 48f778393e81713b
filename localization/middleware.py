"""Every web process applies newer uploaded catalogs at its next request (see localization.services)."""

from localization.services import catalogs_sync_if_due, sync_every_seconds


class CatalogSyncMiddleware:
    """Before LocaleMiddleware: a cheap version check at most every CATALOG_SYNC_SECONDS (off when < 0)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if sync_every_seconds() >= 0:
            catalogs_sync_if_due()
        return self.get_response(request)

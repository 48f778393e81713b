app_name = "contributions"
urlpatterns: list = []

# The bulk import (a ZIP with the campaign's CSV) keeps its pages in its own module.
from contributions.bulk_urls import urlpatterns as bulk_urlpatterns  # noqa: E402

urlpatterns += bulk_urlpatterns

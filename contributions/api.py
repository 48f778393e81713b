from ninja import Router

router = Router(tags=["contributions"])


# The bulk import (ZIP + CSV) keeps its endpoints in its own module.
from contributions.bulk_api import router as bulk_router  # noqa: E402

router.add_router("", bulk_router)

"""One rule for every list, in the API and on the pages: `?page=` and `?page_size=` are bounded.

- API (`ApiPagination`, with ninja's `@paginate`): `page` is a whole number from 1 and `page_size`
  from 1 to the list's maximum; anything else (negative, zero, not a number, a page size too big) is a
  400 with the API's error body, as the OpenAPI document says. A page past the end, however far (even
  past what a database OFFSET can hold), is an empty page.
  Every list answers `{"count", "page", "page_size", "next", "previous", "items"}`: `next` and
  `previous` are the absolute URLs of the neighbour pages (null at either end).
- Pages (`page_of`): Django's Paginator, reading `?page=` leniently (a number too big, negative or not
  a number shows the nearest real page, never an error), so a shared link never breaks.
"""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

# Far beyond any real list (a page of 50 at MAX_PAGE is five million rows), far below what would
# overflow a database OFFSET.
MAX_PAGE = 100_000
DEFAULT_PAGE_SIZE = 50
DEFAULT_MAX_PAGE_SIZE = 200


def page_url(request: HttpRequest, number: int) -> str:
    """The absolute URL of the same list at page `number`, its other parameters kept."""
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class ApiPagination(PaginationBase):
    """Page-number pagination for the API with bounded inputs and `next`/`previous` links."""

    class Output(Schema):
        count: int = Field(..., description="How many items the whole list has.")
        page: int = Field(..., description="This page's number (from 1).")
        page_size: int
        next: str | None = Field(..., description="The next page's URL; null on the last page.")
        previous: str | None = Field(..., description="The previous page's URL; null on the first page.")
        items: list[Any]

    def __init__(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, max_page_size: int = DEFAULT_MAX_PAGE_SIZE, **kwargs
    ) -> None:
        self.page_size = page_size
        self.max_page_size = max_page_size

        default_size, max_size = page_size, max_page_size

        class Input(Schema):  # the bounds are this list's own, so the class is made per list
            page: int = Field(1, ge=1, description="From 1; a page past the end is empty.")
            page_size: int = Field(default_size, ge=1, le=max_size, description=f"At most {max_size}.")

        self.Input = Input
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any):
        number, size = pagination.page, pagination.page_size
        count = self._items_count(queryset)
        offset = (min(number, MAX_PAGE) - 1) * size  # past MAX_PAGE the page is empty all the same
        if number > MAX_PAGE:
            offset = max(offset, count)
        return {
            "count": count,
            "page": number,
            "page_size": size,
            "next": page_url(request, number + 1) if offset + size < count else None,
            "previous": page_url(request, min(number - 1, max(1, -(-count // size)))) if number > 1 else None,
            "items": queryset[offset : offset + size],
        }


def page_number(request: HttpRequest, name: str = "page") -> int:
    """The `?page=` of a page's list, read leniently: 1 unless it is a positive number (capped)."""
    text = request.GET.get(name, "")[:12].strip()
    if not text.isdigit():
        return 1
    return min(max(1, int(text)), MAX_PAGE)


def page_of(request: HttpRequest, object_list, per_page: int, name: str = "page") -> Page:
    """The requested page of a list for a template; past the end, the last page."""
    return Paginator(object_list, per_page).get_page(page_number(request, name))

"""Task 2 pages: the screening test, the rating page (with a fragment for the next item) and the
organizers' pages. Each view parses, calls one service or selector, and renders."""

import mimetypes
from functools import wraps

from django.contrib import messages
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import organizer_required, profile_required
from accounts.roles import is_organizer
from accounts.services import api_token_authenticate
from campaign.errors import DomainError, NotAllowed, TaskNotOpen
from campaign.pagination import page_of
from campaign.web import domain_error_fields, form_add_domain_error
from review import selectors
from review.answers import TooFast, lease_answer
from review.consensus import adjudication_decide, item_reopen
from review.forms import (
    AdjudicationForm,
    RatingForm,
    ReasonForm,
    ScreeningApplyForm,
    screening_answers_from_post,
)
from review.gold import annotator_reinstate
from review.queue import queue_serve
from review.screening import screening_attempt_start, screening_attempt_submit

PAGE_SIZE = 25


def _wants_fragment(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def annotator_required(view):
    """Signed in, profile complete, and qualified by a passed screening test (else to the test)."""

    @profile_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            selectors.annotator_ensure_qualified(user=request.user)
        except NotAllowed as error:
            if _wants_fragment(request):
                return HttpResponse(error.message, status=403)
            messages.info(request, error.message)
            return redirect("review:screening")
        return view(request, *args, **kwargs)

    return wrapped


# --- the rating page -------------------------------------------------------------------------------------


def _item_context(request, *, form=None, error: str = "", status: str = "") -> dict:
    lease, closed = None, ""
    try:
        lease = queue_serve(annotator=request.user)
    except TaskNotOpen as exc:
        closed = exc.message  # the page says this one thing, not also "come back later"
    except DomainError as exc:
        error = error or exc.message
    return {
        "closed": closed,
        "shown": selectors.served_item(lease=lease) if lease else None,
        "form": form or RatingForm(),
        "error": error,
        "status": status,
        "paused": selectors.annotator_is_paused(user=request.user),
    }


def _render_item(request, context: dict, *, status: int = 200):
    template = "review/_item.html" if _wants_fragment(request) else "review/queue.html"
    return render(request, template, context, status=status)


@annotator_required
def queue(request):
    return _render_item(request, _item_context(request))


@require_POST
@annotator_required
def answer(request, key):
    form = RatingForm(request.POST)
    skipped = request.POST.get("action") == "skip"
    if not form.is_valid():
        return _render_item(request, _item_context(request, form=form), status=400)
    try:
        result = lease_answer(annotator=request.user, key=key, answers=form.answers(skipped=skipped))
    except TooFast as error:
        # The same item again, with the answers given: it stays reserved, the annotator submits again.
        return _render_item(request, _item_context(request, form=form, error=error.message), status=400)
    except DomainError as error:
        if any(field in form.fields for field in domain_error_fields(error) if field):
            form_add_domain_error(form, error)
            return _render_item(request, _item_context(request, form=form), status=400)
        if not _wants_fragment(request):
            messages.warning(request, error.message)
            return redirect("review:queue")
        return _render_item(request, _item_context(request, status=error.message), status=200)
    done = _("Skipped.") if skipped else _("Thank you, your rating is saved.")
    if not result.counted and not skipped:
        done = _("Saved. Your ratings are waiting for an organizer's review before they count.")
    if _wants_fragment(request):
        return _render_item(request, _item_context(request, status=done))
    messages.success(request, done)
    return redirect("review:queue")


# --- images (permission-checked; the same address shape for images in review and gold items) ------------


def _request_user(request):
    if request.user.is_authenticated:
        return request.user
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return api_token_authenticate(secret=header[7:].strip())
    return None


def _file_response(field):
    if not field:
        raise Http404
    if isinstance(field.storage, FileSystemStorage):
        content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
        response = FileResponse(field.open("rb"), content_type=content_type)
    else:
        response = redirect(field.url)  # a short-lived signed address of the private bucket
    response["Cache-Control"] = "private, max-age=600"
    return response


def served_image(request, key):
    """The image of an item served to the requesting annotator (page or API token), or to an organizer."""
    user = _request_user(request)
    lease = selectors.lease_by_key(key=key)
    if user is None or lease is None or (lease.annotator_id != user.pk and not is_organizer(user)):
        raise Http404
    shown = selectors.served_item(lease=lease, with_countries=False)
    return _file_response(shown.image.display or shown.image.original)


@profile_required
def screening_image(request, attempt_id: int, position: int):
    answer = selectors.screening_answer_at(attempt_id=attempt_id, position=position)
    if answer is None or (answer.attempt.user_id != request.user.pk and not is_organizer(request.user)):
        raise Http404
    return _file_response(answer.item.image)


# --- screening -----------------------------------------------------------------------------------------


@profile_required
def screening(request):
    form = ScreeningApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = [country.code for country in form.cleaned_data["countries"]]
        try:
            attempt = screening_attempt_start(user=request.user, country_codes=codes)
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            return redirect("review:screening-test", attempt_id=attempt.pk)
    qualified = selectors.annotator_country_codes(user=request.user)
    context = {
        "form": form,
        "allowance": selectors.screening_allowance(user=request.user),
        "attempts": selectors.screening_attempts_of(user=request.user),
        "qualified": selectors.countries_of(codes=qualified),
    }
    return render(request, "review/screening.html", context)


@profile_required
def screening_test(request, attempt_id: int):
    attempt = selectors.screening_attempt_of(user=request.user, attempt_id=attempt_id)
    if attempt is None:
        raise Http404
    if attempt.submitted_at is not None:
        return redirect("review:screening-result", attempt_id=attempt.pk)
    rows = list(selectors.screening_answers_for_test(attempt=attempt))
    given = {}
    error = ""
    if request.method == "POST":
        given = screening_answers_from_post(request.POST, [row.item_id for row in rows])
        try:
            screening_attempt_submit(user=request.user, attempt_id=attempt.pk, answers=given)
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("review:screening-result", attempt_id=attempt.pk)
    items = [{"row": row, "given": given.get(row.item_id)} for row in rows]
    return render(
        request,
        "review/screening_test.html",
        {"attempt": attempt, "items": items, "error": error},
        status=400 if error else 200,
    )


@profile_required
def screening_result(request, attempt_id: int):
    attempt = selectors.screening_attempt_of(user=request.user, attempt_id=attempt_id, submitted=True)
    if attempt is None:
        raise Http404
    rows = list(selectors.screening_answers_for_result(attempt=attempt))
    context = {
        "attempt": attempt,
        "wrong": [row for row in rows if not row.correct],
        "n_correct": sum(1 for row in rows if row.correct),
        "n_items": len(rows),
        "countries": selectors.countries_of(codes=attempt.country_codes),
    }
    return render(request, "review/screening_result.html", context)


# --- organizers ----------------------------------------------------------------------------------------


def _page(request, queryset):
    return page_of(request, queryset, PAGE_SIZE)


@organizer_required
def organizer_annotators(request):
    return render(
        request,
        "review/organizers/annotators.html",
        {"page": _page(request, selectors.annotators_overview())},
    )


@organizer_required
def organizer_agreement(request):
    return render(request, "review/organizers/agreement.html", {"report": selectors.agreement_report()})


@organizer_required
def organizer_adjudication(request):
    return render(
        request,
        "review/organizers/adjudication.html",
        {"page": _page(request, selectors.adjudication_list()), "form": AdjudicationForm()},
    )


@require_POST
@organizer_required
def organizer_adjudicate(request, item_id: int):
    form = AdjudicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or reject and say why."))
        return redirect("review:organizer-adjudication")
    try:
        adjudication_decide(
            organizer=request.user,
            item_id=item_id,
            accepted=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
            upheld_flag=form.cleaned_data.get("upheld_flag") or "",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision saved."))
    return redirect(f"{reverse('review:organizer-adjudication')}?page={request.GET.get('page', 1)}")


@organizer_required
def organizer_decided(request):
    return render(
        request,
        "review/organizers/decided.html",
        {"page": _page(request, selectors.decided_items()), "form": ReasonForm()},
    )


@require_POST
@organizer_required
def organizer_reopen(request, item_id: int):
    form = ReasonForm(request.POST)
    if not selectors.review_item_exists(item_id=item_id):
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Say why the image is reopened."))
    else:
        try:
            item_reopen(organizer=request.user, item_id=item_id, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The image is back in the queue."))
    return redirect("review:organizer-decided")


@organizer_required
def organizer_paused(request):
    return render(
        request,
        "review/organizers/paused.html",
        {"page": _page(request, selectors.paused_annotators()), "form": ReasonForm()},
    )


@require_POST
@organizer_required
def organizer_reinstate(request, user_id: int):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the annotator is reinstated."))
    else:
        try:
            annotator_reinstate(organizer=request.user, user_id=user_id, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The annotator is reinstated; their ratings count again."))
    return redirect("review:organizer-paused")


@organizer_required
def organizer_log(request):
    return render(request, "review/organizers/log.html", {"page": _page(request, selectors.decision_log())})

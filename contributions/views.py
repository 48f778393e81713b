"""Task 1 pages: upload (one plain form, or several files by script), My images, one submission, files."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import profile_required
from accounts.services import contributor_ensure_can_submit, profile_get_or_create
from campaign.errors import DomainError
from campaign.pagination import page_of
from campaign.web import domain_error_body, form_add_domain_error, parse_bool
from contributions import files, removal, resumable, selectors, services, uploads
from contributions.errors import FileTooLarge
from contributions.forms import DescriptionsForm, ImageUploadForm, StatusFilterForm
from contributions.models import ImageSubmission

PAGE_SIZE = 24


def _json_error(error: DomainError) -> JsonResponse:
    return JsonResponse(domain_error_body(error), status=error.http_status)


@csrf_exempt  # the upload size limit must be in place before the body is parsed (CSRF checked below)
@profile_required
def image_new(request):
    profile = profile_get_or_create(user=request.user)
    if request.method == "POST":
        try:
            uploads.limit_upload_size(request)
            return _image_new_post(request, profile)
        except FileTooLarge as error:
            # The body was not read: the form starts again, with the reason on top.
            form = ImageUploadForm(profile=profile)
            context = {"form": form, "upload_error": error.message}
            return render(request, "contributions/image_new.html", context, status=413)
    closed = None
    try:
        contributor_ensure_can_submit(user=request.user, task_number=1)
    except DomainError as error:
        closed = error.message
    form = ImageUploadForm(profile=profile)
    return render(request, "contributions/image_new.html", {"form": form, "closed": closed})


@csrf_protect
def _image_new_post(request, profile):
    form = ImageUploadForm(request.POST, request.FILES, profile=profile)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            submission = services.image_submission_create(
                contributor=request.user,
                upload=data["image"],
                description=data["description"],
                native_description=data["native_description"],
                native_language=data["native_language"],
                countries=data["countries"],
                location=data["location"],
                group=data["group"],
                license_confirmed=data["license_confirmed"],
                source="web",
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("Thank you! Your photo is uploaded and being checked."))
            return redirect("contributions:detail", pk=submission.pk)
    return render(request, "contributions/image_new.html", {"form": form}, status=status)


# The two-step upload: a ticket, the file straight to storage, then the descriptions.


@profile_required
@require_POST
def upload_ticket(request):
    try:
        contributor_ensure_can_submit(user=request.user, task_number=1)
    except DomainError as error:
        return _json_error(error)
    return JsonResponse(uploads.ticket_issue(user=request.user))


@csrf_exempt  # the size limit goes in before the body is read; CSRF is checked right after
@login_required
@require_POST
def upload_local(request, ticket: str):
    """The embedded default's stand-in for S3's presigned POST: streams the file to its key."""
    key = uploads.ticket_key(user=request.user, ticket=ticket)
    # A resumable upload's ticket (valid for a day) finalizes its parts; it never stores a whole file.
    if key is None or resumable.resumable_upload_by_key(owner=request.user, key=key) is not None:
        return JsonResponse(
            {"detail": _("This upload link is not valid any more."), "errors": {}}, status=403
        )
    try:
        uploads.limit_upload_size(request)
        return _upload_local_store(request, key)
    except DomainError as error:
        return _json_error(error)


@csrf_protect
def _upload_local_store(request, key):
    services.image_upload_store(key=key, upload=request.FILES.get("file"))  # refusals: upload_local
    return JsonResponse({"stored": True}, status=201)


def _finalize_fields(data) -> dict:
    return {
        "description": data.get("description", ""),
        "native_description": data.get("native_description", ""),
        "native_language": data.get("native_language", ""),
        "countries": data.getlist("countries"),
        "location": data.get("location", ""),
        "group": data.get("group", ""),
        "license_confirmed": parse_bool(data.get("license_confirmed")),
    }


@profile_required
@require_POST
def upload_finalize(request):
    key = uploads.ticket_key(user=request.user, ticket=request.POST.get("ticket", ""))
    if key is None:
        return JsonResponse(
            {"detail": _("This upload link is not valid any more."), "errors": {}}, status=403
        )
    filename = request.POST.get("filename", "")[:255]
    try:
        upload = resumable.resumable_upload_by_key(owner=request.user, key=key)
        if upload is not None:  # sent in parts: assembled, then submitted (once)
            submission = resumable.resumable_upload_complete(
                contributor=request.user,
                upload_id=upload.id,
                filename=filename,
                source="web",
                **_finalize_fields(request.POST),
            )
        else:
            submission = services.image_submission_create(
                contributor=request.user,
                upload=services.StoredUpload(key=key, filename=filename),
                source="web",
                **_finalize_fields(request.POST),
            )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse(
        {
            "id": submission.pk,
            "status": submission.status,
            "url": reverse("contributions:detail", args=[submission.pk]),
        },
        status=201,
    )


# Resumable uploads (docs/uploads.md): the photo in small parts, each acknowledged by the storage.


class _JsonData(dict):
    """A JSON object read like a form: `getlist` gives a list whatever the client sent."""

    def getlist(self, name: str) -> list:
        value = self.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]


def _request_data(request):
    """The body's fields: a JSON object or a form (a broken JSON body is a 400)."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise DomainError(_("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise DomainError(_("The request body is not valid JSON."))
        return _JsonData(data)
    return request.POST


def _upload_body(request, upload) -> dict:
    progress = resumable.resumable_upload_progress(upload=upload)
    return resumable.resumable_upload_body(progress=progress, user=request.user)


@profile_required
@require_POST
def resumable_create(request):
    try:
        data = _request_data(request)
        upload = resumable.resumable_upload_create(
            owner=request.user,
            size=data.get("size"),
            filename=str(data.get("filename") or ""),
            content_type=str(data.get("content_type") or ""),
        )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse(_upload_body(request, upload), status=201)


@login_required
@require_http_methods(["GET", "DELETE"])
def resumable_upload(request, upload: str):
    try:
        if request.method == "DELETE":
            resumable.resumable_upload_cancel(owner=request.user, upload_id=upload)
            return HttpResponse(status=204)
        found = resumable.resumable_upload_of(owner=request.user, upload_id=upload)
        return JsonResponse(_upload_body(request, found))
    except DomainError as error:
        return _json_error(error)


def _local_part_url(upload, number: int) -> str:
    return reverse("contributions:resumable-part", args=[upload.id, number])


@login_required
@require_POST
def resumable_parts(request, upload: str):
    try:
        data = _request_data(request)
        found = resumable.resumable_upload_of(owner=request.user, upload_id=upload)
        parts = resumable.resumable_part_targets(
            upload=found, numbers=data.getlist("numbers"), local_url=_local_part_url
        )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse({"parts": parts})


@login_required
@require_http_methods(["PUT"])
def resumable_part(request, upload: str, number: int):
    """The embedded default's stand-in for a presigned PUT (session and X-CSRFToken, as every write):
    the body is streamed to the part's name, exactly its size."""
    try:
        size = resumable.resumable_part_store(
            owner=request.user,
            upload_id=upload,
            number=number,
            stream=request,
            content_length=request.META.get("CONTENT_LENGTH"),
        )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse({"number": number, "size": size})


# My images


@login_required
@require_GET
def my_images(request):
    form = StatusFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    page = page_of(request, selectors.image_submissions_of(contributor=request.user, status=status), PAGE_SIZE)
    return render(
        request,
        "contributions/my_images.html",
        {"page": page, "filter_form": form if form.is_bound else StatusFilterForm(), "status": status},
    )


@login_required
def image_detail(request, pk: int):
    try:
        submission = selectors.image_submission_of(contributor=request.user, submission_id=pk)
    except DomainError:
        raise Http404 from None
    form = None
    if submission.is_editable:
        if request.method == "POST":
            form = DescriptionsForm(request.POST, submission=submission)
            if form.is_valid():
                try:
                    services.image_submission_update_descriptions(
                        contributor=request.user,
                        submission_id=submission.pk,
                        description=form.cleaned_data["description"],
                        native_description=form.cleaned_data["native_description"],
                        native_language=form.cleaned_data["native_language"],
                    )
                except DomainError as error:
                    form_add_domain_error(form, error)
                else:
                    messages.success(request, _("The descriptions are saved."))
                    return redirect("contributions:detail", pk=submission.pk)
        else:
            form = DescriptionsForm(
                submission=submission,
                initial={
                    "description": submission.description,
                    "native_description": submission.native_description,
                    "native_language": submission.native_language_label,
                },
            )
    return render(
        request,
        "contributions/image_detail.html",
        {"submission": submission, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def image_withdraw(request, pk: int):
    try:
        removal.image_submission_withdraw(contributor=request.user, submission_id=pk)
    except DomainError as error:
        if error.http_status == 404:
            raise Http404 from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("The photo is withdrawn and its files are deleted."))
    return redirect("contributions:detail", pk=pk)


# Files


@login_required
@require_GET
def image_file(request, key, kind: str):
    """A stored image for who may see it (its contributor, annotators, organizers); others get 404."""
    try:
        submission = selectors.image_submission_for_viewer(user=request.user, key=key)
    except DomainError:
        raise Http404 from None
    return files.image_file_response(request, submission=submission, kind=kind)


def image_file_url(submission: ImageSubmission, kind: str) -> str:
    return reverse("contributions:file", args=[submission.key, kind])

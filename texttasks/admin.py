import shutil
import tempfile
import zipfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaign.errors import DomainError
from campaign.models import Language
from texttasks.decisions import text_submission_reverse
from texttasks.imports import benchmark_import, prompt_drafts_import
from texttasks.models import (
    BenchmarkPrompt,
    GenerationPrompt,
    ModerationPolicy,
    PeerValidation,
    PoolImage,
    PromptDraft,
    TextPrompt,
    Translation,
    TranslatorEnrollment,
    VisualQuestion,
)
from texttasks.pool import pool_add_accepted_images


class BenchmarkImportForm(forms.Form):
    data = forms.FileField(
        label=_("Prompts file"),
        help_text=_("JSONL or CSV (with the images below), or Parquet with the images inside."),
    )
    images = forms.FileField(
        label=_("Images (ZIP of the image folder)"), required=False, help_text=_("Not needed for Parquet.")
    )
    benchmark = forms.SlugField(label=_("Benchmark"), initial="aya-vision")
    drafts_language = forms.ModelChoiceField(
        label=_("Or: machine-translated drafts in"),
        queryset=Language.objects.filter(tasks__number=3).order_by("name"),
        required=False,
        help_text=_("Choose a language to import the file as drafts of already imported prompts."),
    )


def _extract_zip(upload, target: Path) -> None:
    with zipfile.ZipFile(upload) as archive:
        for member in archive.infolist():
            if member.is_dir():
                continue
            # Keep the folder layout but never write outside the target folder.
            destination = (target / member.filename).resolve()
            if not destination.is_relative_to(target.resolve()):
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out)


@admin.register(BenchmarkPrompt)
class BenchmarkPromptAdmin(admin.ModelAdmin):
    list_display = ["source_index", "benchmark", "category", "prompt"]
    list_filter = ["benchmark", "category"]
    search_fields = ["source_index", "prompt"]
    change_list_template = "admin/texttasks/benchmarkprompt/change_list.html"

    def get_urls(self):
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="texttasks_benchmark_import")
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = BenchmarkImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with tempfile.TemporaryDirectory(prefix="seavl-import-") as folder:
                folder = Path(folder)
                source = folder / Path(data["data"].name).name
                with source.open("wb") as out:
                    for chunk in data["data"].chunks():
                        out.write(chunk)
                images_dir = None
                if data["images"]:
                    images_dir = folder / "images"
                    images_dir.mkdir()
                    try:
                        _extract_zip(data["images"], images_dir)
                    except zipfile.BadZipFile:
                        form.add_error("images", _("This is not a ZIP file."))
                if not form.errors:
                    try:
                        if data["drafts_language"]:
                            result = prompt_drafts_import(
                                path=source,
                                language_code=data["drafts_language"].code,
                                benchmark=data["benchmark"],
                            )
                        else:
                            result = benchmark_import(
                                path=source, images_dir=images_dir, benchmark=data["benchmark"]
                            )
                    except DomainError as error:
                        form.add_error(None, error.message)
                    else:
                        self.message_user(
                            request,
                            _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
                            % {
                                "created": result.created,
                                "updated": result.updated,
                                "unchanged": result.unchanged,
                            },
                            messages.SUCCESS,
                        )
                        return redirect(reverse("admin:texttasks_benchmarkprompt_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Import benchmark prompts"),
                   "opts": self.model._meta}  # fmt: skip
        return render(request, "admin/texttasks/benchmarkprompt/import.html", context)


@admin.register(PromptDraft)
class PromptDraftAdmin(admin.ModelAdmin):
    list_display = ["prompt", "language", "updated_at"]
    list_filter = ["language"]


@admin.register(TranslatorEnrollment)
class TranslatorEnrollmentAdmin(admin.ModelAdmin):
    list_display = ["contributor", "language", "created_at"]
    list_filter = ["language"]
    raw_id_fields = ["contributor"]


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    list_display = ["task", "mode", "validators_needed"]
    list_editable = ["mode", "validators_needed"]


@admin.register(PoolImage)
class PoolImageAdmin(admin.ModelAdmin):
    list_display = ["pk", "source_ref", "image_submission", "active", "created_at"]
    list_filter = ["active", "countries"]
    list_editable = ["active"]
    raw_id_fields = ["image_submission"]
    actions = ["add_accepted_task1_images"]

    @admin.action(description=_("Add every accepted Task 1 image to the pool"))
    def add_accepted_task1_images(self, request, queryset):
        added = pool_add_accepted_images()
        self.message_user(
            request,
            ngettext("%(count)d image added to the pool.", "%(count)d images added to the pool.", added)
            % {"count": added},
        )


class TextSubmissionAdmin(admin.ModelAdmin):
    list_display = ["pk", "contributor", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["contributor"]
    readonly_fields = ["status", "decided_at", "decided_by", "rejection_reason", "submitted_at"]
    actions = ["reverse_acceptance"]

    def has_add_permission(self, request) -> bool:
        # Submissions come through the task pages and the API, where every rule is checked.
        return False

    @admin.action(description=_("Reverse the acceptance of the selected submissions"))
    def reverse_acceptance(self, request, queryset):
        reversed_count = 0
        for submission in queryset.filter(status="accepted"):
            try:
                text_submission_reverse(
                    task_number=submission.task_number,
                    submission_id=submission.pk,
                    reason=str(_("Acceptance reversed by an organizer.")),
                    decided_by=request.user,
                )
                reversed_count += 1
            except DomainError as error:
                self.message_user(request, error.message, messages.WARNING)
        self.message_user(request, _("%(count)d acceptance(s) reversed.") % {"count": reversed_count})


@admin.register(Translation)
class TranslationAdmin(TextSubmissionAdmin):
    list_display = [*TextSubmissionAdmin.list_display, "language"]
    list_filter = ["status", "language"]
    raw_id_fields = [*TextSubmissionAdmin.raw_id_fields, "prompt"]


@admin.register(VisualQuestion)
class VisualQuestionAdmin(TextSubmissionAdmin):
    list_display = [*TextSubmissionAdmin.list_display, "language", "question"]
    list_filter = ["status", "language"]
    raw_id_fields = [*TextSubmissionAdmin.raw_id_fields, "image"]


@admin.register(GenerationPrompt)
class GenerationPromptAdmin(TextSubmissionAdmin):
    list_display = [*TextSubmissionAdmin.list_display, "country", "level", "text"]
    list_filter = ["status", "country", "level"]


@admin.register(TextPrompt)
class TextPromptAdmin(TextSubmissionAdmin):
    list_display = [*TextSubmissionAdmin.list_display, "language", "country"]
    list_filter = ["status", "language", "country"]


@admin.register(PeerValidation)
class PeerValidationAdmin(admin.ModelAdmin):
    list_display = ["task_number", "submission_id", "validator", "accepted", "created_at"]
    list_filter = ["task_number", "accepted"]
    raw_id_fields = ["validator"]

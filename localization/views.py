from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import to_locale
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.decorators import organizer_required
from accounts.services import profile_set_preferred_language
from campaign.errors import DomainError
from campaign.spreadsheets import csv_response
from localization.forms import CatalogUploadForm
from localization.glossary_export import glossary_csv_header, glossary_csv_rows, glossary_rows, glossary_tbx
from localization.progress import catalogs_progress
from localization.selectors import catalog_current_path, catalog_languages, catalogs_stats
from localization.services import catalog_import


@require_POST
def language_set(request):
    """The language switcher: Django's set_language (the cookie), and the profile of a signed-in user."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        profile_set_preferred_language(user=request.user, language=language)
    return response


@organizer_required
def catalog_list(request):
    progress = catalogs_progress()
    catalogs = [(catalog, progress[catalog.language]) for catalog in catalogs_stats()]
    return render(
        request, "localization/catalogs.html", {"catalogs": catalogs, "glossary": glossary_rows()}
    )


@organizer_required
def glossary_download_csv(request):
    return csv_response("seavl-portal-glossary.csv", glossary_csv_header(), glossary_csv_rows())


@organizer_required
def glossary_download_tbx(request):
    response = HttpResponse(glossary_tbx(), content_type="application/x-tbx+xml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="seavl-portal-glossary.tbx"'
    return response


@organizer_required
def catalog_download(request, language: str):
    if language not in catalog_languages():
        raise Http404
    path = catalog_current_path(language=language)
    if not path.exists():
        raise Http404
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"seavl-portal-{to_locale(language)}.po",
        content_type="text/x-gettext-translation; charset=utf-8",
    )


@organizer_required
@require_POST
def catalog_upload(request, language: str):
    if language not in catalog_languages():
        raise Http404
    form = CatalogUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the .po file to upload."))
        return redirect("localization:catalogs")
    try:
        result = catalog_import(
            language=language, content=form.cleaned_data["catalog"].read(), uploaded_by=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "The %(language)s catalog is updated: %(updated)d strings changed, %(ignored)d unknown strings ignored."
            )
            % {"language": language, "updated": result.updated, "ignored": result.ignored},
        )
    return redirect("localization:catalogs")

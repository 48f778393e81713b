from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import OTHER_COUNTRY, OTHER_LANGUAGE, ApiTokenForm, ProfileForm
from accounts.services import api_token_create, api_token_revoke, profile_get_or_create, profile_update
from campaign.errors import DomainError
from campaign.models import Language


def _initial_from(profile) -> dict:
    language_codes = set(Language.objects.values_list("code", flat=True))
    code = profile.native_language_code
    return {
        "display_name": profile.display_name,
        "use_pseudonym": profile.use_pseudonym,
        "pseudonym": profile.pseudonym,
        "residence_country": OTHER_COUNTRY if profile.resides_elsewhere else profile.residence_country_id,
        "native_language": code if code in language_codes else (OTHER_LANGUAGE if code else ""),
        "native_language_other": "" if code in language_codes else profile.native_language_label,
        "discord_handle": profile.discord_handle,
        "accept_terms": profile.accepted_terms_at is not None,
    }


@login_required
def profile_edit(request):
    profile = profile_get_or_create(user=request.user)
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            profile_update(
                user=request.user,
                display_name=data["display_name"],
                use_pseudonym=data["use_pseudonym"],
                pseudonym=data["pseudonym"],
                residence_country=data["residence_country"],
                native_language=form.native_language_text,
                discord_handle=data["discord_handle"],
                accept_terms=data["accept_terms"],
            )
            messages.success(request, _("Your profile is saved."))
            return redirect(next_url or "campaign:home")
    else:
        form = ProfileForm(initial=_initial_from(profile))
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": profile, "tokens": tokens, "token_form": ApiTokenForm(), "next": next_url},
    )


@login_required
@require_POST
def api_token_new(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name of at most 64 characters."))
        return redirect("accounts:profile")
    token, secret = api_token_create(user=request.user, name=form.cleaned_data["name"])
    return render(request, "accounts/token_created.html", {"token": token, "secret": secret})


@login_required
@require_POST
def api_token_delete(request, token_id: int):
    try:
        token = api_token_revoke(user=request.user, token_id=token_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:profile")

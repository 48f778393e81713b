"""Notice pages: my notices, my email preferences, and the unsubscribe link (no sign-in needed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaign.errors import DomainError
from campaign.pagination import page_of
from campaign.web import form_add_domain_error
from notifications import selectors, services
from notifications.forms import NoticePreferenceForm
from notifications.models import NoticeKind
from notifications.render import notice_context

PAGE_SIZE = 20


@login_required
def notice_list(request):
    page = page_of(request, selectors.notices_of(user=request.user), PAGE_SIZE)
    notices = [{"notice": notice, **notice_context(notice)} for notice in page.object_list]
    services.notices_mark_read(user=request.user, notice_ids=[item["notice"].pk for item in notices])
    return render(request, "notifications/notice_list.html", {"page": page, "notices": notices})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    current = selectors.notice_preference_of(user=request.user)
    form = NoticePreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_preference_update(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, _("Your email settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie or token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        _user_id, kind = services.unsubscribe_token_read(token)
    except DomainError as error:
        return render(request, "notifications/unsubscribe.html", {"error": error.message}, status=400)
    if request.method == "POST":
        services.notice_unsubscribe(token=token)
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind": NoticeKind(kind).label})
    # GET only asks: link scanners that open every link must not unsubscribe anyone.
    return render(request, "notifications/unsubscribe.html", {"kind": NoticeKind(kind).label, "token": token})

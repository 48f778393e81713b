"""A notice as an email in the recipient's language, with RFC 8058 one-click unsubscribe."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Profile
from notifications.models import Notice
from notifications.render import notice_context


def recipient_language(user) -> str:
    language = getattr(Profile.objects.filter(user=user).only("preferred_language").first(), "preferred_language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def notice_email(notice: Notice) -> EmailMultiAlternatives:
    from notifications.services import unsubscribe_token

    token = unsubscribe_token(user_id=notice.user_id, kind=notice.kind)
    unsubscribe_url = absolute(reverse("notifications:unsubscribe", args=[token]))
    with translation.override(recipient_language(notice.user)):
        context = {
            **notice_context(notice),
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": absolute(reverse("notifications:preferences")),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = " ".join(render_to_string("notifications/email_subject.txt", context).split())
        body = render_to_string("notifications/email_body.txt", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=body,
        to=[notice.user.email],
        headers={
            # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs, no sign-in.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    return message

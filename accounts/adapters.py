from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Profile
from accounts.services import profile_fill_from_social, user_join_contributors


def _profile_first(user) -> str | None:
    """Send a signed-in user with an incomplete profile to complete it first."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = Profile.objects.filter(user=user).first()
    if profile is None or not profile.is_complete:
        return reverse("accounts:profile")
    return None


class PortalAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user_join_contributors(user=user)
        return user

    def post_login(self, request, user, **kwargs):
        """Signing in brings back the portal language the user chose on another device or session."""
        language = getattr(
            Profile.objects.filter(user=user).only("preferred_language").first(), "preferred_language", ""
        )
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)  # the "signed in" message is already in that language
            request.LANGUAGE_CODE = language
        response = super().post_login(request, user, **kwargs)
        if language and language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    def get_login_redirect_url(self, request):
        return _profile_first(request.user) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        # A new account always has a profile to complete; this is where signing up ends.
        return reverse("accounts:profile")

    def get_email_verification_redirect_url(self, email_address):
        return _profile_first(email_address.user) or super().get_email_verification_redirect_url(
            email_address
        )


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        user_join_contributors(user=user)
        _fill_profile(user, sociallogin)
        return user

    def pre_social_login(self, request, sociallogin):
        """An existing account signing in (or connecting) with Discord gets its handle too."""
        super().pre_social_login(request, sociallogin)
        if sociallogin.is_existing:
            _fill_profile(sociallogin.user, sociallogin)


def _fill_profile(user, sociallogin) -> None:
    account = sociallogin.account
    profile_fill_from_social(user=user, provider=account.provider, extra_data=account.extra_data or {})

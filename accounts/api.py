from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["account"])


class MeOut(Schema):
    email: str
    display_name: str
    profile_complete: bool


@router.get("/me", response=MeOut, summary="Who the token belongs to")
def me(request: HttpRequest):
    profile = getattr(request.user, "profile", None)
    return {
        "email": request.user.email,
        "display_name": profile.public_name if profile else "",
        "profile_complete": bool(profile and profile.is_complete),
    }

from django.contrib import admin

from accounts.models import ApiToken, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "use_pseudonym", "residence_country", "native_language_code"]
    list_filter = ["residence_country", "resides_elsewhere", "use_pseudonym"]
    search_fields = ["user__email", "display_name", "pseudonym", "discord_handle"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    search_fields = ["user__email", "name", "prefix"]
    raw_id_fields = ["user"]

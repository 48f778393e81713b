from django.contrib import admin

from notifications.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "period", "email_state", "emailed_at", "created_at"]
    list_filter = ["kind", "email_state"]
    search_fields = ["user__email", "period"]
    readonly_fields = [field.name for field in Notice._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

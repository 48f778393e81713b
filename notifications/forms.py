from django import forms

from notifications.models import NoticePreference


class NoticePreferenceForm(forms.ModelForm):
    class Meta:
        model = NoticePreference
        fields = ["daily_digest", "reward_threshold", "weekly_summary"]

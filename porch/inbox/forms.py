"""Inbox forms: replies, notes, triage, saved replies, approvals and the inbox settings."""

import re
from datetime import time
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from porch.inbox.models import ConversationStatus, InboxSettings, Intent

DAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
PLACEHOLDERS = ("{name}", "{handle}", "{business}")


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=63_000)
    # The "Send and resolve" button.
    resolve = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5_000)


class SendBackForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2_000,
        error_messages={"required": "Say what to change, so the helper knows what to fix."},
    )


class TriageForm(forms.Form):
    status = forms.ChoiceField(choices=ConversationStatus.choices)
    intent = forms.ChoiceField(choices=Intent.choices)
    assigned_to = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args: object, members: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assigned_to"].choices = [("", "Nobody"), *members]  # type: ignore[attr-defined]


class SavedReplyForm(forms.Form):
    title = forms.CharField(max_length=80)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "{name} becomes the person's first name (“Hi {name},” becomes “Hi there,” when "
            "Porch does not know it), {handle} their @handle, {business} your business's name."
        ),
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        unknown = sorted(set(re.findall(r"\{[^{}]*\}", text)) - set(PLACEHOLDERS))
        if unknown:
            raise ValidationError(
                f"Porch does not know {', '.join(unknown)}: use {', '.join(PLACEHOLDERS)}."
            )
        return text


class InboxSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    days = forms.TypedMultipleChoiceField(
        choices=DAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Open on",
        error_messages={"required": "Tick at least one day you are open."},
    )
    timezone = forms.ChoiceField(label="Time zone")
    first_response_target = forms.IntegerField(
        label="Answer within (minutes of business time)",
        min_value=1,
        max_value=7 * 24 * 60,
        error_messages={
            "min_value": "The target must be at least 1 minute.",
            "max_value": "The target can be at most a week (10080 minutes).",
            "invalid": "Write the target as a whole number of minutes, e.g. 60.",
        },
    )
    alert_urgency = forms.FloatField(
        label="Alert for complaints at or above this urgency",
        help_text="0 alerts for every complaint, 1 only for the most urgent; 0.7 is a good start.",
        min_value=0,
        max_value=1,
        error_messages={
            "min_value": "Use a number from 0 to 1, e.g. 0.7.",
            "max_value": "Use a number from 0 to 1, e.g. 0.7.",
            "invalid": "Use a number from 0 to 1, e.g. 0.7.",
        },
    )
    alert_emails = forms.CharField(
        label="Send alerts to (emails, separated by commas)",
        help_text="Empty: the owners and managers of this workspace.",
        required=False,
        max_length=500,
    )

    class Meta:
        model = InboxSettings
        fields = [
            "days",
            "opens",
            "closes",
            "timezone",
            "first_response_target",
            "alert_urgency",
            "alert_emails",
            "quiet_from",
            "quiet_until",
            "helpers_need_approval",
        ]
        labels = {
            "opens": "Opens at",
            "closes": "Closes at",
            "quiet_from": "Quiet hours from",
            "quiet_until": "Quiet hours until",
            "helpers_need_approval": "Helpers' replies need approval before they are sent",
        }
        help_texts = {"closes": "00:00 means midnight; 00:00 to 00:00 is open all day."}
        widgets = {
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config: InboxSettings = self.instance
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]  # type: ignore[attr-defined]
        self.initial["timezone"] = config.zone()
        self.initial["days"] = config.day_numbers()
        for name in ("opens", "closes", "quiet_from", "quiet_until"):
            self.fields[name].error_messages["invalid"] = "Write a time like 09:00 or 17:30."

    def clean_days(self) -> str:
        return ",".join(str(d) for d in sorted(self.cleaned_data["days"]))

    def clean_timezone(self) -> str:
        # The workspace's own zone is stored as "": it follows the workspace if that moves.
        zone: str = self.cleaned_data["timezone"]
        return "" if zone == self.instance.workspace.timezone else zone

    def clean_alert_emails(self) -> str:
        emails = [e.strip() for e in self.cleaned_data["alert_emails"].split(",") if e.strip()]
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(
                    f"“{email}” is not an email address: separate addresses with commas."
                ) from None
        return ", ".join(emails)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if opens is not None and closes is not None and closes <= opens and closes != time(0):
            self.add_error(
                "closes",
                "Closing time must be after opening time, e.g. 09:00 to 17:00 "
                "(00:00 means midnight).",
            )
        quiet = data.get("quiet_from"), data.get("quiet_until")
        if (quiet[0] is None) != (quiet[1] is None) and not self.has_error("quiet_from"):
            self.add_error("quiet_until", "Set both ends of the quiet hours, or leave both empty.")
        elif quiet[0] is not None and quiet[0] == quiet[1]:
            self.add_error(
                "quiet_until", "Quiet hours must end at a different time than they start."
            )
        return data

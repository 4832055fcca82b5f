"""Inbox forms."""

from django import forms

from porch.inbox.models import ConversationStatus, Intent


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=63_000)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5_000)


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
        help_text="{name} becomes the person's first name, {handle} their @handle.",
    )

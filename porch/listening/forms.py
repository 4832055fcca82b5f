"""The listening page's form: a search, as the owner writes it (services check the rest)."""

from django import forms

from porch.listening.models import SearchKind

SYNTAX = (
    'Words are all required; OR for either; -word or NOT to leave out; "exact phrase"; '
    "( ) to group; #hashtag, @handle; lang:en for one language."
)


class SearchForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    query = forms.CharField(max_length=512, help_text=SYNTAX)
    kind = forms.ChoiceField(choices=SearchKind.choices, initial=SearchKind.OTHER)
    networks = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple)
    budget = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10_000_000,
        label="Monthly read budget (posts, on networks that bill reads)",
    )

    def __init__(self, *args: object, networks: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["networks"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = networks


class MuteForm(forms.Form):
    value = forms.CharField(max_length=255)

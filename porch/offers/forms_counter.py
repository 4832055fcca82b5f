"""The counter's one form: a code, and optionally the amount spent and which offer."""

from decimal import Decimal

from django import forms

from porch.offers.models import Offer


class RedeemForm(forms.Form):
    code = forms.CharField(max_length=64, strip=True)
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    offer = forms.ChoiceField(required=False, choices=[("", "Any running offer")])

    def __init__(self, *args: object, offers: list[Offer], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.offers = {str(offer.pk): offer for offer in offers}
        field = self.fields["offer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Any running offer")] + [
            (key, offer.title) for key, offer in self.offers.items()
        ]

    def chosen_offer(self) -> Offer | None:
        return self.offers.get(self.cleaned_data.get("offer") or "")


class StaffLinkForm(forms.Form):
    label = forms.CharField(max_length=60, strip=True)

from django import forms

from invoices.forms import UploadField

from .models import Kind
from .templating import PLACEHOLDERS


class WaiverTemplatesForm(forms.Form):
    """The company's four texts, one field each; checked by the service on save."""

    def __init__(self, *args, initial_bodies=None, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = "Placeholders: " + ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        for kind in Kind:
            self.fields[kind.value] = forms.CharField(
                label=kind.label,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 10}),
                initial=(initial_bodies or {}).get(kind.value, ""),
                help_text=help_text,
                strip=False,
            )


class WaiverSettingsForm(forms.Form):
    require_conditional = forms.BooleanField(
        required=False,
        label="Require a signed conditional waiver before a payment",
    )
    require_unconditional = forms.BooleanField(
        required=False,
        label="Send an unconditional waiver for the amount paid after each payment",
    )


class WaiverSignForm(forms.Form):
    name = forms.CharField(label="Your full name", max_length=150)
    consent = forms.BooleanField(
        label="I agree to sign this waiver electronically; my typed name is my signature.",
        error_messages={"required": "Tick the box to agree to sign electronically."},
    )


class SubtierWaiverForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
    party = forms.CharField(label="From (sub-subcontractor or supplier)", max_length=200)
    file = UploadField(label="Waiver (PDF, PNG or JPEG, 20 MB at most)")

"""The project's fieldsets read for the invoice pages, its PDF, exports and submission
(docs/invoices.md, "Fieldsets"): which invoice fields are required, optional or hidden.

One reader, so that the page, the PDF, the exports and the submit service cannot disagree
on what a hidden field is. The settings page (another module) writes them.
"""

from dataclasses import dataclass

from .models import BillingSettings

Rule = BillingSettings.FieldRule
# The invoice fields the fieldsets govern, by the name the templates use, and their setting.
FIELDS = {name.removeprefix("field_"): name for name in BillingSettings.FIELDSETS}


@dataclass(frozen=True)
class FieldRules:
    """{field: rule} of a project, with the two questions asked of it as dicts, so that a
    template reads `fields.shown.comments` or `fields.required.attachments`."""

    rules: dict

    @property
    def shown(self):
        return {name: rule != Rule.HIDDEN for name, rule in self.rules.items()}

    @property
    def required(self):
        return {name: rule == Rule.REQUIRED for name, rule in self.rules.items()}

    def hidden(self):
        return [name for name, rule in self.rules.items() if rule == Rule.HIDDEN]

    def key(self):
        """For a document's fingerprint: a change of rule changes what the PDF shows."""
        return sorted(self.rules.items())


DEFAULT = FieldRules({name: Rule.OPTIONAL.value for name in FIELDS})


def field_rules(project):
    """The project's rules (`project`: a Project or its id), one query; the defaults
    (everything optional) for a project whose settings were never saved. Read, never
    created: a page view writes nothing."""
    row = BillingSettings.objects.filter(project=project).values(*BillingSettings.FIELDSETS).first()
    if row is None:
        return DEFAULT
    return FieldRules({name: row[setting] for name, setting in FIELDS.items()})

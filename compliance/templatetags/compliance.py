"""What the invoice, invoicing and vendor pages show of compliance, each from one include
line (docs/compliance.md): the pages' views know nothing of this app."""

from django import template

from compliance import gates, selectors

register = template.Library()


@register.simple_tag
def invoice_requirements(invoice):
    return gates.requirements(invoice.contract)


@register.simple_tag
def commitments_requirements(project, rows):
    """{commitment id: [Requirement]} for the invoicing page's rows, in two queries."""
    contracts = [row.commitment for row in rows]
    found = gates.requirements_of(project.pk, contracts)
    return found if any(found.values()) else {}  # no rules: no panel


@register.simple_tag
def vendor_documents(vendor):
    return selectors.vendor_documents(vendor)


@register.filter
def blocking(requirements):
    return [r for r in requirements or () if r.blocking]


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, [])

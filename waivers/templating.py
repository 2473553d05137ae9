"""The company's waiver text, filled with the invoice's figures (docs/waivers.md).

The text goes through Django's template engine from a string, with a fixed context of
plain strings (no model object, so no attribute of anything else can be reached) and
autoescaping on. The company's own words are escaped too: they are text, not HTML, so
whatever they paste shows as typed. Only placeholders and `if` blocks are allowed; the
template is checked when saved, and once more when a waiver is made.
"""

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.html import escape

from .models import Kind

# The placeholders a template may use, with what each holds.
PLACEHOLDERS = {
    "claimant": "the subcontractor or supplier (the commitment's vendor)",
    "customer": "your company, who pays the claimant",
    "project": "the project's name and number",
    "project_address": "the project's address (the job location)",
    "contract_number": "the commitment's number",
    "invoice_number": "the invoice's number",
    "amount": "the payment's amount, e.g. $12,345.67",
    "through_date": "the end of the invoice's period, e.g. June 30, 2026",
    "kind": "the waiver's kind, e.g. Conditional waiver on progress payment",
}
ALLOWED_TAGS = {"if", "elif", "else", "endif"}
# No loaders, no libraries: {% include %} and {% load %} find nothing, and are refused
# before that anyway (ALLOWED_TAGS).
ENGINE = Engine(autoescape=True, loaders=[], libraries={})

DEFAULT_BODY = {
    Kind.CONDITIONAL_PROGRESS: (
        "CONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT\n\n"
        "Upon receipt by {{ claimant }} of a payment of {{ amount }} from {{ customer }}, "
        "{{ claimant }} waives and releases any lien, stop payment notice and payment bond "
        "right it has for labor, services, equipment or material furnished through "
        "{{ through_date }} to {{ customer }} on the job of {{ project }}, located at "
        "{{ project_address }} (commitment {{ contract_number }}, invoice "
        "{{ invoice_number }}).\n\nThis release is effective only when the payment has been "
        "received. Paste your state's statutory wording here."
    ),
    Kind.UNCONDITIONAL_PROGRESS: (
        "UNCONDITIONAL WAIVER AND RELEASE ON PROGRESS PAYMENT\n\n"
        "{{ claimant }} has been paid and has received a progress payment of {{ amount }} "
        "from {{ customer }} for labor, services, equipment or material furnished through "
        "{{ through_date }} on the job of {{ project }}, located at {{ project_address }} "
        "(commitment {{ contract_number }}, invoice {{ invoice_number }}), and waives and "
        "releases any lien, stop payment notice and payment bond right it has for them. "
        "Paste your state's statutory wording here."
    ),
    Kind.CONDITIONAL_FINAL: (
        "CONDITIONAL WAIVER AND RELEASE ON FINAL PAYMENT\n\n"
        "Upon receipt by {{ claimant }} of a final payment of {{ amount }} from "
        "{{ customer }}, {{ claimant }} waives and releases any lien, stop payment notice "
        "and payment bond right it has for all labor, services, equipment or material "
        "furnished on the job of {{ project }}, located at {{ project_address }} "
        "(commitment {{ contract_number }}, invoice {{ invoice_number }}, through "
        "{{ through_date }}). Paste your state's statutory wording here."
    ),
    Kind.UNCONDITIONAL_FINAL: (
        "UNCONDITIONAL WAIVER AND RELEASE ON FINAL PAYMENT\n\n"
        "{{ claimant }} has been paid in full, {{ amount }} being the final payment, by "
        "{{ customer }} for all labor, services, equipment or material furnished on the "
        "job of {{ project }}, located at {{ project_address }} (commitment "
        "{{ contract_number }}, invoice {{ invoice_number }}, through {{ through_date }}), "
        "and waives and releases any lien, stop payment notice and payment bond right it "
        "has for them. Paste your state's statutory wording here."
    ),
}


def _source(text):
    """The template with the company's own words escaped, and only allowed tags."""
    parts = []
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.TEXT:
            parts.append(escape(token.contents))
        elif token.token_type == TokenType.VAR:
            name = token.contents.strip()
            if name not in PLACEHOLDERS:
                raise ValidationError(
                    f"Unknown placeholder {{{{ {name} }}}}: use one of "
                    + ", ".join(PLACEHOLDERS)
                    + "."
                )
            parts.append("{{ " + name + " }}")
        elif token.token_type == TokenType.BLOCK:
            tag = token.contents.split()[0] if token.contents.split() else ""
            if tag not in ALLOWED_TAGS:
                raise ValidationError(
                    f"{{% {tag} %}} is not allowed: use placeholders and if blocks only."
                )
            parts.append("{% " + token.contents + " %}")
        # Comments are dropped.
    return "".join(parts)


def compile_body(text):
    """The compiled template, or a ValidationError saying what is wrong with it."""
    try:
        return ENGINE.from_string(_source(text))
    except TemplateSyntaxError as error:
        raise ValidationError(f"The template does not read: {error}") from error


def render_body(text, values):
    """HTML of the filled text: everything escaped, line breaks kept by the PDF's CSS."""
    missing = set(PLACEHOLDERS) - set(values)
    if missing:  # the context is fixed: every placeholder, nothing else
        raise ValueError(f"Missing values: {sorted(missing)}")
    fixed = {name: str(values[name]) for name in PLACEHOLDERS}
    return compile_body(text).render(Context(fixed, autoescape=True))

"""The environment of the second template engine, Jinja2, which renders the G703's rows:
a fraction of the Django template's time on a 500-line invoice (docs/invoices.md)."""

import jinja2
from django.utils.safestring import SafeString

from billing.templatetags import money


class Template(jinja2.Template):
    def render(self, *args, **kwargs):
        # Autoescaped output, so a Django template that includes it must not escape it
        # again: say so with Django's own type.
        return SafeString(super().render(*args, **kwargs))


class Environment(jinja2.Environment):
    template_class = Template


def environment(**options):
    options["autoescape"] = True  # Django's backend defaults to it; never to be turned off
    env = Environment(**options)
    # The Django templates' figure filters, the same functions: the rows and the rest of
    # the page format alike.
    env.filters.update(
        money=money.money,
        percent=money.percent,
        rate=money.rate,
        quantity=money.quantity,
        plain=money.plain,
        input_money=money.input_money,
    )
    return env

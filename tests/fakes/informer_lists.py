"""The Informer sandbox's ``demo`` administration as the configuration sees it, without
a server: its lists read straight from the sandbox's own response shapes."""

from __future__ import annotations

from common.installations.validation import Choice, InformerLists
from common.invoice_options import InformerOptions
from sandbox.informer import views
from sandbox.informer.state import InformerState

DEMO = InformerState().admin("demo")
DEMO_OPTIONS = InformerOptions.from_json(views.vat_options(DEMO))


def demo_lists(**relations: int) -> InformerLists:
    return InformerLists(
        templates=tuple(
            Choice(t["id"], t["description"])
            for t in views.templates(DEMO)
            if t["type"] == "sales_invoice"
        ),
        payment_conditions=tuple(
            Choice(p["id"], p["description"]) for p in views.payment_conditions(DEMO)
        ),
        currencies=tuple(
            Choice(c["id"], c["description"], c["currency"]) for c in views.currencies(DEMO)
        ),
        cost_centres=tuple(Choice(c["id"], c["description"]) for c in views.costs(DEMO)),
        ledgers=tuple(
            Choice(x["id"], f"{x['number']} {x['description']}") for x in views.ledgers(DEMO)
        ),
        options=DEMO_OPTIONS,
        relations={rid: name for name, rid in relations.items()},
    )

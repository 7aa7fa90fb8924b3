"""Every Informer API v2 route the sandbox serves, under /v2."""

from aiohttp import web

from sandbox.informer import api_invoices, api_reference, api_relations
from sandbox.informer.keys import API_PREFIX


def add_api_routes(app: web.Application) -> None:
    p = API_PREFIX
    app.router.add_get(f"{p}/administration", api_reference.administration)
    app.router.add_get(f"{p}/relations", api_relations.list_relations)
    app.router.add_post(f"{p}/relations", api_relations.create_relation)
    app.router.add_get(f"{p}/relations/{{id}}", api_relations.get_relation)
    app.router.add_put(f"{p}/relations/{{id}}", api_relations.update_relation)
    app.router.add_get(f"{p}/invoices/sales", api_invoices.list_invoices)
    app.router.add_post(f"{p}/invoices/sales", api_invoices.create_invoice)
    app.router.add_get(f"{p}/invoices/sales/options", api_invoices.options)
    app.router.add_get(f"{p}/invoices/sales/{{id}}", api_invoices.get_invoice)
    app.router.add_post(f"{p}/invoices/sales/send/{{id}}", api_invoices.send_invoice)
    for path, view in api_reference.REFERENCE_LISTS.items():
        app.router.add_get(f"{p}{path}", api_reference.reference_list(view))

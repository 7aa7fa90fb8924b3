"""Response shapes from the spec's schemas (Relation, SalesInvoice, VatLedgerOption, ...)."""

from datetime import date, timedelta
from typing import Any

from sandbox.informer.model import VAT_OPTIONS, Administration, Invoice, Relation
from sandbox.informer.state import TIMESTAMP, InformerState

RELATION_TEXT_FIELDS = (
    "company_name", "firstname", "surname_prefix", "surname", "street", "house_number",
    "house_number_suffix", "zip", "city", "country", "phone", "fax", "web", "email", "coc",
    "vat", "oin", "iban", "bic", "email_invoice", "sales_invoice_template_id",
    "payment_condition_id", "collection_number", "collection_date",
)  # fmt: skip
SUBTYPE_DEFAULT = {"lead": 0, "supplier": 0, "prospect": 0, "active": 1, "customer": 1}


def administration(admin: Administration) -> dict[str, Any]:
    blocked = admin.blocked_period
    return {
        **admin.info,
        "modules": {"trade": admin.trade},
        "blocked_period": {"year": blocked[0], "month": blocked[1]} if blocked else None,
    }


def relation(state: InformerState, rel: Relation, *, detail: bool = False) -> dict[str, Any]:
    fields = rel.fields
    subtype = {**SUBTYPE_DEFAULT, **(fields.get("subtype") or {})}
    body = {
        "id": rel.id,
        "relation_number": rel.relation_number,
        "relation_type": rel.relation_type,
        **{name: fields.get(name) for name in RELATION_TEXT_FIELDS},
        "direct_debit_authorisation": False,
        "preferred_send_method": "email" if fields.get("email_invoice") else None,
        "last_edit": rel.last_edit.strftime(TIMESTAMP),
        "url": f"{state.web_url}/relation/{rel.id}",
        "subtype": {name: bool(flag) for name, flag in subtype.items()},
        "contacts": [],
        "tags": [],
    }
    if detail:
        body["freefields"] = []
    return body


def invoice(state: InformerState, admin: Administration, inv: Invoice) -> dict[str, Any]:
    b = inv.body
    invoice_date = b["invoice_date"]
    rel = admin.relations.get(b["relation_id"])
    emails = [] if rel is None else [rel.fields.get("email_invoice") or rel.fields.get("email")]
    expiry = date.fromisoformat(invoice_date) + timedelta(days=inv.expiry_days)
    return {
        "id": inv.id,
        "relation_id": b["relation_id"],
        "contact_id": None,
        "contact_name": b.get("contact_name"),
        "template_id": b["template_id"],
        "payment_condition_id": b["payment_condition_id"],
        "number": inv.number,
        "invoice_date": invoice_date,
        "expiry_days": inv.expiry_days,
        "expiry_date": expiry.isoformat(),
        "totals": dict(inv.totals),
        "payment_date": None,
        "vat_option": b["vat_option"],
        "currency_id": b["currency_id"],
        "comment": b.get("comment"),
        "footer": b.get("footer"),
        "reference": b.get("reference"),
        "concept": "0",
        "reminder_status": None,
        "last_reminder_date": None,
        "last_edit": inv.last_edit.strftime(TIMESTAMP),
        "created_at": inv.created_at.strftime(TIMESTAMP),
        "url": f"{state.web_url}/sales-invoice/{inv.id}",
        "status": {"status": "Open", "color": "orange"},
        "send_options": {"email": [e for e in emails if e], "peppol": False},
        "attachments": [],
        "document_attachments": [],
        "lines": [dict(line) for line in inv.lines],
    }


def vat_options(admin: Administration) -> list[dict[str, Any]]:
    return [
        {
            "id": vat.id,
            "name": vat.name,
            "percentage": vat.percentage,
            "vat_options": {option: option in vat.vat_options for option in VAT_OPTIONS},
            "usable_ledgers": [
                {
                    "id": ledger.id,
                    "number": ledger.number,
                    "description": ledger.description,
                    "costs": ledger.costs,
                }
                for ledger in (admin.ledgers[i] for i in vat.ledger_ids)
            ],
        }
        for vat in admin.vats.values()
        if vat.available
    ]


def vat_rates(admin: Administration) -> list[dict[str, Any]]:
    return [
        {
            "id": vat.id,
            "name": vat.name,
            "percentage": vat.percentage,
            "invoice_type": "1",
            "vat_code": vat.vat_code,
            "vat_shifted": "1" if "shifted" in vat.vat_options else "0",
            "available": "1" if vat.available else "0",
        }
        for vat in admin.vats.values()
    ]


def ledgers(admin: Administration) -> list[dict[str, Any]]:
    return [
        {
            "id": ledger.id,
            "number": ledger.number,
            "description": ledger.description,
            "type": ledger.type,
            "category": ledger.category,
            "vat_code": ledger.vat_code,
            "costs": ledger.costs,
            "rgs": None,
            "blocked": "0",
            "condensation_1": None,
            "condensation_2": None,
            "condensation_3": None,
        }
        for ledger in admin.ledgers.values()
    ]


def payment_conditions(admin: Administration) -> list[dict[str, Any]]:
    return [
        {
            "id": pc.id,
            "description": pc.description,
            "payment_option": pc.payment_option,
            "days": pc.days,
            "footer_text_invoice": pc.footer_text_invoice,
            "footer_text_quotation": None,
            "default": "1" if pc.default else "0",
        }
        for pc in admin.payment_conditions.values()
    ]


def templates(admin: Administration) -> list[dict[str, Any]]:
    return [vars(t).copy() for t in admin.templates.values()]


def currencies(admin: Administration) -> list[dict[str, Any]]:
    return [
        {**vars(c), "autoupdate": "0", "journal_id": None, "ledger_id": None}
        for c in admin.currencies.values()
    ]


def costs(admin: Administration) -> list[dict[str, Any]]:
    return [vars(c).copy() for c in admin.costs.values()]


def products(admin: Administration) -> list[dict[str, Any]]:
    return [vars(p).copy() for p in admin.products.values()]


def pagination(page: int, records: int, total: int) -> dict[str, int]:
    return {"page": page, "records": records, "total": total, "pages": -(-total // records)}

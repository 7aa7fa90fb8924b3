"""The configuration form (parsing, keeping what was typed) and the VAT table prefill."""

from __future__ import annotations

from decimal import Decimal

from multidict import MultiDict

from common.installations.models import InstallationConfig
from common.vat import VatOption
from dashboard.setup.forms import (
    BLANK_VAT_ROWS,
    VatRowForm,
    form_from_config,
    parse_form,
    to_config,
)
from dashboard.setup.prefill import Suggestion, prefill_vat_rows, suggest_special
from tests.fakes.informer_lists import DEMO_OPTIONS
from tests.unit.processor.builders import OPTIONS, config_dict


def _posted(config: InstallationConfig) -> MultiDict[str]:
    """What the browser posts for the form of ``config`` (blank rows included)."""
    form = form_from_config(config, "BE", "Europe/Brussels").with_blank_rows()
    data: MultiDict[str] = MultiDict(
        shop_country=form.shop_country,
        shop_timezone=form.shop_timezone,
        template_id=form.template_id,
        payment_condition_id=form.payment_condition_id,
        prices_include_vat=form.prices_include_vat,
        costs_id=form.costs_id,
    )
    for i, row in enumerate(form.vat_rows):
        data.extend(
            {
                f"vat-{i}-country": row.country,
                f"vat-{i}-rate": row.rate,
                f"vat-{i}-vat_id": row.vat_id,
                f"vat-{i}-ledger_id": row.ledger_id,
            }
        )
    for i, (code, cid) in enumerate(form.currencies):
        data.extend({f"currency-{i}-code": code, f"currency-{i}-id": cid})
    for i, (method, rid) in enumerate(form.fixed_debtors):
        data.extend({f"debtor-{i}-method": method, f"debtor-{i}-relation_id": rid})
    data.extend({"icp-vat_id": form.icp[0], "icp-ledger_id": form.icp[1]})
    data.extend(
        {"international-vat_id": form.international[0],
         "international-ledger_id": form.international[1]}
    )  # fmt: skip
    for status in form.processable_statuses:
        data.add("status", status)
    return data


def test_a_configuration_survives_the_form() -> None:
    config = InstallationConfig.model_validate(config_dict(costs_id=31, prices_include_vat=True))
    data = _posted(config)
    parsed = to_config(parse_form(data, data.getall("status")))
    assert parsed.errors == {}
    assert parsed.config == config


def test_blank_rows_are_offered_and_ignored() -> None:
    config = InstallationConfig.model_validate(config_dict())
    form = form_from_config(config, "BE", "Europe/Brussels").with_blank_rows()
    assert form.vat_rows[-BLANK_VAT_ROWS:] == (VatRowForm(country="BE"),) * BLANK_VAT_ROWS
    data = _posted(config)
    assert to_config(parse_form(data, data.getall("status"))).config == config


def test_bad_input_is_named_and_kept_as_typed() -> None:
    data = _posted(InstallationConfig.model_validate(config_dict()))
    data["vat-0-rate"] = "21,5"
    data["vat-1-vat_id"] = "abc"
    data["template_id"] = ""
    form = parse_form(data, data.getall("status"))
    parsed = to_config(form)
    assert parsed.config is None
    assert parsed.errors["template_id"] == "Invoice layout: choose one"
    assert "VAT table, BE 21,5 %: the rate" in parsed.errors["vat_table.BE.21,5"]
    assert any("'abc' is not an Informer id" in e for e in parsed.errors.values())
    # what was typed is still in the form, to be shown again
    assert form.vat_rows[0].rate == "21,5"
    assert form.vat_rows[1].vat_id == "abc"


def test_model_rules_are_named() -> None:
    data = _posted(InstallationConfig.model_validate(config_dict()))
    parsed = to_config(parse_form(data, []))
    assert parsed.errors == {
        "processable_statuses": "Processable statuses: at least one status must be processable"
    }
    data["vat-0-country"] = "CH"
    parsed = to_config(parse_form(data, ["paid"]))
    assert "CH is not one" in parsed.errors["vat_table"]


def test_twice_the_same_rate_is_refused() -> None:
    data = _posted(InstallationConfig.model_validate(config_dict()))
    data["vat-1-rate"] = data["vat-0-rate"]
    parsed = to_config(parse_form(data, ["paid"]))
    assert parsed.errors == {
        "vat_table.BE.21.00": "VAT table, BE 21.00 %: this country and rate appear twice"
    }


def test_prefill_suggests_domestic_and_oss_codes() -> None:
    rows = prefill_vat_rows(["NL", "BE", "DK"], DEMO_OPTIONS, "BE", None)
    by_key = {(r.country, r.rate): (r.vat_id, r.ledger_id) for r in rows}
    assert [r.country for r in rows][:3] == ["BE", "BE", "BE"]  # shop country first
    assert by_key[("BE", Decimal("21.00"))] == (101, 8001)  # not 8005: it needs a cost centre
    assert by_key[("BE", Decimal("6.00"))] == (103, 8001)
    assert by_key[("NL", Decimal("21.00"))] == (163, 8002)  # OSS NL 21%, not BTW 21%
    assert by_key[("NL", Decimal("9.00"))] == (164, 8002)
    assert by_key[("DK", Decimal("25.00"))] == (122, 8002)
    assert suggest_special(DEMO_OPTIONS, VatOption.ICV_WITHIN_EU) == Suggestion(105, 8003)


def test_prefill_leaves_a_row_open_when_nothing_fits() -> None:
    rows = prefill_vat_rows(["SE"], OPTIONS, "BE", True)  # no OSS SE codes in OPTIONS
    assert [(r.rate, r.vat_id, r.ledger_id) for r in rows] == [
        (Decimal("25.00"), None, None),
        (Decimal("12.00"), None, None),
        (Decimal("6.00"), None, None),
    ]


def test_index_progress_reads_as_the_page_says() -> None:
    from datetime import UTC, datetime, timedelta

    from dashboard.setup.store import IndexProgress

    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def progress(**times: object) -> IndexProgress:
        base: dict[str, object] = {
            "requested_at": None, "started_at": None, "finished_at": None, "relations": 0,
            "pages": 0, "total_pages": None, "indexed": 0, "error": None,
        }  # fmt: skip
        return IndexProgress(**(base | times))  # type: ignore[arg-type]

    second = timedelta(seconds=1)
    assert progress().state == "none"
    assert progress(requested_at=t0).state == "waiting"
    assert progress(requested_at=t0, started_at=t0 + second).state == "running"
    done = progress(requested_at=t0, started_at=t0 + second, finished_at=t0 + 2 * second)
    assert done.state == "done"
    # asked again after a finished build: waiting again, not "done"
    assert (
        progress(
            requested_at=t0 + 3 * second, started_at=t0 + second, finished_at=t0 + 2 * second
        ).state
        == "waiting"
    )
    failed = progress(started_at=t0, error="Informer refused the API key")
    assert failed.state == "failed"
    assert failed.to_json()["error"] == "Informer refused the API key"
    # an old error does not outlive a later successful build
    assert progress(started_at=t0, finished_at=t0 + second, error="old").to_json()["error"] is None

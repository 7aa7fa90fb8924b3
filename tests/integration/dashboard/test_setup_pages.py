"""The wizard and the configuration page as a merchant uses them (HTML forms), and the
same through /api/v1, against both sandboxes."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from common.db.pool import Pool
from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState
from tests.fakes.dashboard import Merchant, sign_up
from tests.fakes.processor import DEMO_CONFIG
from tests.integration.dashboard.conftest import ClientFactory

pytestmark = pytest.mark.integration

SHOP_TOKEN = "shop-token-pages"


@dataclass
class Sandboxes:
    shop_url: str
    informer_url: str


@pytest.fixture
async def sandboxes() -> AsyncIterator[Sandboxes]:
    shops = KmoShopsState()
    shops.create_shop(1234, "Fietsen Peeters", "BE", tokens=[SHOP_TOKEN])
    runner, base = await serve(shops)
    async with running_sandbox(InformerState()) as informer_url:
        yield Sandboxes(f"{base}/api/v1", informer_url)
    await runner.cleanup()


@pytest.fixture
async def merchant(new_client: ClientFactory, sandboxes: Sandboxes) -> Merchant:
    client = await new_client(informer_base_url=sandboxes.informer_url)
    return await sign_up(client)


def page_form(html: str) -> dict[str, str]:
    """The configuration form's fields as the browser would post them (selected
    options, checked boxes as 'status' values joined by commas)."""
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input name="([^"]+)" value="([^"]*)"', html):
        fields[name] = value
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body) or re.search(
            r"<option selected>([^<]*)</option>", body
        )
        fields[name] = chosen.group(1) if chosen else ""
    statuses = re.findall(r'name="status" value="([^"]+)" checked', html)
    fields["status"] = ",".join(statuses)
    return fields


async def post_config(merchant: Merchant, fields: dict[str, str], action: str = "save") -> Any:
    data: list[tuple[str, str]] = [("csrf_token", merchant.csrf), ("action", action)]
    for name, value in fields.items():
        if name == "status":
            data += [("status", s) for s in value.split(",") if s]
        else:
            data.append((name, value))
    return await merchant.client.post(
        f"/i/{merchant.installation_id}/configuration", data=data, allow_redirects=False
    )


async def connect_both(merchant: Merchant, sandboxes: Sandboxes) -> None:
    base = f"/i/{merchant.installation_id}/setup"
    answer = await merchant.form(
        base + "/kmoshops", {"base_url": sandboxes.shop_url, "api_token": SHOP_TOKEN}
    )
    assert answer.status == 303, await answer.text()
    answer = await merchant.form(
        base + "/informer",
        {"api_key": "demo-informer-key", "security_code": "demo-security-code"},
    )
    assert answer.status == 303, await answer.text()


async def test_the_wizard_explains_failures_and_turns_dots_green(
    merchant: Merchant, sandboxes: Sandboxes
) -> None:
    base = f"/i/{merchant.installation_id}/setup"
    page = await (await merchant.client.get(base)).text()
    assert page.count('class="dot todo"') == 3
    assert "Processing starts when all three are green" in page

    answer = await merchant.form(
        base + "/kmoshops", {"base_url": sandboxes.shop_url, "api_token": "typo"}
    )
    assert answer.status == 400
    page = await answer.text()
    assert "KMO Shops refused this API token" in page
    assert sandboxes.shop_url in page  # what was typed is kept...
    assert "typo" not in page  # ...but never a secret

    answer = await merchant.form(
        base + "/informer", {"api_key": "demo-informer-key", "security_code": "wrong"}
    )
    assert answer.status == 400
    assert "Informer refused this API key or security code" in await answer.text()

    await connect_both(merchant, sandboxes)
    page = await (await merchant.client.get(base)).text()
    assert page.count('class="dot ok"') == 2
    assert "demo-informer-key" not in page
    assert SHOP_TOKEN not in page
    assert "Waiting for the processor" in page  # the index was asked for


async def test_configuration_is_prefilled_validated_and_saved(
    merchant: Merchant, sandboxes: Sandboxes, pool: Pool
) -> None:
    await connect_both(merchant, sandboxes)
    path = f"/i/{merchant.installation_id}/configuration"
    page = await (await merchant.client.get(path)).text()
    fields = page_form(page)
    # Prefilled: the shop country's rates with the codes that fit, ICP and export rows.
    assert (fields["vat-0-country"], fields["vat-0-rate"], fields["vat-0-vat_id"]) == (
        "BE", "21.00", "101",
    )  # fmt: skip
    assert (fields["icp-vat_id"], fields["international-vat_id"]) == ("105", "106")
    assert fields["currency-0-code"] == "EUR"

    # A wrong row: named, nothing saved, the typed values kept.
    wrong = fields | {"vat-0-ledger_id": "8004", "vat-1-rate": "12.5"}
    answer = await post_config(merchant, wrong)
    assert answer.status == 400
    page = await answer.text()
    assert "VAT table, BE 21.00 %: ledger 8004 cannot be used with VAT code 101" in page
    assert "VAT code 102 (BTW 12%) is 12.00 %, not 12.50 %" in page
    assert page_form(page)["vat-1-rate"] == "12.5"
    saved = await pool.fetchval(
        "SELECT config FROM installations WHERE id = $1", merchant.installation_id
    )
    assert saved is None

    # "Remove VAT settings" starts the table over (and saves nothing).
    answer = await post_config(merchant, wrong | {"vat-5-rate": "3.00"}, action="reset_vat")
    reset = page_form(await answer.text())
    assert [reset[f"vat-{i}-rate"] for i in range(3)] == ["21.00", "12.00", "6.00"]
    assert reset["vat-3-rate"] == ""

    # Adding a country adds its rates with its OSS codes.
    answer = await post_config(merchant, reset | {"add_country": "NL"}, action="add_country")
    added = page_form(await answer.text())
    assert (added["vat-3-country"], added["vat-3-rate"], added["vat-3-vat_id"]) == (
        "NL", "21.00", "163",
    )  # fmt: skip

    answer = await post_config(merchant, added)
    assert answer.status == 303, await answer.text()
    assert answer.headers["Location"].endswith("?done=activated")
    config = await pool.fetchval(
        "SELECT config FROM installations WHERE id = $1", merchant.installation_id
    )
    assert config["vat_table"]["NL"]["21.00"] == {"vat_id": 163, "ledger_id": 8002}
    status = await pool.fetchval(
        "SELECT status FROM installations WHERE id = $1", merchant.installation_id
    )
    assert status == "active"


async def test_the_same_through_the_api(merchant: Merchant, sandboxes: Sandboxes) -> None:
    base = f"/api/v1/installations/{merchant.installation_id}"
    answer = await merchant.api(
        "PUT", base + "/setup/kmoshops", {"base_url": sandboxes.shop_url, "api_token": "typo"}
    )
    assert answer.status == 422
    body = await answer.json()
    assert "api_token" in body["error"]["fields"]

    answer = await merchant.api(
        "PUT", base + "/setup/kmoshops", {"base_url": sandboxes.shop_url, "api_token": SHOP_TOKEN}
    )
    assert answer.status == 200
    setup = await answer.json()
    assert setup["steps"] == {"kmoshops": True, "informer": False, "configuration": False}
    assert setup["kmoshops"]["api_token"].startswith("••••")
    assert SHOP_TOKEN not in str(setup)

    answer = await merchant.api(
        "PUT",
        base + "/setup/informer",
        {"api_key": "demo-informer-key", "security_code": "demo-security-code"},
    )
    assert (await answer.json())["relation_index"]["state"] == "waiting"

    choices = await (await merchant.client.get(base + "/configuration/choices")).json()
    assert {t["id"] for t in choices["templates"]} == {1, 2}  # invoice layouts only
    icp = next(c for c in choices["vat_codes"] if c["id"] == 105)
    assert icp["vat_options"] == ["icv_within_eu"]

    prefill = await (
        await merchant.client.get(base + "/configuration/vat-table-prefill?countries=BE,DE")
    ).json()
    assert prefill["vat_table"]["DE"]["19.00"] == {"vat_id": 120, "ledger_id": 8002}

    bad = DEMO_CONFIG | {"icp": {"vat_id": 101, "ledger_id": 8001}}
    answer = await merchant.api("PUT", base + "/configuration", {"config": bad})
    assert answer.status == 422
    problems = (await answer.json())["error"]["problems"]
    assert {p["field"] for p in problems} == {"config.icp"}
    assert problems[0]["message"].startswith(
        "ICP row: VAT code 101 (BTW 21%) cannot be used with icv_within_eu"
    )
    assert problems[1]["message"] == "ICP row: VAT code 101 (BTW 21%) is 21.00 %, not 0.00 %"

    answer = await merchant.api("PUT", base + "/configuration", {"config": DEMO_CONFIG})
    assert answer.status == 200
    assert (await answer.json())["activated"] is True
    saved = await (await merchant.client.get(base + "/configuration")).json()
    assert saved["config"]["template_id"] == DEMO_CONFIG["template_id"]


async def test_another_account_sees_nothing(merchant: Merchant, new_client: ClientFactory) -> None:
    other = await sign_up(await new_client())
    for path in (
        f"/i/{merchant.installation_id}/setup",
        f"/i/{merchant.installation_id}/configuration",
        f"/api/v1/installations/{merchant.installation_id}/setup",
        f"/api/v1/installations/{merchant.installation_id}/configuration",
    ):
        assert (await other.client.get(path)).status == 404
    answer = await other.api(
        "PUT",
        f"/api/v1/installations/{merchant.installation_id}/setup/kmoshops",
        {"base_url": "http://127.0.0.1:1/api/v1", "api_token": "x"},
    )
    assert answer.status == 404
    assert (await other.client.get(f"/i/{uuid.uuid4()}/setup")).status == 404

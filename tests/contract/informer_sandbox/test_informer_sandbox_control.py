"""The /_sandbox control API, seeding from a file, and the sandbox as a separate process."""

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from sandbox.informer import InformerState
from sandbox.informer.seed_data import default_seed
from sandbox.informer.testing import (
    DEMO_HEADERS,
    company_body,
    invoice_body,
    running_sandbox,
)


async def control(client: TestClient, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = await client.request(method, "/_sandbox" + path, json=body)
    return response.status, await response.json()


def custom_administration(slug: str = "shop-x", api_key: str = "x-key") -> dict[str, Any]:
    demo = default_seed()["administrations"][0]
    return demo | {
        "slug": slug,
        "api_key": api_key,
        "security_code": "x-code",
        "country": "AT",
        "relations": [],
    }


async def test_control_calls_are_not_informer_calls(
    client: TestClient, state: InformerState
) -> None:
    status, _ = await control(client, "GET", "/health")
    assert status == 200
    status, admins = await control(client, "GET", "/administrations")
    assert {a["slug"] for a in admins} == {"demo", "demo-de", "demo-trade"}
    assert state.calls == []
    state.limiter.configure(window_limit=1)
    for _ in range(3):
        assert (await client.get("/_sandbox/counts")).status == 200


async def test_add_relation_directly_with_a_backdated_last_edit(
    client: TestClient, state: InformerState
) -> None:
    body = company_body(
        company_name="Zonder Validatie", vat="ongeldig", last_edit="2025-01-10 08:00:00"
    )
    status, relation = await control(client, "POST", "/administrations/demo/relations", body)
    assert status == 201
    assert relation["last_edit"] == "2025-01-10 08:00:00"
    assert state.calls == []
    response = await client.get(
        "/v2/relations", params={"search": "Zonder Validatie"}, headers=DEMO_HEADERS
    )
    [found] = (await response.json())["relations"]
    assert found["id"] == relation["id"]
    status, _ = await control(client, "POST", "/administrations/nope/relations", company_body())
    assert status == 404


async def test_call_log_counts_and_clearing(client: TestClient, state: InformerState) -> None:
    relation_id = state.relations("demo")[0].id
    await client.post("/v2/invoices/sales", json=invoice_body(relation_id), headers=DEMO_HEADERS)
    await client.get("/v2/relations/123", headers=DEMO_HEADERS)
    await client.get(f"/v2/relations/{relation_id}", headers=DEMO_HEADERS)
    _, counts = await control(client, "GET", "/counts")
    assert counts == {"POST /invoices/sales": 1, "GET /relations/{id}": 2}
    _, calls = await control(client, "GET", "/calls?endpoint=POST /invoices/sales")
    [call] = calls
    assert call["status"] == 200
    assert call["key_id"] == "demo-key"
    assert call["administration"] == "demo"
    assert call["request_json"]["relation_id"] == relation_id
    assert call["request_json"]["lines"][0]["amount"] == 12.10
    _, invoices = await control(client, "GET", "/administrations/demo/invoices")
    assert [i["reference"] for i in invoices] == ["1001"]
    await control(client, "DELETE", "/calls")
    assert (await control(client, "GET", "/counts"))[1] == {}


async def test_faults_over_http(client: TestClient, state: InformerState) -> None:
    status, faults = await control(
        client, "POST", "/faults/errors", {"count": 1, "status": 502, "method": "GET"}
    )
    assert status == 200
    assert faults["errors"][0]["status"] == 502
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 502
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    await control(client, "POST", "/faults/lost", {"count": 1})
    relation_id = state.relations("demo")[0].id
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await client.post(
            "/v2/invoices/sales", json=invoice_body(relation_id), headers=DEMO_HEADERS
        )
    await control(client, "POST", "/faults/latency", {"seconds": 0.01})
    await control(client, "POST", "/faults/errors", {"count": 5, "status": 500})
    _, faults = await control(client, "GET", "/faults")
    assert len(faults["errors"]) == 1
    assert len(faults["latencies"]) == 1
    await control(client, "DELETE", "/faults")
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    for bad in ({"status": 404}, {"count": 0}, {"status": "x"}):
        status, _ = await control(client, "POST", "/faults/errors", bad)
        assert status == 400, bad
    status, _ = await control(client, "POST", "/faults/latency", {})
    assert status == 400


async def test_rate_limit_over_http(client: TestClient) -> None:
    status, config = await control(
        client, "PUT", "/rate-limit", {"window_seconds": 2, "window_limit": 1}
    )
    assert (status, config["window_limit"], config["enabled"]) == (200, 1, True)
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    limited = await client.get("/v2/vat", headers=DEMO_HEADERS)
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "2"
    status, _ = await control(client, "PUT", "/rate-limit", {"per_hour": 1})
    assert status == 400
    await control(client, "PUT", "/rate-limit", {"enabled": False})
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200


async def test_reset_and_custom_administrations(client: TestClient, state: InformerState) -> None:
    relation_id = state.relations("demo")[0].id
    await client.post("/v2/invoices/sales", json=invoice_body(relation_id), headers=DEMO_HEADERS)
    status, summary = await control(client, "POST", "/administrations", custom_administration())
    assert (status, summary["country"]) == (201, "AT")
    headers = {"Apikey": "x-key", "Securitycode": "x-code"}
    response = await client.get("/v2/administration", headers=headers)
    assert (await response.json())["country"] == "AT"
    status, _ = await control(
        client, "POST", "/administrations", custom_administration("other", "demo-informer-key")
    )
    assert status == 400  # an API key belongs to one administration
    await control(client, "POST", "/reset")
    assert state.invoices("demo") == []
    assert state.calls == []
    assert "shop-x" not in state.administrations
    await control(
        client, "POST", "/reset", {"seed": {"administrations": [custom_administration()]}}
    )
    assert list(state.administrations) == ["shop-x"]
    assert (await client.get("/v2/administration", headers=DEMO_HEADERS)).status == 401


async def test_running_sandbox_serves_on_a_real_port() -> None:
    async with running_sandbox() as base_url, aiohttp.ClientSession() as session:
        assert base_url.endswith("/v2")
        async with session.get(f"{base_url}/administration", headers=DEMO_HEADERS) as response:
            assert response.status == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_module_entrypoint_with_a_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"administrations": [custom_administration()]}))
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.informer", "--port", str(port), "--seed", str(seed),
        "--rate-window-seconds", "2",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    async with session.get(f"{base}/_sandbox/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            async with session.get(f"{base}/_sandbox/rate-limit") as response:
                assert (await response.json())["window_seconds"] == 2
            headers = {"Apikey": "x-key", "Securitycode": "x-code"}
            async with session.get(f"{base}/v2/administration", headers=headers) as response:
                assert response.status == 200
                assert (await response.json())["country"] == "AT"
    finally:
        process.terminate()
        _, stderr = await process.communicate()
    assert b"x-key" not in stderr
    assert b"x-code" not in stderr

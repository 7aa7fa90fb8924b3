"""Sign-up, log-in, sessions, CSRF and throttling, on the real database."""

from __future__ import annotations

import uuid

import pytest
from aiohttp.test_utils import TestClient

from common.db.pool import Pool
from common.messages import SendEmail, parse_message
from tests.fakes.dashboard import PASSWORD, csrf_in, sign_up, unique_email
from tests.integration.dashboard.conftest import ClientFactory

pytestmark = pytest.mark.integration


async def _form_login(client: TestClient, email: str, password: str = PASSWORD) -> int:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"csrf_token": csrf_in(await page.text()), "email": email, "password": password},
        allow_redirects=False,
    )
    return response.status


async def test_sign_up_form_creates_account_installation_and_mail_in_one_go(
    client: TestClient, pool: Pool
) -> None:
    email = unique_email()
    page = await client.get("/signup")
    assert page.status == 200
    response = await client.post(
        "/signup",
        data={
            "csrf_token": csrf_in(await page.text()),
            "name": "Bakkerij Jans",
            "email": email.upper(),
            "shop_country": "nl",
            "password": PASSWORD,
            "accept_terms": "on",
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    installation_id = response.headers["Location"].split("/")[2].split("?")[0]
    row = await pool.fetchrow(
        """SELECT i.status, i.license_key, i.trial_ends_at - now() AS trial, a.shop_country,
                  a.password_hash, i.kmo_token, i.config
             FROM installations i JOIN accounts a ON a.id = i.account_id WHERE i.id = $1""",
        uuid.UUID(installation_id),
    )
    assert row["status"] == "setup"
    assert row["kmo_token"] is None
    assert row["config"] is None
    assert row["password_hash"].startswith("$argon2id$")
    assert 29.9 < row["trial"].total_seconds() / 86400 <= 30
    assert row["shop_country"] == "NL"
    bodies = await pool.fetch(
        "SELECT body FROM outbox WHERE routing_key = 'SendEmail' ORDER BY id DESC LIMIT 20"
    )
    mails = [m for m in (parse_message(b["body"]) for b in bodies) if isinstance(m, SendEmail)]
    mail = next(m for m in mails if m.to == [email.upper()])
    assert f"/i/{installation_id}/setup" in mail.text
    assert row["license_key"] in mail.text
    assert PASSWORD not in mail.text
    home = await client.get(f"/i/{installation_id}")
    assert home.status == 200
    assert "Set up this installation" in await home.text()


async def test_sign_up_refuses_bad_input_field_by_field(client: TestClient) -> None:
    page = await client.get("/signup")
    response = await client.post(
        "/signup",
        data={
            "csrf_token": csrf_in(await page.text()),
            "name": "",
            "email": "nope",
            "shop_country": "US",
            "password": "short",
        },
    )
    assert response.status == 400
    text = await response.text()
    for expected in (
        "This field is required.",
        "such as you@example.com",
        "EU country",
        "at least 10 characters",
        "Accept the terms",
    ):
        assert expected in text


async def test_one_account_per_address_whatever_the_case(
    client: TestClient, new_client: ClientFactory
) -> None:
    merchant = await sign_up(client)
    other = await new_client()
    response = await other.post(
        "/api/v1/signup",
        json={
            "name": "X",
            "email": merchant.email.upper(),
            "shop_country": "BE",
            "password": PASSWORD,
            "accept_terms": True,
        },
    )
    assert response.status == 400
    assert "account for this address" in (await response.json())["error"]["fields"]["email"]


async def test_login_makes_a_new_session_and_logout_ends_it(
    client: TestClient, new_client: ClientFactory
) -> None:
    merchant = await sign_up(client)
    browser = await new_client()
    assert await _form_login(browser, merchant.email) == 303
    first = browser.session.cookie_jar.filter_cookies(browser.make_url("/"))["k2i_session"].value
    assert (await browser.get("/installations")).status == 200
    # Logging in again (e.g. a fixated cookie) always yields a new id; the old one is dead.
    assert await _form_login(browser, merchant.email.upper()) == 303
    second = browser.session.cookie_jar.filter_cookies(browser.make_url("/"))["k2i_session"].value
    assert second != first
    stale = await new_client()
    stale.session.cookie_jar.update_cookies({"k2i_session": first})
    assert (await stale.get("/api/v1/account")).status == 401
    page = await browser.get("/installations")
    logout = await browser.post(
        "/logout", data={"csrf_token": csrf_in(await page.text())}, allow_redirects=False
    )
    assert logout.status == 303
    kept = await new_client()
    kept.session.cookie_jar.update_cookies({"k2i_session": second})
    assert (await kept.get("/api/v1/account")).status == 401
    assert (await browser.get("/installations", allow_redirects=False)).status == 302


async def test_session_cookie_is_httponly_lax_and_secure_when_configured(
    new_client: ClientFactory,
) -> None:
    client = await new_client(session_cookie_secure=True)
    response = await client.post(
        "/api/v1/signup",
        json={
            "name": "X",
            "email": unique_email(),
            "shop_country": "BE",
            "password": PASSWORD,
            "accept_terms": True,
        },
    )
    cookie = response.headers["Set-Cookie"]
    assert "k2i_session=" in cookie
    for attribute in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"):
        assert attribute in cookie


async def test_forms_and_api_refuse_requests_without_the_csrf_token(client: TestClient) -> None:
    merchant = await sign_up(client)
    stop = f"/i/{merchant.installation_id}/notification-email"
    refused = await client.post(stop, data={"notification_email": "a@b.be"}, allow_redirects=False)
    assert refused.status == 403
    wrong = await client.post(
        stop, data={"notification_email": "a@b.be", "csrf_token": "x" * 43}, allow_redirects=False
    )
    assert wrong.status == 403
    api = f"/api/v1/installations/{merchant.installation_id}/notification-email"
    assert (await client.put(api, json={"notification_email": "a@b.be"})).status == 403
    as_form = await client.put(
        api,
        data="notification_email=a@b.be",
        headers={
            "X-CSRF-Token": merchant.csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert as_form.status == 403
    ok = await merchant.api("PUT", api, {"notification_email": "a@b.be"})
    assert ok.status == 200
    # A log-in form posted from elsewhere has no matching k2i_csrf cookie.
    fresh = await client.post(
        "/login", data={"email": merchant.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert fresh.status == 403


async def test_logins_are_throttled_per_account_and_per_address(
    client: TestClient, new_client: ClientFactory, pool: Pool
) -> None:
    # Every test client comes from 127.0.0.1: start and end with no address failures.
    await pool.execute("DELETE FROM login_failures")
    merchant = await sign_up(client)
    attacker = await new_client(login_max_failures=3, login_max_failures_per_address=1000)
    for _ in range(3):
        assert await _form_login(attacker, merchant.email, "wrong password!") == 401
    # Now even the right password is refused, with a clear message.
    page = await attacker.get("/login")
    blocked = await attacker.post(
        "/login",
        data={
            "csrf_token": csrf_in(await page.text()),
            "email": merchant.email,
            "password": PASSWORD,
        },
    )
    assert blocked.status == 429
    assert "Too many failed log-ins for this account" in await blocked.text()
    api = await attacker.post(
        "/api/v1/session", json={"email": merchant.email, "password": PASSWORD}
    )
    assert api.status == 429
    # Per address: many accounts tried from one address.
    await pool.execute("DELETE FROM login_failures WHERE scope = 'address'")
    sprayer = await new_client(
        login_max_failures=1000, login_max_failures_per_address=2, login_window_seconds=3600
    )
    for _ in range(2):
        response = await sprayer.post(
            "/api/v1/session", json={"email": unique_email(), "password": "x"}
        )
        assert response.status == 401
    response = await sprayer.post(
        "/api/v1/session", json={"email": unique_email(), "password": "x"}
    )
    assert response.status == 429
    assert "your address" in (await response.json())["error"]["message"]
    await pool.execute("DELETE FROM login_failures")


async def test_pages_need_a_login(new_client: ClientFactory) -> None:
    anonymous = await new_client()
    response = await anonymous.get("/installations", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/login")
    assert (await anonymous.get("/api/v1/installations")).status == 401


async def test_add_an_installation_from_the_page(client: TestClient, pool: Pool) -> None:
    merchant = await sign_up(client)
    page = await client.get("/installations")
    assert "Add an installation" in await page.text()
    bad = await merchant.form("/installations", {"name": "", "shop_country": "CH"})
    assert bad.status == 400
    assert "Choose the EU country" in await bad.text()
    added = await merchant.form("/installations", {"name": "Tweede winkel", "shop_country": "DE"})
    assert added.status == 303
    new_id = uuid.UUID(added.headers["Location"].split("/")[2].split("?")[0])
    row = await pool.fetchrow(
        "SELECT account_id, status, shop_timezone FROM installations WHERE id = $1", new_id
    )
    owner = await pool.fetchval(
        "SELECT account_id FROM installations WHERE id = $1", merchant.installation_id
    )
    assert row["account_id"] == owner
    assert row["status"] == "setup"
    assert row["shop_timezone"] == "Europe/Berlin"
    listing = await (await client.get("/installations")).text()
    assert "Tweede winkel" in listing
    assert "to set up" in listing

"""Signing up and adding installations: the account, its installation in 'setup'
and the e-mail that tells about it, in one transaction."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.crypto import SecretBox
from common.db.outbox import enqueue
from common.installations.repository import create_installation_in_setup
from common.vat import EU_MEMBERS
from dashboard import mails
from dashboard.auth.passwords import hash_password, password_problem
from dashboard.formatting import when
from dashboard.settings import DashboardSettings

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _eu_country(value: str) -> str:
    value = value.upper()
    if value not in EU_MEMBERS:
        raise ValueError("Choose the EU country your shop is in.")
    return value


class SignUpForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254)
    shop_country: str
    password: str = Field(max_length=1000)
    accept_terms: bool

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("Enter an e-mail address such as you@example.com.")
        return value

    _country = field_validator("shop_country")(_eu_country)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        problem = password_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("accept_terms")
    @classmethod
    def _terms(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Accept the terms to start the trial.")
        return value


class AddInstallationForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    shop_country: str

    _country = field_validator("shop_country")(_eu_country)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first problem per field, in the words the validators chose."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing" or error["type"] == "string_too_short":
            message = "This field is required."
        errors.setdefault(field, message)
    return errors


class EmailTaken(Exception):
    pass


@dataclass(frozen=True)
class NewInstallation:
    id: uuid.UUID
    webhook_secret: str
    license_key: str


async def sign_up(
    conn: asyncpg.Connection, box: SecretBox, settings: DashboardSettings, form: SignUpForm
) -> tuple[uuid.UUID, NewInstallation]:
    password_hash = await hash_password(form.password)
    account_id = uuid.uuid4()
    async with conn.transaction():
        try:
            await conn.execute(
                """INSERT INTO accounts (id, name, email, password_hash, shop_country,
                       terms_accepted_at) VALUES ($1, $2, $3, $4, $5, now())""",
                account_id,
                form.name,
                form.email,
                password_hash,
                form.shop_country,
            )
        except asyncpg.UniqueViolationError:
            raise EmailTaken(form.email) from None
        installation_id, secret, license_key = await create_installation_in_setup(
            conn,
            box,
            account_id=account_id,
            name=form.name,
            shop_country=form.shop_country,
            trial=timedelta(days=settings.trial_days),
        )
        trial_ends = await conn.fetchval(
            "SELECT trial_ends_at FROM installations WHERE id = $1", installation_id
        )
        await enqueue(
            conn,
            [
                mails.welcome(
                    installation_id=installation_id,
                    to=form.email,
                    name=form.name,
                    installation_name=form.name,
                    dashboard_url=settings.dashboard_public_url,
                    license_key=license_key,
                    trial_days=settings.trial_days,
                    trial_ends=when(trial_ends)[:10],
                )
            ],
        )
    return account_id, NewInstallation(installation_id, secret, license_key)


async def add_installation(
    conn: asyncpg.Connection,
    box: SecretBox,
    settings: DashboardSettings,
    *,
    account_id: uuid.UUID,
    account_email: str,
    form: AddInstallationForm,
) -> NewInstallation:
    async with conn.transaction():
        installation_id, secret, license_key = await create_installation_in_setup(
            conn,
            box,
            account_id=account_id,
            name=form.name,
            shop_country=form.shop_country,
            trial=timedelta(days=settings.trial_days),
        )
        await enqueue(
            conn,
            [
                mails.installation_added(
                    installation_id=installation_id,
                    to=account_email,
                    installation_name=form.name,
                    dashboard_url=settings.dashboard_public_url,
                    license_key=license_key,
                )
            ],
        )
    return NewInstallation(installation_id, secret, license_key)


async def find_login(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, password_hash FROM accounts WHERE lower(email) = lower($1)", email
    )

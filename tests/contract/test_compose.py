"""docker-compose.yml, the Dockerfile and the demo seed, checked against the code.

No Docker engine is needed: the compose file is read with PyYAML and every name in it
(modules, flags, settings fields, ports, service names in URLs, health check paths,
Informer ids of the demo installation) is looked up in the code it starts. When the
docker CLI with its compose plugin is present, `docker compose config -q` validates
the file against the Compose specification as well.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from common.crypto import SecretBox
from common.installations.models import InstallationFile

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SEED_SCRIPT = ROOT / "scripts" / "seed_demo.py"
DEMO_FILE = ROOT / "demo" / "installation.json"

# Service → the settings class its entry point reads. The entry point's source must
# name the class, so a switch to another class shows up here.
SETTINGS = {
    "ingest": "ingest.settings:IngestSettings",
    "processor": "processor.settings:ProcessorSettings",
    "scheduler": "scheduler.settings:SchedulerSettings",
    "dashboard": "dashboard.settings:DashboardSettings",
    "migrate": "common.settings:CommonSettings",
    "demo-seed": "common.cli:CliSettings",
}
HTTP_SERVICES = ("ingest", "processor", "scheduler", "dashboard")
SANDBOXES = {"kmoshops-sandbox": "sandbox.kmoshops", "informer-sandbox": "sandbox.informer"}
REQUIRED_ENV = ("DATABASE_URL", "AMQP_URL", "SECRET_KEYS", "LOG_FORMAT")
EXTRA_REQUIRED_ENV = {
    "processor": ("INFORMER_BASE_URL",),
    "dashboard": ("INFORMER_BASE_URL", "INGEST_PUBLIC_URL"),
    "demo-seed": ("INGEST_PUBLIC_URL",),
}
PUBLISHED = {
    "dashboard": {8000: 8000},
    "ingest": {8080: 8080},
    "rabbitmq": {5672: 5672, 15672: 15672},
    "mailpit": {8025: 8025},
    "kmoshops-sandbox": {8101: 8101},
    "informer-sandbox": {8102: 8102},
}
INFRA_PORTS = {"postgres": {5432}, "rabbitmq": {5672, 15672}, "mailpit": {1025, 8025}}
ONE_SHOT = ("migrate", "demo-seed")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - a sandbox in a container must be reachable
_HEALTH_URL = re.compile(r"urlopen\(\s*['\"](http://[^'\"]+)['\"]")


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def image_services() -> list[str]:
    """The services that run this repository's image (they have `build`)."""
    return sorted(name for name, spec in services().items() if "build" in spec)


def env_of(name: str) -> dict[str, str]:
    env = services()[name].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def command_of(name: str) -> list[str]:
    command = services()[name]["command"]
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def flag_value(args: list[str], flag: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def load_object(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def console_scripts() -> dict[str, str]:
    found: dict[str, str] = {}
    for pyproject in [ROOT / "pyproject.toml", *ROOT.glob("*/*/pyproject.toml")]:
        project = tomllib.loads(pyproject.read_text("utf-8")).get("project", {})
        found.update(project.get("scripts", {}))
    return found


def seed_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed_demo_under_test", SEED_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry_point_source(name: str) -> tuple[str, list[str]]:
    """(source of what the service's command runs, its arguments); fails when absent."""
    command = command_of(name)
    if command[:2] == ["python", "-m"]:
        module = command[2]
        spec = importlib.util.find_spec(module)
        assert spec is not None, f"{name}: no module {module}"
        if spec.submodule_search_locations is not None:
            main = importlib.util.find_spec(module + ".__main__")
            assert main is not None, f"{name}: package {module} has no __main__"
            assert main.origin is not None
            return Path(main.origin).read_text("utf-8"), command[3:]
        assert spec.origin is not None
        source = Path(spec.origin).read_text("utf-8")
        assert 'if __name__ == "__main__"' in source, f"{name}: {module} is not runnable"
        return source, command[3:]
    if command[0] == "python":
        script = ROOT / command[1]
        assert script.is_file(), f"{name}: no script {command[1]}"
        return script.read_text("utf-8"), command[2:]
    scripts = console_scripts()
    assert command[0] in scripts, f"{name}: {command[0]} is no module, script or console script"
    module = scripts[command[0]].partition(":")[0]
    spec = importlib.util.find_spec(module)
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin).read_text("utf-8"), command[1:]


def listening_ports(name: str) -> set[int]:
    spec = services()[name]
    if name in INFRA_PORTS:
        return INFRA_PORTS[name]
    if "HTTP_PORT" in env_of(name):
        return {int(env_of(name)["HTTP_PORT"])}
    if "command" in spec and (port := flag_value(command_of(name), "--port")):
        return {int(port)}
    return set()


def health_url(name: str) -> str | None:
    test = services()[name].get("healthcheck", {}).get("test", [])
    text = " ".join(test) if isinstance(test, list) else str(test)
    match = _HEALTH_URL.search(text)
    return match.group(1) if match else None


def published(name: str) -> dict[int, int]:
    """host port → container port."""
    mapping: dict[int, int] = {}
    for entry in services()[name].get("ports", []):
        if isinstance(entry, dict):
            if "published" in entry:
                mapping[int(entry["published"])] = int(entry["target"])
            continue
        parts = str(entry).split("/")[0].split(":")
        if len(parts) >= 2:
            mapping[int(parts[-2])] = int(parts[-1])
    return mapping


# --- services and entry points -------------------------------------------------------


def test_compose_has_the_whole_topology() -> None:
    expected = {
        "postgres",
        "rabbitmq",
        "migrate",
        *HTTP_SERVICES,
        *SANDBOXES,
        "demo-seed",
        "mailpit",
    }
    assert expected <= set(services())
    assert set(image_services()) == set(SETTINGS) | set(SANDBOXES)
    assert services()["postgres"]["image"].startswith("postgres:16")
    assert services()["rabbitmq"]["image"].startswith("rabbitmq:3-management")


@pytest.mark.parametrize("name", sorted({*SETTINGS, *SANDBOXES}))
def test_command_runs_an_existing_entry_point_with_known_flags(name: str) -> None:
    source, args = entry_point_source(name)
    declared = set(re.findall(r"add_argument\(\s*['\"](--[a-z0-9-]+)['\"]", source))
    used = {arg.split("=", 1)[0] for arg in args if arg.startswith("--")}
    assert used <= declared, f"{name}: flags its entry point does not declare"


def test_seed_command_parses_and_sandbox_commands_parse() -> None:
    args = seed_module().build_parser().parse_args(command_of("demo-seed")[2:])
    assert args.if_absent, "without --if-absent a second `up` fails the seed"
    informer = importlib.import_module("sandbox.informer.__main__")
    parsed = informer.parse_args(command_of("informer-sandbox")[3:])
    assert parsed.host == ALL_INTERFACES
    assert flag_value(command_of("kmoshops-sandbox"), "--host") == ALL_INTERFACES
    assert "--seed-demo" in command_of("kmoshops-sandbox"), "the demo seed needs shop 1234"


# --- environment ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_env_is_what_the_settings_class_reads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_type: type[BaseSettings] = load_object(SETTINGS[name])
    assert settings_type.model_config.get("env_prefix", "") == ""
    fields = {field.upper(): info for field, info in settings_type.model_fields.items()}
    env = env_of(name)
    unknown = sorted(set(env) - set(fields))
    assert not unknown, f"{name} sets env that {settings_type.__name__} does not read"
    missing = sorted(f for f, info in fields.items() if info.is_required() and f not in env)
    assert not missing, f"{name} leaves required settings unset"
    # The values must also parse, as the container would parse them.
    for field in fields:
        monkeypatch.delenv(field, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = settings_type()
    keys = settings.secret_keys
    assert isinstance(keys, SecretStr)
    SecretBox(keys)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_entry_point_reads_the_settings_class_checked_here(name: str) -> None:
    class_name = SETTINGS[name].partition(":")[2]
    source, _ = entry_point_source(name)
    assert class_name in source, f"{name} does not read {class_name}"


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_required_env_is_set(name: str) -> None:
    env = env_of(name)
    for key in (*REQUIRED_ENV, *EXTRA_REQUIRED_ENV.get(name, ())):
        assert env.get(key), f"{name} lacks {key}"


def test_services_share_one_database_broker_and_key() -> None:
    for key in ("DATABASE_URL", "AMQP_URL", "SECRET_KEYS"):
        assert len({env_of(name)[key] for name in SETTINGS}) == 1, key
    for key in ("INFORMER_BASE_URL", "INGEST_PUBLIC_URL"):
        assert len({env_of(n)[key] for n in SETTINGS if key in env_of(n)}) == 1, key


def test_credentials_match_postgres_and_rabbitmq() -> None:
    database = urlsplit(env_of("ingest")["DATABASE_URL"])
    postgres = env_of("postgres")
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path == "/" + postgres["POSTGRES_DB"]
    broker = urlsplit(env_of("ingest")["AMQP_URL"])
    rabbitmq = env_of("rabbitmq")
    assert broker.username == rabbitmq.get("RABBITMQ_DEFAULT_USER", "guest")
    assert broker.password == rabbitmq.get("RABBITMQ_DEFAULT_PASS", "guest")


@pytest.mark.parametrize("name", sorted(SANDBOXES))
def test_sandboxes_get_only_env_they_read(name: str) -> None:
    source, _ = entry_point_source(name)
    prefix = re.search(r'^ENV = "([A-Z_]+)"', source, re.MULTILINE)
    read = {
        (prefix.group(1) if prefix else "") + n for n in re.findall(r'_env\("([A-Z_]+)"', source)
    }
    read |= set(re.findall(r'environ(?:\.get\(|\[)\s*"([A-Z_]+)"', source))
    assert set(env_of(name)) <= read


@pytest.mark.parametrize("name", image_services())
def test_urls_name_services_on_ports_they_listen_on(name: str) -> None:
    values = [*env_of(name).values(), *command_of(name)]
    for value in values:
        if "://" not in value:
            continue
        url = urlsplit(value)
        assert url.hostname not in ("127.0.0.1", "localhost"), f"{name}: {value} is itself"
        if url.hostname in services():
            port = url.port or {"postgresql": 5432, "amqp": 5672, "http": 80}[url.scheme]
            assert port in listening_ports(url.hostname), f"{name}: {value}"


# --- dependencies and health ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(services()))
def test_depends_on_targets_exist_with_what_the_condition_needs(name: str) -> None:
    depends = services()[name].get("depends_on") or {}
    if isinstance(depends, list):
        depends = {target: {"condition": "service_started"} for target in depends}
    for target, how in depends.items():
        assert target in services(), f"{name} depends on unknown {target}"
        condition = how.get("condition", "service_started")
        if condition == "service_healthy":
            assert "healthcheck" in services()[target], f"{target} has no healthcheck"
        elif condition == "service_completed_successfully":
            assert target in ONE_SHOT, f"{target} is not a one-shot service"


@pytest.mark.parametrize("name", sorted(set(SETTINGS) - {"migrate"}))
def test_services_wait_for_schema_and_broker(name: str) -> None:
    depends = services()[name]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["rabbitmq"]["condition"] == "service_healthy"


def test_migrate_waits_for_postgres_and_seed_for_the_sandbox() -> None:
    assert services()["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    seed = services()["demo-seed"]["depends_on"]
    assert seed["kmoshops-sandbox"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", sorted(services()))
def test_long_running_services_have_healthchecks_one_shots_do_not_restart(name: str) -> None:
    spec = services()[name]
    if name in ONE_SHOT:
        assert str(spec.get("restart", "no")) in ("no", "False", "false")
        return
    check = spec.get("healthcheck")
    assert check, f"{name} has no healthcheck"
    assert not check.get("disable", False)
    assert check["test"][0] in ("CMD", "CMD-SHELL")


@pytest.mark.parametrize("name", sorted([*HTTP_SERVICES, *SANDBOXES]))
def test_health_check_port_matches_listening_and_published_ports(name: str) -> None:
    url = health_url(name)
    assert url, f"{name}: the health check is not an HTTP urlopen"
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    assert {parts.port} == listening_ports(name)
    if name in HTTP_SERVICES:
        assert parts.path == "/healthz"
        ast.parse(services()[name]["healthcheck"]["test"][-1])  # python -c must parse
    for host, container in published(name).items():
        assert container == parts.port, f"{name} publishes {host}:{container}"


@pytest.mark.parametrize("name", sorted(SANDBOXES))
def test_sandbox_health_path_is_routed(name: str) -> None:
    url = health_url(name)
    assert url
    app = importlib.import_module(SANDBOXES[name] + ".app").create_app()
    paths = {resource.canonical for resource in app.router.resources()}
    assert urlsplit(url).path in paths


def test_published_ports() -> None:
    actual = {name: published(name) for name in services() if published(name)}
    assert actual == PUBLISHED


def test_processor_is_scalable() -> None:
    processor = services()["processor"]
    assert "container_name" not in processor
    assert "hostname" not in processor
    assert published("processor") == {}
    for entry in processor.get("ports", []):
        assert ":" not in str(entry), "a fixed host port stops a second replica"


# --- Dockerfile ----------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text("utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def copied_sources() -> list[tuple[str, str]]:
    """(source, destination) of every COPY from the build context."""
    copies = []
    for keyword, rest in dockerfile_instructions():
        if keyword not in ("COPY", "ADD"):
            continue
        words = [w for w in rest.split() if not w.startswith("--")]
        if any(w.startswith("--from") for w in rest.split()):
            continue
        *sources, destination = words
        copies += [(source, destination) for source in sources]
    return copies


def test_dockerfile_copies_paths_that_exist_and_are_not_ignored() -> None:
    ignored = dockerignore_patterns()
    assert copied_sources()
    for source, _ in copied_sources():
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
        parts = Path(source).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for pattern in ignored:
            for prefix in prefixes:
                name = prefix.rsplit("/", 1)[-1] if pattern.startswith("**/") else prefix
                assert not fnmatch.fnmatch(name, pattern.removeprefix("**/")), (
                    f"{source} is excluded by .dockerignore ({pattern})"
                )


def test_image_installs_every_package_of_the_workspace() -> None:
    requirements = (ROOT / "requirements-dev.txt").read_text("utf-8").splitlines()
    packages = [line.split()[1] for line in requirements if line.startswith("-e ")]
    assert packages
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    copied = {source.rstrip("/") for source, _ in copied_sources()}
    for package in packages:
        assert f"./{package}" in runs.split(), f"the image does not install {package}"
        assert package in copied, f"the image does not copy {package}"


def test_image_has_the_seed_script_and_demo_file_where_compose_runs_them() -> None:
    instructions = dockerfile_instructions()
    workdir = [rest for keyword, rest in instructions if keyword == "WORKDIR"][-1]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1] not in ("root", "0")
    destinations = {dest.rstrip("/") for _, dest in copied_sources()}
    script = command_of("demo-seed")[1]
    assert script in destinations or f"{workdir}/{script}" in destinations
    assert "demo" in destinations or f"{workdir}/demo" in destinations


# --- the demo installation -----------------------------------------------------------


def demo_administration() -> dict[str, Any]:
    from sandbox.informer.seed_data import default_seed

    spec = InstallationFile.model_validate_json(DEMO_FILE.read_text("utf-8"))
    for administration in default_seed()["administrations"]:
        if administration["api_key"] == spec.informer.api_key.get_secret_value():
            return administration
    raise AssertionError("the demo file's Informer key is in no sandbox administration")


def test_demo_file_is_for_local_dev_and_the_sandbox_demo_shop() -> None:
    from sandbox.kmoshops.demo import DEMO_SHOP_ID, DEMO_TOKEN

    spec = InstallationFile.model_validate_json(DEMO_FILE.read_text("utf-8"))
    assert spec.kmoshops.api_token.get_secret_value() == DEMO_TOKEN
    base = urlsplit(str(spec.kmoshops.base_url))
    assert base.hostname == "127.0.0.1"
    assert base.port == int(flag_value(command_of("kmoshops-sandbox"), "--port") or 0)
    administration = demo_administration()
    security_code = spec.informer.security_code.get_secret_value()
    assert security_code == administration["security_code"]
    assert seed_module().DEMO_SHOP_ID == DEMO_SHOP_ID
    compose_base = flag_value(command_of("demo-seed"), "--kmo-base-url")
    assert compose_base
    assert urlsplit(compose_base).path == base.path


def test_demo_file_uses_ids_of_the_informer_sandbox() -> None:
    spec = InstallationFile.model_validate_json(DEMO_FILE.read_text("utf-8"))
    config = spec.config
    administration = demo_administration()
    templates = {t["id"]: t for t in administration["templates"]}
    assert templates[config.template_id]["type"] == "sales_invoice"
    assert config.payment_condition_id in {p["id"] for p in administration["payment_conditions"]}
    currencies = {c["id"]: c["currency"] for c in administration["currencies"]}
    for code, currency_id in config.currencies.items():
        assert currencies[currency_id] == code
    vats = {v["id"]: v for v in administration["vat_rates"]}
    assert {"BE", "NL", "DE"} <= set(config.vat_table)
    for country, rates in config.vat_table.items():
        for rate, row in rates.items():
            vat = vats[row.vat_id]
            assert Decimal(vat["percentage"]) == rate, (country, rate)
            assert row.ledger_id in vat["ledgers"], (country, rate)
            assert set(vat["vat_options"]) & {"incl", "excl"}
    assert "icv_within_eu" in vats[config.icp.vat_id]["vat_options"]
    assert config.icp.ledger_id in vats[config.icp.vat_id]["ledgers"]
    assert "icv_outside_eu" in vats[config.international.vat_id]["vat_options"]
    assert config.international.ledger_id in vats[config.international.vat_id]["ledgers"]


def test_demo_file_is_the_json_the_cli_reads() -> None:
    raw = json.loads(DEMO_FILE.read_text("utf-8"))
    assert set(raw) == set(InstallationFile.model_fields)


# --- docker compose itself -----------------------------------------------------------


def test_docker_compose_config_is_valid() -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI")
    version = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    if version.returncode != 0:
        pytest.skip("the docker CLI has no compose plugin")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr

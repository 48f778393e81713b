"""docker-compose.yml, nginx and gunicorn as files: no Docker engine runs here, so their structure is
checked (start order, restarts, volumes, healthchecks, the proxy's limits) and every variable they read
is documented in `.env.example`."""

import re

import pytest
import yaml

from tests.deploy.conftest import ROOT

PORTAL_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_migrations_run_once_before_web_worker_and_beat(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert "migrate" in migrate["command"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in PORTAL_SERVICES:
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert service["depends_on"]["createbucket"]["condition"] == "service_completed_successfully", name
        assert "migrate" not in str(service.get("command", "")), f"{name} must not migrate at start"


def test_long_running_services_restart_and_keep_their_data(compose):
    services = compose["services"]
    for name in (*PORTAL_SERVICES, "proxy", "postgres", "redis", "minio"):
        assert services[name]["restart"] in ("unless-stopped", "always"), name
    for name, mount in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data"), ("minio", "/data")):
        volume, target = services[name]["volumes"][0].split(":")
        assert target == mount and volume in compose["volumes"], name
    assert "--appendonly yes" in services["redis"]["command"]


def test_healthchecks_use_healthz_and_readyz_and_the_proxy_waits_for_a_ready_web(compose):
    services = compose["services"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["proxy"]["healthcheck"]["test"])
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["proxy"]["build"]["target"] == "proxy"
    # Only the proxy is published for the portal; gunicorn stays on the private network.
    assert "ports" not in services["web"] and services["proxy"]["ports"]
    assert services["web"]["command"].startswith("gunicorn seavl_portal.wsgi:application")


def test_the_stack_serves_plain_http_on_localhost_with_debug_off(compose):
    env = compose["x-portal-env"]
    assert env["DEBUG"] == "0"
    assert env["SITE_URL"].startswith("${SITE_URL:-http://localhost:8000}")


def test_nginx_buffers_uploads_of_the_portals_sizes_keeps_connections_and_compresses():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    sizes = dict(re.findall(r"location ([^{]+?)\s*\{[^}]*?client_max_body_size (\d+)m", conf))
    default = int(re.search(r"^    client_max_body_size (\d+)m;", conf, re.M).group(1))
    assert 25 <= default <= 32  # a photo is at most 25 MB (contributions/checks.py), plus its fields
    assert {"= /images/bulk/", "= /api/v1/images/bulk"} <= set(sizes)
    assert all(int(size) >= 2048 for size in sizes.values())  # the bulk ZIP: BULK_MAX_ARCHIVE_BYTES, 2 GB
    for directive in (
        "keepalive 32;",
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_request_buffering on;",
        "gzip on;",
        "gzip_static on;",
        "proxy_set_header X-Request-ID",
        "proxy_set_header X-Forwarded-Proto",
        "location /static/",
    ):
        assert directive in conf, directive
    # nginx waits a little longer than gunicorn, so gunicorn's own timeout answers first.
    assert int(re.search(r"proxy_read_timeout (\d+)s", conf).group(1)) > 60


def test_gunicorn_timeouts_leave_room_for_bounded_storage_calls():
    namespace: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    from django.conf import settings

    config = settings.STORAGES["default"].get("OPTIONS", {}).get("client_config")
    assert namespace["timeout"] == 60 and namespace["keepalive"] > 65  # longer than nginx's keep-alive
    assert namespace["workers"] >= 2
    if config is not None:  # the suite runs on local disk; the bound is asserted in test_settings.py
        worst = config.retries["max_attempts"] * (config.connect_timeout + config.read_timeout)
        assert worst < namespace["timeout"] / 2


def test_every_variable_of_compose_and_gunicorn_is_documented_in_env_example():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    compose_text = (ROOT / "docker-compose.yml").read_text()
    read = set(re.findall(r"\$\{([A-Z0-9_]+)", compose_text))
    read |= set(re.findall(r"^  ([A-Z][A-Z0-9_]+):", compose_text, re.M))  # x-portal-env's keys
    gunicorn_text = (ROOT / "gunicorn.conf.py").read_text()
    read |= set(re.findall(r"""(?:_int\(|environ\.get\()\s*["']([A-Z0-9_]+)""", gunicorn_text))
    assert {"WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "SITE_URL", "SENTRY_DSN"} <= read
    assert not read - documented, f"document these in .env.example: {sorted(read - documented)}"

"""The compose stack and the image, checked where Docker cannot run (README, "Deployment with
docker-compose"): the Compose file against the Compose specification's schema and the
deployment's rules; the image's steps (the build context .dockerignore leaves,
collectstatic, gunicorn with production settings) repeated outside Docker and answering
as Caddy forwards to them; secrets kept out of git and the image; seed_demo refusing
production settings."""

import fnmatch
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scopes_disabled

from tenancy.models import Company, User

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
APP_IMAGE = "billwright:${BILLWRIGHT_TAG:-local}"
APP_SERVICES = {"migrate", "web", "worker", "worker-pdf", "beat"}
DOMAIN = "billing.example.com"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


# --- (a) the Compose file ---------------------------------------------------------------


def test_the_compose_file_validates_against_the_compose_specification(compose):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(compose)]
    assert not errors, errors
    # The schema is live: a file it should refuse is refused.
    broken = {**compose, "services": {"web": {**compose["services"]["web"], "restart": 5}}}
    assert not validator.is_valid(broken)


def test_the_image_is_built_once_and_reused_by_its_tag(services):
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]
    for name in APP_SERVICES:
        assert services[name]["image"] == APP_IMAGE, name


def test_every_long_running_service_restarts_and_has_a_health_check(services):
    for name, service in services.items():
        if name == "migrate":  # one-shot: its exit code is what the others wait for
            assert service["restart"] == "no"
            assert "healthcheck" not in service
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name


def test_the_app_services_wait_for_migrate(services):
    for name in APP_SERVICES - {"migrate"}:
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
    assert services["caddy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_beats_health_check_reads_the_heartbeat_its_scheduler_touches(services, settings):
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "-m", "config.beat"]
    assert settings.CELERY_BEAT_SCHEDULER == "config.beat.HeartbeatScheduler"
    assert settings.CELERY_BEAT_MAX_LOOP_INTERVAL < 180  # config.beat.HEARTBEAT_LIMIT


def test_every_image_is_pinned(services):
    pinned = re.compile(r"^[\w./-]+:v?\d+\.\d+[\w.-]*$")
    for name, service in services.items():
        if name not in APP_SERVICES:
            assert pinned.match(service["image"]), f"{name}: {service['image']}"
    assert services["caddy"]["image"].startswith("caddy:2.")
    assert services["mail"]["image"].startswith("axllent/mailpit:v")


def test_settings_reach_the_app_from_env_file_and_no_secret_is_written_in(services):
    text = (ROOT / "docker-compose.yml").read_text()
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env", name
    environment = services["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://billwright:${POSTGRES_PASSWORD:?"), (
        "the app's database password is the db service's"
    )
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    # No password in a URL and no secret-named variable with a value of its own.
    for match in re.finditer(r"://[^/\s:@]+:([^@\s]+)@", text):
        assert match.group(1).startswith("${"), match.group(0)
    for service in services.values():
        for key, value in (service.get("environment") or {}).items():
            if re.search("PASSWORD|SECRET", key):
                assert str(value).startswith("${"), key


def test_caddy_alone_is_published_and_forwards_the_scheme(services):
    assert "ports" not in services["web"]
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    published = [name for name, service in services.items() if "ports" in service]
    assert sorted(published) == ["caddy", "mail"]
    assert services["mail"]["ports"] == ["127.0.0.1:8025:8025"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]
    lines = (ROOT / "deploy" / "Caddyfile").read_text().splitlines()
    caddyfile = "\n".join(line for line in lines if not line.strip().startswith("#"))
    assert "{$SITE_DOMAIN} {" in caddyfile
    assert "reverse_proxy web:8000" in caddyfile
    # Caddy sets X-Forwarded-Proto itself and replaces a client's unless the client is a
    # trusted proxy: none is.
    assert "trusted_proxies" not in caddyfile


def test_the_image_makes_its_media_folder_for_the_app_user_before_switching_to_it(services):
    assert "media:/app/var/media" in services["web"]["volumes"]
    steps = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    user = next(i for i, step in enumerate(steps) if step.startswith("USER "))
    assert steps[user] == "USER billwright"
    made = next(i for i, step in enumerate(steps) if "mkdir -p /app/var/media" in step)
    assert "chown -R billwright:billwright /app/var" in steps[made]
    assert made < user


def _settings_variables():
    """The environment variables the production settings (and base, which it builds on) read."""
    text = "".join(
        (ROOT / "config" / "settings" / name).read_text() for name in ("base.py", "production.py")
    )
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", text))


def _example_variables():
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", text, re.MULTILINE))


def test_env_example_documents_every_variable_the_settings_read():
    read = _settings_variables()
    assert {
        "CSRF_TRUSTED_ORIGINS",
        "DEFAULT_FROM_EMAIL",
        "LOG_LEVEL",
        "FILE_STORAGE_BACKEND",
    } <= read
    # DEBUG: production settings fix it off, whatever the environment says.
    missing = read - {"DEBUG"} - _example_variables()
    assert not missing, missing


def test_env_example_names_only_variables_something_reads():
    stack = (ROOT / "docker-compose.yml").read_text() + (ROOT / "deploy" / "Caddyfile").read_text()
    interpolated = set(re.findall(r"\$\{?([A-Z][A-Z_]+)", stack))
    unread = _example_variables() - _settings_variables() - interpolated
    assert not unread, unread


# --- (d) secrets out of git and out of the image ------------------------------------------


def _ignore_patterns():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def docker_ignored(path, patterns):
    """Whether Docker leaves `path` (relative, with /) out of the build context: the last
    pattern that matches it or a folder above it decides; `**/` matches at any depth."""
    parts = path.split("/")
    ignored = False
    for pattern in patterns:
        exclude = not pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if fnmatch.fnmatchcase(prefix, pattern) or (
                pattern.startswith("**/")
                and any(
                    fnmatch.fnmatchcase("/".join(parts[start:depth]), pattern[3:])
                    for start in range(depth)
                )
            ):
                ignored = exclude
                break
    return ignored


def test_env_is_kept_out_of_git_and_out_of_the_image():
    assert ".env" in _ignore_patterns()
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "-v", ".env", ".env.production", ".env.example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    ignored = {line.split("\t")[-1] for line in checked.stdout.splitlines()}
    assert {".env", ".env.production"} <= ignored
    excluded = [line for line in checked.stdout.splitlines() if line.endswith("\t.env.example")]
    assert all(":!" in line for line in excluded), "the example is committed"


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        ".git/HEAD",
        ".venv/bin/python",
        "tests/conftest.py",
        "benchmarks/http_bench.py",
        ".ci/run",
        "docs/_build/index.html",
        "var/db.sqlite3",
        "staticfiles/staticfiles.json",
        "test-output/page.png",
        "demo.sqlite3",
        "invoices/__pycache__/models.cpython-312.pyc",
        ".hypothesis/examples/x",
        ".pytest_cache/v/x",
        ".ruff_cache/x",
    ],
)
def test_the_build_context_leaves_out(path):
    assert docker_ignored(path, _ignore_patterns())


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "pyproject.toml",
        "config/settings/production.py",
        "invoices/jinja2/invoices/g703.jinja",
        "templates/base.html",
        "static/css/app.css",
        "demo/management/commands/seed_demo.py",
    ],
)
def test_the_build_context_keeps_what_the_image_runs(path):
    assert not docker_ignored(path, _ignore_patterns())


# --- (b) the image's steps, outside Docker ------------------------------------------------


def _dockerfile_steps():
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """/app as the image has it: the build context (COPY . . under .dockerignore), then its
    collectstatic step run with the environment the Dockerfile gives it."""
    app = tmp_path_factory.mktemp("image") / "app"
    patterns = _ignore_patterns()

    def leave_out(folder, names):
        where = Path(folder).relative_to(ROOT)
        return [name for name in names if docker_ignored((where / name).as_posix(), patterns)]

    shutil.copytree(ROOT, app, ignore=leave_out, symlinks=True)
    step = next(s for s in _dockerfile_steps() if s.startswith("RUN ") and "collectstatic" in s)
    words = shlex.split(step.removeprefix("RUN "))
    build_env = {}
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        build_env[name] = value
    build_env["DATABASE_URL"] = f"sqlite:///{app.parent / 'build.sqlite3'}"  # never opened
    assert words[:2] == ["python", "manage.py"]
    result = subprocess.run(
        [sys.executable, *words[1:]],
        cwd=app,
        env=_image_env(**build_env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return app


def _image_env(**values):
    """The Dockerfile's ENV, then `values`, over this machine's PATH alone."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    for step in _dockerfile_steps():
        if step.startswith("ENV "):
            env |= dict(word.split("=", 1) for word in shlex.split(step.removeprefix("ENV ")))
    return env | values


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url():
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    return (
        f"postgres://{database['USER']}{password}@{host}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )


@pytest.fixture
def gunicorn(image, tmp_path):
    """The image's CMD, bound to a free port on loopback, with production settings against
    the test database: what caddy forwards to."""
    port = _free_port()
    step = next(s for s in _dockerfile_steps() if s.startswith("CMD "))
    command = json.loads(step.removeprefix("CMD "))
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    command[0] = str(Path(sys.executable).parent / command[0])
    env = _image_env(
        SECRET_KEY="a-production-like-secret-key-that-is-long-and-random-1234567890abcdef",
        ALLOWED_HOSTS=f"{DOMAIN},localhost",
        DATABASE_URL=_database_url(),
        MEDIA_ROOT=str(tmp_path / "media"),
        EMAIL_URL="memory://",
    )
    server = subprocess.Popen(
        command, cwd=image, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not listen")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(port, path, **headers):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request("GET", path, headers={"Host": DOMAIN, **headers})
        response = client.getresponse()
        return response, response.read()
    finally:
        client.close()


# What caddy adds to a request it forwards over https.
CADDY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.mark.django_db
def test_the_image_serves_production_behind_the_proxy(gunicorn, image):
    # Through caddy: https, so no redirect; HSTS sent.
    response, body = _get(gunicorn, "/health/", **CADDY)
    assert response.status == 200, body
    assert json.loads(body) == {"database": "ok"}
    assert "includeSubDomains" in response.getheader("Strict-Transport-Security")
    # Sign-in's CSRF and session cookies are Secure-only, which the https hop allows.
    response, body = _get(gunicorn, "/accounts/login/", **CADDY)
    assert response.status == 200, body
    cookie = response.getheader("Set-Cookie")
    assert "csrftoken=" in cookie and "Secure" in cookie
    # The static files collected at build time, served by whitenoise from their hashed names.
    manifest = json.loads((image / "staticfiles" / "staticfiles.json").read_text())
    hashed = next(path for path in manifest["paths"].values() if path.endswith(".css"))
    response, _body = _get(gunicorn, f"/static/{hashed}", **CADDY)
    assert response.status == 200
    assert "immutable" in response.getheader("Cache-Control")


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_and_unknown_hosts_refused(gunicorn):
    response, _body = _get(gunicorn, "/health/")
    assert response.status == 301
    assert response.getheader("Location") == f"https://{DOMAIN}/health/"
    response, _body = _get(gunicorn, "/health/", Host="attacker.example", **CADDY)
    assert response.status == 400


def _handlers(route, name):
    for handler in route.get("handle", []):
        if handler["handler"] == name:
            yield handler
        for inner in handler.get("routes", []):
            yield from _handlers(inner, name)


@pytest.fixture
def caddy(gunicorn, tmp_path):
    """deploy/Caddyfile for SITE_DOMAIN=localhost (Caddy's local CA), run by a real Caddy
    in front of the image's gunicorn. Only where it runs differs from the stack: the port
    it listens on, gunicorn's address for the web service's, no admin endpoint and no
    redirect server on port 80, and its CA kept out of this machine's trust store."""
    binary = shutil.which("caddy")
    if binary is None:
        pytest.skip("caddy is not installed (.ci/run installs Debian's)")
    home = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    adapted = subprocess.run(
        [binary, "adapt", "--config", str(ROOT / "deploy" / "Caddyfile")],
        env=home | {"SITE_DOMAIN": "localhost", "XDG_CONFIG_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert adapted.returncode == 0, adapted.stderr
    assert '"level":"warn"' not in adapted.stderr, adapted.stderr
    config = json.loads(adapted.stdout)
    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": ["localhost"]}]
    (proxy,) = _handlers(route, "reverse_proxy")
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    assert "trusted_proxies" not in proxy
    port = _free_port()
    server["listen"] = [f"127.0.0.1:{port}"]
    server["automatic_https"] = {"disable_redirects": True}
    proxy["upstreams"] = [{"dial": f"127.0.0.1:{gunicorn}"}]
    config["admin"] = {"disabled": True}
    config["apps"]["pki"] = {"certificate_authorities": {"local": {"install_trust": False}}}
    (tmp_path / "caddy.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [binary, "run", "--config", str(tmp_path / "caddy.json")],
        env=home | {"XDG_CONFIG_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # until the local CA has issued localhost's certificate
            assert process.poll() is None, process.stdout.read()
            try:
                _get_https(port, "/health/")
                break
            except (OSError, ssl.SSLError):
                assert time.monotonic() < deadline, "caddy did not answer over https"
                time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get_https(port, path, **headers):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # Caddy's local CA, trusted nowhere here
    client = http.client.HTTPSConnection("localhost", port, timeout=30, context=context)
    try:
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        return response, response.read()
    finally:
        client.close()


@pytest.mark.django_db
def test_through_caddy_https_reaches_gunicorn_as_https(caddy):
    response, body = _get_https(caddy, "/health/")
    assert response.status == 200, body
    assert json.loads(body) == {"database": "ok"}
    assert response.getheader("Strict-Transport-Security")
    response, body = _get_https(caddy, "/accounts/login/")
    assert response.status == 200, body
    assert "Secure" in response.getheader("Set-Cookie")


# --- (c) no demo accounts in production ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_seed_demo_refuses_production_settings_and_creates_nothing():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=_image_env(
            SECRET_KEY="a-production-like-secret-key-that-is-long-and-random-1234567890abcdef",
            ALLOWED_HOSTS=DOMAIN,
            DATABASE_URL=_database_url(),
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "refuses to run under production settings" in result.stderr
    assert "--force" in result.stderr
    with scopes_disabled():
        assert not Company.objects.exists()
        assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_asks_for_force_wherever_demo_data_is_not_allowed(settings):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    with scopes_disabled():
        assert not Company.objects.exists()

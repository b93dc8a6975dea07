"""``csguide models install --online`` against a package index served on loopback: tiny real
packages, links that fail in each way a mirror can fail, and the CLI with its progress output.

Nothing here leaves 127.0.0.1: a guard refuses any other connection and proxies are unset."""

import http.server
import io
import json
import re
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from pipeline import cli, model_index
from pipeline.argos import ModelPackageError, installed_packages
from pipeline.model_index import USER_AGENT, choose_packages, install_online
from pipeline.settings import get_settings
from tests.tiny_model import build_tiny_argosmodel

#: Entries exactly as in Argos' real index (index.json), ipfs:// and misspelt ifps:// included.
REAL_ENTRIES = [
    json.loads(line)
    for line in (
        '{"package_version": "1.9", "argos_version": "1.9.0", "from_code": "en", "from_name": "English", "to_code": "lv", "to_name": "Latvian", "links": ["https://argos-net.com/v1/translate-en_lv-1_9.argosmodel"], "code": "translate-en_lv"}',
        '{"package_version": "1.0", "argos_version": "1.0", "from_code": "it", "from_name": "Italian", "to_code": "en", "to_name": "English", "links": ["https://argos-net.com/v1/translate-it_en-1_0.argosmodel", "ipfs://QmbFjMY6j6u4g4gfqFpATSRrwD3VB3ci2ujnGgHijQGEHG"], "code": "translate-it_en"}',
        '{"package_version": "1.3", "argos_version": "1.5", "from_code": "en", "from_name": "English", "to_code": "da", "to_name": "Danish", "links": ["https://argos-net.com/v1/translate-en_da-1_3.argosmodel", "ifps://QmRmYhBKr4FMgZ2fSYrf8ZRpjdyLRdattzm6tbj5z2wN8X"], "code": "translate-en_da"}',
        '{"package_version": "1.9", "argos_version": "1.9.0", "from_code": "zt", "from_name": "Chinese (traditional)", "to_code": "en", "to_name": "English", "links": ["https://argos-net.com/v1/translate-zt_en-1_9.argosmodel"], "code": "translate-zt_en"}',
    )
]
#: What a served index carries besides the lv packages: real entries for other pairs (never
#: downloaded; en→lv 1.9 is left out, it would be the newest en→lv).
DECOYS = REAL_ENTRIES[1:]

NAMES = {"en": "English", "lv": "Latvian", "it": "Italian", "ru": "Russian", "zh": "Chinese"}
IPFS = "ipfs://QmbFjMY6j6u4g4gfqFpATSRrwD3VB3ci2ujnGgHijQGEHG"
IFPS = "ifps://QmRmYhBKr4FMgZ2fSYrf8ZRpjdyLRdattzm6tbj5z2wN8X"
STOPS = 2.0  # </s> bias: the tiny model stops early, like a trained one


def entry(from_code: str, to_code: str, links: list[str], version: str = "0.1") -> dict:
    """An index entry in the real index's shape."""
    return {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": NAMES[from_code],
        "to_code": to_code,
        "to_name": NAMES[to_code],
        "links": links,
        "code": f"translate-{from_code}_{to_code}",
    }


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("served-models")
    return {
        "lv-en": build_tiny_argosmodel(root / "a", "lv", "en", seed=2, eos_bias=STOPS).read_bytes(),
        "en-lv": build_tiny_argosmodel(root / "b", "en", "lv", seed=1, eos_bias=STOPS).read_bytes(),
    }


# --- a package server on loopback ------------------------------------------------------------


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "application/octet-stream"
    content_length: int | None = None  # announced; default len(body)
    stall_after: int | None = None  # send this many bytes, then hang until the test ends


@dataclass
class PackageServer:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, User-Agent)
    release: threading.Event = field(default_factory=threading.Event)

    def serve(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.base + path

    def serve_index(self, entries: list[dict]) -> str:
        return self.serve("/index.json", Route(json.dumps(entries).encode(), 200, "text/plain"))

    def serve_lv(
        self, archives: dict[str, bytes], *, lv_en: Sequence[str] = (), en_lv: Sequence[str] = ()
    ) -> str:
        """An index with both lv packages: ``lv_en``/``en_lv`` links first, then a good one."""
        good = {
            key: self.serve(f"/v1/translate-{key.replace('-', '_')}-0_1.argosmodel", Route(data))
            for key, data in archives.items()
        }
        return self.serve_index(
            [
                *DECOYS,
                entry("lv", "en", [*lv_en, good["lv-en"]]),
                entry("en", "lv", [*en_lv, good["en-lv"]]),
            ]
        )

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def _handler(state: PackageServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("User-Agent")))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            length = len(route.body) if route.content_length is None else route.content_length
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if route.stall_after is not None:
                self.wfile.write(route.body[: route.stall_after])
                self.wfile.flush()
                state.release.wait(10)
                return
            self.wfile.write(route.body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Any connection not to 127.0.0.1 fails the test; no proxy is used."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        if address[0] != "127.0.0.1":
            raise AssertionError(f"a test tried to reach {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def server() -> Iterator[PackageServer]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    state = PackageServer(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(state)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def install_spy(monkeypatch) -> list[Path]:
    """The archives handed to install_packages, each checked to be a sound zip at that moment."""
    handed: list[Path] = []
    real = model_index.install_packages

    def spy(archives: list[Path], models_dir: Path):
        for archive in archives:
            assert zipfile.is_zipfile(archive)
            with zipfile.ZipFile(archive) as bundle:
                assert bundle.testzip() is None
        handed.extend(archives)
        return real(archives, models_dir)

    monkeypatch.setattr(model_index, "install_packages", spy)
    return handed


def _labels(packages) -> list[str]:
    return sorted(package.label for package in packages)


LV_LABELS = ["argos:en-lv@0.1", "argos:lv-en@0.1"]


# --- the happy path --------------------------------------------------------------------------


def test_installs_the_newest_packages_to_and_from_english(tmp_path, server, archives):
    old = server.serve("/v1/old.argosmodel", Route(b"never fetched", 500))
    good_lv_en = server.serve("/v1/translate-lv_en-0_1.argosmodel", Route(archives["lv-en"]))
    good_en_lv = server.serve("/v1/translate-en_lv-0_1.argosmodel", Route(archives["en-lv"]))
    index_url = server.serve_index(
        [
            *DECOYS,
            entry("en", "lv", [old], version="0.0.9"),  # older: not chosen
            entry("en", "lv", [IPFS, good_en_lv]),  # ipfs:// skipped, not tried
            entry("lv", "en", [good_lv_en, IFPS]),
        ]
    )
    progress: list[tuple[str, int, int | None]] = []
    warnings: list[str] = []
    installed = install_online(
        index_url,
        ["lv", "en"],  # English needs nothing
        tmp_path / "models",
        on_progress=lambda url, done, total: progress.append((url, done, total)),
        on_warning=warnings.append,
    )
    assert _labels(installed) == LV_LABELS
    assert _labels(installed_packages(tmp_path / "models")) == LV_LABELS
    assert warnings == []
    assert server.paths == [
        "/index.json",
        "/v1/translate-lv_en-0_1.argosmodel",
        "/v1/translate-en_lv-0_1.argosmodel",
    ]
    # Every request says who asks.
    assert {agent for _, agent in server.requests} == {USER_AGENT}
    assert re.fullmatch(r"csguide/\S+ \(\+offline model install\)", USER_AGENT)
    # Progress from 0 to the Content-Length, never backwards, for each file.
    for url, key in ((good_lv_en, "lv-en"), (good_en_lv, "en-lv")):
        calls = [(done, total) for seen, done, total in progress if seen == url]
        size = len(archives[key])
        assert calls[0] == (0, size) and calls[-1] == (size, size)
        assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_english_alone_needs_nothing_and_asks_nothing(tmp_path, server):
    assert install_online(server.base + "/index.json", ["en"], tmp_path / "models") == []
    assert server.requests == []


# --- links that fail -------------------------------------------------------------------------


def _crc_damaged(archive: bytes) -> bytes:
    """The archive with one byte of its model weights flipped: still a zip, bad inside."""
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        info = next(i for i in bundle.infolist() if i.filename.endswith("model.bin"))
    data = bytearray(archive)
    header = info.header_offset
    name_len = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
    data[header + 30 + name_len + extra_len + info.compress_size // 2] ^= 0xFF
    return bytes(data)


HTML = b"<!doctype html><html><body><h1>Mirror maintenance</h1></body></html>"

#: (id, how to make the failing first link of lv→en, what the warning must say)
BAD_LINKS: list[tuple[str, Callable[[PackageServer, dict, int], str], str]] = [
    (
        "http-500",
        lambda s, a, p: s.serve("/bad/lv_en.argosmodel", Route(b"oops", 500)),
        "HTTP 500",
    ),
    (
        "html-page",
        lambda s, a, p: s.serve(
            "/bad/lv_en.argosmodel", Route(HTML, content_type="text/html; charset=utf-8")
        ),
        f"not a zip file (text/html; charset=utf-8, {len(HTML)} bytes)",
    ),
    (
        "truncated",
        lambda s, a, p: s.serve(
            "/bad/lv_en.argosmodel",
            Route(a["lv-en"][:4096], content_length=len(a["lv-en"])),
        ),
        "truncated: received 4096 of",
    ),
    (
        "crc-damaged",
        lambda s, a, p: s.serve("/bad/lv_en.argosmodel", Route(_crc_damaged(a["lv-en"]))),
        "damaged zip",
    ),
    (
        "wrong-package",
        lambda s, a, p: s.serve("/bad/lv_en.argosmodel", Route(a["en-lv"])),
        "the archive holds a en→lv package, not lv→en",
    ),
    (
        "connection-refused",
        lambda s, a, p: f"http://127.0.0.1:{p}/lv_en.argosmodel",
        "cannot connect",
    ),
    (
        "stalls",
        lambda s, a, p: s.serve("/bad/lv_en.argosmodel", Route(a["lv-en"], stall_after=1024)),
        "timed out",
    ),
]


@pytest.mark.parametrize(
    ("make_bad", "reason"), [b[1:] for b in BAD_LINKS], ids=[b[0] for b in BAD_LINKS]
)
def test_a_failing_link_is_warned_about_and_the_next_one_used(
    tmp_path, server, archives, closed_port, install_spy, monkeypatch, make_bad, reason
):
    monkeypatch.setattr(model_index, "DOWNLOAD_TIMEOUT", 2.0)
    bad = make_bad(server, archives, closed_port)
    index_url = server.serve_lv(archives, lv_en=[bad])
    warnings: list[str] = []
    installed = install_online(index_url, ["lv"], tmp_path / "models", on_warning=warnings.append)
    assert _labels(installed) == LV_LABELS
    assert len(warnings) == 1
    assert warnings[0].startswith(f"lv→en 0.1: {bad} failed: ")
    assert reason in warnings[0] and warnings[0].endswith("trying the next link")
    assert len(install_spy) == 2  # the bad download never reached install_packages


def test_when_every_link_fails_each_is_listed_and_nothing_is_installed(
    tmp_path, server, archives, install_spy
):
    broken = server.serve("/a/translate-en_lv-0_1.argosmodel", Route(b"oops", 500))
    html = server.serve("/b/translate-en_lv-0_1.argosmodel", Route(HTML, content_type="text/html"))
    good_lv_en = server.serve("/translate-lv_en-0_1.argosmodel", Route(archives["lv-en"]))
    index_url = server.serve_index(
        [entry("lv", "en", [good_lv_en]), entry("en", "lv", [broken, IPFS, html])]
    )
    warnings: list[str] = []
    with pytest.raises(ModelPackageError) as raised:
        install_online(index_url, ["lv"], tmp_path / "models", on_warning=warnings.append)
    message = str(raised.value)
    assert message.startswith("cannot download the en→lv package 0.1; every link failed:")
    assert f"\n  {broken}: HTTP 500" in message
    assert f"\n  {html}: not a zip file (text/html" in message
    assert f"\n  {IPFS}: not an http or https link, skipped" in message
    assert len(warnings) == 1 and broken in warnings[0]  # the last link has no next to try
    # lv→en downloaded fine, yet nothing is installed: all packages or none.
    assert "/translate-lv_en-0_1.argosmodel" in server.paths
    assert install_spy == []
    assert installed_packages(tmp_path / "models") == []


# --- what cannot be chosen -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "named", "not_named"),
    [
        (["lv", "zh"], "zh→en, en→zh", "lv"),  # the index's zt (traditional) is not our zh
        (["it"], "en→it", "it→en"),  # it→en is there, en→it is not
        (["ru"], "en→ru (no http or https link)", "ru→en"),  # listed, but only on ipfs://
    ],
    ids=["zt-is-not-zh", "one-direction-only", "ipfs-only"],
)
def test_a_missing_pair_is_named_before_anything_is_downloaded(
    tmp_path, server, archives, codes, named, not_named
):
    ru_en = server.serve("/ru_en.argosmodel", Route(b"never fetched"))
    index_url = server.serve_index(
        [
            *DECOYS,
            entry("lv", "en", [server.base + "/lv_en.argosmodel"]),
            entry("en", "lv", [server.base + "/en_lv.argosmodel"]),
            entry("ru", "en", [ru_en]),
            entry("en", "ru", [IPFS, IFPS]),
        ]
    )
    with pytest.raises(ModelPackageError) as raised:
        install_online(index_url, codes, tmp_path / "models")
    message = str(raised.value)
    assert message == f"the package index at {index_url} has no package for {named}"
    assert not_named not in message.removeprefix(f"the package index at {index_url}")
    assert server.paths == ["/index.json"]


@pytest.mark.parametrize("codes", [["lv", "de"], ["zt"], ["LV"]], ids=["de", "zt", "upper-case"])
def test_an_unknown_language_is_refused_without_asking_the_index(tmp_path, server, codes):
    with pytest.raises(ModelPackageError, match=r"unsupported language code\(s\): '") as raised:
        install_online(server.base + "/index.json", codes, tmp_path / "models")
    assert "choose from lv, it, zh, ru, en" in str(raised.value)
    assert server.requests == []


def test_choosing_from_real_index_entries():
    newer = {**REAL_ENTRIES[0], "package_version": "1.10"}  # 1.10 is newer than 1.9
    lv_en = entry("lv", "en", ["https://argos-net.com/v1/translate-lv_en-1_9.argosmodel"], "1.9")
    chosen = choose_packages([*REAL_ENTRIES, lv_en, newer], ["lv"])
    assert [(e.pair, e.version) for e in chosen] == [("lv→en", "1.9"), ("en→lv", "1.10")]
    it_en = choose_packages([*REAL_ENTRIES, entry("en", "it", ["http://x/y"])], ["it"])[0]
    assert it_en.links == ("https://argos-net.com/v1/translate-it_en-1_0.argosmodel",)
    assert it_en.skipped == (IPFS,)
    with pytest.raises(ModelPackageError, match=r"^the package index has no package for en→it$"):
        choose_packages(REAL_ENTRIES, ["it"])


# --- the index itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (None, "cannot read the package index at {url}: HTTP 404"),
        (b'{"packages": []}', "the package index at {url} is not a list of packages"),
        (b"<html>not json</html>", "the package index at {url} is not JSON"),
    ],
    ids=["missing", "not-a-list", "not-json"],
)
def test_an_unreadable_index_is_named(tmp_path, server, body, reason):
    url = server.base + "/index.json"
    if body is not None:
        server.serve("/index.json", Route(body, content_type="application/json"))
    with pytest.raises(ModelPackageError) as raised:
        install_online(url, ["lv"], tmp_path / "models")
    assert str(raised.value).startswith(reason.format(url=url))
    assert server.requests == [("/index.json", USER_AGENT)]


def test_an_unreachable_index_is_named(tmp_path, closed_port):
    url = f"http://127.0.0.1:{closed_port}/index.json"
    with pytest.raises(
        ModelPackageError, match=f"cannot read the package index at {url}: cannot connect"
    ):
        install_online(url, ["lv"], tmp_path / "models")


# --- the command -----------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch, server) -> Iterator[Callable[[str], None]]:
    """CSGUIDE_* settings for the command; call it with the index URL."""
    monkeypatch.setenv("CSGUIDE_DATA_DIR", str(tmp_path / "var"))

    def use_index(url: str) -> None:
        monkeypatch.setenv("CSGUIDE_ARGOS_INDEX_URL", url)
        get_settings.cache_clear()

    get_settings.cache_clear()
    yield use_index
    get_settings.cache_clear()


def test_cli_install_online_installs_both_lv_packages(tmp_path, server, archives, cli_env):
    bad = server.serve("/bad/lv_en.argosmodel", Route(b"oops", 500))
    index_url = server.serve_lv(archives, lv_en=[bad])
    cli_env(index_url)
    runner = CliRunner()
    result = runner.invoke(cli.app, ["models", "install", "--online", "lv"])
    assert result.exit_code == 0, result.output
    assert f"installed argos:lv-en@0.1 from {index_url}" in result.output
    assert f"installed argos:en-lv@0.1 from {index_url}" in result.output
    assert f"warning: lv→en 0.1: {bad} failed: HTTP 500" in result.output
    assert f"downloading {server.base}/v1/translate-en_lv-0_1.argosmodel" in result.output
    listing = json.loads(runner.invoke(cli.app, ["models", "list", "--json"]).output)
    assert [(p["from_lang"], p["to_lang"]) for p in listing["packages"]] == [
        ("en", "lv"),
        ("lv", "en"),
    ]
    assert Path(listing["models_dir"]) == tmp_path / "var" / "models"

    refused = runner.invoke(cli.app, ["models", "install", "--online", "de"])
    assert refused.exit_code == 2 and "error: unsupported language code(s): 'de'" in refused.output
    english = runner.invoke(cli.app, ["models", "install", "--online", "en"])
    assert english.exit_code == 0 and "Nothing to install" in english.output


def test_cli_shows_a_progress_bar_per_file_on_a_terminal(server, archives, cli_env, monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=160))
    cli_env(server.serve_lv(archives))
    result = CliRunner().invoke(cli.app, ["models", "install", "--online", "lv"])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    assert "translate-lv_en-0_1.argosmodel" in shown
    assert "translate-en_lv-0_1.argosmodel" in shown
    assert "downloading" not in shown  # the bar, not the plain lines


def _with_garbage_model(archive: bytes) -> bytes:
    """The same package, its model.bin replaced: a sound zip of the right pair that won't load."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            data = b"not a model" if item.filename.endswith("model.bin") else old.read(item)
            new.writestr(item, data)
    return out.getvalue()


def test_a_package_that_will_not_load_leaves_nothing_installed(tmp_path, server, archives):
    """Both downloads arrive sound, but the second model fails its load test: the first,
    though fine, is not installed either."""
    lv_en = server.serve("/translate-lv_en-0_1.argosmodel", Route(archives["lv-en"]))
    en_lv = server.serve(
        "/translate-en_lv-0_1.argosmodel", Route(_with_garbage_model(archives["en-lv"]))
    )
    index_url = server.serve_index([entry("lv", "en", [lv_en]), entry("en", "lv", [en_lv])])
    with pytest.raises(ModelPackageError, match="the model does not load"):
        install_online(index_url, ["lv"], tmp_path / "models")
    assert installed_packages(tmp_path / "models") == []
    assert list((tmp_path / "models").iterdir()) == []  # no staging folder left either

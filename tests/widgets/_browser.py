"""Shared fixtures for real-browser tests: Playwright driving Debian's Chromium, and JupyterLab
or Voilà started by the test on 127.0.0.1.

Use from a test module with ``from ._browser import *`` style imports of the fixtures you need
(``browser``, ``page``, ``jupyter_lab``, ``voila``) and the helpers (``lab_open``,
``screenshot``). Nothing is downloaded: Playwright launches ``/usr/bin/chromium`` (or the
``IGBOT_CHROMIUM`` path) with the flags below, the servers run from this environment, and every
process started here is stopped when its fixture ends. Tests are skipped, with the reason, only
where Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out" / "browser"
CHROMIUM = os.environ.get("IGBOT_CHROMIUM") or shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - playwright is in the test extra
    sync_playwright = None  # type: ignore[assignment]

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or sync_playwright is None,
    reason="Chromium (apt-get install chromium) and playwright (pip install -e '.[test]') "
           "are needed for browser tests")

__all__ = [
    "CHROMIUM",
    "OUT",
    "ROOT",
    "Server",
    "browser",
    "free_port",
    "jupyter_lab",
    "jupyter_notebook",
    "lab_run_all",
    "needs_chromium",
    "offline",
    "page",
    "screenshot",
    "start_server",
    "stop",
    "voila",
    "wait_http",
    "write_notebook",
]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``url`` answers (any status), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session, and everything it started."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@dataclass
class Server:
    """A started server: its base url (with the token query when there is one)."""

    url: str
    token: str
    root: Path
    proc: subprocess.Popen[bytes]
    app: str = ""

    def page_url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path}" + (f"{sep}token={self.token}" if self.token else "")


def start_server(args: list[str], root: Path, ready: str, token: str = "",
                 state: Path | None = None) -> Server:
    """Start a Jupyter-style server (``args`` after ``python -m``) in ``root``; its log,
    runtime and config files go to ``state`` (default: ``root``), never to the user's."""
    state = state or root
    log_path = state / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", *args], cwd=root, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1",
                                     "JUPYTER_RUNTIME_DIR": str(state / ".runtime"),
                                     "JUPYTER_CONFIG_DIR": str(state / ".config")})
    try:
        wait_http(ready, 120, proc)
    except Exception:
        stop(proc)
        raise RuntimeError(log_path.read_text(errors="replace")[-2000:]) from None
    base = ready.split("/api")[0] + "/"
    return Server(base, token, root, proc, args[0])


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells (not run) at ``path``."""
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                     "outputs": [], "source": src} for src in cells],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def _jupyter(app: str, root: Path) -> Server:
    port, token = free_port(), secrets.token_hex(16)
    lab = ["--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
           "--LabServerApp.workspaces_dir=" + str(root / ".workspaces"),
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    return start_server(
        [app, "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
         "--LanguageServerManager.autodetect=False",
         *(lab if app == "jupyterlab" else ["--JupyterNotebookApp.expose_app_in_browser=True"])],
        root, f"http://127.0.0.1:{port}/api/status?token={token}", token)


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """JupyterLab 4 on 127.0.0.1 with a token, serving a fresh folder (``server.root``)."""
    server = _jupyter("jupyterlab", tmp_path_factory.mktemp("lab"))
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture(scope="module")
def jupyter_notebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Notebook 7 on 127.0.0.1 with a token, serving a fresh folder (``server.root``)."""
    pytest.importorskip("notebook", reason="Notebook 7 is not installed (pip install -e '.[test]')")
    server = _jupyter("notebook", tmp_path_factory.mktemp("notebook7"))
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], Server]]:
    """A factory: ``voila(notebook)`` serves that notebook with Voilà on 127.0.0.1."""
    started: list[Server] = []

    def serve(notebook: Path) -> Server:
        port = free_port()
        server = start_server(
            ["voila", notebook.name, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
             "--Voila.tornado_settings={'xsrf_cookies': False}"],
            notebook.parent, f"http://127.0.0.1:{port}/api/kernelspecs",
            state=tmp_path_factory.mktemp("voila-state"))
        started.append(server)
        return server
    try:
        yield serve
    finally:
        for server in started:
            stop(server.proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium driven by Playwright (no browser download)."""
    assert sync_playwright is not None and CHROMIUM is not None
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page, 1,200 px wide (an output area of about 1,100 px in JupyterLab)."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    offline(context)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def offline(context: Any) -> list[str]:
    """Refuse every request that leaves 127.0.0.1 (no CDN); returns the list of refused urls."""
    refused: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            refused.append(url)
            r.abort()
    context.route("**/*", route)
    return refused


_KERNEL_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def lab_run_all(page: Page, server: Server, notebook: str) -> None:
    """Open ``notebook`` in JupyterLab (or Notebook 7, whose server has no ``lab`` path) and
    run all its cells once its kernel is idle."""
    path = "lab/tree" if server.app == "jupyterlab" else "notebooks"
    page.goto(server.page_url(f"{path}/{notebook}"))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell"
                           " && document.querySelector('.jp-Notebook')", timeout=120_000)
    page.wait_for_function(_KERNEL_IDLE, timeout=120_000)
    # not awaited: the command's promise settles only when every cell has run
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def screenshot(page: Page, name: str, **kwargs: Any) -> Path:
    """Save a screenshot under ``out/browser/``."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    page.screenshot(path=str(path), **kwargs)
    return path

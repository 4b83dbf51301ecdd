"""``brainjar-sweep watch``: a real server in a subprocess, real sweeps, real HTTP, a real browser.

The page of a finished sweep must say what its files and database say; a running sweep's
page must follow its jobs without being reloaded; bad requests are refused and logged while
the server goes on; the watcher writes nothing. The browser test drives headless Chromium
(Debian's ``chromium`` and ``chromium-driver``); without them it is skipped with a reason.
Set ``BRAINJAR_WATCH_SCREENSHOT=<file.png>`` to save a screenshot of the running sweep's page.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _cli import cli, files, sweep_cli
from _extras import need
from _watch import GATED_SWEEP, gated_mind, wait_for, watching

from brainjar_sweep.watch import watch_command

# --------------------------------------------------------------------------- without a server


def test_watch_command_names_the_sweep_dir() -> None:
    assert watch_command("multirun/sw 1") == "brainjar-sweep watch 'multirun/sw 1'"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["no_such_dir"],
            "error: sweep_dir='no_such_dir' is not allowed: an existing sweep directory",
        ),
        (
            [".", "--port", "70000"],
            "error: --port=70000 is not allowed: a port number in [0, 65535] (0: any free port)",
        ),
        (
            [".", "--token", "short"],
            "error: --token='<hidden>' is not allowed: at least 16 letters, digits or - _ . ~ "
            "(none: one is made)",
        ),
    ],
)
def test_bad_arguments_are_refused_in_one_line(tmp_path: Path, args: list[str], line: str) -> None:
    proc = sweep_cli(tmp_path, "watch", *args, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == line
    assert list(tmp_path.iterdir()) == []


def test_without_the_web_extra_one_line_names_it(tmp_path: Path) -> None:
    (tmp_path / "sw").mkdir()
    # the extra's modules hidden from this interpreter, as in an install without [web]
    code = (
        "import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None; "
        "from brainjar_sweep.cli import main; sys.exit(main(['watch', 'sw']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        'error: starlette is not installed: pip install "brainjar-sweep[web]"'
    )
    assert proc.stdout == ""


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    need("web")
    import socket

    (tmp_path / "sw").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = sweep_cli(tmp_path, "watch", "sw", "--port", str(port), timeout=120)
    assert proc.returncode == 1
    assert (
        proc.stderr.strip() == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


# --------------------------------------------------------------------------- a finished sweep


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 3-job sweep of the simulated mind (its dir; the database is in ../logs)."""
    need("web")
    cwd = tmp_path_factory.mktemp("finished")
    proc = cli(cwd, "-m", "seed=0,1,2", "max_cycles=12", "hydra.sweep.dir=sw")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return cwd / "sw"


def _state(sweep: Path) -> dict[str, str]:
    """Every file of the sweep and the database, with a hash of its bytes."""
    out = {}
    for p in files(sweep) + files(sweep.parent / "logs"):
        if p.name.endswith("-shm"):
            continue  # SQLite's shared-memory index: readers keep their locks there
        if p.name.endswith("-wal") and p.stat().st_size == 0:
            continue  # an empty write-ahead log, which SQLite removes when its last reader closes
        out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.slow
def test_the_page_of_a_finished_sweep_says_what_its_files_say(finished: Path) -> None:
    before = _state(finished)
    with watching(finished) as w:
        assert w.url.startswith("http://127.0.0.1:") and w.token is None
        status, page = w.request("/")
        assert status == 200
        html = page.decode()
        assert '<script src="static/watch.js"></script>' in html
        assert "http://" not in html and "https://" not in html  # nothing from elsewhere
        for name in ("watch.js", "watch.css"):
            status, body = w.request(f"/static/{name}")
            assert status == 200 and body
            assert b"http://" not in body and b"https://" not in body

        snap = w.json("/api/sweep")
        assert snap["progress"] | {"temperature_c": None} == snap["progress"] | {
            "total": 3,
            "done": 3,
            "completed": 3,
            "running": 0,
            "failed": 0,
            "pending": 0,
            "eta_seconds": 0.0,
            "memory_reserved_gb": 0.0,
            "temperature_c": None,
        }
        assert snap["sweep"]["finished"] and snap["sweep"]["kind"] == "grid"
        assert snap["notes"] == []
        for tile in snap["jobs"]:
            result = json.loads((finished / str(tile["num"]) / "result.json").read_text())
            assert tile["params"] == {"seed": str(tile["num"]), "max_cycles": "12"}
            assert tile["status"] == "completed"
            assert tile["experiment_id"] == result["experiment_id"]
            assert tile["crashes"] == result["metrics"]["total_crashes"]
            assert tile["cycle"] == tile["max_cycles"] == 12
            assert tile["limit_mb"] == 2048.0 and 0 < tile["memory_mb"] < 4096
            assert tile["gist"]

        num = max(snap["jobs"], key=lambda t: t["crashes"])["num"]
        job = w.json(f"/api/job/{num}")
        kinds = {e["kind"] for e in job["events"]}
        assert {"message", "self_report"} <= kinds
        crashes = [e for e in job["events"] if e["kind"] == "crash"]
        assert len(crashes) == job["job"]["crashes"] > 0
        assert any(e["kind"] == "resurrection" for e in job["events"])
        assert job["chart"].startswith("<svg") and job["chart"].count('class="crash"') >= 1

        assert w.first_event("/events")["jobs"] == snap["jobs"]
        assert w.first_event(f"/events/job/{num}")["job"] == job["job"]
    assert _state(finished) == before  # the watcher wrote nothing


@pytest.mark.slow
def test_bad_requests_are_refused_logged_and_the_server_goes_on(finished: Path) -> None:
    bad = [
        ("/api/job/99", "GET", {}, 404),
        ("/api/job/abc", "GET", {}, 404),
        ("/events/job/99", "GET", {}, 404),
        ("/static/../../../etc/passwd", "GET", {}, 404),
        ("/static/..%2f..%2fmultirun.yaml", "GET", {}, 404),
        ("/../multirun.yaml", "GET", {}, 404),
        ("/0/result.json", "GET", {}, 404),
        ("/api/sweep", "POST", {"Content-Length": "0"}, 405),
        ("/api/sweep", "DELETE", {}, 405),
        ("/api/sweep", "GET", {"Host": "evil.example:80"}, 403),
    ]
    with watching(finished) as w:
        for path, method, headers, expected in bad:
            status, body = w.request(path, method=method, headers=headers)
            assert status == expected, (path, method, status, body[:200])
            assert b"root:" not in body and b"hydra" not in body
            assert w.json("/api/sweep")["progress"]["total"] == 3  # still serving
    log = "".join(w.stderr)
    assert log.count("refused ") == len(bad), log
    assert "refused GET /api/job/99 from 127.0.0.1: 404 no job 99 in this sweep" in log
    assert "Traceback" not in log


@pytest.mark.slow
def test_another_address_needs_the_token_on_every_request(finished: Path) -> None:
    with watching(finished, "--host", "0.0.0.0") as w:
        assert w.token and len(w.token) >= 32  # made and printed
        assert w.request("/api/sweep")[0] == 401
        assert w.request("/api/sweep?token=wrong-token-of-the-same-size")[0] == 403
        assert w.request("/static/watch.js")[0] == 401
        assert w.request(f"/api/sweep?token={w.token}")[0] == 200
        auth = {"Authorization": f"Bearer {w.token}"}
        assert w.request("/api/sweep", headers=auth)[0] == 200
        status, page = w.request(f"/?token={w.token}")
        assert status == 200 and f"static/watch.js?token={w.token}".encode() in page
    assert "".join(w.stderr).count("refused ") == 3
    given = "a-token-given-on-the-command-line"
    with watching(finished, "--host", "0.0.0.0", "--token", given) as w:
        assert w.token == given
        assert w.request(f"/api/sweep?token={given}")[0] == 200
        assert w.request("/api/sweep")[0] == 401


@pytest.mark.slow
def test_damaged_files_give_notes_never_a_crash(finished: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "sw"
    shutil.copytree(finished, sweep)
    (sweep / "sweep_table.csv").write_bytes(b"\x00\xff" * 1000)
    (sweep / "0" / "result.json").write_text('{"status": "compl')
    (sweep / "1" / ".hydra" / "config.yaml").write_text("[" * 100_000)
    (sweep / "2" / ".hydra" / "overrides.yaml").write_text("a: !!python/object/apply:os.system [x]")
    with watching(sweep) as w:
        snap = w.json("/api/sweep")
        notes = " | ".join(snap["notes"])
        assert "sweep_table.csv: could not be read" in notes
        assert "job 0: result.json could not be read" in notes
        assert "job 1: config.yaml" in notes
        assert "job 2: overrides.yaml" in notes
        assert len(snap["jobs"]) == 3
        assert w.request("/")[0] == 200
        assert w.json("/api/job/1")["job"]["num"] == 1
        (sweep / "multirun.yaml").write_text("hydra: [unclosed")
        wait_for(
            "a note on multirun.yaml",
            lambda: any(n.startswith("multirun.yaml:") for n in w.json("/api/sweep")["notes"]),
        )
        assert w.request("/")[0] == 200
    assert "Traceback" not in "".join(w.stderr)


# --------------------------------------------------------------------------- a running sweep


def _start_gated_sweep(cwd: Path, base_url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "-m",
            "seed=0,1",
            f"mind.base_url={base_url}",
            *GATED_SWEEP,
            "hydra.sweep.dir=sw",
            *extra,
        ],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _events(port: int, path: str):  # noqa: ANN202  a generator of parsed events
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path)
    resp = conn.getresponse()
    try:
        while True:
            line = resp.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                yield json.loads(line[6:])
    finally:
        conn.close()


@pytest.mark.slow
def test_the_events_follow_a_running_sweep(tmp_path: Path) -> None:
    need("web")
    with gated_mind(tmp_path) as (base_url, gate):
        sweep = _start_gated_sweep(tmp_path, base_url)
        try:
            wait_for("the sweep's saved config", (tmp_path / "sw" / "multirun.yaml").is_file)
            with watching(tmp_path / "sw") as w:
                stream = _events(w.port, "/events")
                snap = next(s for s in stream if s["progress"]["running"] >= 1)
                running = [t for t in snap["jobs"] if t["status"] == "running"]
                # each running job reserves its jar (1.7 GB) and the launcher's overhead (0.5 GB)
                assert snap["progress"]["memory_reserved_gb"] == pytest.approx(2.2 * len(running))
                assert running[0]["crashes"] == 0 and running[0]["max_cycles"] == 8
                gate.unlink()  # the minds may answer now
                last = next(s for s in stream if s["sweep"]["finished"])
                assert [t["status"] for t in last["jobs"]] == ["completed", "completed"]
                assert all(t["crashes"] > 0 for t in last["jobs"])
                assert last["progress"]["memory_reserved_gb"] == 0
        finally:
            gate.unlink(missing_ok=True)
            _, err = sweep.communicate(timeout=600)
            assert sweep.returncode == 0, err[-2000:]


@pytest.mark.slow
def test_a_job_that_times_out_shows_why(tmp_path: Path) -> None:
    need("web")
    with gated_mind(tmp_path) as (base_url, gate):
        # the gate stays closed: the jobs wait for their minds past the launcher's timeout
        sweep = _start_gated_sweep(
            tmp_path, base_url, "hydra.launcher.timeout_s=5", "hydra.sweeper.allow_failures=true"
        )
        try:
            wait_for("the sweep's saved config", (tmp_path / "sw" / "multirun.yaml").is_file)
            with watching(tmp_path / "sw") as w:
                stream = _events(w.port, "/events")
                last = next(s for s in stream if s["sweep"]["finished"])
                assert last["progress"]["failed"] == 2 and last["progress"]["completed"] == 0
                for tile in last["jobs"]:
                    assert tile["status"] == "timeout"
                    assert tile["reason"].startswith("timed out after 5.0 s"), tile["reason"]
        finally:
            gate.unlink(missing_ok=True)
            _, err = sweep.communicate(timeout=600)
            assert sweep.returncode == 0, err[-2000:]


# --------------------------------------------------------------------------- a real browser


def _browser():  # noqa: ANN202
    need("web")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        reason = (
            "needs a browser: apt-get install chromium chromium-driver (Debian), then "
            'pip install "hydra-core==1.3.8" -e ".[test,web]"'
        )
        if os.environ.get("BRAINJAR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BRAINJAR_REQUIRE_BROWSER=1 but the test {reason}", pytrace=False)
        pytest.skip(reason)
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1400,1000")
    return webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=driver))


@pytest.mark.slow
def test_a_browser_follows_a_running_sweep_without_reloading(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser = _browser()
    try:
        with gated_mind(tmp_path) as (base_url, gate):
            sweep = _start_gated_sweep(tmp_path, base_url)
            try:
                wait_for("the sweep's saved config", (tmp_path / "sw" / "multirun.yaml").is_file)
                with watching(tmp_path / "sw") as w:
                    browser.get(w.url)
                    loaded = wait_for(
                        "the page's script",
                        lambda: browser.execute_script("return window.brainjarWatchLoaded"),
                    )
                    css = ".tile[data-status='running']"
                    tile = wait_for(
                        "a running job's tile", lambda: browser.find_elements(By.CSS_SELECTOR, css)
                    )[0]
                    num = int(tile.get_attribute("data-num"))
                    assert "crashes 0" in tile.text, tile.text
                    tile.click()
                    wait_for(
                        "the job's panel", lambda: browser.find_element(By.ID, "job").is_displayed()
                    )
                    assert browser.find_elements(By.CSS_SELECTOR, "#events li.crash") == []
                    gate.unlink()  # the minds may answer now
                    crash = wait_for(
                        "a crash in the job's stream",
                        lambda: browser.find_elements(By.CSS_SELECTOR, "#events li.crash"),
                    )[0]
                    assert "out of memory" in crash.text
                    shot = os.environ.get("BRAINJAR_WATCH_SCREENSHOT")
                    if shot:  # the docs' picture (docs/images/watch.png)
                        browser.save_screenshot(shot)
                    wait_for(
                        "every tile completed",
                        lambda: (
                            len(
                                browser.find_elements(
                                    By.CSS_SELECTOR, ".tile[data-status='completed']"
                                )
                            )
                            == 2
                        ),
                    )
                    wait_for(
                        "the page saying finished",
                        lambda: "finished" in browser.find_element(By.ID, "sweep-state").text,
                    )
                    assert browser.execute_script("return window.brainjarWatchLoaded") == loaded, (
                        "the page was reloaded"
                    )
                    wait_for(
                        "the open job's memory chart",
                        lambda: browser.find_elements(By.CSS_SELECTOR, "#job-chart svg polyline"),
                    )
                    title = browser.find_element(By.ID, "job-title").text
                    assert title.startswith(f"#{num} "), title

                    # the page of the finished sweep, opened afresh
                    browser.get(w.url)
                    wait_for(
                        "the finished sweep's tiles",
                        lambda: (
                            len(
                                browser.find_elements(
                                    By.CSS_SELECTOR, ".tile[data-status='completed']"
                                )
                            )
                            == 2
                        ),
                    )
                    wait_for(
                        "the finished sweep's state",
                        lambda: (
                            "2 of 2 jobs done" in browser.find_element(By.ID, "sweep-state").text
                            and browser.find_element(By.ID, "p-eta").text == "done"
                        ),
                    )
            finally:
                gate.unlink(missing_ok=True)
                _, err = sweep.communicate(timeout=600)
                assert sweep.returncode == 0, err[-2000:]
    finally:
        browser.quit()


# --------------------------------------------------------------------------- an Optuna study


@pytest.mark.slow
def test_the_page_of_an_optuna_study_lists_its_trials(tmp_path: Path) -> None:
    need("web", "optuna")
    proc = cli(
        tmp_path,
        "-m",
        "hydra/sweeper=brainjar_optuna",
        "hydra.sweep.dir=sw",
        "hydra.sweeper.sampler=random",
        "hydra.sweeper.seed=3",
        "hydra.sweeper.n_trials=3",
        "hydra.sweeper.n_jobs=3",
        "hydra.sweeper.objective=[crash_rate]",
        "corruption_rate=interval(0,1)",
        "max_cycles=6",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    sweep = tmp_path / "sw"
    before = _state(sweep)
    from omegaconf import OmegaConf

    results = OmegaConf.to_container(OmegaConf.load(sweep / "optimization_results.yaml"))
    with watching(sweep) as w:
        snap = w.json("/api/sweep")
        assert snap["sweep"]["kind"] == "optuna" and snap["sweep"]["finished"]
        assert snap["progress"]["total"] == 3 and snap["notes"] == []
        trials = snap["optuna"]["trials"]
        assert [t["state"] for t in trials] == ["COMPLETE"] * 3
        for t in trials:
            row = next(j for j in snap["jobs"] if j["num"] == t["job"])
            assert float(t["params"]["corruption_rate"]) == float(row["params"]["corruption_rate"])
        best = next(t for t in trials if t["trial"] == results["best_trial"])
        assert best["value"] == pytest.approx(results["best_value"])
        assert snap["optuna"]["results"]["best_trial"] == results["best_trial"]
    assert _state(sweep) == before  # optuna.db and the sweep files untouched


def test_watch_has_its_own_help(tmp_path: Path) -> None:
    proc = sweep_cli(tmp_path, "watch", "--help", timeout=120)
    assert proc.returncode == 0, proc.stderr
    for option in ("--port", "--host", "--token", "sweep_dir"):
        assert option in proc.stdout
    assert files(tmp_path) == []


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.slow
def test_the_page_reads_a_postgresql_database(tmp_path: Path, pg_url: str, pg_env: dict) -> None:
    need("web", "postgres")
    proc = cli(
        tmp_path,
        "-m",
        "seed=0,1",
        "max_cycles=12",
        f"db.url={pg_url}",
        "hydra.sweep.dir=sw",
        env=pg_env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    with watching(tmp_path / "sw") as w:
        snap = w.json("/api/sweep")
        assert snap["notes"] == [] and snap["progress"]["completed"] == 2
        for tile in snap["jobs"]:
            result = json.loads((tmp_path / "sw" / str(tile["num"]) / "result.json").read_text())
            assert tile["crashes"] == result["metrics"]["total_crashes"]
            assert tile["cycle"] == 12 and tile["memory_mb"] and tile["gist"]
            job = w.json(f"/api/job/{tile['num']}")
            assert sum(e["kind"] == "crash" for e in job["events"]) == tile["crashes"]
    assert not (tmp_path / "logs").exists()  # nothing went to a SQLite file instead

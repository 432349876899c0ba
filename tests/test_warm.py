"""The compiled model's cache (issue 14 §5): `healthsim warm` fills it; the first command
that compiles says so on one line, and only then."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from healthsim.experiments import warm


def test_the_message_is_printed_once_and_only_when_nothing_is_cached(monkeypatch):
    monkeypatch.setattr(warm, "_announced", False)
    monkeypatch.setattr(warm, "compiled_cache_ready", lambda: True)
    out = io.StringIO()
    assert not warm.announce_compiling(out) and out.getvalue() == ""
    monkeypatch.setattr(warm, "compiled_cache_ready", lambda: False)
    assert warm.announce_compiling(out)
    assert out.getvalue() == warm.MESSAGE + "\n"
    assert not warm.announce_compiling(out), "once per process"


def test_this_process_has_the_compiled_model_cached():
    from healthsim import run

    run("baseline", years=1)
    assert warm.compiled_cache_ready(), f"nothing cached in {warm.cache_folder()}"


@pytest.mark.slow
def test_warm_compiles_into_an_empty_cache_then_loads_it(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "healthsim", "warm"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert warm.MESSAGE in first.stderr, "the first compilation is announced"
    assert "compiled model ready" in first.stdout
    assert any(tmp_path.rglob("kernel.*.nbi")), "the cache was filled"
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and warm.MESSAGE not in again.stderr, "not once cached"
    run = [sys.executable, "-m", "healthsim", "run", "baseline", "--years", "1",
           "--out", str(tmp_path / "out")]  # fmt: skip
    ran = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0 and warm.MESSAGE not in ran.stderr, ran.stderr

"""The benchmark harness loses nothing: a tiny load through every engine that runs here.

Every member must receive every line exactly once, in order per sender (the load generator
checks this and raises LoadError otherwise). No timing is asserted.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
pytest.importorskip("psutil")
import loadgen

import servers


@pytest.mark.parametrize("engine", list(servers.ENGINES))
def test_every_line_reaches_every_member_once_in_order(engine, monkeypatch):
    reason = servers.unavailable(engine)
    if reason:
        pytest.skip(reason)
    monkeypatch.setattr(loadgen, "JOIN_SWEEP", 2)  # members already in are read while others join
    result = loadgen.run(engine, clients=4, window=6, duration=5.0, max_lines=120, timeout=20,
                         join_parallel=2)  # two handshakes at once, as a class arrives
    assert result.lines_sent == 120
    assert result.deliveries == 120 * 4
    assert result.problems == []


def test_a_server_that_loses_lines_is_caught():
    with pytest.raises(loadgen.LoadError):
        loadgen.run("lossy", clients=4, window=6, duration=5.0, max_lines=120, timeout=3)


def test_the_runner_prints_saves_and_skips(tmp_path, capsys):
    import run
    rows = run.main(["--engines", "selectors-ref,asyncio,no-such-engine", "--clients", "2",
                     "--windows", "2", "--join-clients", "", "--duration", "0.2", "--max-lines", "50",
                     "--out", str(tmp_path)])
    out = capsys.readouterr().out
    expected = ["selectors-ref"] + ([] if servers.unavailable("asyncio") else ["asyncio"])
    assert [r["engine"] for r in rows] == expected
    assert all("error" not in r for r in rows)
    assert "skipping no-such-engine: unknown engine" in out
    assert (tmp_path / "results.json").exists()

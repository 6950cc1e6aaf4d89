"""The client-vs-SDK benchmark runs end to end and prints its figures; no timing is asserted."""

import pytest

from benchmarks import client_vs_sdk


@pytest.mark.timeout(30)
def test_benchmark_prints_its_figures(capsys):
    client_vs_sdk.main(["--calls", "5", "--warmup", "1"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Python ")
    assert any(line.startswith("CccClient ") for line in lines)
    assert any(line.startswith("official SDK ") for line in lines)
    assert any(line.startswith("ratio CccClient / official SDK") for line in lines)
    assert any(line.startswith("best ratio reachable at the httpx floor: ") for line in lines)
    assert lines[-1].startswith("goal (our client at most 50% of the SDK's per-call time): ")

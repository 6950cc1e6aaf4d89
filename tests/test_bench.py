"""The client-vs-SDK benchmark runs end to end and prints its figures; no timing is asserted."""

import pytest
from django.test import Client, override_settings

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
    assert lines[-1].startswith("goal (our client no slower than the SDK per call, ratio <= 1.0): ")


@pytest.mark.timeout(180)
def test_dashboard_benchmark_prints_its_ratios(capsys):
    from benchmarks import dashboard

    dashboard.main(["--swaps", "10", "--seconds", "0.5", "--slow", "0.2", "--exports", "1"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "journey listing calls: 4 (minimum 4: two listings, each with its status count): met"
    )
    # The number-centric journey, a line a step.
    assert [line.split(":")[0] for line in lines[1:6]] == [
        "number journey, instance numbers",
        "number journey, its page 2 (swap)",
        "number journey, its page 1 again (swap)",
        "number journey, a number's page",
        "number journey, the number's page again",
    ]
    lines = [lines[0], *lines[6:]]
    assert [line.split(":")[0] for line in lines[1:5]] == [
        f"swap / bare JSON view at {rows} rows, as {role}"
        for role in ("viewer", "editor")
        for rows in (25, 100)
    ]
    assert [line.split(":")[0] for line in lines[5:9]] == [
        line
        for role in ("viewer", "editor")
        for line in (
            f"swap drawing its table alone / bare JSON view at 25 rows, as {role}",
            f"the swap's reads alone / bare JSON view at 25 rows, as {role}",
        )
    ]
    assert lines[9].startswith("throughput with CCC 100 ms away / at 0 ms, 32 clients: ")
    assert lines[10].startswith("throughput floor, the bare view under the same load: ")
    assert lines[11].startswith("full page with every CCC call taking 0.2 s: ")
    assert "(HTTP 200;" in lines[11]
    assert lines[12].startswith("export of 10,000 rows as CSV with CCC 50 ms away: ")
    assert lines[13].startswith("export of 10,000 rows as XLSX with CCC 50 ms away: ")
    assert "one page after another: " in lines[13]


@pytest.mark.timeout(120)
def test_soak_reports_responses_by_status(capsys):
    from benchmarks import soak

    passed = soak.main(["--seconds", "2"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("soak: ")
    assert lines[1].startswith("responses by status: {")
    assert lines[2].startswith("slowest response: ")
    assert (passed, lines[3]) == (0, "soak: passed"), lines


def test_the_table_alone_swap_draws_the_same_rows_without_the_controls(client, app_emulator):
    from benchmarks import dashboard

    swap = f"{dashboard.HOTLINE}?view=eligible"
    whole = client.get(swap, headers=dashboard.SWAP).content.decode()
    with dashboard.table_alone():
        alone = client.get(swap, headers=dashboard.SWAP).content.decode()

    table = whole[whole.index('<div class="table-container') : whole.index("</table>\n</div>")]
    assert alone.strip().startswith(table)
    controls = (
        'id="view-toggle"',
        'id="status-counts"',
        'id="result-summary"',
        'id="refresh"',
        'id="selection"',
        'class="pagination',
    )
    for control in controls:
        assert control in whole
        assert control not in alone


def test_the_swap_asks_ccc_each_time_it_is_timed_and_its_reads_are_timed_once(app_emulator):
    from benchmarks import dashboard
    from phone_numbers import reading

    client = Client(headers=dashboard.SIGNED_IN)
    swap = f"{dashboard.HOTLINE}?view=eligible"
    client.get(swap, headers=dashboard.SWAP)  # fills the cache, as the journey does
    asked = app_emulator.request_count
    with (
        override_settings(CCC_LISTING_CACHE_SECONDS=0),
        dashboard.timed(reading, "side_by_side") as reads,
    ):
        dashboard.server_time(client, swap, dashboard.SWAP, 3)

    # Each swap lists and counts again, as the bare view lists each time.
    assert app_emulator.request_count == asked + 3 * 2
    assert len(reads) == 3
    assert reading.side_by_side.__name__ == "side_by_side"


def test_the_number_journey_counts_each_step_s_calls_and_repeats_cost_none(app_emulator):
    from benchmarks import dashboard

    client = Client(headers=dashboard.SIGNED_IN)
    calls = dict(dashboard.number_journey_calls(client))

    assert calls["instance numbers"]["ListPhoneNumbers"] == 2  # the page and its count
    assert calls["a number's page"] == {"ListPhoneNumbers": 1, "ListSkillGroups": 1}
    assert calls["its page 1 again (swap)"] == calls["the number's page again"] == {}

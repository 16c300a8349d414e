"""graphkit diff: new partners and events, returning partners, new and dropped relations."""
from __future__ import annotations

import json
import sys

import pytest
from conftest import run_cli

from graphkit.cli import make_parser

from graphkit.analysis.diff import diff_graphs, render_markdown
from graphkit.analysis.sample import DEVDAY, EN, ZH, sample_graph, write_graph_json
from graphkit.errors import GraphkitError

FOSSASIA = "event:fossasia-summit-2024"
SHOWCASE = "华为在开发者大会上展示了EulerCopilot。"


def old_graph():
    """The build before the FOSSASIA articles came in; it also had one relation NEW lost."""
    G = sample_graph()
    G.remove_nodes_from([FOSSASIA, "org:kylinsoft", "person:xu-guodong", "talk:nestos-cloud-native",
                         "product:nestos", "talk:ushering-in-a-future-of-digital-intelligence",
                         "version:openeuler-24-03-lts", "date:2024-04-08", "venue:hanoi"])
    G.remove_edge("person:xiong-wei", "org:openeuler")
    G.remove_edge("org:openeuler", "product:eulercopilot")
    for article in (ZH, EN):
        del G.graph["articles"][article]
    G.add_edge("org:huawei", "product:eulercopilot", key="org:huawei|SHOWCASED|product:eulercopilot",
               type="SHOWCASED", articles=[DEVDAY], weight=1, confidence=1.0,
               evidence=[{"article": DEVDAY, "sentence": SHOWCASE, "start": 0, "end": len(SHOWCASE),
                          "extractor": "sample", "confidence": 1.0}])
    return G




@pytest.fixture
def outs(tmp_path):
    write_graph_json(old_graph(), tmp_path / "old")
    write_graph_json(sample_graph(), tmp_path / "new")
    return tmp_path / "old", tmp_path / "new"


def test_diff_new_partners():
    diff = diff_graphs(old_graph(), sample_graph())
    assert [(p.id, p.known_before) for p in diff.new_partners] == [
        ("org:kylinsoft", False), ("org:linaro", True)]
    kylin = diff.new_partners[0]
    assert [(e.id, e.date, e.venue) for e in kylin.events] == [(FOSSASIA, "2024-04-08", "Hanoi")]
    assert kylin.events[0].evidence[0].sentence == "OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。"


def test_diff_new_events():
    diff = diff_graphs(old_graph(), sample_graph())
    assert [(e.id, e.date, e.venue) for e in diff.new_events] == [(FOSSASIA, "2024-04-08", "Hanoi")]
    assert [p.label for p in diff.new_events[0].partners] == ["Huawei", "ISCAS", "KylinSoft", "Linaro", "openEuler"]


@pytest.mark.parametrize("gap, returning", [
    (180, [("org:huawei", "2023-04-20", "2024-04-08", 354)]),
    (100, [("org:huawei", "2023-04-20", "2024-04-08", 354), ("org:iscas", "2023-12-15", "2024-04-08", 115),
           ("org:openeuler", "2023-12-15", "2024-04-08", 115)]),
    (354, []),
])
def test_diff_returning_partners_after_gap(gap, returning):
    diff = diff_graphs(old_graph(), sample_graph(), gap_days=gap)
    assert [(r.id, r.last_date, r.date, r.gap_days) for r in diff.returning_partners] == returning


def test_diff_returning_partner_names_both_events_and_evidence():
    huawei = diff_graphs(old_graph(), sample_graph()).returning_partners[0]
    assert (huawei.last_event, huawei.event) == ("openEuler Developer Day 2023", "FOSSASIA Summit 2024")
    assert [e.article for e in huawei.evidence] == [ZH]


def test_diff_old_participation_found_late_is_not_a_return():
    # NEW learns that Huawei was also at a 2022 event: earlier than anything in OLD.
    new = sample_graph()
    new.add_node("event:old-2022", id="event:old-2022", type="EVENT", label="Old 2022", aliases=["Old 2022"],
                 articles=[DEVDAY], date="date:2022-01-01")
    new.add_node("date:2022-01-01", id="date:2022-01-01", type="DATE", label="2022-01-01", value="2022-01-01",
                 aliases=[], articles=[DEVDAY])
    new.add_edge("org:huawei", "event:old-2022", key="org:huawei|PARTICIPATED_IN|event:old-2022",
                 type="PARTICIPATED_IN", articles=[DEVDAY], evidence=[])
    diff = diff_graphs(old_graph(), new, gap_days=400)
    assert diff.returning_partners == ()


def test_diff_new_and_dropped_relations_by_edge_key():
    diff = diff_graphs(old_graph(), sample_graph())
    dropped = [(c.source, c.type, c.target) for c in diff.dropped_relations]
    assert dropped == [("org:huawei", "SHOWCASED", "product:eulercopilot")]
    assert diff.dropped_relations[0].evidence[0].sentence == SHOWCASE
    added = {c.key: c for c in diff.new_relations}
    assert f"org:kylinsoft|PARTICIPATED_IN|{FOSSASIA}" in added
    assert "person:xiong-wei|AFFILIATED_WITH|org:openeuler" in added
    assert "org:openeuler|PARTICIPATED_IN|event:openeuler-summit-2023" not in added
    assert added["org:openeuler|SHOWCASED|product:eulercopilot"].evidence[0].article == ZH
    assert len(added) == 17     # 26 edges in NEW, 9 of them already in OLD


def test_diff_identical_builds_have_no_changes():
    diff = diff_graphs(sample_graph(), sample_graph())
    assert (diff.new_partners, diff.new_events, diff.returning_partners,
            diff.new_relations, diff.dropped_relations) == ((), (), (), (), ())
    assert "## New partners (0)\n\nNone." in render_markdown(diff)


def test_diff_cli_markdown(outs, capsys):
    old, new = outs
    code, out, err = run_cli(capsys, "diff", str(old), str(new))
    assert code == 0 and err == ""
    assert "## New partners (2)" in out
    assert "- **KylinSoft** (`org:kylinsoft`)\n  - FOSSASIA Summit 2024 (2024-04-08) — “OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。”" in out
    assert "## Partners seen again after more than 180 days (1)" in out
    assert "- **Huawei** (`org:huawei`): openEuler Developer Day 2023 (2023-04-20), then FOSSASIA Summit 2024 (2024-04-08) — 354 days" in out
    assert "## Dropped relations (1)\n\n- SHOWCASED: Huawei (`org:huawei`) → EulerCopilot (`product:eulercopilot`) — “华为在开发者大会上展示了EulerCopilot。”" in out
    assert "| partners | 4 | 6 |" in out


def test_diff_cli_json_and_gap_days(outs, capsys):
    old, new = outs
    code, out, _ = run_cli(capsys, "diff", str(old), str(new), "--json", "--gap-days", "400")
    data = json.loads(out)
    assert code == 0
    assert [p["id"] for p in data["new_partners"]] == ["org:kylinsoft", "org:linaro"]
    assert data["returning_partners"] == []
    assert data["gap_days"] == 400
    assert [r["key"] for r in data["dropped_relations"]] == ["org:huawei|SHOWCASED|product:eulercopilot"]
    assert data["counts"]["partners"] == {"old": 4, "new": 6}


def test_diff_cli_missing_build_is_a_user_error(outs, capsys):
    old, new = outs
    code, out, err = run_cli(capsys, "diff", str(old), str(new.parent / "missing"))
    assert code == 1 and out == ""
    assert "missing/graph.json" in err and "run graphkit build first" in err


def test_diff_cli_rejects_negative_gap(outs, capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli(capsys, "diff", *map(str, outs), "--gap-days", "-1")
    assert exc.value.code == 2


def test_diff_cli_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        make_parser().parse_args(["diff", "--help"])
    assert "Example:\n  graphkit diff" in capsys.readouterr().out

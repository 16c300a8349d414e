"""A small graph built by hand to the contract, for tests and for trying the commands.

`GraphBuilder` makes nodes and edges the way docs/graph-contract.md says a
build does (type from the id prefix, sorted aliases and articles, edge keys
`source|TYPE|target`, evidence dicts, weight), so tests of the report, query
and diff do not depend on the extraction pipeline. `sample_graph()` is the
FOSSASIA Summit 2024 story told in a Chinese and an English article, plus two
2023 events. `write_graph_json(G, out_dir)` writes it as a build would.
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

__all__ = ["GraphBuilder", "sample_graph", "write_graph_json"]

_TYPES = {"org": "ORG", "person": "PERSON", "event": "EVENT", "venue": "VENUE", "date": "DATE",
          "version": "VERSION", "product": "PRODUCT", "talk": "TALK"}


class GraphBuilder:
    """Builds a contract-shaped MultiDiGraph one article, node and edge at a time."""

    def __init__(self):
        self.G = nx.MultiDiGraph()
        self.G.graph["articles"] = {}

    def article(self, article_id: str, title: str, date: str, lang: str) -> str:
        self.G.graph["articles"][article_id] = {"title": title, "date": date, "lang": lang}
        return article_id

    def node(self, node_id: str, label: str, *aliases: str, **attrs: str) -> str:
        """Add a node; its type comes from the id prefix (`org:` -> ORG)."""
        kind = _TYPES[node_id.split(":", 1)[0]]
        data = {"id": node_id, "type": kind, "label": label,
                "aliases": sorted({label, *aliases}), "articles": [], "confidence": 1.0,
                "rules": ["sample"]}
        if kind == "DATE":
            data["value"] = node_id.split(":", 1)[1]
        data.update(attrs)
        self.G.add_node(node_id, **data)
        return node_id

    def edge(self, source: str, kind: str, target: str, *evidence: tuple[str, str],
             role: str = "") -> str:
        """Add `source -[kind]-> target` stated by (article id, sentence) pairs."""
        items = [{"article": a, "sentence": s, "start": 0, "end": len(s), "extractor": "sample",
                  "confidence": 1.0} for a, s in evidence]
        articles = sorted({a for a, _ in evidence})
        key = f"{source}|{kind}|{target}"
        data = {"type": kind, "articles": articles, "evidence": items, "confidence": 1.0,
                "weight": len(items)}
        if role:
            data["role"] = role
        self.G.add_edge(source, target, key=key, **data)
        for node in (source, target):
            self.G.nodes[node]["articles"] = sorted({*self.G.nodes[node]["articles"], *articles})
        return key


ZH = "zh/20240412-fossasia.md"
EN = "en/20240415-fossasia.md"
SUMMIT = "zh/20231216-summit.md"
DEVDAY = "zh/20230421-devday.md"


def sample_graph() -> nx.MultiDiGraph:
    """The FOSSASIA Summit 2024 (Hanoi, 2024-04-08) and two 2023 events, both languages.

    Partners by number of events: openEuler 3; Huawei, ISCAS 2; KylinSoft,
    Linaro, UnionTech 1. Hunan University is mentioned but takes part in nothing.
    """
    b = GraphBuilder()
    b.article(ZH, "聚焦开源力量：openEuler携手合作伙伴闪耀FOSSASIA Summit 2024", "2024-04-12", "zh")
    b.article(EN, "openEuler shines at FOSSASIA Summit 2024", "2024-04-15", "en")
    b.article(SUMMIT, "操作系统大会 & openEuler Summit 2023 在北京举办", "2023-12-16", "zh")
    b.article(DEVDAY, "openEuler Developer Day 2023 在上海召开", "2023-04-21", "zh")

    oe = b.node("org:openeuler", "openEuler", "OpenAtom openEuler", "openEuler社区")
    huawei = b.node("org:huawei", "Huawei", "华为")
    kylin = b.node("org:kylinsoft", "KylinSoft", "麒麟软件")
    iscas = b.node("org:iscas", "ISCAS", "中科院软件所", "中国科学院软件研究所")
    uos = b.node("org:uniontech", "UnionTech", "统信")
    linaro = b.node("org:linaro", "Linaro")
    hnu = b.node("org:hunan-university", "Hunan University", "湖南大学")

    fossasia = b.node("event:fossasia-summit-2024", "FOSSASIA Summit 2024", "FOSSASIA Summit",
                      date="date:2024-04-08", venue="venue:hanoi", series="FOSSASIA Summit",
                      edition="2024")
    summit = b.node("event:openeuler-summit-2023", "openEuler Summit 2023", "操作系统大会2023",
                    date="date:2023-12-15", venue="venue:beijing")
    devday = b.node("event:openeuler-developer-day-2023", "openEuler Developer Day 2023", "ODD 2023",
                    date="date:2023-04-20", venue="venue:shanghai")
    hanoi = b.node("venue:hanoi", "Hanoi", "越南河内")
    beijing = b.node("venue:beijing", "Beijing", "北京")
    shanghai = b.node("venue:shanghai", "Shanghai", "上海")
    d1 = b.node("date:2024-04-08", "2024-04-08", "4月8日")
    d2 = b.node("date:2023-12-15", "2023-12-15", "12月15日")
    d3 = b.node("date:2023-04-20", "2023-04-20", "4月20日")

    xiong = b.node("person:xiong-wei", "Xiong Wei", "熊伟", "熊博")
    xu = b.node("person:xu-guodong", "Xu Guodong", "徐国栋")
    keynote = b.node("talk:ushering-in-a-future-of-digital-intelligence",
                     "Ushering in a Future of Digital Intelligence")
    nestos_talk = b.node("talk:nestos-cloud-native", "NestOS：面向云原生的操作系统")
    copilot = b.node("product:eulercopilot", "EulerCopilot", "openEuler Copilot System")
    nestos = b.node("product:nestos", "NestOS", "Nest OS")
    lts = b.node("version:openeuler-24-03-lts", "openEuler 24.03 LTS", "24.03 LTS")

    zh_booth = "OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。"
    en_booth = "openEuler exhibited at FOSSASIA Summit 2024 together with Linaro and other partners."
    b.edge(fossasia, "HELD_ON", d1, (ZH, "国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。"))
    b.edge(fossasia, "HELD_AT", hanoi, (ZH, "国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。"),
           (EN, "FOSSASIA Summit 2024 took place in Hanoi on April 8."))
    b.edge(summit, "HELD_ON", d2, (SUMMIT, "12月15日，操作系统大会 & openEuler Summit 2023在北京举办。"))
    b.edge(summit, "HELD_AT", beijing, (SUMMIT, "12月15日，操作系统大会 & openEuler Summit 2023在北京举办。"))
    b.edge(devday, "HELD_ON", d3, (DEVDAY, "4月20日，openEuler Developer Day 2023在上海召开。"))
    b.edge(devday, "HELD_AT", shanghai, (DEVDAY, "4月20日，openEuler Developer Day 2023在上海召开。"))

    b.edge(oe, "PARTICIPATED_IN", fossasia, (ZH, zh_booth), (EN, en_booth))
    b.edge(huawei, "PARTICIPATED_IN", fossasia, (ZH, zh_booth))
    b.edge(kylin, "PARTICIPATED_IN", fossasia, (ZH, zh_booth))
    b.edge(iscas, "PARTICIPATED_IN", fossasia, (ZH, zh_booth))
    b.edge(linaro, "PARTICIPATED_IN", fossasia, (EN, en_booth))
    b.edge(oe, "PARTICIPATED_IN", summit, (SUMMIT, "openEuler社区携手中科院软件所、统信共同亮相大会。"))
    b.edge(iscas, "PARTICIPATED_IN", summit, (SUMMIT, "openEuler社区携手中科院软件所、统信共同亮相大会。"))
    b.edge(uos, "PARTICIPATED_IN", summit, (SUMMIT, "openEuler社区携手中科院软件所、统信共同亮相大会。"))
    b.edge(oe, "PARTICIPATED_IN", devday, (DEVDAY, "openEuler社区与华为在开发者大会上展示最新成果。"))
    b.edge(huawei, "PARTICIPATED_IN", devday, (DEVDAY, "openEuler社区与华为在开发者大会上展示最新成果。"))

    b.edge(xiong, "AFFILIATED_WITH", oe, (ZH, "openEuler社区执行总监熊伟发表了主旨演讲。"), role="执行总监")
    b.edge(xu, "AFFILIATED_WITH", kylin, (ZH, "麒麟软件工程师徐国栋介绍了NestOS。"), role="工程师")
    b.edge(xiong, "PRESENTED_AT", fossasia, (ZH, "openEuler社区执行总监熊伟发表了主旨演讲。"))
    b.edge(xiong, "PRESENTED", keynote,
           (ZH, "熊伟发表了题为\"Ushering in a Future of Digital Intelligence\"的主旨演讲。"))
    b.edge(keynote, "AT", fossasia,
           (ZH, "熊伟发表了题为\"Ushering in a Future of Digital Intelligence\"的主旨演讲。"))
    b.edge(xu, "PRESENTED", nestos_talk, (ZH, "麒麟软件工程师徐国栋介绍了NestOS。"))
    b.edge(nestos_talk, "AT", fossasia, (ZH, "麒麟软件工程师徐国栋介绍了NestOS。"))
    b.edge(kylin, "SHOWCASED", nestos, (ZH, "麒麟软件展示了基于openEuler的云原生操作系统NestOS。"))
    b.edge(oe, "SHOWCASED", copilot, (ZH, "openEuler开发了EulerCopilot和GMEM等AI技术。"))
    b.edge(oe, "RELEASED", lts, (EN, "openEuler 24.03 LTS was released in June."))
    b.G.nodes[hnu]["articles"] = [ZH]
    return b.G


def write_graph_json(G: nx.MultiDiGraph, out_dir: str | Path) -> Path:
    """Write `G` as `out_dir/graph.json`, node-link JSON with an `edges` key, as a build does."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "graph.json"
    data = nx.node_link_data(G, edges="edges")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True),
                    encoding="utf-8")
    return path

"""build_graph(Resolved) -> networkx.MultiDiGraph with provenance on every node and edge.

Lists stay lists here (the writers flatten them per format); no attribute is
ever None. Edge keys are `<source>|<TYPE>|<target>`, unique across the graph
(graphology refuses a GraphML edge id used twice).
"""
from __future__ import annotations

import networkx as nx

from graphkit.types import Resolved

__all__ = ["build_graph"]


def build_graph(resolved: Resolved, articles: dict[str, dict] | None = None) -> nx.MultiDiGraph:
    """The event graph; `articles` (id -> title, date, lang) goes to G.graph["articles"]."""
    graph = nx.MultiDiGraph()
    graph.graph["articles"] = dict(sorted((articles or {}).items()))
    for ent in resolved.entities:
        data = {"id": ent.id, "type": ent.label, "label": ent.name, "aliases": list(ent.aliases),
                "articles": list(ent.article_ids), "confidence": ent.confidence, "rules": list(ent.rule_ids)}
        data.update((k, v) for k, v in ent.attrs if v not in (None, ""))
        graph.add_node(ent.id, **data)
    dates = {a: meta.get("date") for a, meta in (articles or {}).items()}
    event_dates = {n: d["date"].split(":", 1)[1] for n, d in graph.nodes(data=True) if d.get("date")}
    for rel in resolved.relations:
        evidence = [{"article": e.article, "sentence": e.sentence, "start": e.start, "end": e.end,
                     "extractor": e.extractor, "confidence": e.confidence} for e in rel.evidence]
        arts = sorted({e.article for e in rel.evidence})
        when = sorted(d for d in (event_dates.get(rel.target) or event_dates.get(rel.source),) if d) or \
            sorted(dates[a] for a in arts if dates.get(a))
        data = {"type": rel.type, "articles": arts, "evidence": evidence,
                "confidence": rel.confidence, "weight": len(evidence)}
        if rel.role:
            data["role"] = rel.role
        if when:
            data["start"], data["end"] = when[0], when[-1]
        graph.add_edge(rel.source, rel.target, key=f"{rel.source}|{rel.type}|{rel.target}", **data)
    return graph

"""Score a graph against gold annotations (../shared/gold/GUIDELINES.md).

The counting follows the reference scorer exactly (its numbers must agree
with `score.py`): per article and type, a node matches a gold entity when
one of its normalised names equals one of the gold names (DATEs by value);
an edge matches when its type and both matched ends agree. On top of that,
every miss and every extra comes with the sentence that explains it.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from graphkit.slug import name_key

ENTITY_TYPES = ("ORG", "PERSON", "EVENT", "VENUE", "DATE", "VERSION", "PRODUCT")
RELATION_TYPES = ("AFFILIATED_WITH", "PRESENTED_AT", "PARTICIPATED_IN", "HELD_AT", "HELD_ON",
                  "SHOWCASED", "RELEASED")


@dataclass
class Counts:
    tp_pred: int = 0
    pred: int = 0
    tp_gold: int = 0
    gold: int = 0

    def add(self, other: "Counts") -> None:
        self.tp_pred += other.tp_pred
        self.pred += other.pred
        self.tp_gold += other.tp_gold
        self.gold += other.gold

    def prf(self) -> dict:
        p = self.tp_pred / self.pred if self.pred else 0.0
        r = self.tp_gold / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "pred": self.pred, "gold": self.gold}


@dataclass
class Score:
    entities: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in ENTITY_TYPES})
    relations: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in RELATION_TYPES})
    errors: list[dict] = field(default_factory=list)
    bilingual: int = 0
    one_node: int = 0
    articles: int = 0

    def total(self, table: dict[str, Counts]) -> dict:
        total = Counts()
        for c in table.values():
            total.add(c)
        return total.prf()

    def as_dict(self) -> dict:
        return {
            "entities": {t: c.prf() for t, c in self.entities.items()},
            "entities_all": self.total(self.entities),
            "relations": {t: c.prf() for t, c in self.relations.items()},
            "relations_all": self.total(self.relations),
            "cross_language": {"ids": self.bilingual, "one_node": self.one_node,
                               "rate": round(self.one_node / self.bilingual, 3) if self.bilingual else None},
            "articles": self.articles,
        }


def _suffixes(article_id: str) -> set[str]:
    parts = str(article_id).replace("\\", "/").strip("/").split("/")
    return {"/".join(parts[i:]) for i in range(len(parts))}


def _node_names(node: dict) -> set[str]:
    names = [node.get("label", ""), node.get("id", ""), *(node.get("aliases") or [])]
    if node.get("value"):
        names.append(node["value"])
    return {k for k in (name_key(n) for n in names if n) if k}


def _gold_names(entity: dict) -> set[str]:
    if entity["type"] == "DATE":
        return {name_key(entity["value"])}
    return {k for k in (name_key(n) for n in entity["names"]) if k}


def load_graph_json(path: Path) -> tuple[list[dict], list[dict]]:
    if path.is_dir():
        path = path / "graph.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["nodes"], data.get("edges", data.get("links", []))


def _evidence_for(edge: dict, article: str) -> str:
    for ev in edge.get("evidence") or []:
        if article in _suffixes(ev.get("article", "")):
            return ev.get("sentence", "")
    return ""


def score_graph(graph_path: str | Path, gold_dir: str | Path) -> Score:
    """Compare graph.json (or an output folder) with every gold file in gold_dir."""
    nodes, edges = load_graph_json(Path(graph_path))
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(gold_dir).glob("*.json"))]
    nodes_by_article: dict[str, list[dict]] = defaultdict(list)
    for node in nodes:
        for key in {k for a in node.get("articles") or [] for k in _suffixes(a)}:
            nodes_by_article[key].append(node)
    edges_by_article: dict[str, list[dict]] = defaultdict(list)
    for edge in edges:
        for key in {k for a in edge.get("articles") or [] for k in _suffixes(a)}:
            edges_by_article[key].append(edge)
    score = Score(articles=len(golds))
    gold_nodes: dict[str, set[str]] = defaultdict(set)
    langs: dict[str, set[str]] = defaultdict(set)
    for gold in golds:
        art = gold["article"].replace("\\", "/").strip("/")
        preds = [n for n in nodes_by_article.get(art, []) if n.get("type") in ENTITY_TYPES]
        gold_entities = [e for e in gold["entities"] if e["type"] in ENTITY_TYPES]
        gold_by_id = {e["id"]: e for e in gold_entities}
        match = {n["id"]: {e["id"] for e in gold_entities if e["type"] == n["type"] and _node_names(n) & _gold_names(e)}
                 for n in preds}
        for node in preds:
            counts = score.entities[node["type"]]
            counts.pred += 1
            if match[node["id"]]:
                counts.tp_pred += 1
            else:
                score.errors.append({"article": art, "kind": "extra", "type": node["type"],
                                     "what": node.get("label", node["id"]), "id": node["id"]})
        for ent in gold_entities:
            counts = score.entities[ent["type"]]
            counts.gold += 1
            langs[ent["id"]].add(gold.get("lang"))
            found = [nid for nid, ids in match.items() if ent["id"] in ids]
            if found:
                counts.tp_gold += 1
                gold_nodes[ent["id"]].update(found)
            else:
                score.errors.append({"article": art, "kind": "missed", "type": ent["type"],
                                     "what": ent["names"][0] if ent.get("names") else ent["id"], "id": ent["id"],
                                     "names": list(ent.get("names") or [])})
        gold_rels = {tuple(r) for r in gold["relations"] if r[0] in RELATION_TYPES}
        found_gold = set()
        for edge in edges_by_article.get(art, []):
            if edge.get("type") not in RELATION_TYPES:
                continue
            counts = score.relations[edge["type"]]
            counts.pred += 1
            heads, tails = match.get(edge["source"], set()), match.get(edge["target"], set())
            hit = {r for r in gold_rels if r[0] == edge["type"] and r[1] in heads and r[2] in tails}
            if hit:
                counts.tp_pred += 1
                found_gold |= hit
            else:
                score.errors.append({"article": art, "kind": "extra", "type": edge["type"],
                                     "what": f"{edge['source']} -> {edge['target']}",
                                     "sentence": _evidence_for(edge, art)})
        for r in sorted(gold_rels):
            score.relations[r[0]].gold += 1
            if r in found_gold:
                score.relations[r[0]].tp_gold += 1
            else:
                head = gold_by_id.get(r[1], {}).get("names", [r[1]])
                tail = gold_by_id.get(r[2], {}).get("names", [r[2]])
                score.errors.append({"article": art, "kind": "missed", "type": r[0],
                                     "what": f"{r[1]} -> {r[2]}",
                                     "hint": f"{head[0] if head else r[1]} / {tail[0] if tail else r[2]}",
                                     "names": list(head), "names2": list(tail)})
    bilingual = [gid for gid, ls in langs.items() if {"zh", "en"} <= ls]
    score.bilingual = len(bilingual)
    score.one_node = sum(1 for gid in bilingual if len(gold_nodes.get(gid, ())) == 1)
    return score


def format_table(score: Score) -> str:
    d = score.as_dict()
    lines = [f"{'type':<16}{'P':>7}{'R':>7}{'F1':>7}{'pred':>6}{'gold':>6}"]
    for t, s in list(d["entities"].items()) + [("ENTITIES", d["entities_all"])]:
        lines.append(f"{t:<16}{s['p']:>7}{s['r']:>7}{s['f1']:>7}{s['pred']:>6}{s['gold']:>6}")
    for t, s in list(d["relations"].items()) + [("RELATIONS", d["relations_all"])]:
        lines.append(f"{t:<16}{s['p']:>7}{s['r']:>7}{s['f1']:>7}{s['pred']:>6}{s['gold']:>6}")
    cl = d["cross_language"]
    lines.append(f"cross-language: {cl['one_node']}/{cl['ids']} ids on one node")
    lines.append(f"entity F1 {d['entities_all']['f1']} relation F1 {d['relations_all']['f1']} "
                 f"cross-language {cl['rate']} on {d['articles']} articles")
    return "\n".join(lines)


def attach_sentences(score: Score, articles: dict[str, "CleanText"]) -> None:
    """Give each miss the first sentence of its article that names it (both ends, for a relation)."""
    by_suffix = {k: clean for aid, clean in articles.items() for k in _suffixes(aid)}
    for err in score.errors:
        clean = by_suffix.get(err["article"])
        if err["kind"] != "missed" or clean is None or err.get("sentence"):
            continue
        first = [name_key(n) for n in err.get("names", []) if name_key(n)]
        second = [name_key(n) for n in err.get("names2", []) if name_key(n)]
        for s, e in clean.sentences:
            key = name_key(clean.text[s:e])
            if any(n in key for n in first) and (not second or any(n in key for n in second)):
                err["sentence"] = clean.text[s:e]
                break


def format_errors(score: Score) -> str:
    out = []
    for e in score.errors:
        line = f"{e['article']}: {e['kind']} {e['type']} {e['what']}"
        if e.get("hint"):
            line += f"  ({e['hint']})"
        if e.get("sentence"):
            line += f"\n    « {e['sentence'][:200]} »"
        out.append(line)
    return "\n".join(out)

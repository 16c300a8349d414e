"""Turn what an analyst types (华为, ＫｙｌｉｎＳｏｆｔ, org:kylinsoft) into node ids.

In: a graph whose nodes carry `label`, `aliases` and `type` (docs/graph-contract.md).
Out: `NameIndex.resolve(name, types=...)` -> one node id. A name matches a node
when it equals the node id, or when its normalised form equals the normalised
label, an alias, the id or the id without its `type:` prefix. Normalising
applies NFKC (full-width letters, Kangxi radicals), lower-cases and drops
spaces, punctuation and control characters, so `Kylin Soft`, `kylinsoft` and
`ＫｙｌｉｎＳｏｆｔ` are one name. It refuses to guess: several matches raise
`AmbiguousNameError` listing the candidates, none raises `UnknownNameError`.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from graphkit.errors import GraphkitError

__all__ = [
    "AmbiguousNameError",
    "Candidate",
    "NameIndex",
    "NameLookupError",
    "UnknownNameError",
    "normalize_name",
]


def normalize_name(text: str) -> str:
    """Fold a name for matching: NFKC, lower case, no spaces or punctuation.

    Symbols (`+`, `#`) are kept, so `C++` and `C` stay apart. A name made only
    of punctuation keeps its folded text rather than becoming empty.

    >>> normalize_name("Ｋｙｌｉｎ Soft")
    'kylinsoft'
    >>> normalize_name("openEuler & OS")
    'openeuleros'
    """
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZC")
    return kept or folded.strip()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One node a name could mean."""

    id: str
    type: str
    label: str

    def describe(self) -> str:
        return f"{self.id} ({self.type}, {self.label})"


class NameLookupError(GraphkitError):
    """A name that does not lead to exactly one node."""

    def __init__(self, name: str, message: str, candidates: tuple[Candidate, ...] = ()):
        self.name, self.candidates = name, candidates
        super().__init__(message)


class AmbiguousNameError(NameLookupError):
    """A name that matches several nodes; `candidates` lists them, sorted by id."""


class UnknownNameError(NameLookupError):
    """A name that matches no node (of the wanted type).

    `candidates` holds near misses of the wanted type, then nodes of other
    types that carry exactly this name.
    """


def _kinds(types: tuple[str, ...] | None) -> str:
    return " or ".join(types) if types else "node"


class NameIndex:
    """Every name of every node, folded, for lookups in both languages.

    Args:
        G: the graph; only node attributes `type`, `label` and `aliases` are read.
    """

    def __init__(self, G: nx.MultiDiGraph):
        self._G = G
        self._by_name: dict[str, set[str]] = defaultdict(set)
        for node, data in G.nodes(data=True):
            for name in self.names_of(node, data):
                key = normalize_name(name)
                if key:
                    self._by_name[key].add(node)

    @staticmethod
    def names_of(node: str, data: dict) -> list[str]:
        """The names a node answers to: label, aliases, id and id without its prefix."""
        names = [str(node), str(data.get("label", ""))]
        names += [str(a) for a in data.get("aliases") or ()]
        if ":" in str(node):
            names.append(str(node).split(":", 1)[1])
        return [n for n in names if n]

    def candidate(self, node: str) -> Candidate:
        data = self._G.nodes[node]
        return Candidate(node, str(data.get("type", "")), str(data.get("label", node)))

    def matches(self, name: str, types: tuple[str, ...] | None = None) -> list[str]:
        """All node ids `name` matches, restricted to `types` when given, sorted."""
        if name in self._G and (not types or self._G.nodes[name].get("type") in types):
            return [name]
        found = self._by_name.get(normalize_name(name), set())
        if types:
            found = {n for n in found if self._G.nodes[n].get("type") in types}
        return sorted(found)

    def resolve(self, name: str, types: tuple[str, ...] | None = None) -> str:
        """The one node id `name` stands for.

        Args:
            name: a label, alias or id in either language, e.g. `麒麟软件`,
                `KylinSoft` or `org:kylinsoft`.
            types: node types to accept, e.g. `("ORG",)`; None accepts any.

        Raises:
            AmbiguousNameError: several nodes match; the message lists their ids.
            UnknownNameError: nothing matches; the message says what else the
                name is (another type) or which names come close.
        """
        found = self.matches(name, types)
        if len(found) == 1:
            return found[0]
        if found:
            cands = tuple(self.candidate(n) for n in found)
            listed = "; ".join(c.describe() for c in cands)
            raise AmbiguousNameError(
                name, f"{name!r} matches {len(cands)} {_kinds(types)}s: {listed}; "
                "give one of these ids instead", cands)
        other = tuple(self.candidate(n) for n in self.matches(name)) if types else ()
        near = self._near(name, types)
        message = f"no {_kinds(types)} named {name!r}"
        if other:
            message += "; it names " + "; ".join(c.describe() for c in other)
        if near:
            message += "; did you mean: " + "; ".join(c.describe() for c in near)
        raise UnknownNameError(name, message, near + other)

    def _near(self, name: str, types: tuple[str, ...] | None, limit: int = 5) -> tuple[Candidate, ...]:
        key = normalize_name(name)
        if len(key) < 2:
            return ()
        found = {n for k, nodes in self._by_name.items() if key in k for n in nodes}
        if types:
            found = {n for n in found if self._G.nodes[n].get("type") in types}
        return tuple(self.candidate(n) for n in sorted(found)[:limit])

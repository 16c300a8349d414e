"""Node colours by type, shared by every writer that draws (GEXF, HTML).

`TYPE_COLORS` maps each node type of the graph contract to a `#rrggbb`
colour; a type not listed gets `DEFAULT_COLOR`. The first seven are the
Okabe-Ito colour-blind-safe palette; TALK uses Paul Tol's wine.
"""
from __future__ import annotations

__all__ = ["DEFAULT_COLOR", "TYPE_COLORS", "color_for", "hex_to_rgb"]

TYPE_COLORS: dict[str, str] = {
    "ORG": "#0072B2",
    "PERSON": "#E69F00",
    "EVENT": "#D55E00",
    "VENUE": "#009E73",
    "DATE": "#56B4E9",
    "VERSION": "#CC79A7",
    "PRODUCT": "#F0E442",
    "TALK": "#882255",
}
DEFAULT_COLOR = "#999999"


def color_for(node_type: object) -> str:
    """The `#rrggbb` colour of a node type, `DEFAULT_COLOR` when unknown."""
    return TYPE_COLORS.get(str(node_type), DEFAULT_COLOR)


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """`"#0072B2"` -> `(0, 114, 178)`."""
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)

"""graphkit: news articles (zh/en Markdown) -> an event knowledge graph with provenance.

    >>> import graphkit
    >>> g = graphkit.build_graph("examples/articles")      # networkx.MultiDiGraph

Attributes load on first use so that `graphkit --help` starts fast.
"""
__version__ = "0.1.0"
__all__ = ["build_graph", "load_rules", "__version__"]


def __getattr__(name):
    if name == "build_graph":
        from graphkit.pipeline import build_graph_from_path

        return build_graph_from_path
    if name == "load_rules":
        from graphkit.rules import load_rules

        return load_rules
    raise AttributeError(name)

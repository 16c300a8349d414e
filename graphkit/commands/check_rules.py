"""graphkit check-rules: load and validate a rules folder, print what it holds."""
from __future__ import annotations

import argparse
from collections import Counter


def add_parser(sub) -> None:
    p = sub.add_parser("check-rules", help="validate a rules folder",
                       description="Load every rule file, check its schema, regexes and examples.",
                       epilog="Example:\n  graphkit check-rules rules/",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rules", nargs="?", default=None, help="rules folder (default: the bundled rules/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphkit.rules import load_rules

    rules = load_rules(args.rules)
    labels = Counter(e.label for e in rules.gazetteer)
    print(f"rules {rules.directory}: digest {rules.digest}")
    print("gazetteer: " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    print("patterns: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(rules.regexes.items())))
    print(f"lexicon lists: {len(rules.lexicon)}; same_as {len(rules.same_as)}; never_merge {len(rules.never_merge)}")
    return 0

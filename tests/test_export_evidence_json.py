"""EvidenceJSON gives json.dumps' text for graph.py's evidence lists, None for any other shape."""
import json

import pytest

from graphkit.export.evidence_json import EvidenceJSON


def _item(**changes):
    item = {"article": "zh/a.md", "confidence": 0.9, "end": 12, "extractor": "relations/x.yaml#held",
            "sentence": "华为参加了“开放原子”峰会 <b>&amp;</b> \"quoted\" 100%s", "start": 3}
    item.update(changes)
    return item


def _dumps(evidence, pad):
    if pad is None:
        return json.dumps(evidence, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(evidence, sort_keys=True, ensure_ascii=False, indent=1).replace("\n", pad)


@pytest.mark.parametrize("pad", [None, "\n", "\n   "])
@pytest.mark.parametrize("evidence", [
    [_item()],
    [_item(), _item(article="en/b.md", confidence=0.0, start=0, end=0), _item(confidence=-0.0, start=7)],
    [_item(sentence="lone \ud800 surrogate", confidence=1e-300, start=-5, end=2**70)],
    [{k: v for k, v in reversed(list(_item().items()))}],       # key order does not matter
])
def test_evidence_json_matches_json_dumps(evidence, pad):
    assert EvidenceJSON(pad).encode(evidence) == _dumps(evidence, pad)


@pytest.mark.parametrize("evidence", [
    [], None, "text", ({**_item()},), [_item(), "not a dict"],
    [_item(confidence=float("nan"))], [_item(confidence=float("inf"))], [_item(confidence=1)],
    [_item(start=True)], [_item(end=1.0)], [_item(article=None)], [_item(sentence=["a"])],
    [_item(extra=1)], [{k: v for k, v in _item().items() if k != "end"}],
])
def test_evidence_json_refuses_other_shapes(evidence):
    assert EvidenceJSON().encode(evidence) is None

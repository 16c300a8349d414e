"""The optional statistical NER: a clear error without the model, real entities with it."""
from __future__ import annotations

import importlib.util

import pytest

from graphkit.errors import GraphkitError
from graphkit.extract.ner import SpacyNer


def test_ner_missing_model_is_a_clear_error():
    with pytest.raises(GraphkitError, match="--spacy-model no_such_model_xx: not installed"):
        SpacyNer("no_such_model_xx")


@pytest.mark.model
@pytest.mark.skipif(importlib.util.find_spec("en_core_web_sm") is None, reason="en_core_web_sm is not installed")
def test_ner_english_model_adds_people():
    ner = SpacyNer("en_core_web_sm")
    found = {(m.label, m.text) for m in ner.mentions("a.md", "Barack Obama visited Hanoi with Microsoft.")}
    assert ("PERSON", "Barack Obama") in found

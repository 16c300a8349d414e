"""Statistical NER from an installed spaCy model, added to the rule-based candidates.

Used only with `--spacy-model NAME` (zh_core_web_sm, en_core_web_sm, ...): models
are not on PyPI and nothing is downloaded at run time, so a missing model is a
clear error, never a download. Its entities compete with the rules' for the
text with the lowest priority (rule id `ner/<model>`), so a gazetteer name wins.
"""
from __future__ import annotations

from graphkit.errors import GraphkitError
from graphkit.types import Mention

# spaCy (OntoNotes) labels -> graphkit types; DATE is left to the date rules, which resolve ISO values.
LABELS = {"ORG": "ORG", "PERSON": "PERSON", "PER": "PERSON", "GPE": "VENUE", "LOC": "VENUE", "FAC": "VENUE",
          "EVENT": "EVENT", "PRODUCT": "PRODUCT", "WORK_OF_ART": "TALK"}
_CHUNK = 100_000     # characters per doc: spaCy's default max_length is 1,000,000


class SpacyNer:
    def __init__(self, model: str):
        try:
            import spacy

            self.nlp = spacy.load(model, exclude=["lemmatizer", "textcat"])
        except OSError as exc:
            raise GraphkitError(f"--spacy-model {model}: not installed ({exc.__class__.__name__}); "
                                f"install it with pip (e.g. the wheel from spaCy's releases) or drop the option") from None
        self.rule_id = f"ner/{model}"

    def mentions(self, article_id: str, text: str):
        for offset in range(0, len(text), _CHUNK):
            doc = self.nlp(text[offset:offset + _CHUNK])
            for ent in doc.ents:
                label = LABELS.get(ent.label_)
                if label and len(ent.text.strip()) > 1:
                    yield Mention(article_id, label, ent.text, offset + ent.start_char, offset + ent.end_char,
                                  self.rule_id, confidence=0.5)

"""Context rules: people by role and honorific, organisations by suffix and list.

These find names no gazetteer knows (`主席江大勇`, `何若轻老师`, `Adrian,
Director of International Business Expansion at EasyStack`, `与A、B、C等
合作伙伴`). The word lists come from rules/lexicon/; jieba is used only on
short candidate windows, never on whole articles (speed).
"""
from __future__ import annotations

import re
from functools import lru_cache

from graphkit.extract.anchors import matches
from graphkit.rules import RegexRule, Rules, word_alternation as _alternation
from graphkit.types import Mention

CJK = "\u4e00-\u9fff"
_CLAUSE_END = re.compile(r"[，。；：！？,;:!?\n（）()《》「」“”\"]")


@lru_cache(maxsize=1)
def _posseg():
    """jieba's POS tagger, imported on first use (~0.13 s with graphkit's shard file, whose parts
    load as sentences need them; ~1.2 s without)."""
    from graphkit.extract.jieba_dict import load_jieba
    from graphkit.extract.posseg_viterbi import install

    posseg = load_jieba()
    install(posseg)
    return posseg


def _scan_rule(rule_id: str, pattern: re.Pattern, anchor: re.Pattern) -> RegexRule:
    return RegexRule(rule_id, "", pattern, 1.0, rule_id, "", anchor)


class ContextRules:
    """Compiled context patterns for one Rules."""

    def __init__(self, rules: Rules):
        self.surnames = set(rules.words("zh_surnames"))
        self.double_surnames = {s for s in self.surnames if len(s) == 2}
        self.name_stops = set(rules.words("zh_name_stops"))
        self.not_name_suffix = set(rules.words("zh_not_name_suffix"))
        self.name_follow = tuple(sorted(rules.words("zh_name_follow"), key=len, reverse=True))
        self.en_not_names = set(rules.words("en_not_names"))
        roles = _alternation(rules.words("zh_roles"))
        honorifics = _alternation(rules.words("zh_honorifics"))
        self.zh_role_name = re.compile(rf"(?:{roles})(?:[:：\s]?)(?=[{CJK}]{{2}})")
        self.zh_role_latin = re.compile(
            rf"(?:{roles})[:：\s]?(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}})(?![A-Za-z])")
        self.coordinated = re.compile(r"\s?(?:和|与|、|及|以及|and)\s?")
        speech = _alternation(rules.words("zh_speech_verbs"))
        self.zh_clause_speaker = re.compile(
            rf"(?:^|(?<=[。！？；，：\n]))(?P<name>[{CJK}]{{2,4}}?)(?={speech})", re.M)
        self.zh_name_honorific = re.compile(rf"(?<=[{CJK}])(?:{honorifics})")
        en_titles = rules.words("en_titles")
        # Titles appear capitalised and in running text, singular and plural: founders, representative.
        variants = {v for t in en_titles for v in (t, t.lower(), t + "s", t.lower() + "s")}
        titles = _alternation(variants)
        name = r"(?:[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?)"
        self.en_name = name
        # A name that starts a word: its capital first, then the look back at what precedes
        # it. A pattern that opens with a character class lets `re` skip to the next capital;
        # one that opens with the look-behind is tried at every position (2x slower).
        first_name = r"(?:[A-Z](?<![\w.][A-Z])[a-z]+(?:-[A-Z]?[a-z]+)?)"
        # Xiong Wei, the Executive Director of openEuler / Adrian, Director of ... at EasyStack
        self.en_name_comma_title = re.compile(
            rf"(?P<name>{first_name}(?: {name}){{0,2}}),\s+(?:the\s+|a\s+|an\s+)?(?P<title>(?:[\w&/-]++\s++){{0,5}}?(?:{titles})\b)")
        # Executive Director of openEuler, Xiong Wei / openEuler Executive Director Xiong Wei
        self.en_title_name = re.compile(
            rf"(?:{titles})(?:,?\s+(?P<name>{name}(?: {name}){{0,2}})(?![\w])"
            rf"|\s+(?:of|at)\s+[^,.;:!?]{{1,60}},\s+(?P<name2>{name}(?: {name}){{0,2}})(?![\w]))")
        self.en_honorific = re.compile(rf"\b(?:Mr|Ms|Mrs|Dr|Prof|Professor)(?:\.\s*|\s+)(?P<name>{name}(?: {name}){{0,2}})")
        self.en_name_verb = re.compile(
            rf"(?P<name>{first_name} {name}(?: {name})?)\s+(?:(?:from|of|at)\s+(?=[A-Z])"
            rf"|(?:delivered|gave|presented|shared|introduced|spoke|highlighted|explained|said|noted|stated|emphasized|emphasised|pointed out)\b)")
        # Each English person pattern runs only near the words it needs (a title, an honorific,
        # a verb): scanning every capital letter of a long article is the slow part otherwise.
        title_anchor = re.compile(rf"(?:{titles})\b")
        self._en_people_rules = tuple(
            (RegexRule(rule, "PERSON", pattern, conf, rule, "", anchor), rule, conf)
            for pattern, anchor, rule, conf in (
                (self.en_name_comma_title, title_anchor, "context/en-name-comma-title", 0.8),
                (self.en_honorific, re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Prof|Professor)\b"), "context/en-honorific", 0.8),
                (self.en_name_verb, re.compile(r"\b(?:from|of|at|delivered|gave|presented|shared|introduced|spoke|highlighted|explained|said|noted|stated|emphasi[sz]ed|pointed out)\b"),
                 "context/en-name-context", 0.6),
                (self.en_title_name, title_anchor, "context/en-title-name", 0.7)))
        suffixes = sorted(rules.words("zh_org_suffixes"), key=len, reverse=True)
        self.zh_strong_suffix = re.compile(
            "(?:" + _alternation([s for s in suffixes if s in _STRONG_ZH_SUFFIXES]) + ")")
        heads = _alternation(rules.words("zh_org_list_heads"))
        self.zh_list_end = re.compile(rf"等[^，。；、\s]{{0,8}}?(?:{heads})|(?<=[{CJK}A-Za-z])(?:\d+|[两三四五六七八九十]+)家(?:{heads})")
        # Only cues whose head noun says the items are organisations: a bare "such as" lists
        # features and products as often as partners.
        self.en_list_cue = re.compile(
            r"\b(?:partners|companies|organi[sz]ations|vendors|members|enterprises|universities|institutions|"
            r"communities|foundations|manufacturers|providers|operators|firms|sponsors|co-organi[sz]ers|organi[sz]ers)"
            r"(?:,)?\s+(?:such as|including|like|from|:)\s+", re.I)
        en_suffixes = _alternation(rules.words("en_org_suffixes"))
        en_org_suffix = re.compile(
            rf"(?<![\w])(?P<org>(?:(?:[A-Z][\w&.-]*+|of|for|and|the|de)\s){{0,5}}(?:{en_suffixes}))(?![\w])"
            rf"|(?<![\w])(?P<org2>(?:University|Institute|Academy) of(?: [A-Z][\w-]*+| and| the){{1,5}})")
        # Run only near a suffix word: the pattern otherwise starts at every capital letter.
        self._en_org_rule = RegexRule("context/en-org-suffix", "ORG", en_org_suffix, 0.6, "context/en-org-suffix",
                                      anchor=re.compile(rf"{en_suffixes}|University|Institute|Academy"), window=200)

        # Scans of the whole text, each run only near the words its matches need (found for
        # all of them in one pass, extract/anchors.py): a role, a speech verb, 等 or 家...
        cue_nouns = re.compile(
            r"partners|companies|organi[sz]ations|vendors|members|enterprises|universities|institutions|"
            r"communities|foundations|manufacturers|providers|operators|firms|sponsors|organi[sz]ers", re.I)
        role_words = re.compile(roles)
        self._zh_role_rule = _scan_rule("context/zh-role-name", self.zh_role_name, role_words)
        self._zh_role_latin_rule = _scan_rule("context/zh-role-latin-name", self.zh_role_latin, role_words)
        self._zh_speaker_rule = _scan_rule("context/zh-clause-speaker", self.zh_clause_speaker, re.compile(speech))
        self._zh_honorific_rule = _scan_rule("context/zh-name-honorific", self.zh_name_honorific,
                                             re.compile(honorifics))
        self._zh_list_rule = _scan_rule("context/zh-org-list", self.zh_list_end, re.compile("等|家"))
        self._en_list_rule = _scan_rule("context/en-org-list", self.en_list_cue, cue_nouns)

    # --- people -----------------------------------------------------------

    def _zh_name_at(self, text: str, start: int) -> tuple[int, int] | None:
        """A Chinese name starting at `start`, 2-3 characters, surname first."""
        window = text[start:start + 4]
        surname = window[:2] if window[:2] in self.double_surnames else window[:1]
        if surname not in self.surnames:
            return None
        given = ""
        for ch in window[len(surname):]:
            if not ("\u4e00" <= ch <= "\u9fff") or (given and ch in self.name_stops) or len(given) == 2:
                break
            given += ch
        if not given:
            return None
        end = start + len(surname) + len(given)
        first_word, flag = _jieba_first(text[start:start + 6])
        if flag.startswith("nr") and len(surname) < len(first_word) <= len(surname) + 2:
            return start, start + len(first_word)
        if len(first_word) >= 2 and flag in _NOT_NAME_FLAGS:
            return None     # jieba reads a common word here: 简介, 和用户
        # jieba does not know the name: accept it only when what follows reads like a
        # name's continuation (a verb of speech, a particle, punctuation), trying 3 then 2.
        for stop in range(end, start + len(surname), -1):
            after = text[stop:stop + 3]
            if stop == len(text) or after.startswith(self.name_follow):
                if text[stop:stop + 1] in self.not_name_suffix:
                    return None
                return start, stop
        return None

    def zh_people(self, article_id: str, text: str, anchors=None):
        for m in matches(self._zh_role_rule, text, anchors):
            span = self._zh_name_at(text, m.end())
            if span:
                attrs = (("role_start", str(m.start())), ("role", m.group(0).strip(" :：")))
                yield Mention(article_id, "PERSON", text[span[0]:span[1]], span[0], span[1],
                              "context/zh-role-name", confidence=0.8, attrs=attrs)
                yield from self._coordinated_zh(article_id, text, span[1], attrs)
        for m in matches(self._zh_role_latin_rule, text, anchors):
            name = m.group("name")
            if not self._en_name_ok(name):
                continue
            attrs = (("role_start", str(m.start())), ("role", text[m.start():m.start("name")].strip(" :：")))
            yield Mention(article_id, "PERSON", name, m.start("name"), m.end("name"),
                          "context/zh-role-latin-name", confidence=0.75, attrs=attrs)
            end = m.end("name")
            while True:
                c = self.coordinated.match(text, end)
                nxt = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}(?![A-Za-z])").match(text, c.end()) if c else None
                if not nxt or not self._en_name_ok(nxt.group(0)):
                    break
                yield Mention(article_id, "PERSON", nxt.group(0), nxt.start(), nxt.end(),
                              "context/zh-role-latin-name", confidence=0.7, attrs=attrs)
                end = nxt.end()
        for m in matches(self._zh_honorific_rule, text, anchors):
            boundaries = jieba_boundaries(text, max(0, m.start() - 8), m.start(), hmm=False)
            for length in (3, 2):
                s = m.start() - length
                if s < 0 or s not in boundaries:
                    continue
                span = self._zh_name_at(text, s)
                if span and span[1] == m.start():
                    yield Mention(article_id, "PERSON", text[s:m.start()], s, m.start(),
                                  "context/zh-name-honorific", confidence=0.7)
                    break
        for m in matches(self._zh_speaker_rule, text, anchors):
            word, flag = _jieba_first(text[m.start("name"):m.start("name") + 5])
            if flag == "nr" and 2 <= len(word) <= 3 and word[:1] in self.surnames:
                s = m.start("name")
                yield Mention(article_id, "PERSON", word, s, s + len(word),
                              "context/zh-clause-speaker", confidence=0.65)

    def _coordinated_zh(self, article_id: str, text: str, end: int, attrs):
        """熊伟和胡欣蔚: a name joined to a found one by 和/与/、 shares its context."""
        while True:
            c = self.coordinated.match(text, end)
            if not c:
                return
            span = self._zh_name_at(text, c.end())
            if not span:
                return
            word, flag = _jieba_first(text[span[0]:span[0] + 5])
            if flag != "nr":
                return
            yield Mention(article_id, "PERSON", text[span[0]:span[1]], span[0], span[1],
                          "context/zh-role-name", confidence=0.7, attrs=attrs)
            end = span[1]

    def _en_name_ok(self, name: str) -> bool:
        words = name.split()
        return bool(words) and not any(w in self.en_not_names for w in words)

    @property
    def regex_rules(self) -> tuple[RegexRule, ...]:
        """The anchored rules built here, for the article's shared anchor scan."""
        return tuple(r for r, _, _ in self._en_people_rules) + (
            self._en_org_rule, self._zh_role_rule, self._zh_role_latin_rule, self._zh_speaker_rule,
            self._zh_honorific_rule, self._zh_list_rule, self._en_list_rule)

    def en_people(self, article_id: str, text: str, anchors=None):
        for regex_rule, rule, conf in self._en_people_rules:
            for m in matches(regex_rule, text, anchors):
                group = "name" if m.group("name") else "name2"
                name = m.group(group)
                # Drop leading capitalised non-names: "During Xiong Wei" -> "Xiong Wei".
                words = name.split()
                while words and words[0] in self.en_not_names:
                    words.pop(0)
                if not words:
                    continue
                name = " ".join(words)
                if not self._en_name_ok(name):
                    continue
                start = m.start(group) + m.group(group).index(name)
                attrs = (("role", m.group("title")),) if "title" in m.groupdict() and m.group("title") else ()
                yield Mention(article_id, "PERSON", name, start, start + len(name), rule,
                              confidence=conf, attrs=attrs)
                end = start + len(name)
                while True:
                    joined = _EN_AND_NAME.match(text, end)
                    if not joined or not self._en_name_ok(joined.group("name")):
                        break
                    yield Mention(article_id, "PERSON", joined.group("name"), joined.start("name"),
                                  joined.end("name"), rule, confidence=conf * 0.9, attrs=attrs)
                    end = joined.end("name")

    # --- organisations ------------------------------------------------------

    def zh_orgs(self, article_id: str, text: str):
        for m in self.zh_strong_suffix.finditer(text):
            left = m.start()
            lo = left
            while lo > 0 and left - lo < 12 and not _CLAUSE_END.match(text[lo - 1]) and text[lo - 1] not in "、 的与和及在由等":
                lo -= 1
            body = text[lo:left]
            if len(body) < 2:
                continue
            words = list(_dictionary_words(body))
            # Drop leading words that cannot start a name (verbs, particles, pronouns).
            while words and (words[0][1][:1] in {"v", "p", "c", "u", "d", "r", "m", "q", "y"} or words[0][1] == "ad") and len(words) > 1:
                words.pop(0)
            name = "".join(w for w, _ in words) + m.group(0)
            start = m.end() - len(name)
            body = "".join(w for w, _ in words)
            if len(body) < 2 or not _GENERIC_ORG_WORDS.sub("", body) or _CLAUSE_WORDS.search(body):
                continue
            yield Mention(article_id, "ORG", name, start, m.end(), "context/zh-org-suffix", confidence=0.65)

    def zh_list_orgs(self, article_id: str, text: str, anchors=None):
        """Items of `A、B、C等合作伙伴` lists."""
        for m in matches(self._zh_list_rule, text, anchors):
            lo, segment = _listed_before(text, m.start(), 400)
            if not segment:
                continue
            # (start, item) pairs with exact offsets; the last item may hold the final
            # conjunction: 微众银行和中移在线 (but not 润和软件).
            items, pos = [], lo
            for part in segment.split("、"):
                items.append((pos, part))
                pos += len(part) + 1
            last_start, last = items[-1]
            for joiner in ("以及", "和", "及", "与"):
                cut = last.find(joiner)
                if cut >= 2 and len(last) - cut - len(joiner) >= 2:
                    items[-1:] = [(last_start, last[:cut]), (last_start + cut + len(joiner), last[cut + len(joiner):])]
                    break
            for i, (item_start, item) in enumerate(items):
                if i == 0:
                    cut = max((item.rfind(w) + len(w) for w in ("与", "和", "携手", "联合", "来自", "包括", "及", "同", "跟", "邀请", "汇聚", "吸引") if w in item), default=0)
                    # 润和软件 holds 和: keep the cut only when what follows still looks like a name.
                    if 0 < cut and len(item) - cut >= 2:
                        item_start += cut
                        item = item[cut:]
                stripped = item.strip()
                item_start += len(item) - len(item.lstrip())
                item = stripped
                if _common_word(item):
                    continue
                if 2 <= len(item) <= 30 and not re.search(r"[，。；\s]{2}", item):
                    yield Mention(article_id, "ORG", item, item_start, item_start + len(item),
                                  "context/zh-org-list", confidence=0.6,
                                  attrs=(("reliable", "1"),) if i > 0 else ())

    def zh_list_products(self, article_id: str, text: str):
        """Latin names heading the items of `A支持、B配置等技术` lists: tools and components."""
        for m in _ZH_TECH_LIST_END.finditer(text):
            lo, segment = _listed_before(text, m.start(), 200)
            if not segment:
                continue
            pos = lo
            for part in segment.split("、"):
                name = _LATIN_HEAD.search(part)
                if name and (name.start() == 0 or not part[:name.start()].strip() or _after_verb(part, name)):
                    s = pos + name.start()
                    yield Mention(article_id, "PRODUCT", name.group(0), s, s + len(name.group(0)),
                                  "context/zh-tech-list", confidence=0.55)
                pos += len(part) + 1

    def en_orgs(self, article_id: str, text: str, anchors=None):
        for m in matches(self._en_org_rule, text, anchors):
            group = "org" if m.group("org") else "org2"
            name = m.group(group)
            words = name.split()
            while words and (words[0] in self.en_not_names or words[0][0].islower()) and len(words) > 1:
                words.pop(0)
            if len(words) < 2:
                continue
            name = " ".join(words)
            start = m.start(group) + m.group(group).index(name)
            yield Mention(article_id, "ORG", name, start, start + len(name), "context/en-org-suffix",
                          confidence=0.6)
        for m in matches(self._en_list_rule, text, anchors):
            end = m.end()
            stop = _CLAUSE_END.search(text, end)
            tail = text[end:stop.start() if stop and stop.group(0) not in ",(" else min(len(text), end + 300)]
            sentence_end = re.search(r"[.;:!?](?:\s|$)|\n", tail)
            tail = tail[:sentence_end.start()] if sentence_end else tail
            pos = end
            for item in re.split(r",\s*(?:and\s+)?|\s+and\s+", tail):
                s = text.find(item, pos)
                pos = s + len(item) if s >= 0 else pos
                item = item.strip()
                if s < 0 or not item or not item[0].isupper() or len(item.split()) > 5:
                    continue
                item = re.sub(r"\s*\(.*$", "", item)
                head = _EN_CAPITALISED.match(item)
                item = head.group(0) if head else ""
                if item in self.en_not_names or not item:
                    continue
                yield Mention(article_id, "ORG", item, s, s + len(item), "context/en-org-list",
                              confidence=0.5, attrs=(("reliable", "1"),))


# Bodies made only of these words name no organisation: 国际主流基金会, 海外头部开源基金会.
_GENERIC_ORG_WORDS = re.compile(
    "国际|国内|海外|全球|主流|头部|知名|领先|优秀|开源|相关|各大|多家|众多|我们|他们|该|本|各|这些|那些|其他|"
    "合作|伙伴|行业|产业|软件|技术|科技|生态|社区|重要|核心|主要|大型|中小|企业|成员|理事|会员|上下游|一流|顶尖|世界|中国|全国|"
    "联合|顶级|国内外|多个|多所|多家|高校|该|此|两家|三家|新|[0-9]+|余|几|数|十|百|千|万")


_ZH_TECH_LIST_END = re.compile(r"等(?:多种|多项|关键|核心|主流|开源)?(?:技术|工具|组件|特性|框架|软件|项目)")
_LATIN_HEAD = re.compile(r"(?<![A-Za-z0-9_.-])[A-Za-z][A-Za-z0-9]*+(?:[-_.][A-Za-z0-9]++)*(?![A-Za-z0-9_.-])")


def _after_verb(part: str, name: re.Match) -> bool:
    """The Latin name starts the list item after a verb (集成了rpm-ostree支持)."""
    return bool(re.search("(?:了|集成|支持|包括|包含|采用|使用|基于)$", part[:name.start()]))


_EN_AND_NAME = re.compile(r",?\s+(?:and|&)\s+(?P<name>[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?(?: [A-Z][a-z]+(?:-[A-Z]?[a-z]+)?){1,2})(?![\w])")
_EN_CAPITALISED = re.compile(r"(?:[A-Z0-9][\w&.'-]*|[a-z]+[A-Z][\w-]*)(?: (?:[A-Z0-9][\w&.'-]*|of|and|for|de))*(?<! of)(?<! and)(?<! for)")

# A body that holds these is a clause, not a name: openEuler作为基金会, 项目捐赠给基金会.
_CLAUSE_WORDS = re.compile("作为|成为|捐赠给|贡献给|加入|发布|推出|是|在|的|了")

_STRONG_ZH_SUFFIXES = {"有限责任公司", "股份有限公司", "有限公司", "科技公司", "公司", "集团", "大学", "学院",
                       "研究院", "研究所", "研究中心", "实验室", "基金会", "协会", "学会", "联盟", "工委会",
                       "创新中心", "生态创新中心", "银行", "医院"}


# jieba POS flags of words that are not names: nouns, verbs, adjectives, adverbs, ...
_NOT_NAME_FLAGS = {"v", "vn", "n", "a", "ad", "an", "d", "t", "s", "f"}


def _listed_before(text: str, end: int, limit: int) -> tuple[int, str]:
    """(start, text) of the clause before `end` when it is a 、-separated list, else (end, "")."""
    lo = end
    while lo > 0 and not _CLAUSE_END.match(text[lo - 1]) and end - lo < limit:
        lo -= 1
    segment = text[lo:end]
    return (lo, segment) if "、" in segment else (end, "")


def _common_word(item: str) -> bool:
    """A Chinese list item that jieba reads as one ordinary word (存储, 编译器, 运营商), not a name."""
    if not re.search(f"[{CJK}]", item) or re.search("[A-Za-z]", item):
        return False
    words = _dictionary_words(item)
    return all(flag in _COMMON_FLAGS for _, flag in words) and len(words) <= 2


_COMMON_FLAGS = {"n", "vn", "v", "a", "an", "d", "ad", "m", "q", "r", "f", "l", "i", "uj", "p", "c"}


def jieba_words(text: str) -> dict[str, int]:
    """jieba's dictionary: word -> frequency (0 for prefixes that are not words), holding at
    least every word that is a substring of `text` (it is loaded in parts, jieba_dict.py)."""
    return _words_for()(text)


@lru_cache(maxsize=1)
def _words_for():
    _posseg()
    from graphkit.extract.jieba_shards import words_for

    return words_for


def jieba_boundaries(text: str, lo: int, hi: int, hmm: bool = True) -> set[int]:
    """Offsets in text[lo:hi] where jieba starts a word (plus lo and hi).

    hmm=False segments with the dictionary only: ~10x faster, enough to see whether a
    short name sits inside a known word.
    """
    out, pos = {lo, hi}, lo
    _posseg()       # loads jieba quietly
    import jieba

    for word in jieba.lcut(text[lo:hi], HMM=hmm):
        pos += len(word)
        out.add(pos)
    return out


@lru_cache(maxsize=8192)
def _dictionary_words(text: str) -> tuple[tuple[str, str], ...]:
    """(word, POS flag) of a short text as jieba's dictionary segments it (no HMM).

    The same few characters before an organisation suffix recur (5,437 segmentations
    of the 1k bench corpus are 171 texts; 300 of the real articles are 171):
    zh_orgs 0.22 -> 0.07 CPU-s per 1k articles.
    """
    return tuple((word, flag) for word, flag in _posseg().lcut(text, HMM=False))


@lru_cache(maxsize=8192)
def _jieba_first(window: str) -> tuple[str, str]:
    """The first word jieba segments in a short window and its POS flag.

    The dictionary decides first; jieba's HMM (slow: Viterbi per call) only runs when the
    window starts with a word the dictionary does not know, such as a new name.
    """
    for word, flag in _posseg().lcut(window, HMM=False):
        if len(word) > 1:
            return word, flag
        break
    for word, flag in _posseg().lcut(window):
        return word, flag
    return "", ""

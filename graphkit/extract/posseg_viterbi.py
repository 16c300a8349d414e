"""jieba.posseg's Viterbi, same results, a few times faster.

jieba tags a run of characters it does not know (often a new name) with a
Viterbi search over ~250 (position, POS) states, scoring every pair of
states at every character: about 1 ms for a five-character name, most of
graphkit's time in `context._jieba_first`. Most pairs cannot follow each
other (`M-nr` only follows `B-nr` or `M-nr`), so here each state looks only
at the states that can precede it. The arithmetic and the tie-breaks are
jieba's, term for term: same sums in the same order, `max` over the same
`(score, state)` tuples, so the route is the same.
"""
from __future__ import annotations

MIN_FLOAT = -3.14e100       # jieba's score for a character a state never emits
MIN_INF = float("-inf")     # and for a transition that never happens

_predecessors: dict[int, tuple[object, dict]] = {}


def _preceding(trans_p: dict) -> dict:
    """state -> {previous state: log probability}, built once per transition table."""
    cached = _predecessors.get(id(trans_p))
    if cached is not None and cached[0] is trans_p:
        return cached[1]
    before: dict = {}
    for y0, nexts in trans_p.items():
        for y, p in nexts.items():
            before.setdefault(y, {})[y0] = p
    _predecessors[id(trans_p)] = (trans_p, before)
    return before


def viterbi(obs, states, start_p, trans_p, emit_p):
    """(log probability, [state per character]) as `jieba.posseg.viterbi.viterbi` returns it."""
    before = _preceding(trans_p)
    all_states = trans_p.keys()
    V = [{}]
    mem_path = [{}]
    for y in states.get(obs[0], all_states):
        V[0][y] = start_p[y] + emit_p[y].get(obs[0], MIN_FLOAT)
        mem_path[0][y] = ""
    for t in range(1, len(obs)):
        prev_v = V[t - 1]
        prev_states = [x for x in mem_path[t - 1] if trans_p[x]]
        prev_set = set(prev_states)
        # jieba: the states for this character that some previous state can lead to.
        obs_states = {y for y in states.get(obs[t], all_states) if not prev_set.isdisjoint(before.get(y, ()))}
        if not obs_states:
            expected = {y for x in prev_states for y in trans_p[x]}
            obs_states = expected if expected else all_states
        V.append({})
        mem_path.append({})
        char = obs[t]
        for y in obs_states:
            emit = emit_p[y].get(char, MIN_FLOAT)
            from_y = before.get(y, {})
            best = None
            for y0 in prev_states:
                p = from_y.get(y0)
                if p is not None:
                    candidate = (prev_v[y0] + p + emit, y0)
                    if best is None or candidate > best:
                        best = candidate
            if best is None or best[0] == MIN_INF:
                # Nothing leads here, or only at -inf: jieba's max over all (-inf, y0) keeps the largest y0.
                best = (MIN_INF, max(prev_states))
            V[t][y] = best[0]
            mem_path[t][y] = best[1]
    prob, state = max((V[-1][y], y) for y in mem_path[-1])
    route = [None] * len(obs)
    for i in range(len(obs) - 1, -1, -1):
        route[i] = state
        state = mem_path[i][state]
    return prob, route


def install(posseg) -> None:
    """Make `posseg` (the jieba.posseg module) tag unknown words with this Viterbi.

    Only jieba's own function is replaced, and results do not change, so other users
    of jieba in the process see the same tags, sooner.
    """
    import importlib

    jieba_viterbi = importlib.import_module("jieba.posseg.viterbi").viterbi
    if getattr(posseg, "viterbi", None) is jieba_viterbi:
        posseg.viterbi = _Remembered((posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P))


class _Remembered:
    """`viterbi` that remembers its last few thousand routes through jieba's own tables:
    the same unknown names come back article after article."""

    def __init__(self, tables: tuple):
        self.tables = tables
        self.routes: dict[str, tuple] = {}

    def __call__(self, obs, states, start_p, trans_p, emit_p):
        if not all(a is b for a, b in zip((states, start_p, trans_p, emit_p), self.tables)):
            return viterbi(obs, states, start_p, trans_p, emit_p)
        known = self.routes.get(obs)
        if known is None:
            if len(self.routes) >= _REMEMBERED:
                self.routes.clear()
            prob, route = viterbi(obs, states, start_p, trans_p, emit_p)
            known = self.routes[obs] = (prob, tuple(route))
        return known[0], list(known[1])


_REMEMBERED = 8192

#!/usr/bin/env python3
"""Builds public/models/sotu-gen/: a tiny word-level text-generation model for transformers.js.

A Witten-Bell-smoothed trigram language model of the bundled State of the Union passages
(public/corpus/sotu-passages.json), written by hand as a one-layer GPT-2-shaped ONNX decoder:

  * tokenizer: GPT-2-style byte-level pre-tokenizer (add_prefix_space), one token per
    pre-token ("Ġthe", ",", "'s", ...), WordPiece model used as a plain word lookup (an unknown
    word becomes one <unk>), ByteLevel decoder: every word token carries its own leading
    space, so any run of tokens decodes to text that can be appended to what came before.
  * model: one attention layer with one head. Keys are sinusoidal codes of position_ids, the
    query of position t is the code of t-1 (scaled so the score of t-1 beats every other
    position by >= 40), and the value of each position carries its token id. Attending over
    the cache (past_key_values.0.key/value + this call's keys) therefore retrieves the id of
    the previous token exactly; present.0.key/value are the concatenations.
  * logits = log unigram prior + bigram row of the current token, with the trigram row of
    (previous token, current token) written over it when that context occurs in the corpus
    (found by comparing prev * V + cur with the sorted context keys). Rows are sparse (ids +
    values) and are written into the vocabulary with ScatterElements.
  * greedy margins: every row (each token alone, and each trigram context) is checked on
    the float32 logits: top-1 beats top-2 by >= MARGIN; near-ties are resolved towards the
    lower token id (the more frequent word) by raising its value. Since the logits depend on
    nothing but (previous token, current token), greedy decoding has that margin for every
    prompt, on every backend.

Run: python3 packages/demo/scripts/generativeModel/build.py   (numpy + onnx; a few seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(DEMO, "public", "corpus", "sotu-passages.json")
OUT = os.path.join(DEMO, "public", "models", "sotu-gen")

EOS = "<|endoftext|>"
UNK = "<unk>"
N_EMBD = 64  # head size = hidden size (one head)
N_FREQ = N_EMBD // 2  # sinusoid frequencies in the position code
N_POSITIONS = 1024
K_BI = 32  # listed successors per bigram row
K_TRI = 8  # listed successors per trigram row
MARGIN = 0.1  # target top-1 minus top-2 logit gap (the brief asks for >= 0.05)
ATTN_GAP = 40.0  # score of the previous position minus any other position, at least
UNIGRAM_ADD = 0.5  # add-k smoothing of the unigram prior
OPSET = 17
IR_VERSION = 8

# GPT-2's pre-tokenization regex (transformers.js ByteLevel: ` ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+`),
# written for Python's `re`; the corpus is plain Latin text, where the two agree.
GPT2_SPLIT = re.compile(
    r"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"
)


def bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENC = bytes_to_unicode()


def pre_tokenize(text: str) -> list[str]:
    """Byte-level pre-tokens of `text` with a prefix space, as transformers.js produces them."""
    if not text.startswith(" "):
        text = " " + text
    return ["".join(BYTE_ENC[b] for b in piece.encode("utf-8")) for piece in GPT2_SPLIT.findall(text)]


def decode(tokens: list[str]) -> str:
    dec = {v: k for k, v in BYTE_ENC.items()}
    return bytes(dec[c] for c in "".join(tokens)).decode("utf-8", errors="replace")


# ----------------------------------------------------------------------------------------------
# Counting and the smoothed trigram model
# ----------------------------------------------------------------------------------------------


def load_corpus(path: str) -> tuple[dict, list[list[str]]]:
    with open(path, encoding="utf-8") as f:
        corpus = json.load(f)
    return corpus, [pre_tokenize(p["text"]) for p in corpus["passages"]]


def build_vocab(passages: list[list[str]]) -> list[str]:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for toks in passages:
        for t in toks:
            counts[t] += 1
            first.setdefault(t, len(first))
    words = sorted(counts, key=lambda t: (-counts[t], first[t]))  # frequency, then first occurrence
    return [EOS, UNK] + words


class TrigramLM:
    """Witten-Bell trigram -> bigram -> unigram, in the additive sparse form the graph computes:
    logit(n | p, c) = bias[n] + bi[c][n] + tri[(p, c)][n]   (+ a constant per context)."""

    def __init__(self, vocab: list[str], passages: list[list[str]]):
        self.vocab = vocab
        self.V = V = len(vocab)
        tid = {t: i for i, t in enumerate(vocab)}
        seqs = [[0] + [tid[t] for t in toks] + [0] for toks in passages]  # <|endoftext|> both ends
        uni = np.zeros(V)
        bi: dict[int, Counter] = defaultdict(Counter)
        tri: dict[tuple[int, int], Counter] = defaultdict(Counter)
        for s in seqs:
            for i in range(1, len(s)):
                uni[s[i]] += 1
                bi[s[i - 1]][s[i]] += 1
                if i >= 2:
                    tri[(s[i - 2], s[i - 1])][s[i]] += 1
        self.n_tokens = int(uni.sum())
        prior = uni + UNIGRAM_ADD
        prior[1] = 0.0  # <unk> is never predicted
        self.p_uni = prior / prior.sum()
        self.bias = np.where(prior > 0, np.log(np.maximum(self.p_uni, 1e-300)), -30.0)

        # bigram rows (dense: V x V is small) — P(n|c) = (C + T Pu) / (N + T)
        self.bi_val = np.zeros((V, V))
        self.p_bi = np.tile(self.p_uni, (V, 1))
        for c, succ in bi.items():
            ids = np.fromiter(succ.keys(), dtype=np.int64)
            cnt = np.fromiter(succ.values(), dtype=np.float64)
            N, T = cnt.sum(), len(cnt)
            self.bi_val[c, ids] = np.log1p(cnt / (T * self.p_uni[ids]))
            row = T * self.p_uni
            row[ids] += cnt
            self.p_bi[c] = row / (N + T)
        # trigram rows, sorted by context key p * V + c
        keys = sorted(p * V + c for (p, c) in tri)
        self.tri_keys = np.array(keys, dtype=np.int64)
        self.tri_val: list[dict[int, float]] = []
        for key in keys:
            p, c = divmod(key, V)
            succ = tri[(p, c)]
            N, T = sum(succ.values()), len(succ)
            self.tri_val.append({n: float(np.log1p(k / (T * self.p_bi[c, n]))) for n, k in succ.items()})
        self.counts = dict(unigram=uni, bigram_contexts=len(bi), trigram_contexts=len(keys),
                           bigram_types=sum(len(s) for s in bi.values()),
                           trigram_types=sum(len(s) for s in tri.values()))


def sparse_rows(dense: np.ndarray, k: int, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Top-k nonzero entries of each row (always keeping column keep[r]); returns ids, values, rows truncated."""
    R = dense.shape[0]
    ids = np.full((R, k), 1, dtype=np.int32)  # filler: <unk> += 0, a no-op (it is never a successor)
    vals = np.zeros((R, k), dtype=np.float32)
    truncated = 0
    for r in range(R):
        nz = np.flatnonzero(dense[r])
        if len(nz) > k:
            truncated += 1
            order = nz[np.lexsort((nz, -dense[r, nz]))]
            chosen = list(order[:k])
            if keep[r] >= 0 and dense[r, keep[r]] != 0 and keep[r] not in chosen:
                chosen[-1] = keep[r]
            nz = np.array(sorted(chosen))
        ids[r, : len(nz)] = nz
        vals[r, : len(nz)] = dense[r, nz]
    return ids, vals, truncated


def row_margin(logits: np.ndarray) -> tuple[int, float]:
    """(argmax, top1 - top2) of float32 logits; argmax ties go to the lowest id, like np.argmax."""
    top = int(np.argmax(logits))
    rest = np.delete(logits, top)
    return top, float(logits[top] - rest.max())


def fit_margins(lm: TrigramLM) -> dict:
    """Sparse float32 tables whose every row has a greedy margin >= MARGIN."""
    V = lm.V
    bias32 = lm.bias.astype(np.float32)
    bi = lm.bi_val.copy()
    bumps_bi = 0
    for c in range(V):
        row = (bias32 + bi[c].astype(np.float32)).astype(np.float32)
        top, gap = row_margin(row)
        if gap < MARGIN:
            bi[c, top] += MARGIN - gap + 1e-3
            bumps_bi += 1
    bi_keep = np.array([row_margin((bias32 + bi[c].astype(np.float32)))[0] for c in range(V)])
    bi_ids, bi_vals, bi_trunc = sparse_rows(bi, K_BI, bi_keep)
    bi_dense32 = np.zeros((V, V), dtype=np.float32)
    for c in range(V):
        np.add.at(bi_dense32[c], bi_ids[c], bi_vals[c])

    T = len(lm.tri_keys)
    tri = np.zeros((T, V))
    bumps_tri = 0
    for r, key in enumerate(lm.tri_keys):
        c = int(key % V)
        for n, v in lm.tri_val[r].items():
            tri[r, n] = v
        base = (bias32 + bi_dense32[c]).astype(np.float32)
        row = (base + tri[r].astype(np.float32)).astype(np.float32)
        top, gap = row_margin(row)
        if gap < MARGIN:
            tri[r, top] += MARGIN - gap + 1e-3
            bumps_tri += 1
    tri_keep = np.zeros(T, dtype=np.int64)
    for r in range(T):
        c = int(lm.tri_keys[r] % V)
        tri_keep[r] = row_margin((bias32 + bi_dense32[c] + tri[r].astype(np.float32)).astype(np.float32))[0]
    tri_ids, tri_vals, tri_trunc = sparse_rows(tri, K_TRI, tri_keep)
    # The graph writes a trigram row over the bigram row (ScatterElements, no reduction), so a trigram
    # entry holds bigram + trigram value; row 0 is an empty row, chosen when no context matches.
    for r in range(T):
        c = int(lm.tri_keys[r] % V)
        tri_vals[r] = (bi_dense32[c][tri_ids[r]] + tri_vals[r]).astype(np.float32)
        tri_vals[r][tri_ids[r] == 1] = 0.0
    tri_ids = np.concatenate([np.ones((1, K_TRI), dtype=np.int32), tri_ids])
    tri_vals = np.concatenate([np.zeros((1, K_TRI), dtype=np.float32), tri_vals])
    tri_keys = np.concatenate([[-2], lm.tri_keys]).astype(np.int64)
    return dict(bias=bias32, bi_ids=bi_ids, bi_vals=bi_vals, tri_ids=tri_ids, tri_vals=tri_vals,
                tri_keys=tri_keys, bumps_bi=bumps_bi, bumps_tri=bumps_tri,
                bi_truncated=bi_trunc, tri_truncated=tri_trunc)


# ----------------------------------------------------------------------------------------------
# The model as numpy (reference for the graph) and its margins
# ----------------------------------------------------------------------------------------------


class Reference:
    def __init__(self, tables: dict, V: int):
        self.t = tables
        self.V = V
        self.key_index = {int(k): i for i, k in enumerate(tables["tri_keys"])}
        self.bi_dense = np.zeros((V, V), dtype=np.float32)
        for c in range(V):
            self.bi_dense[c][tables["bi_ids"][c]] = tables["bi_vals"][c]

    def logits(self, prev: int | None, cur: int) -> np.ndarray:
        """float32 logits in the graph's order: (bigram + trigram values) + bias."""
        acc = self.bi_dense[cur].copy()
        if prev is not None:
            r = self.key_index.get(prev * self.V + cur)
            if r is not None:
                acc[self.t["tri_ids"][r]] = self.t["tri_vals"][r]
        return (acc + self.t["bias"]).astype(np.float32)

    def greedy(self, ids: list[int], max_new: int) -> tuple[list[int], str, float]:
        ids = list(ids)
        out: list[int] = []
        min_gap = float("inf")
        for _ in range(max_new):
            prev = ids[-2] if len(ids) >= 2 else None
            top, gap = row_margin(self.logits(prev, ids[-1]))
            min_gap = min(min_gap, gap)
            ids.append(top)
            out.append(top)
            if top == 0:
                return out, "stop", min_gap
        return out, "length", min_gap

    def all_margins(self) -> tuple[float, float]:
        """Minimum margin over every context the model can see: each token alone (position 0 or an
        unseen pair) and each trigram context."""
        V = self.V
        dense = (self.bi_dense + self.t["bias"][None, :]).astype(np.float32)
        part = np.partition(dense, V - 2, axis=1)
        m_bi = float((part[:, -1] - part[:, -2]).min())
        m_tri = float("inf")
        for key in self.t["tri_keys"][1:]:
            p, c = divmod(int(key), V)
            row = self.logits(p, c)
            part = np.partition(row, V - 2)
            m_tri = min(m_tri, float(part[-1] - part[-2]))
        return m_bi, m_tri


# ----------------------------------------------------------------------------------------------
# Position code for the attention head
# ----------------------------------------------------------------------------------------------


def position_code() -> tuple[np.ndarray, float, float]:
    """Frequencies and scale such that, for every query position t in [1, N_POSITIONS), the score of
    key position t-1 beats every other key position in [0, t] by >= ATTN_GAP."""
    omega = (2.5 * (0.78 ** np.arange(N_FREQ))).astype(np.float32)
    deltas = np.concatenate([[-1], np.arange(1, N_POSITIONS)]).astype(np.float64)
    sims = np.cos(np.outer(deltas, omega.astype(np.float64))).sum(axis=1)
    gap = N_FREQ - sims.max()
    beta = float(np.float32(ATTN_GAP / gap * 1.25))
    return omega, beta, float(gap * beta)


# ----------------------------------------------------------------------------------------------
# ONNX graph
# ----------------------------------------------------------------------------------------------


def build_graph(tables: dict, V: int, omega: np.ndarray, beta: float) -> onnx.ModelProto:
    init = []

    def const(name: str, arr: np.ndarray) -> str:
        init.append(numpy_helper.from_array(arr, name))
        return name

    nodes = []

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=f"{op}_{name}", **attrs))
        return name

    e0 = np.zeros(N_EMBD, dtype=np.float32)
    e0[0] = 1.0  # the value of a position is its token id in component 0
    const("e0", e0)
    const("bias", tables["bias"])
    const("bi_ids", tables["bi_ids"])
    const("bi_vals", tables["bi_vals"])
    const("tri_keys", tables["tri_keys"])
    const("tri_ids", tables["tri_ids"])
    const("tri_vals", tables["tri_vals"])
    const("V_1d", np.array([V], dtype=np.int64))
    const("omega", omega)
    const("beta", np.array(beta, dtype=np.float32))
    const("one_f", np.array(1.0, dtype=np.float32))
    const("zero_f", np.array(0.0, dtype=np.float32))
    const("neg_big", np.array(-1e9, dtype=np.float32))
    const("V_i64", np.array(V, dtype=np.int64))
    const("minus_one_i64", np.array(-1, dtype=np.int64))
    const("zero_i64", np.array(0, dtype=np.int64))
    const("one_i64", np.array(1, dtype=np.int64))
    const("axes_m1", np.array([-1], dtype=np.int64))
    const("axes_1", np.array([1], dtype=np.int64))
    const("axes_12", np.array([1, 2], dtype=np.int64))
    const("max_id_f", np.array(V - 1, dtype=np.float32))

    # positions -> key code (of s) and query code (of t-1)
    node("Cast", ["position_ids"], "pos_f", to=TensorProto.FLOAT)
    node("Unsqueeze", ["pos_f", "axes_m1"], "pos_f3")
    node("Mul", ["pos_f3", "omega"], "ang_k")
    node("Cos", ["ang_k"], "cos_k")
    node("Sin", ["ang_k"], "sin_k")
    node("Concat", ["cos_k", "sin_k"], "k_code", axis=-1)
    node("Unsqueeze", ["k_code", "axes_1"], "k_new")  # [B, 1, S, 64]
    node("Sub", ["pos_f3", "one_f"], "pos_q")
    node("Mul", ["pos_q", "omega"], "ang_q")
    node("Cos", ["ang_q"], "cos_q")
    node("Sin", ["ang_q"], "sin_q")
    node("Concat", ["cos_q", "sin_q"], "q_code", axis=-1)
    node("Mul", ["q_code", "beta"], "q_scaled")
    node("Unsqueeze", ["q_scaled", "axes_1"], "q")  # [B, 1, S, 64]
    node("Cast", ["input_ids"], "ids_f", to=TensorProto.FLOAT)
    node("Unsqueeze", ["ids_f", "axes_m1"], "ids_f3")
    node("Mul", ["ids_f3", "e0"], "v_code")
    node("Unsqueeze", ["v_code", "axes_1"], "v_new")  # [B, 1, S, 64]
    nodes.append(helper.make_node("Concat", ["past_key_values.0.key", "k_new"], ["present.0.key"], name="cat_key", axis=2))
    nodes.append(helper.make_node("Concat", ["past_key_values.0.value", "v_new"], ["present.0.value"], name="cat_value", axis=2))

    # scores + padding mask + causal mask
    node("Transpose", ["present.0.key"], "k_t", perm=[0, 1, 3, 2])
    node("MatMul", ["q", "k_t"], "scores")  # [B, 1, S, T]
    node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    node("Sub", ["one_f", "mask_f"], "unmask")
    node("Mul", ["unmask", "neg_big"], "pad_bias2")
    node("Unsqueeze", ["pad_bias2", "axes_12"], "pad_bias")  # [B, 1, 1, T]
    node("Shape", ["input_ids"], "ids_shape")
    node("Gather", ["ids_shape", "one_i64"], "S", axis=0)
    node("Shape", ["attention_mask"], "mask_shape")
    node("Gather", ["mask_shape", "one_i64"], "T", axis=0)
    node("Sub", ["T", "S"], "P")
    node("Range", ["zero_i64", "S", "one_i64"], "rows0")
    node("Add", ["rows0", "P"], "rows1")
    node("Unsqueeze", ["rows1", "axes_m1"], "rows")  # [S, 1]
    node("Range", ["zero_i64", "T", "one_i64"], "cols")  # [T]
    node("LessOrEqual", ["cols", "rows"], "causal_ok")  # [S, T]
    node("Where", ["causal_ok", "zero_f", "neg_big"], "causal_bias")
    node("Add", ["scores", "pad_bias"], "scores_p")
    node("Add", ["scores_p", "causal_bias"], "scores_m")
    node("Softmax", ["scores_m"], "attn", axis=-1)
    node("MatMul", ["attn", "present.0.value"], "ctx")  # [B, 1, S, 64]

    # the retrieved previous token id, and the trigram context key
    node("Squeeze", ["ctx", "axes_1"], "ctx3")  # [B, S, 64]
    node("Gather", ["ctx3", "zero_i64"], "prev_f", axis=2)  # [B, S]
    node("Round", ["prev_f"], "prev_r")
    node("Clip", ["prev_r", "zero_f", "max_id_f"], "prev_c")
    node("Cast", ["prev_c"], "prev_id", to=TensorProto.INT64)
    node("Mul", ["prev_id", "V_i64"], "prev_v")
    node("Add", ["prev_v", "input_ids"], "key_raw")
    node("GreaterOrEqual", ["position_ids", "one_i64"], "has_prev")
    node("Where", ["has_prev", "key_raw", "minus_one_i64"], "key")
    node("Unsqueeze", ["key", "axes_m1"], "key3")
    node("Equal", ["key3", "tri_keys"], "match")  # [B, S, n_ctx]
    node("Cast", ["match"], "match_f", to=TensorProto.FLOAT)
    node("ArgMax", ["match_f"], "ctx_idx", axis=-1, keepdims=0)  # row 0 (empty) when nothing matches

    # sparse rows -> dense logits: the bigram row, then the trigram row written over it
    node("Concat", ["ids_shape", "V_1d"], "logits_shape", axis=0)
    nodes.append(helper.make_node("ConstantOfShape", ["logits_shape"], ["zeros"], name="zeros",
                                  value=helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0])))
    node("Gather", ["bi_ids", "input_ids"], "b_ids", axis=0)  # [B, S, K_BI]
    node("Gather", ["bi_vals", "input_ids"], "b_vals", axis=0)
    node("ScatterElements", ["zeros", "b_ids", "b_vals"], "bigram", axis=2)  # [B, S, V]
    node("Gather", ["tri_ids", "ctx_idx"], "t_ids", axis=0)  # [B, S, K_TRI]
    node("Gather", ["tri_vals", "ctx_idx"], "t_vals", axis=0)
    node("ScatterElements", ["bigram", "t_ids", "t_vals"], "trigram", axis=2)
    nodes.append(helper.make_node("Add", ["trigram", "bias"], ["logits"], name="add_bias"))

    dyn = lambda *dims: list(dims)  # noqa: E731
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, dyn("batch_size", "sequence_length")),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dyn("batch_size", "total_sequence_length")),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, dyn("batch_size", "sequence_length")),
        helper.make_tensor_value_info("past_key_values.0.key", TensorProto.FLOAT, dyn("batch_size", 1, "past_sequence_length", N_EMBD)),
        helper.make_tensor_value_info("past_key_values.0.value", TensorProto.FLOAT, dyn("batch_size", 1, "past_sequence_length", N_EMBD)),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, dyn("batch_size", "sequence_length", V)),
        helper.make_tensor_value_info("present.0.key", TensorProto.FLOAT, dyn("batch_size", 1, "total_sequence_length", N_EMBD)),
        helper.make_tensor_value_info("present.0.value", TensorProto.FLOAT, dyn("batch_size", 1, "total_sequence_length", N_EMBD)),
    ]
    graph = helper.make_graph(nodes, "sotu_gen", inputs, outputs, init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="taskweave-sotu-gen-build")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


# ----------------------------------------------------------------------------------------------
# Tokenizer and config files
# ----------------------------------------------------------------------------------------------


def tokenizer_json(vocab: list[str]) -> dict:
    added = lambda i, t: {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,  # noqa: E731
                          "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, EOS), added(1, UNK)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "WordPiece",
            "unk_token": UNK,
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": {t: i for i, t in enumerate(vocab)},
        },
    }


def write_json(path: str, obj, compact: bool = False) -> None:
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


NOTICE = """sotu-gen/ — a tiny word-level text-generation model (GPT-2-shaped ONNX graph, one attention
layer) for the taskweave demo and tests. Its text only resembles State of the Union prose.

Built by packages/demo/scripts/generativeModel/build.py (see the README there; deterministic, no
training loop): a Witten-Bell-smoothed trigram language model counted from the bundled corpus
public/corpus/sotu-passages.json ({n_passages} passages, {n_tokens} word and punctuation tokens,
vocabulary of {vocab} tokens),
written as hand-set ONNX weights. Tokenizer: byte-level pre-tokenizer, one token per word or
punctuation run.

Corpus source: {source} (https://github.com/stdlib-js/datasets-sotu). State of the Union addresses are works of the
United States Government and are in the public domain; the dataset is licensed under the Open
Data Commons Public Domain Dedication & License 1.0 (PDDL-1.0) and its contents under CC0-1.0
(see public/corpus/NOTICE). The model files are derived from that text by the script above.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--no-reference-check", action="store_true",
                    help="skip running the graph with onnx.reference on a few prompts")
    args = ap.parse_args()

    corpus, passages = load_corpus(CORPUS)
    vocab = build_vocab(passages)
    V = len(vocab)
    lm = TrigramLM(vocab, passages)
    tables = fit_margins(lm)
    ref = Reference(tables, V)
    m_bi, m_tri = ref.all_margins()
    omega, beta, attn_gap = position_code()
    print(f"corpus: {len(passages)} passages, {lm.n_tokens} tokens (with one <|endoftext|> each), vocab {V}")
    print(f"rows: {V} bigram (K={K_BI}, {tables['bi_truncated']} truncated, {tables['bumps_bi']} margin-raised), "
          f"{len(lm.tri_keys)} trigram contexts (K={K_TRI}, {tables['tri_truncated']} truncated, "
          f"{tables['bumps_tri']} margin-raised)")
    print(f"min greedy margin over all contexts: bigram rows {m_bi:.4f}, trigram rows {m_tri:.4f}")
    print(f"attention: min score gap of position t-1 over others, t < {N_POSITIONS}: {attn_gap:.1f}")
    assert min(m_bi, m_tri) >= 0.05, "greedy margin below 0.05"
    assert attn_gap >= ATTN_GAP

    tid = {t: i for i, t in enumerate(vocab)}
    prompts = ["I want to thank", "If you", "Tonight, I ask", "America is", "The state of our Union is", "We must",
               "Our economy", "Congress should"]
    for pr in prompts:
        ids = [tid.get(t, 1) for t in pre_tokenize(pr)]
        out, finish, gap = ref.greedy(ids, 40)
        text = decode([vocab[i] for i in out if i > 1])
        print(f"  [{finish:6s} {len(out):2d} tok, margin {gap:.3f}] {pr!r} ->{text}")

    model = build_graph(tables, V, omega, beta)
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    onnx.save(model, os.path.join(args.out, "onnx", "model.onnx"))

    if not args.no_reference_check:
        reference_check(model, ref, tid, vocab)

    config = {
        "model_type": "gpt2",
        "architectures": ["GPT2LMHeadModel"],
        "vocab_size": V,
        "n_embd": N_EMBD,
        "n_head": 1,
        "n_layer": 1,
        "n_positions": N_POSITIONS,
        "n_ctx": N_POSITIONS,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "pad_token_id": 0,
        "use_cache": True,
        "tie_word_embeddings": False,
        "transformers.js_config": {"dtype": "fp32"},
    }
    generation_config = {
        "bos_token_id": 0,
        "eos_token_id": 0,
        "pad_token_id": 0,
        "do_sample": False,
        "max_new_tokens": 40,
    }
    tokenizer_config = {
        "tokenizer_class": "GPT2Tokenizer",
        "model_max_length": N_POSITIONS,
        "add_prefix_space": True,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "bos_token": EOS,
        "eos_token": EOS,
        "pad_token": EOS,
        "unk_token": UNK,
        "padding_side": "left",
    }
    write_json(os.path.join(args.out, "config.json"), config)
    write_json(os.path.join(args.out, "generation_config.json"), generation_config)
    write_json(os.path.join(args.out, "tokenizer_config.json"), tokenizer_config)
    write_json(os.path.join(args.out, "tokenizer.json"), tokenizer_json(vocab), compact=True)
    with open(os.path.join(args.out, "NOTICE"), "w", encoding="utf-8") as f:
        f.write(NOTICE.format(n_passages=len(passages), n_tokens=lm.n_tokens - len(passages), vocab=V, source=corpus["source"]))
    for root, _, files in os.walk(args.out):
        for name in sorted(files):
            p = os.path.join(root, name)
            print(f"  {os.path.relpath(p, args.out)}: {os.path.getsize(p)} bytes")
    return 0


def reference_check(model: onnx.ModelProto, ref: Reference, tid: dict, vocab: list[str]) -> None:
    """Runs the graph with onnx.reference: a prompt prefilled, then token-by-token with the cache,
    must give the numpy reference's greedy tokens; and a left-padded batch of two must too."""
    from onnx.reference import ReferenceEvaluator

    sess = ReferenceEvaluator(model)
    V = len(vocab)

    def run(ids, mask, pos, pk, pv):
        logits, k, v = sess.run(None, {
            "input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64),
            "position_ids": np.array(pos, dtype=np.int64), "past_key_values.0.key": pk, "past_key_values.0.value": pv})
        return logits, k, v

    prompts = ["I want to thank", "We must"]
    expected = []
    for pr in prompts:
        ids = [tid.get(t, 1) for t in pre_tokenize(pr)]
        want, _, _ = ref.greedy(ids, 12)
        expected.append((ids, want))
        empty = np.zeros((1, 1, 0, N_EMBD), dtype=np.float32)
        logits, k, v = run([ids], [[1] * len(ids)], [list(range(len(ids)))], empty, empty)
        got, seq = [], list(ids)
        for _ in range(len(want)):
            nxt = int(np.argmax(logits[0, -1]))
            got.append(nxt)
            if nxt == 0:
                break
            seq.append(nxt)
            logits, k, v = run([[nxt]], [[1] * len(seq)], [[len(seq) - 1]], k, v)
        assert got == want, (pr, got, want)
    # batch of two, left padded with <|endoftext|>
    (a, wa), (b, wb) = expected
    L = max(len(a), len(b))
    ids = [[0] * (L - len(x)) + x for x in (a, b)]
    mask = [[0] * (L - len(x)) + [1] * len(x) for x in (a, b)]
    pos = [[1] * (L - len(x)) + list(range(len(x))) for x in (a, b)]
    empty = np.zeros((2, 1, 0, N_EMBD), dtype=np.float32)
    logits, k, v = run(ids, mask, pos, empty, empty)
    outs = [[], []]
    done = [False, False]
    for _ in range(max(len(wa), len(wb))):
        nxt = [int(np.argmax(logits[i, -1])) for i in range(2)]
        for i in range(2):
            if not done[i]:
                outs[i].append(nxt[i])
                done[i] = nxt[i] == 0
        mask = [m + [1] for m in mask]
        pos = [[p[-1] + 1] for p in pos]
        logits, k, v = run([[x] for x in nxt], mask, pos, k, v)
    assert outs[0][: len(wa)] == wa and outs[1][: len(wb)] == wb, (outs, wa, wb)
    print("onnx.reference: prefill + cached steps and a left-padded batch of 2 match the numpy reference")


if __name__ == "__main__":
    sys.exit(main())

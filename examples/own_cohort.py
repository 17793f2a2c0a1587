"""
Your own cohort: a folder of omic tables, patients with missing omics
=====================================================================

The workflow for data of your own, from files to biomarkers:

1. read a folder of named tables (one CSV/TSV per omic, a header row of feature
   names, a first column of patient IDs, and ``labels.csv``) with
   :func:`skpoems.datasets.load_omics_tables`; ``join="outer"`` keeps patients
   that some omic was not measured for (their block is NaN: a missing omic);
2. split patients into training and test parts and min-max scale every feature
   on the training part only (the scaler keeps NaN blocks as they are);
3. fit :class:`skpoems.POEMSTransformer`, embed the test patients and score the
   embedding against the labels with the paper's protocol;
4. impute the omics the test patients lack, from the ones they have;
5. rank each omic's features by the decoder gradients at the training
   patients (:func:`skpoems.inspection.top_features`).

Without ``--data`` the script first writes a demo folder from the bundled TCGA
BRCA tables, shaped like a real export: methylation stored features x patients,
the patients in another order in every file, and miRNA not measured for 15% of
the patients. With ``--data FOLDER`` it reads your folder instead (``--join``,
``--labels``, ``--label-column``, ``--sample-name-length`` and ``--impute`` as
in ``skpoems run``).

Run::

    python examples/own_cohort.py                       # demo folder, default fit (about 10 minutes)
    python examples/own_cohort.py --max-iter 50         # a quick look
    python examples/own_cohort.py --data my_cohort/ --join outer
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split

from skpoems import POEMSTransformer, evaluate_embedding
from skpoems.datasets import load_omics_tables, load_tcga_brca
from skpoems.inspection import top_features
from skpoems.preprocessing import OmicTransformer


def write_demo_folder(
    folder: Path, missing_fraction: float = 0.15, seed: int = 0
) -> None:
    """The bundled TCGA BRCA data written as a user's export would look."""
    brca = load_tcga_brca()
    rng = np.random.default_rng(seed)
    patients = brca.data.index
    files = {
        "mRNA": "mrna.csv.gz",
        "methylation": "methylation.tsv",
        "miRNA": "mirna.csv.gz",
    }
    for omic, name in files.items():
        table = brca.data[omic].loc[
            rng.permutation(patients)
        ]  # each file in its own order
        if (
            omic == "miRNA"
        ):  # not measured for some patients: they are absent from the file
            table = table.iloc[int(missing_fraction * len(table)) :]
        if name.endswith(".tsv"):
            table.T.to_csv(folder / name, sep="\t")  # features x patients
        else:
            table.to_csv(folder / name)
    labels = pd.DataFrame(
        {"pam50": np.asarray(brca.target_names)[brca.target]}, index=patients
    )
    labels.index.name = "patient"
    labels.to_csv(folder / "labels.csv")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=None, help="your folder (default: a demo folder)"
    )
    parser.add_argument("--join", default="outer", choices=("strict", "inner", "outer"))
    parser.add_argument("--labels", default=None)
    parser.add_argument("--label-column", default=None)
    parser.add_argument(
        "--sample-name-length",
        type=int,
        default=None,
        help="cut patient IDs to N characters before matching the files (TCGA: 12)",
    )
    parser.add_argument(
        "--impute",
        choices=("mean", "median"),
        default=None,
        help="fill stray missing values from the training patients (methylation arrays)",
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="epoch budget (default: the estimator's)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data
        if folder is None:
            folder = Path(tmp) / "demo_cohort"
            folder.mkdir()
            write_demo_folder(folder)
        cohort = load_omics_tables(
            folder,
            labels=args.labels,
            label_column=args.label_column,
            join=args.join,
            sample_name_length=args.sample_name_length,
        )
    print(cohort.DESCR)
    X, y = cohort.data, cohort.target
    if y is None:
        raise SystemExit(
            "This workflow scores the embedding against known subtypes, so it needs "
            "labels (a labels file in the folder, or --labels FILE). For a cohort "
            "without labels, find subtypes with examples/discover_subtypes.py --data "
            "FOLDER or `skpoems discover FOLDER`."
        )

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=args.random_state
    )
    # min-max scaling per omic, fitted on the training patients that have each omic;
    # it keeps the (omic, feature) columns, so names reach the biomarkers, and
    # missing omics stay missing (NaN blocks). With --impute, stray missing values
    # (a NaN among a patient's other values of an omic) are filled first, from the
    # training patients; whole missing omics stay missing either way.
    if args.impute is not None:
        imputer = OmicTransformer(SimpleImputer(strategy=args.impute, keep_empty_features=True))
        X_train = imputer.fit_transform(X_train)
        X_test = imputer.transform(X_test)
    scaler = OmicTransformer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    params = {"random_state": args.random_state}
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    poems = POEMSTransformer(**params)
    start = time.perf_counter()
    poems.fit(X_train)
    print(
        f"POEMS: {poems.n_iter_} epochs in {time.perf_counter() - start:.1f} s "
        f"(stopped: {poems.stop_reason_})"
    )

    scores = evaluate_embedding(poems.transform(X_test), y_test)
    print(
        "test embedding: k-means ACC {kmeans_acc:.3f}, NMI {kmeans_nmi:.3f}, "
        "k-NN ACC {knn_acc:.3f}".format(**scores)
    )

    # a copy, back on the original scale; X_test keeps its NaN blocks
    imputed = scaler.inverse_transform(poems.impute(X_test))
    for omic in cohort.omic_names:
        lacking = X_test[omic].isna().all(axis=1)
        if lacking.any():
            filled = imputed.loc[lacking, omic]
            print(
                f"imputed {omic} for {int(lacking.sum())} of {len(X_test)} test patients "
                f"from their other omics (values in [{filled.min().min():.3g}, "
                f"{filled.max().max():.3g}] on the original scale)"
            )

    table = top_features(poems, n=5, X=X_train)
    print("\ntop features per omic (decoder gradients at the training patients):")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()

"""The command's errors (exit status 2), and the library's messages worded as
the command's options: its Python remedies (``join='inner'``) become the
options that give them (``--join inner``)."""

from __future__ import annotations

import re


class _UsageError(Exception):
    """A problem with the user's input (exit status 2)."""


class _DataError(_UsageError):
    """A problem with the user's data (exit status 2): reported in one line,
    without the usage block, which says nothing about it and would bury it."""


#: the loaders' Python remedies, as the options that give them on the command line
_CLI_TERMS = (
    ("skpoems.datasets.merge_gdc_download(download)", "skpoems gdc DOWNLOAD"),
    ("as sample_sheet=.", "with --sample-sheet FILE."),
    ("pass sample_types='all'", "pass --sample-types all"),
    ("If it is an omic, rename it, or name the omics to read (omics=[...]).",
     "If it is an omic, rename it, or name the omics to read (--omics NAME,NAME)."),
    ("or name the omics to read (omics=[...])", "or name the omics to read (--omics NAME,NAME)"),
    ("labels=FILE, label_column=NAME", "--labels FILE --label-column NAME"),
    ("pass test='wilcoxon' (a rank-sum test) for such omics", "pass --marker-test wilcoxon (a rank-sum test)"),
    (" of y hold a single sample", " hold a single sample"),
    (" (skpoems run: --join inner or --join outer)", ""),
    ("join='inner' to keep the labelled samples, or keep_unlabelled=True to keep every "
     "sample, those without a label too.",
     "--join inner to keep the labelled samples (run scores against the labels), or run "
     "skpoems discover, which uses every sample, labelled or not."),
    ("join='inner'", "--join inner"),
    ("join='outer'", "--join outer"),
    ("labels=FILE (--labels FILE)", "--labels FILE"),
    ("labels=FILE", "--labels FILE"),
    ("pass transpose=True (skpoems: --layout features-x-samples)", "pass --layout features-x-samples"),
    ("Pass transpose=False if every table is samples x features or transpose=True if "
     "features x samples (skpoems: --layout samples-x-features or features-x-samples)",
     "Pass --layout samples-x-features if every table is samples x features or --layout "
     "features-x-samples if features x samples"),
    (" If every table is samples x features, pass transpose=False with that length; if features "
     "x samples, pass transpose=True (skpoems: --layout samples-x-features or features-x-samples).",
     " If every table is samples x features, pass --layout samples-x-features with that length; "
     "if features x samples, --layout features-x-samples."),
    ("pass transpose=True", "pass --layout features-x-samples"),
    ("log names no omic", "--log names no omic"),
    ("pass omic_balance='omics'", "pass --set omic_balance=omics"),
    ("remove it (pandas: read_csv(..., skiprows=[1]))", "delete that line from the file"),
    ("Score more samples, or pass a smaller n_neighbors.", "Score more samples (a larger --test-size)."),
    ("name the omics to read (omics=[...])", "name the omics to read (--omics NAME,NAME)"),
    ("(--layout / transpose)", "(--layout)"),
    ("drop them first (e.g. data.loc[data.index.str[13:15] < '10']) or pass sample_types='tumor'",
     "pass --sample-types tumor"),
    ("sample_types=['01']", "--sample-types 01"),
    ("sample_types='tumor'", "--sample-types tumor"),
    ("sample_types='all'", "--sample-types all"),
    ("sample_types", "--sample-types"),
    ("(skpoems.preprocessing.SelectTopVariance(n_features=1000), as the paper kept 1000 per omic)",
     "(--top-variance 1000, as the paper kept 1000 per omic)"),
    ("keep the most variable features first, skpoems.preprocessing.SelectTopVariance",
     "keep the most variable features first (--top-variance)"),
    ("label_column=NAME", "--label-column NAME"),
    # (scikit-learn's train_test_split, and the device check of the models)
    (" and train_size=None, the resulting train set will be empty. Adjust any of the aforementioned parameters.",
     ", the training part would be empty: give a smaller --test-size."),
    ("device='cuda' was requested", "--device cuda was requested"),
    ("device='mps' was requested", "--device mps was requested"),
    ("use device='cpu' or device='auto'", "use --device cpu or --device auto"),
)


#: a Python keyword argument with a number, as the option (sample_name_length=12)
_CLI_NUMBERS = re.compile(r"\bsample_name_length=(\d+)")
#: scikit-learn's train_test_split names its parameter (test_size=40, The test_size = 3)
_TEST_SIZE = re.compile(r"\b(?:The )?test_size ?= ?([\d.]+)")


#: the models' remedy for linear-scale omics (``_base._warn_if_linear_scale``)
_LOG_REMEDY = re.compile(r"Log-transform before scaling, e\.g\. skpoems\.preprocessing\.OmicTransformer\((\{.*?\})\)\.")


#: remedies that ``embed`` words otherwise: it reads the tables named as the
#: model's omics (no --omics), through the pipeline trained (no --impute of its own)
_EMBED_TERMS = (
    ("If it is not an omic (clinical data, say), move it out of the folder or name the omics "
     "to read (omics=[...]).",
     "It is read as the model's omic of that name: write its values as numbers (empty or NaN "
     "where missing)."),
    ("If it is not an omic, move it out of the folder or name the omics to read (omics=[...]).",
     "It is read as the model's omic of that name: write its values as numbers (empty or NaN "
     "where missing)."),
    ("impute stray missing values first, e.g. with skpoems.preprocessing.OmicTransformer("
     "SimpleImputer()), which leaves missing omics missing.",
     "the model was trained without --impute, so its pipeline cannot fill them: fill them in "
     "the tables, or train with --impute median (the saved pipeline then fills them)."),
)


def _in_cli_terms(message: str, command: str | None = None) -> str:
    if command == "embed":
        for python, option in _EMBED_TERMS:
            message = message.replace(python, option)
    for python, option in _CLI_TERMS:
        message = message.replace(python, option)
    message = _CLI_NUMBERS.sub(r"--sample-name-length \1", message)
    message = _TEST_SIZE.sub(r"--test-size \1", message)
    return _LOG_REMEDY.sub(
        lambda m: (
            "Pass --log " + " ".join(re.findall(r"'([^']*)': make_pipeline\(FunctionTransformer", m.group(1))) + "."
        ),
        message,
    )

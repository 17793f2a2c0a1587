"""The README's Python examples run as written.

Every ```python block of the README is executed, in order, in one namespace, so
a renamed function, parameter or attribute breaks this test instead of a reader's
first session. The blocks are run on small inputs and short fits (a few epochs,
set through the estimators' default ``max_iter``); what they compute is tested
elsewhere. Before a block, a prelude defines the variables the README leaves to
the reader (its own omics ``mrna``, ``methylation``, ...).
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

import skpoems

README = Path(__file__).resolve().parents[1] / "README.md"
ESTIMATORS = [
    skpoems.POEMSTransformer,
    skpoems.POEMTransformer,
    skpoems.MOCSSAETransformer,
    skpoems.MOCSSVAETransformer,
    skpoems.MOCSSSparseVAETransformer,
]


def python_blocks() -> list[tuple[int, str]]:
    """(line, code) of every ```python block of the README."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M):
        blocks.append((text[: match.start()].count("\n") + 1, match.group(1)))
    return blocks


def own_omics(n=60, seed=0):
    """What the README calls the reader's omics: three named DataFrames and labels."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    index = [f"patient{i}" for i in range(n)]
    def omic(prefix, d):
        centres = rng.rand(3, d)
        values = np.clip(centres[y] + 0.1 * rng.randn(n, d), 0, 1)
        return pd.DataFrame(values, index=index, columns=[f"{prefix}{j}" for j in range(d)])
    mrna, meth, mirna = omic("gene", 12), omic("cg", 10), omic("mir", 6)
    return {"mrna": mrna, "methylation": meth, "meth": meth, "mirna": mirna, "y": y,
            "omics": {"mRNA": mrna, "methylation": meth, "miRNA": mirna}}


def prelude(code: str, ns: dict) -> None:
    """Define what a block uses but the README does not (the reader's own data)."""
    if "mrna" in code and "mrna" not in ns or "omics.items()" in code:
        ns.update(own_omics())
    if 'load_omics_tables("my_cohort")' in code and not Path("my_cohort").exists():
        # the reader's folder of tables ("Your own data"), in the working directory
        omics = own_omics()
        folder = Path("my_cohort")
        folder.mkdir()
        for name in ("mrna", "methylation", "mirna"):
            omics[name].rename_axis("sample").to_csv(folder / f"{name}.csv")
        subtype = np.array(["LumA", "Basal", "Her2"])[omics["y"]]
        pd.DataFrame({"subtype": subtype}, index=omics["mrna"].index.rename("sample")).to_csv(folder / "labels.csv")
    if ("inspection." in code or "plotting." in code) and "poems" not in ns:
        # the interpretation block alone: one fitted model of each kind on the same samples
        omics = own_omics()
        X = skpoems.concat_omics(omics["omics"])
        poems = skpoems.POEMSTransformer(random_state=0).fit(X)
        ns.update(X=X, y=omics["y"], poems=poems, Z=poems.transform(X),
                  poem=skpoems.POEMTransformer(random_state=0).fit(X))


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 5


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_readme_python_examples_run(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)  # the files a block writes (a saved figure) go there
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for cls in ESTIMATORS:
        # a few epochs, not a real fit: the README's calls are what is tested
        sig = cls.__init__.__signature__
        short = [q.replace(default=3) if q.name == "max_iter" else q for q in sig.parameters.values()]
        monkeypatch.setattr(cls.__init__, "__signature__", sig.replace(parameters=short))
    assert skpoems.POEMSTransformer().max_iter == 3
    # and 120 of the bundled patients, 30 features per omic (the blocks' calls,
    # not their results, are tested)
    full = skpoems.datasets.load_tcga_brca

    def small_brca(**kwargs):
        bunch = full(**kwargs)
        rows = np.sort(np.random.RandomState(0).choice(len(bunch.target), 120, replace=False))
        columns = np.concatenate([
            np.flatnonzero(bunch.data.columns.get_level_values(0) == omic)[:30] for omic in bunch.omic_names
        ])
        bunch.data, bunch.target = bunch.data.iloc[rows, columns], bunch.target.iloc[rows]
        bunch.feature_names = np.asarray(bunch.feature_names)[columns]
        bunch.omic_dims = (30,) * len(bunch.omic_names)
        return bunch

    monkeypatch.setattr(skpoems.datasets, "load_tcga_brca", small_brca)
    ns: dict = {}
    try:
        for line, code in python_blocks():
            prelude(code, ns)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                try:
                    exec(compile(code, f"README.md, block at line {line}", "exec"), ns)
                except Exception as exc:  # name the block, keep the traceback
                    raise AssertionError(f"README.md, the python block at line {line} fails: {exc!r}") from exc
    finally:
        plt.close("all")


# ------------------------------------------------------------ shell commands
ROOT = README.parent
SCRIPT = re.compile(r"^(?:python )?((?:examples/(?:benchmarks/)?)?\w+\.py)\b")


def shell_commands() -> list[str]:
    """The README's commands of skpoems and of the example scripts: the lines of
    its ```bash blocks (with ``\\`` continuations joined, a trailing ``&`` and
    comment dropped) and its inline code spans that are such a command."""
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```(?:bash|sh)\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip().rstrip("&").strip()
            for part in line.split("&&"):
                commands.append(" ".join(part.split()))
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    for span in re.findall(r"`([^`]+)`", prose):
        commands.append(" ".join(span.split()))
    keep = re.compile(r"^(skpoems (run|benchmark|sweep|discover|(embed|gdc) \w+)\b|python -m skpoems\b|(python )?(examples/)?(benchmarks/)?\w+\.py )")
    # a synopsis ("[--labels FILE]") or a bare option named in a sentence is not a command
    whole = [c for c in commands if keep.match(c) and "..." not in c and "[" not in c and "<" not in c and not c.endswith(" --data")]
    return list(dict.fromkeys(whole))


def entry_point(command: str):
    """(main function, argv) that the command runs."""
    import importlib.util
    import shlex

    words = shlex.split(command)
    if words[0] == "skpoems" or words[:3] == ["python", "-m", "skpoems"]:
        from skpoems._cli import main

        return main, words[1:] if words[0] == "skpoems" else words[3:]
    if words[:3] == ["python", "-m", "skpoems.benchmarks"]:
        from skpoems.benchmarks.__main__ import main

        return main, words[3:]
    script = SCRIPT.match(command).group(1)
    candidates = [ROOT / script] + sorted(ROOT.glob(f"examples/**/{Path(script).name}"))
    path = next(p for p in candidates if p.is_file())
    spec = importlib.util.spec_from_file_location(f"readme_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main, words[words.index(next(w for w in words if w.endswith(".py"))) + 1:]


class _Parsed(Exception):
    pass


def test_readme_shell_commands_are_found():
    commands = shell_commands()
    assert any(c.startswith("skpoems run") for c in commands)
    assert any("objective_study.py" in c for c in commands)
    assert len(commands) >= 20


@pytest.mark.parametrize("command", shell_commands())
def test_readme_shell_command_parses(command, monkeypatch):
    """Each command's options exist and take the values given (parsed, not run)."""
    import argparse

    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        original(self, args, namespace)  # exits with status 2 on a usage error
        raise _Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    main, argv = entry_point(command)
    with pytest.raises(_Parsed):
        main(argv)

"""What type checkers read agrees with what runs.

``with_params`` writes each estimator's ``__init__`` at run time, which type
checkers cannot follow, so every estimator class spells the same signature
(and its parameters' attribute types) out in an ``if TYPE_CHECKING:`` block.
The dataset loaders' ``typing.overload`` variants (one return type per value of
``return_X_y`` / ``return_components``) are written by hand too. These tests
keep both copies in step with the code that runs.
"""

import __future__

import ast
import inspect
import sys
import textwrap
from numbers import Integral

import pytest
import torch
from sklearn.utils._param_validation import Interval, StrOptions

import skpoems
import skpoems.datasets
from skpoems import (
    MOCSSAETransformer,
    MOCSSSparseVAETransformer,
    MOCSSVAETransformer,
    POEMSTransformer,
    POEMTransformer,
)

ESTIMATORS = [
    POEMSTransformer,
    POEMTransformer,
    MOCSSAETransformer,
    MOCSSVAETransformer,
    MOCSSSparseVAETransformer,
]

#: the annotation of each parameter constraint that is not an Interval or StrOptions
_ANNOTATIONS = {
    None: "None",
    "boolean": "bool",
    "verbose": "int",
    "random_state": "int | np.random.RandomState | None",
    "array-like": "Sequence[int] | np.ndarray",
    torch.device: "torch.device",
}


def _annotation(constraints):
    """The annotation that says what ``_parameter_constraints`` accept."""
    parts = []
    for c in constraints:
        if isinstance(c, Interval):
            parts.append("int" if c.type is Integral else "float")
        elif isinstance(c, StrOptions):
            parts.append(
                "Literal[" + ", ".join(f'"{o}"' for o in sorted(c.options)) + "]"
            )
        elif isinstance(c, str | type | None) and c in _ANNOTATIONS:
            parts.append(_ANNOTATIONS[c])
        else:  # pragma: no cover - a new kind of constraint
            raise AssertionError(
                f"no annotation for the constraint {c!r}: add it to _ANNOTATIONS"
            )
    return " | ".join(parts)


def _atoms(annotation):
    """An annotation as the set of its union members, Literal values one by one."""
    node = (
        ast.parse(annotation, mode="eval").body
        if isinstance(annotation, str)
        else annotation
    )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _atoms(node.left) | _atoms(node.right)
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal":
        values = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return {repr(ast.literal_eval(v)) for v in values}
    return {ast.unparse(node)}


def _expected_block(cls):
    """The TYPE_CHECKING block that ``cls`` should have (printed when it drifts)."""
    params = list(inspect.signature(cls).parameters.values())
    ann = {p.name: _annotation(cls._parameter_constraints[p.name]) for p in params}
    lines = ["    if TYPE_CHECKING:"]
    lines += [f"        {p.name}: {ann[p.name]}" for p in params]
    lines += ["", "        def __init__(", "            self,"]
    for i, p in enumerate(params):
        default = f'"{p.default}"' if isinstance(p.default, str) else repr(p.default)
        lines.append(f"            {p.name}: {ann[p.name]} = {default},")
        if i == 0:
            lines.append("            *,")
    lines.append("        ) -> None: ...")
    return "\n".join(lines)


def _checking_blocks(cls):
    """The bodies of a class's ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    (klass,) = tree.body
    return [
        node.body
        for node in klass.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]


def _type_checking_block(cls):
    """The class's ``__init__`` for type checkers, and the attribute annotations
    that it and its skpoems base classes declare for them (the parameters that
    several models share are declared once, in their common base class)."""
    init = None
    for body in _checking_blocks(cls):
        inits = [n for n in body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
        init = inits[0] if len(inits) == 1 else init
    declared = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("skpoems."):
            for body in _checking_blocks(klass):
                declared.update(
                    {
                        n.target.id: n.annotation
                        for n in body
                        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
                    }
                )
    return init, declared


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_type_checking_init_matches_runtime(cls):
    """Names, order, kinds, defaults and types of the parameters type checkers
    see are those of the ``__init__`` that ``with_params`` makes, and each
    parameter is declared as an attribute of the same type."""
    hint = (
        f"\nExpected in {cls.__name__} (after its docstring):\n{_expected_block(cls)}"
    )
    init, declared = _type_checking_block(cls)
    assert init is not None, "no __init__ in an `if TYPE_CHECKING:` block" + hint
    code = compile(
        ast.Module(body=[init], type_ignores=[]),
        inspect.getsourcefile(cls),
        "exec",
        flags=__future__.annotations.compiler_flag,
        dont_inherit=True,
    )
    namespace = dict(vars(sys.modules[cls.__module__]))
    exec(code, namespace)
    static = inspect.signature(namespace["__init__"])
    runtime = inspect.signature(cls.__init__)

    def shape(sig):
        return [(p.name, p.kind, p.default) for p in sig.parameters.values()]

    assert shape(static) == shape(runtime), hint
    assert static.return_annotation == "None"
    params = [p for p in static.parameters.values() if p.name != "self"]
    assert {p.name for p in params} <= set(declared), hint
    for p in params:
        expected = _atoms(_annotation(cls._parameter_constraints[p.name]))
        assert _atoms(p.annotation) == expected, (
            f"__init__ annotation of {p.name}" + hint
        )
        assert _atoms(declared[p.name]) == expected, (
            f"attribute annotation of {p.name}" + hint
        )


LOADERS = [
    (skpoems.datasets.load_tcga_brca, "return_X_y"),
    (skpoems.datasets.load_nutrimouse, "return_X_y"),
    (skpoems.datasets.load_omics_folder, "return_X_y"),
    (skpoems.datasets.load_omics_files, "return_X_y"),
    (skpoems.datasets.load_omics_tables, "return_X_y"),
    (skpoems.datasets.make_multiomics, "return_components"),
]


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="typing.get_overloads needs Python 3.11"
)
@pytest.mark.parametrize(
    ("func", "flag"), LOADERS, ids=[func.__name__ for func, _ in LOADERS]
)
def test_loader_overloads_match_runtime(func, flag):
    """One overload per value of the flag (False, the default, gives the Bunch or
    the short tuple; True the other form; a bool either), each with the
    parameters of the function that runs."""
    from typing import get_overloads

    overloads = get_overloads(func)
    runtime = inspect.signature(func)  # follows __wrapped__ past validate_params
    assert runtime.parameters[flag].default is False
    empty = inspect.Parameter.empty
    flags = []
    for overload in overloads:
        sig = inspect.signature(overload)
        assert [(p.name, p.kind) for p in sig.parameters.values()] == [
            (p.name, p.kind) for p in runtime.parameters.values()
        ]
        for name, p in sig.parameters.items():
            if name != flag:  # the default's presence matches the runtime's
                assert (p.default is empty) == (
                    runtime.parameters[name].default is empty
                ), name
        flags.append(
            (sig.parameters[flag].annotation, sig.parameters[flag].default is not empty)
        )
    assert flags == [
        ("Literal[False]", True),
        ("Literal[True]", False),
        ("bool", False),
    ]


def test_lazy_top_level_names_match_what_type_checkers_read():
    """``skpoems/__init__`` imports its names on first use (PEP 562); its
    ``TYPE_CHECKING`` imports must name the same objects from the same modules."""
    tree = ast.parse(inspect.getsource(skpoems))
    checked = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                for alias in stmt.names:
                    checked[alias.name] = "." + (stmt.module or alias.name)
    lazy = {**skpoems._ATTRIBUTES, **{name: f".{name}" for name in skpoems._SUBMODULES}}
    assert checked == lazy
    assert set(skpoems.__all__) == {*lazy, "__version__"}
    for name in skpoems.__all__:
        assert getattr(skpoems, name) is not None
        assert name in dir(skpoems)
    with pytest.raises(AttributeError, match="no attribute 'POEMS'"):
        skpoems.POEMS  # noqa: B018


def test_import_and_command_line_help_do_not_load_torch():
    """Loading torch takes about 1.7 s: the loaders, metrics, preprocessing,
    plotting and ``skpoems --help`` do without it; an estimator loads it."""
    import subprocess

    code = (
        "import sys, skpoems, skpoems.datasets, skpoems.metrics, skpoems.preprocessing, "
        "skpoems.inspection, skpoems.plotting, skpoems._cli\n"
        "from skpoems._experiment import MODELS\n"
        "assert list(MODELS) == ['poems', 'poem', 'mocss-ae', 'mocss-vae', 'mocss-sparsevae']\n"
        "assert 'poems' in MODELS and 'pca' not in MODELS\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "try:\n"
        "    skpoems._cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported by --help'\n"
        "assert MODELS['poems'] is skpoems.POEMSTransformer and 'torch' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

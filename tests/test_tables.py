"""load_omics_tables: a folder of named tables (the layout of the bundled data)."""

import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skpoems.datasets
from skpoems.datasets import load_nutrimouse, load_omics_tables, load_tcga_brca

DATA_DIR = Path(skpoems.datasets.__file__).parent / "data"


def test_bundled_brca_folder_reads_as_the_bundled_loader():
    """The real TCGA BRCA files, read as a user's folder, give load_tcga_brca()."""
    folder = load_omics_tables(
        DATA_DIR / "tcga_brca", omics=["mrna", "methylation", "mirna"]
    )
    brca = load_tcga_brca()
    assert folder.omic_names == ["mrna", "methylation", "mirna"]
    assert folder.omic_dims == brca.omic_dims == (1000, 1000, 503)
    np.testing.assert_array_equal(folder.data.to_numpy(), brca.data.to_numpy())
    assert list(folder.data.index) == list(brca.data.index)
    assert list(folder.data.columns.get_level_values(1)) == list(
        brca.data.columns.get_level_values(1)
    )
    assert list(folder.target_names) == list(
        brca.target_names
    )  # from the pam50 column, by code
    np.testing.assert_array_equal(folder.target.to_numpy(), brca.target.to_numpy())
    assert folder.not_read == []
    assert "matched by name" in folder.DESCR and "LumA: 419" in folder.DESCR


def test_bundled_nutrimouse_folder_by_position_and_its_label_file():
    """No sample names: rows are matched by position; the labels are one of two text tables."""
    unlabelled = load_omics_tables(DATA_DIR / "nutrimouse")
    assert unlabelled.target is None
    assert unlabelled.not_read == ["diet.csv", "genotype.csv"]
    mice = load_omics_tables(DATA_DIR / "nutrimouse", labels="genotype.csv")
    ref = load_nutrimouse(target="genotype")
    assert mice.omic_names == ["gene", "lipid"]
    np.testing.assert_array_equal(mice.data.to_numpy(), ref.data.to_numpy())
    assert mice.not_read == ["diet.csv"]
    names = np.asarray(mice.target_names)[mice.target]
    np.testing.assert_array_equal(names, np.asarray(ref.target_names)[ref.target])


def test_a_label_path_that_does_not_exist_is_refused_not_replaced_by_the_folders_file(tmp_path, monkeypatch):
    """labels='/elsewhere/labels.csv' (a typo, a file not yet written) read the
    folder's own labels.csv without a word; a bare name read a file of that name
    in the working directory before the folder's."""
    folder = tmp_path / "mice"
    shutil.copytree(DATA_DIR / "nutrimouse", folder)
    with pytest.raises(ValueError, match=r"Label file not found: .*elsewhere.diet\.csv\.$"):
        load_omics_tables(folder, labels=tmp_path / "elsewhere" / "diet.csv")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    pd.DataFrame({"diet": ["other"] * 40}).to_csv(work / "diet.csv", index=False)  # another file of that name
    mice = load_omics_tables(folder, labels="diet.csv")  # the folder's
    assert len(mice.target_names) == 5
    (folder / "sub").mkdir()
    shutil.move(folder / "genotype.csv", folder / "sub" / "genotype.csv")
    assert len(load_omics_tables(folder, labels=Path("sub") / "genotype.csv").target_names) == 2
    assert len(load_omics_tables(folder, labels=work / "diet.csv").target_names) == 1  # a path as it is


@pytest.fixture
def cohort(tmp_path):
    """Three omics of 6 patients: samples x features, features x samples (other
    order), TSV; labels with codes and names in yet another order."""
    rng = np.random.default_rng(0)
    ids = [f"TCGA-{i:02d}" for i in range(6)]
    mrna = pd.DataFrame(
        rng.random((6, 4)),
        index=pd.Index(ids, name="patient"),
        columns=[f"g{j}" for j in range(4)],
    )
    mirna = pd.DataFrame(
        rng.random((3, 6)), index=[f"mir{j}" for j in range(3)], columns=ids
    )[ids[::-1]]
    meth = pd.DataFrame(rng.random((6, 2)), index=ids, columns=["cg1", "cg2"])
    mrna.to_csv(tmp_path / "mrna.csv.gz")
    mirna.to_csv(tmp_path / "miRNA.csv")
    meth.to_csv(tmp_path / "meth.tsv", sep="\t")
    labels = pd.DataFrame(
        {"subtype": ["A", "B", "A", "C", "B", "A"], "code": [0, 1, 0, 2, 1, 0]},
        index=ids,
    )
    labels.iloc[[3, 1, 5, 0, 2, 4]].to_csv(tmp_path / "labels.csv")
    (tmp_path / "README.md").write_text("not a table")
    return tmp_path, {"mrna": mrna, "mirna": mirna.T, "meth": meth}, labels


def test_orientation_order_and_labels_are_matched_by_name(cohort):
    folder, truth, labels = cohort
    bunch = load_omics_tables(folder)
    assert bunch.omic_names == [
        "meth",
        "miRNA",
        "mrna",
    ]  # alphabetical, names as written
    assert list(bunch.data.index) == list(truth["meth"].index)  # the first omic's order
    for name, key in [("meth", "meth"), ("miRNA", "mirna"), ("mrna", "mrna")]:
        expected = truth[key].loc[bunch.data.index]
        np.testing.assert_allclose(bunch.data[name].to_numpy(), expected.to_numpy())
        assert list(bunch.data[name].columns) == list(map(str, expected.columns))
    assert list(bunch.target_names) == ["A", "B", "C"]
    np.testing.assert_array_equal(
        bunch.target.to_numpy(), labels["code"].loc[bunch.data.index].to_numpy()
    )


def test_missing_samples_strict_or_inner(cohort):
    folder, truth, _ = cohort
    truth["meth"].iloc[1:].to_csv(folder / "meth.tsv", sep="\t")
    with pytest.raises(
        ValueError,
        match=r"miRNA.csv lists 6 samples and .*meth.tsv lists 5; 1 are only in the former .*\['TCGA-00'\].*join='inner'",
    ):
        load_omics_tables(folder)
    inner = load_omics_tables(folder, join="inner")
    assert list(inner.data.index) == [f"TCGA-{i:02d}" for i in range(1, 6)]


def test_a_missing_omic_is_a_row_of_nan(cohort):
    folder, truth, _ = cohort
    mrna = truth["mrna"].copy()
    mrna.iloc[2] = np.nan  # written as empty cells
    mrna.to_csv(folder / "mrna.csv.gz")
    bunch = load_omics_tables(folder)
    row = bunch.data["mrna"].loc["TCGA-02"]
    assert row.isna().all() and bunch.data.drop(columns="mrna").notna().all().all()


def test_omics_and_label_column(cohort):
    folder, _, _ = cohort
    pd.read_csv(folder / "labels.csv", index_col=0).assign(stage=list("IIIIII")).to_csv(
        folder / "labels.csv"
    )
    with pytest.raises(
        ValueError, match=r"label_column=NAME \(one of \['subtype', 'code', 'stage'\]\)\.$"
    ):
        load_omics_tables(folder)
    bunch = load_omics_tables(folder, omics=["mrna", "meth"], label_column="subtype")
    assert bunch.omic_names == ["mrna", "meth"] and list(bunch.target_names) == [
        "A",
        "B",
        "C",
    ]
    with pytest.raises(ValueError, match="has no column 'grade'"):
        load_omics_tables(folder, label_column="grade")
    with pytest.raises(
        ValueError, match=r"No numeric table named 'rna'.*\['meth', 'miRNA', 'mrna'\]"
    ):
        load_omics_tables(folder, omics=["rna"])


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda f: pd.DataFrame(
                {"id": ["a", "b"], **{f"x{j}": [1.0, 2.0] for j in range(5)}, "y": ["u", "v"]}
            ).to_csv(f / "bad.csv", index=False),
            r"bad.csv mixes numbers with text: column\(s\) \['y'\]",
        ),
        (
            lambda f: shutil.copy(f / "labels.csv", f / "labels_2.csv"),
            "several label files",
        ),
        (
            lambda f: pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_csv(
                f / "extra.csv", index=False
            ),
            "different numbers of rows and no sample names",
        ),
    ],
    ids=["text column", "two label files", "positional rows differ"],
)
def test_errors_name_the_file(cohort, edit, match):
    folder, _, _ = cohort
    if "rows" in match:  # a folder without sample names
        for f in folder.iterdir():
            f.unlink()
        pd.DataFrame({"a": [1.0, 2.0]}).to_csv(folder / "one.csv", index=False)
    edit(folder)
    with pytest.raises(ValueError, match=match):
        load_omics_tables(folder)


def test_no_tables_and_no_folder(tmp_path):
    (tmp_path / "notes.md").write_text("#")
    with pytest.raises(ValueError, match="No omic table in"):
        load_omics_tables(tmp_path)
    with pytest.raises(ValueError, match="Folder not found"):
        load_omics_tables(tmp_path / "nope")


def test_outer_join_makes_missing_omics_and_unlabelled_samples_are_left_out(cohort):
    folder, truth, labels = cohort
    truth["meth"].drop(index=["TCGA-01", "TCGA-04"]).to_csv(
        folder / "meth.tsv", sep="\t"
    )
    relabelled = labels.astype({"subtype": object})
    relabelled.loc["TCGA-05", "subtype"] = None  # an empty cell: no label
    relabelled.to_csv(folder / "labels.csv")
    with pytest.raises(
        ValueError,
        match=r"no label for 1 sample\(s\) \(e.g. 'TCGA-05'\); pass join='inner' or join='outer'",
    ):
        load_omics_tables(folder, label_column="subtype")
    outer = load_omics_tables(folder, label_column="subtype", join="outer")
    # the first omic (meth) lacks two patients: they follow in the next omic's order
    assert list(outer.data.index) == [
        "TCGA-00",
        "TCGA-02",
        "TCGA-03",
        "TCGA-04",
        "TCGA-01",
    ]
    meth = outer.data["meth"]
    assert (
        meth.loc[["TCGA-01", "TCGA-04"]].isna().all().all()
        and meth.drop(index=["TCGA-01", "TCGA-04"]).notna().all().all()
    )
    np.testing.assert_allclose(
        outer.data["mrna"].to_numpy(), truth["mrna"].loc[outer.data.index].to_numpy()
    )
    assert list(np.asarray(outer.target_names)[outer.target]) == list(
        labels["subtype"].loc[outer.data.index]
    )
    assert "Left out: 1 sample(s) without a label" in outer.DESCR
    assert (
        "Samples lacking each omic (join='outer'): meth 2, miRNA 0, mrna 0"
        in outer.DESCR
    )
    inner = load_omics_tables(folder, label_column="subtype", join="inner")
    assert list(inner.data.index) == ["TCGA-00", "TCGA-02", "TCGA-03"]
    assert "Left out: 1 sample(s) without a label" in inner.DESCR
    # a label file that lists fewer samples: DESCR counts those it leaves out,
    # for either join (it used to for join="outer" only)
    relabelled.drop(index="TCGA-03").to_csv(folder / "labels.csv")
    for join, n in [("outer", 1), ("inner", 1)]:
        fewer = load_omics_tables(folder, label_column="subtype", join=join)
        assert "TCGA-03" not in fewer.data.index
        assert f"Left out: {n} sample(s) of the omic tables that labels.csv does not list" in fewer.DESCR
    # keep_unlabelled: those samples stay, with a missing label (TCGA-03 not listed,
    # TCGA-05 listed without a label), whatever the join
    for join, kept in [("outer", 6), ("inner", 4), ("strict", None)]:
        if kept is None:  # strict: the omics list different samples
            with pytest.raises(ValueError, match="Pass join='inner'"):
                load_omics_tables(folder, label_column="subtype", join=join, keep_unlabelled=True)
            continue
        every = load_omics_tables(folder, label_column="subtype", join=join, keep_unlabelled=True)
        assert len(every.data) == kept and "TCGA-03" in every.data.index
        assert str(every.target.dtype) == "Int64" and pd.isna(every.target["TCGA-03"])
        labelled = every.target.dropna()
        assert list(np.asarray(every.target_names)[labelled.to_numpy(dtype=int)]) == list(
            labels["subtype"].loc[labelled.index]
        )
        assert "Left out" not in every.DESCR
        assert f"Unlabelled: {int(every.target.isna().sum())} sample(s) that labels.csv" in every.DESCR
        X, y = load_omics_tables(
            folder, label_column="subtype", join=join, keep_unlabelled=True, as_frame=False, return_X_y=True
        )
        assert y.dtype == np.float64 and np.isnan(y).sum() == every.target.isna().sum()


def test_labels_false_reads_every_sample_and_no_labels(cohort):
    """New samples to embed: a label file in the folder must not leave the
    unlabelled ones out, nor be read as an omic."""
    folder, truth, labels = cohort
    labels.iloc[:2].to_csv(folder / "labels.csv")  # two of six patients labelled
    # without labels the samples are the names all omics share: miRNA.csv,
    # features x samples beside samples x features tables, is read the right way
    assert len(load_omics_tables(folder, label_column="subtype", join="inner").data) == 2
    every = load_omics_tables(folder, labels=False)
    assert every.target is None and every.target_names is None
    assert sorted(every.data.index) == sorted(truth["mrna"].index)
    assert sorted(every.omic_names) == ["meth", "miRNA", "mrna"]
    np.testing.assert_allclose(every.data["miRNA"].loc[truth["mirna"].index], truth["mirna"])
    with pytest.raises(ValueError, match="label_column goes with labels"):
        load_omics_tables(folder, labels=False, label_column="subtype")


def test_without_labels_shared_feature_names_are_not_read_as_samples(tmp_path):
    """mRNA and copy numbers both by gene: rows and columns are both shared, so
    names cannot tell the samples; that is refused, not guessed (it was read
    with the genes as samples), and transpose= or labels decide."""
    rng = np.random.default_rng(0)
    samples = [f"TCGA-{i:02d}" for i in range(8)]
    genes = [f"G{j}" for j in range(12)]  # more genes than samples
    mrna = pd.DataFrame(rng.random((8, 12)), index=samples, columns=genes)
    cnv = pd.DataFrame(rng.random((8, 12)), index=samples, columns=genes)
    mrna.to_csv(tmp_path / "mrna.csv")
    cnv.T.to_csv(tmp_path / "cnv.csv")  # features x samples
    with pytest.raises(ValueError, match=r"Cannot tell whether the rows or the columns .*\(cnv, mrna\)"):
        load_omics_tables(tmp_path)
    cnv.to_csv(tmp_path / "cnv.csv")  # both samples x features: still ambiguous
    with pytest.raises(ValueError, match="transpose=False if every table is samples x features"):
        load_omics_tables(tmp_path, labels=False)
    read = load_omics_tables(tmp_path, transpose=False)
    assert list(read.data.index) == samples and read.omic_dims == (12, 12)
    pd.Series(["a", "b"] * 4, index=samples).to_csv(tmp_path / "labels.csv")
    assert list(load_omics_tables(tmp_path).data.index) == samples
    # a third omic with its own feature names settles it
    (tmp_path / "labels.csv").unlink()
    pd.DataFrame(rng.random((8, 3)), index=samples, columns=["m1", "m2", "m3"]).to_csv(tmp_path / "mirna.csv")
    assert sorted(load_omics_tables(tmp_path).data.index) == samples


def test_positional_labels_must_all_be_present(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "x.csv", index=False)
    pd.DataFrame({"label": ["u", None, "v"]}).to_csv(
        tmp_path / "labels.csv", index=False
    )
    with pytest.raises(
        ValueError, match=r"1 sample\(s\) have no label \(e.g. line 3\)"
    ):
        load_omics_tables(tmp_path)


def test_code_and_name_columns_with_other_codes_use_the_names(tmp_path):
    ids = ["a", "b", "c", "d"]
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}, index=ids).to_csv(tmp_path / "omic.csv")
    pd.DataFrame(
        {"grade": [3, 1, 3, 2], "name": ["G3", "G1", "G3", "G2"]}, index=ids
    ).to_csv(tmp_path / "labels.csv")
    bunch = load_omics_tables(tmp_path)
    assert list(bunch.target_names) == ["G1", "G2", "G3"] and bunch.target.tolist() == [
        2,
        0,
        2,
        1,
    ]


@pytest.mark.parametrize("name", ["omic.txt", "omic.csv", "omic.tsv.gz"])
@pytest.mark.parametrize("sep", [",", "\t"])
def test_the_separator_is_read_from_the_header(tmp_path, name, sep):
    table = pd.DataFrame(
        {"g1": [1.0, 2.0], "g2": [3.0, 4.0]}, index=pd.Index(["a", "b"], name="id")
    )
    table.to_csv(tmp_path / name, sep=sep)
    bunch = load_omics_tables(tmp_path)
    np.testing.assert_array_equal(bunch.data.to_numpy(), table.to_numpy())
    assert list(bunch.data.index) == ["a", "b"]


def test_repeated_feature_names_are_refused_naming_the_file(tmp_path):
    ids = [f"s{i}" for i in range(6)]
    rng = np.random.RandomState(0)
    genes = pd.DataFrame(rng.rand(3, 6), index=["TP53", "TP53", "ESR1"], columns=ids)
    genes.index.name = "gene"
    genes.to_csv(tmp_path / "mrna.csv")  # features x samples, a gene listed twice
    pd.DataFrame(rng.rand(6, 2), index=ids, columns=["m1", "m2"]).to_csv(tmp_path / "mirna.csv")
    pd.DataFrame({"subtype": list("ababab")}, index=ids).to_csv(tmp_path / "labels.csv")
    with pytest.raises(ValueError, match=r"mrna.csv names 1 feature\(s\) more than once \('TP53'\)"):
        load_omics_tables(tmp_path)


@pytest.mark.parametrize("layout", ["features x samples", "samples x features"])
def test_a_name_repeated_in_the_header_row_is_refused_not_renamed(tmp_path, layout):
    """pandas reads a repeated header as 'TCGA-03' and 'TCGA-03.1': a patient (or
    feature) listed twice would become two. The loader names the repeat instead."""
    ids = [f"TCGA-{i:02d}" for i in range(6)]
    rng = np.random.RandomState(0)
    genes = pd.DataFrame(rng.rand(6, 3), index=ids, columns=["TP53", "ESR1", "GATA3"])
    if layout == "features x samples":
        table = genes.T.assign(**{"TCGA-03.x": 0.0}).rename(columns={"TCGA-03.x": "TCGA-03"})
        repeated, columns = "TCGA-03", "columns 5, 8"
    else:
        table = genes.assign(TP53_again=0.0).rename(columns={"TP53_again": "TP53"})
        repeated, columns = "TP53", "columns 2, 5"
    table.to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(6, 2), index=ids, columns=["m1", "m2"]).to_csv(tmp_path / "mirna.csv")
    pd.DataFrame({"subtype": list("ababab")}, index=ids).to_csv(tmp_path / "labels.csv")
    with pytest.raises(ValueError, match=rf"mrna.csv lists '{repeated}' more than once in its header row \({columns}\)"):
        load_omics_tables(tmp_path)


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_quoted_header_names_holding_the_separator_are_one_name_each(tmp_path, sep):
    """The header line is split with quotes respected (R's write.csv quotes every
    name): a name holding the separator ("2,3-butanediol") is one name, a repeated
    one is named with its columns, and cells read as missing are no repeat."""
    import csv
    import re

    ids = [f"TCGA-{i:02d}" for i in range(6)]
    rng = np.random.RandomState(0)
    names = [f"2{sep}3-butanediol", "ESR1", f"x{sep}y", "NA", "NA"]
    table = pd.DataFrame(rng.rand(6, 5), index=pd.Index(ids, name="sample"), columns=names)
    table.to_csv(tmp_path / "mrna.csv", sep=sep, quoting=csv.QUOTE_ALL)
    pd.DataFrame(rng.rand(6, 2), index=ids, columns=["m1", "m2"]).to_csv(tmp_path / "mirna.csv")
    pd.DataFrame({"subtype": list("ababab")}, index=ids).to_csv(tmp_path / "labels.csv")
    bunch = load_omics_tables(tmp_path)
    assert list(bunch.data["mrna"].columns[:3]) == names[:3]
    table.rename(columns={"ESR1": f"x{sep}y"}).to_csv(tmp_path / "mrna.csv", sep=sep, quoting=csv.QUOTE_ALL)
    repeated = re.escape(repr(f"x{sep}y"))
    with pytest.raises(ValueError, match=rf"mrna.csv lists {repeated} more than once in its header row \(columns 3, 4\)"):
        load_omics_tables(tmp_path)


def test_semicolon_tables_with_decimal_commas_are_read_as_numbers(tmp_path):
    """What spreadsheets write where the decimal mark is a comma ("0,5"): it was
    read as a one-feature omic before."""
    ids = [f"P{i}" for i in range(8)]
    rng = np.random.RandomState(0)
    genes = pd.DataFrame(rng.rand(8, 5), index=ids, columns=[f"G{j}" for j in range(5)])
    genes.to_csv(tmp_path / "mrna.csv", sep=";", decimal=",")
    meth = pd.DataFrame(rng.rand(8, 3), index=ids, columns=["c1", "c2", "c3"])
    meth.to_csv(tmp_path / "methylation.csv", sep=";")  # decimal points
    pd.DataFrame({"subtype": list("abababab")}, index=ids).to_csv(tmp_path / "labels.csv", sep=";")
    bunch = load_omics_tables(tmp_path)
    assert bunch.omic_dims == (3, 5)  # methylation, mrna
    np.testing.assert_allclose(bunch.data["mrna"].to_numpy(), genes.to_numpy())
    np.testing.assert_allclose(bunch.data["methylation"].to_numpy(), meth.to_numpy())
    assert list(bunch.data.index) == ids


def test_rows_with_more_fields_than_the_header_are_refused(tmp_path):
    ids = [f"P{i}" for i in range(4)]
    lines = ["g1,g2"] + [f"{i},0.{i},0.5,0.7" for i in ids]  # two fields too many
    (tmp_path / "mrna.csv").write_text("\n".join(lines) + "\n")
    pd.DataFrame({"subtype": list("abab")}, index=ids).to_csv(tmp_path / "labels.csv")
    with pytest.raises(ValueError, match=r"mrna.csv: its rows have 2 more fields than its header row"):
        load_omics_tables(tmp_path)


@pytest.mark.parametrize("sep", [",", "\t", ";"])
@pytest.mark.parametrize("features_x_samples", [True, False])
def test_a_separator_ending_every_data_row(tmp_path, sep, features_x_samples):
    """A separator at the end of every data row but not of the header: pandas made
    the rows' first fields the index, and every value moved onto the next sample
    or feature (the last one all NaN; 'sample,g1,g2' crashed in pandas)."""
    ids = ["001", "002", "003", "004"]
    genes = pd.DataFrame(np.arange(12.0).reshape(4, 3) / 10, index=ids, columns=["G1", "G2", "G3"])
    written = genes.T if features_x_samples else genes
    corner = "gene" if features_x_samples else "sample"
    lines = [sep.join([corner, *written.columns])]
    lines += [sep.join([name, *map(str, row)]) + sep for name, row in zip(written.index, written.to_numpy(), strict=True)]
    (tmp_path / "mrna.csv").write_text("\n".join(lines) + "\n")
    pd.DataFrame({"m1": [1.0, 2.0, 3.0, 4.0]}, index=ids).rename_axis("sample").to_csv(tmp_path / "mirna.csv", sep=sep)
    for join in ("strict", "inner"):
        bunch = load_omics_tables(tmp_path, join=join)
        assert list(bunch.data.index) == ids  # as written (leading zeros kept)
        np.testing.assert_array_equal(bunch.data["mrna"].to_numpy(), genes.to_numpy())
        assert list(bunch.data["mrna"].columns) == ["G1", "G2", "G3"]


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # a value beyond the header, which has a field for the row names
        ("sample,g1,g2\nP0,1,2,9\nP1,3,4,8\nP2,5,6,7\nP3,1,1,1\n",
         r"mrna.csv: its data rows hold one field more than its header row \(row 'P0': 4 fields, header: 3\)"),
        # the first row ends with a separator, another with a value there
        ("sample,g1,g2\nP0,1,2,\nP1,3,4,8\nP2,5,6,\nP3,1,1,\n",
         r"mrna.csv: its first data row ends with a separator .* 1 other row\(s\) hold a value there \(row 'P1': 8"),
    ],
)
def test_rows_with_a_value_beyond_the_header_are_refused(tmp_path, text, pattern):
    """pandas' own 'zip() argument 2 is shorter than argument 1' named no file."""
    (tmp_path / "mrna.csv").write_text(text)
    pd.DataFrame({"m1": [1.0, 2.0, 3.0, 4.0]}, index=[f"P{i}" for i in range(4)]).to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=pattern):
        load_omics_tables(tmp_path)


@pytest.mark.parametrize(("sep", "kind"), [(",", "comma"), ("\t", "tab"), (";", "semicolon")])
def test_a_line_of_fewer_fields_is_refused(tmp_path, sep, kind):
    """pandas fills the last fields of a short line with NaN: a separator lost in
    the middle moved the values after it into other samples, silently (the other
    two loaders refused it). Empty fields between separators stay missing values."""
    name = "mrna.csv" if sep != "\t" else "mrna.tsv"
    lines = ["gene,P0,P1,P2", "g1,1,2,3", "g2,4,,6", "g3,7,9"]
    (tmp_path / name).write_text("\n".join(line.replace(",", sep) for line in lines) + "\n")
    with pytest.raises(ValueError, match=rf"{name}, line 4: 3 {kind}-separated field\(s\) where the table has 4"):
        load_omics_tables(tmp_path, transpose=True)
    (tmp_path / name).write_text("\n".join(line.replace(",", sep) for line in lines[:3]) + "\n")
    data = load_omics_tables(tmp_path, transpose=True).data["mrna"]
    np.testing.assert_array_equal(data.to_numpy(), [[1, 4], [2, np.nan], [3, 6]])


@pytest.mark.parametrize("broken", ["not gzip", "truncated"])
def test_a_broken_gzip_table_is_named(tmp_path, broken):
    """A .gz table cut short (an interrupted download) raised a bare EOFError."""
    import gzip

    data = pd.DataFrame({"g1": [1.0, 2.0, 3.0]}, index=["s1", "s2", "s3"]).to_csv().encode()
    (tmp_path / "mrna.csv.gz").write_bytes(data if broken == "not gzip" else gzip.compress(data)[:-10])
    pd.DataFrame({"m1": [1.0, 2.0, 3.0]}, index=["s1", "s2", "s3"]).to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"mrna.csv.gz is not valid gzip data, or is incomplete .*interrupted download"):
        load_omics_tables(tmp_path)


def test_header_without_a_field_for_the_row_names(tmp_path):
    """R's write.table writes the header without a field for the row names; those
    are the samples, also for a label table listing them in another order."""
    ids = [f"P{i}" for i in range(6)]
    rng = np.random.RandomState(0)
    genes = pd.DataFrame(rng.rand(6, 3), index=ids, columns=["G1", "G2", "G3"])
    lines = [",".join(genes.columns)] + [f"{i}," + ",".join(repr(float(v)) for v in row) for i, row in zip(ids, genes.to_numpy())]
    (tmp_path / "mrna.csv").write_text("\n".join(lines) + "\n")
    order = ids[::-1]
    labels = dict(zip(ids, "aabbab"))
    (tmp_path / "labels.csv").write_text("subtype\n" + "".join(f"{i},{labels[i]}\n" for i in order))
    bunch = load_omics_tables(tmp_path)
    assert list(bunch.data.index) == ids
    np.testing.assert_allclose(bunch.data["mrna"].to_numpy(), genes.to_numpy())
    assert [bunch.target_names[c] for c in bunch.target] == [labels[i] for i in ids]


def _tcga_folder(tmp_path, normal=False):
    """Three files cutting TCGA barcodes differently: sample (16), sample (15) and
    patient (12) names; mRNA as features x samples, as the portals write it."""
    rng = np.random.RandomState(0)
    patients = [f"TCGA-A1-A{i:03d}" for i in range(10)]
    mrna = pd.DataFrame(rng.rand(10, 4), index=[p + "-01A" for p in patients], columns=list("abcd"))
    if normal:  # the first patient's normal sample too
        mrna.loc[patients[0] + "-11A"] = 0.5
    mrna.T.to_csv(tmp_path / "mrna.csv")
    meth = pd.DataFrame(rng.rand(10, 3), index=[p + "-01" for p in patients[::-1]], columns=list("xyz"))
    meth.to_csv(tmp_path / "methylation.csv")
    labels = dict(zip(patients, "ab" * 5))
    pd.Series(labels, name="subtype").to_csv(tmp_path / "labels.csv")
    return patients, mrna, meth, labels


@pytest.mark.parametrize("join", ["strict", "inner", "outer"])
def test_tcga_barcodes_cut_differently_are_named_with_the_length_that_matches(tmp_path, join):
    _tcga_folder(tmp_path)
    with pytest.raises(ValueError, match=r"first 12 characters .* which would make 10 samples common to all: .*sample_name_length=12\)"):
        load_omics_tables(tmp_path, join=join)


def test_sample_name_length_matches_tcga_barcodes(tmp_path):
    patients, mrna, meth, labels = _tcga_folder(tmp_path)
    bunch = load_omics_tables(tmp_path, sample_name_length=12)
    # the order of the first omic in file-name order: methylation, which lists them reversed
    assert list(bunch.data.index) == patients[::-1]
    np.testing.assert_allclose(bunch.data["mrna"].to_numpy(), mrna.to_numpy()[::-1])
    np.testing.assert_allclose(bunch.data["methylation"].to_numpy(), meth.to_numpy())
    assert [bunch.target_names[c] for c in bunch.target] == [labels[p] for p in patients[::-1]]


def test_sample_name_length_refuses_two_samples_of_one_patient(tmp_path):
    """The error named no original sample and suggested transpose=True, which
    led nowhere: it names the two samples that became one and what they are."""
    _tcga_folder(tmp_path, normal=True)
    with pytest.raises(ValueError, match=r"mrna.csv lists sample 'TCGA-A1-A000' more than once after cutting the names "
                                         r"to 12 characters: 'TCGA-A1-A000-01A' and 'TCGA-A1-A000-11A' become one \(1 name"
                                         r"\(s\) in all\)\. They are one patient's several samples.*10-19 for normal"):
        load_omics_tables(tmp_path, sample_name_length=12)
    with pytest.raises(ValueError, match="lists sample .* more than once after cutting") as error:
        load_omics_tables(tmp_path, sample_name_length=12)
    assert "transpose" not in str(error.value)


def test_an_axis_of_sample_ids_decides_the_orientation_without_labels(tmp_path):
    """Without labels, a table of 30 proteins x 48 TCGA samples (cBioPortal's
    RPPA) was read as 30 samples, a protein as a sample, without a word; two
    Firehose tables whose aliquot barcodes differ were read gene-wise, and the
    error listed genes as samples. TCGA barcodes and GSM ids are samples."""
    rng = np.random.RandomState(0)
    samples = [f"TCGA-A1-A{i:03d}-01" for i in range(48)]
    rppa = pd.DataFrame(rng.rand(30, 48), index=pd.Index([f"P{i}|PROT{i}" for i in range(30)], name="Composite.Element.REF"), columns=samples)
    rppa.to_csv(tmp_path / "data_rppa.txt", sep="\t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cohort = load_omics_tables(tmp_path)
    assert cohort.data.shape == (48, 30) and list(cohort.data.index) == samples
    (tmp_path / "data_rppa.txt").unlink()
    genes = pd.Index([f"GENE{i}|{1000 + i}" for i in range(20)], name="gene")
    pd.DataFrame(rng.rand(20, 48), index=genes, columns=[s + "A-11R-A000-07" for s in samples]).to_csv(tmp_path / "mrna.txt", sep="\t")
    pd.DataFrame(rng.rand(20, 48), index=genes, columns=[s + "A-13R-A000-13" for s in samples]).to_csv(tmp_path / "mirna.txt", sep="\t")
    with pytest.raises(ValueError, match=r"have no sample name in common \(e.g. 'TCGA-A1-A000-01A-1.*sample_name_length=16") as error:
        load_omics_tables(tmp_path)
    assert "GENE" not in str(error.value).split("The names agree")[0]
    # (no join advice: an outer join would read each patient twice, once per omic)
    assert "join" not in str(error.value)
    assert load_omics_tables(tmp_path, sample_name_length=16).data.shape == (48, 40)


def test_tcga_normal_samples_among_tumours_are_noted(tmp_path):
    """Xena's and GDC's matrices hold normal tissue (sample type 11) beside the
    tumours: read silently, discover clustered them with the tumours."""
    rng = np.random.RandomState(0)
    samples = [f"TCGA-A1-A{i:03d}-01" for i in range(10)] + ["TCGA-A1-A000-11", "TCGA-A1-A001-11"]
    pd.DataFrame(rng.rand(12, 4), index=pd.Index(samples, name="sample"), columns=list("abcd")).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(12, 3), index=pd.Index(samples, name="sample"), columns=list("xyz")).to_csv(tmp_path / "mirna.csv")
    with pytest.warns(UserWarning, match=r"2 of the 12 samples are TCGA normal tissue \(sample type 10-19 .* e.g. 'TCGA-A1-A000-11'\)"):
        cohort = load_omics_tables(tmp_path)
    mirna = pd.read_csv(tmp_path / "mirna.csv", index_col=0)
    mirna.iloc[:10].to_csv(tmp_path / "mirna.csv")  # the tumours only: the join error says what the others are
    with pytest.raises(ValueError, match=r"Of those, 2 are TCGA normal tissue \(sample type 10-19, e.g. 'TCGA-A1-A000-11'\), which omics measured on tumours alone lack \(sample_types='tumor' leaves them out\)"):
        load_omics_tables(tmp_path)
    mirna.to_csv(tmp_path / "mirna.csv")
    assert "Note: 2 of the 12 samples are TCGA normal tissue" in cohort.DESCR
    for f in ("mrna.csv", "mirna.csv"):  # tumours only: no note
        table = pd.read_csv(tmp_path / f, index_col=0)
        table[table.index.str[13:15] < "10"].to_csv(tmp_path / f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "normal tissue" not in load_omics_tables(tmp_path).DESCR


def test_aliquot_barcodes_get_the_sample_length_as_a_hint(tmp_path):
    """Firehose names samples by aliquot barcodes (28 characters), which differ
    between the analytes of one sample (-11R-A000-07 for mRNA, -13R-A000-13 for
    miRNA): only the names' own length was tried, so no hint came."""
    rng = np.random.RandomState(0)
    samples = [f"TCGA-A1-A{i:03d}-01A" for i in range(10)]
    pd.DataFrame(rng.rand(10, 4), index=[s + "-11R-A000-07" for s in samples], columns=list("abcd")).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(10, 3), index=[s + "-13R-A000-13" for s in samples], columns=list("xyz")).to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"first 16 characters .* which would make 10 samples common to all: .*sample_name_length=16\)"):
        load_omics_tables(tmp_path)
    assert load_omics_tables(tmp_path, sample_name_length=16).omic_dims == (3, 4)


def test_numeric_feature_ids_in_a_named_first_column(tmp_path):
    """features x samples with Entrez gene ids in a first column headed 'entrez':
    numbers, but the header holds the labelled samples, so they name the genes."""
    ids = [f"P{i}" for i in range(12)]
    rng = np.random.RandomState(0)
    genes = pd.DataFrame(rng.rand(5, 12), index=pd.Index([7157, 2099, 2625, 672, 675], name="entrez"), columns=ids)
    genes.to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(12, 3), index=ids, columns=list("xyz")).to_csv(tmp_path / "methylation.csv")
    pd.DataFrame({"subtype": list("ab" * 6)}, index=ids).to_csv(tmp_path / "labels.csv")
    bunch = load_omics_tables(tmp_path)
    assert list(bunch.data["mrna"].columns) == ["7157", "2099", "2625", "672", "675"]
    assert list(bunch.data.index) == ids
    np.testing.assert_allclose(bunch.data["mrna"].to_numpy(), genes.T.to_numpy())


def test_outer_join_refuses_an_omic_that_lists_none_of_the_samples(tmp_path):
    """With join="outer" an omic whose names match no labelled sample would be
    missing for every patient: refused, with the name length that matches."""
    patients = [f"TCGA-A1-A{i:03d}" for i in range(8)]
    rng = np.random.RandomState(0)
    pd.DataFrame(rng.rand(8, 3), index=[p + "-01A" for p in patients]).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(8, 2), index=patients).to_csv(tmp_path / "mirna.csv")
    pd.Series(dict(zip(patients, "ab" * 4)), name="subtype").to_csv(tmp_path / "labels.csv")
    with pytest.raises(ValueError, match=r"mrna.csv lists none of the labelled samples kept .*\(sample_name_length=12"):
        load_omics_tables(tmp_path, join="outer")
    assert load_omics_tables(tmp_path, join="outer", sample_name_length=12).data.notna().all().all()


def _small_cohort(n=12, seed=0):
    rng = np.random.RandomState(seed)
    ids = [f"S{i:03d}" for i in range(n)]
    mrna = pd.DataFrame(rng.rand(n, 5).round(3), index=ids, columns=[f"g{j}" for j in range(5)])
    mirna = pd.DataFrame(rng.rand(n, 3).round(3), index=ids, columns=[f"mir{j}" for j in range(3)])
    labels = pd.Series(np.where(np.arange(n) % 2, "A", "B"), index=ids, name="label")
    return mrna, mirna, labels


@pytest.mark.parametrize("ids", [[str(1000 + i) for i in range(12)], [f"{i:05d}" for i in range(12)]])
def test_numeric_sample_ids_under_an_id_header_are_names(tmp_path, ids):
    """patient_id 1000.. or 00001..: sample names matched by name, not a feature."""
    mrna, mirna, labels = _small_cohort()
    for frame in (mrna, mirna, labels):
        frame.index = pd.Index(ids, name="patient_id")
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.iloc[::-1].to_csv(tmp_path / "mirna.csv")  # other row order
    labels.to_csv(tmp_path / "labels.csv")
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_dims == (3, 5)  # no patient_id feature
    assert list(cohort.data.index) == ids[::-1]  # the order of mirna.csv, the first omic
    np.testing.assert_array_equal(cohort.data["mrna"].loc[ids].to_numpy(), mrna.to_numpy())
    np.testing.assert_array_equal(cohort.data["mirna"].loc[ids].to_numpy(), mirna.to_numpy())


def test_numeric_sample_ids_that_the_labels_list_are_names(tmp_path):
    mrna, mirna, labels = _small_cohort()
    ids = [str(7000 + i) for i in range(12)]
    mrna.set_axis(pd.Index(ids, name="X"), axis=0).to_csv(tmp_path / "mrna.csv")
    mirna.set_axis(pd.Index(ids, name="X"), axis=0).iloc[::-1].to_csv(tmp_path / "mirna.csv")
    labels.set_axis(pd.Index(ids, name="sample"), axis=0).to_csv(tmp_path / "labels.csv")
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_dims == (3, 5)
    np.testing.assert_array_equal(cohort.data["mrna"].loc[ids].to_numpy(), mrna.to_numpy())


def test_spreadsheet_and_r_exports(tmp_path):
    """Decimal commas after an empty first row, R's space-separated write.table,
    a separator ending every line, spaces after commas and around names."""
    mrna, mirna, labels = _small_cohort()
    with_gap = mrna.copy()
    with_gap.iloc[0] = np.nan  # the first patient lacks the omic
    with_gap.to_csv(tmp_path / "mrna.csv", sep=";", decimal=",")
    text = mirna.to_csv(sep=" ", quoting=2)  # R: write.table(x, "mirna.txt"), quoted names
    (tmp_path / "mirna.txt").write_text("\n".join(line.split(" ", 1)[1] if i == 0 else line
                                                  for i, line in enumerate(text.splitlines())) + "\n")
    lines = [f" {s} , {lab} ," for s, lab in labels.items()]  # padded, trailing separator
    (tmp_path / "labels.csv").write_text("sample, label,\n" + "\n".join(lines) + "\n")
    cohort = load_omics_tables(tmp_path, join="outer")
    assert cohort.omic_names == ["mirna", "mrna"] and cohort.omic_dims == (3, 5)
    np.testing.assert_allclose(cohort.data["mirna"].loc[mirna.index].to_numpy(), mirna.to_numpy())
    np.testing.assert_allclose(cohort.data["mrna"].loc[mrna.index[1:]].to_numpy(), mrna.to_numpy()[1:])
    assert cohort.data["mrna"].loc["S000"].isna().all()
    assert list(cohort.target_names) == ["A", "B"]


def test_features_x_samples_with_numeric_feature_ids_without_labels(tmp_path):
    """Entrez gene ids in the first column: read without labels, by the samples
    that the other omic names, or with transpose=True."""
    mrna, mirna, _ = _small_cohort()
    entrez = mrna.T.set_axis(pd.Index([101, 102, 103, 104, 105], name="gene_id"), axis=0)
    entrez.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    cohort = load_omics_tables(tmp_path, labels=False)
    assert cohort.omic_dims == (3, 5)
    assert list(cohort.data["mrna"].columns) == ["101", "102", "103", "104", "105"]
    np.testing.assert_array_equal(cohort.data["mrna"].loc[mrna.index].to_numpy(), mrna.to_numpy())
    (tmp_path / "mirna.csv").unlink()
    mirna.T.to_csv(tmp_path / "mirna.csv")
    both = load_omics_tables(tmp_path, labels=False, transpose=True)
    assert both.omic_dims == (3, 5) and list(both.data.index) == list(mirna.index)


def test_a_readme_is_not_taken_for_labels_and_unasked_tables_are_passed_over(tmp_path):
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    (tmp_path / "README.txt").write_text("Data from the lab.\nExported on Monday.\n")
    cohort = load_omics_tables(tmp_path)
    assert cohort.target is None and cohort.not_read == ["README.txt"]
    pd.DataFrame({"age": [50] * 12, "stage": ["II"] * 12}, index=mrna.index).to_csv(tmp_path / "clinical.csv")
    with pytest.warns(UserWarning, match="clinical.csv is not read as an omic: its name says.*label_column="):
        cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["mirna", "mrna"] and "clinical.csv" in cohort.DESCR
    assert load_omics_tables(tmp_path, omics=["mrna", "mirna"]).omic_dims == (5, 3)


def test_portal_tables_that_mix_numbers_with_text_are_passed_over(tmp_path):
    """A cBioPortal or GDC download stopped the reader at its first clinical
    table, mutation list or manifest, one file per run (a user moved five files
    aside before the first model): tables that are not omics by their name or
    their columns are passed over with a warning each."""
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    ids = list(mrna.index)
    patient = pd.DataFrame({"PATIENT_ID": ids, "SUBTYPE": ["LumA", "Basal"] * 6, "AGE": range(40, 52)})
    (tmp_path / "data_clinical_patient.txt").write_text(
        "#Patient Identifier\tSubtype\tAge\n#x\tx\tx\n#STRING\tSTRING\tNUMBER\n#1\t1\t1\n"
        + patient.to_csv(sep="\t", index=False)
    )
    maf = pd.DataFrame({"Hugo_Symbol": ["TP53", "PIK3CA"], "Entrez_Gene_Id": [7157, 5290],
                        "Variant_Classification": ["Missense_Mutation"] * 2,
                        "Tumor_Sample_Barcode": ids[:2], "Start_Position": [7577120, 178952085]})
    (tmp_path / "data_mutations.txt").write_text("#version 2.4\n" + maf.to_csv(sep="\t", index=False))
    pd.DataFrame({"id": ["u1", "u2"], "filename": ["a.tsv", "b.tsv"], "md5": ["0f", "1e"], "size": [10, 20],
                  "state": ["released"] * 2}).to_csv(tmp_path / "MANIFEST.txt", sep="\t", index=False)
    pd.DataFrame({"PATIENT_ID": ids[:4], "START_DATE": [0, 10, 20, 30], "EVENT_TYPE": ["STATUS"] * 4,
                  "STATUS": ["Alive", "Dead", "Alive", "Alive"]}).to_csv(tmp_path / "data_timeline_status.txt", sep="\t", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["mirna", "mrna"] and cohort.omic_dims == (3, 5)
    said = "\n".join(str(w.message) for w in caught)
    assert "data_clinical_patient.txt is not read as an omic: its name says" in said
    assert "data_mutations.txt is not read as an omic: it is a mutation list" in said
    assert "MANIFEST.txt is not read as an omic: it is a download manifest" in said
    assert "data_timeline_status.txt is not read as an omic: 2 of its 3 columns hold words" in said
    for name in ("data_clinical_patient.txt", "data_mutations.txt", "MANIFEST.txt", "data_timeline_status.txt"):
        assert name in cohort.DESCR
    # and one of them gives the labels
    labelled = load_omics_tables(tmp_path, labels="data_clinical_patient.txt", label_column="SUBTYPE")
    assert list(labelled.target_names) == ["Basal", "LumA"]


def test_omics_with_name_columns_or_censored_values_are_not_passed_over(tmp_path):
    """MaxQuant's proteinGroups.txt (samples as columns beside Gene names,
    Protein names, Reverse, ...) and metabolites with "<LOD" cells were passed
    over as sample annotations by the words-in-columns rule: a fit went on
    without them. They are errors naming the columns, as before."""
    mrna, _, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    rng = np.random.default_rng(0)
    proteins = pd.DataFrame(rng.random((6, len(mrna))), columns=[f"LFQ intensity {s}" for s in mrna.index])
    for j, name in enumerate(["Gene names", "Protein names", "Majority protein IDs", "Reverse", "Potential contaminant", "Fasta headers"]):
        proteins.insert(j, name, [f"{name} {i}" for i in range(6)])
    proteins.insert(0, "Protein IDs", [f"P{i}" for i in range(6)])
    proteins.to_csv(tmp_path / "proteinGroups.txt", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"proteinGroups.txt mixes numbers with text"):
        load_omics_tables(tmp_path)
    (tmp_path / "proteinGroups.txt").unlink()
    metabolites = pd.DataFrame(rng.random((len(mrna), 6)), index=mrna.index, columns=[f"m{j}" for j in range(6)]).astype(object)
    metabolites.iloc[:9, :4] = "<LOD"
    metabolites.to_csv(tmp_path / "measurements.csv")
    with pytest.raises(ValueError, match=r"measurements.csv mixes numbers with text"):
        load_omics_tables(tmp_path)


def test_z_scores_of_another_table_are_not_a_second_omic(tmp_path):
    """cBioPortal ships data_mrna_seq_v2_rsem_zscores_ref_all_samples.txt beside
    data_mrna_seq_v2_rsem.txt: both were read, mRNA counted three times."""
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "data_mrna.csv")
    ((mrna - mrna.mean()) / mrna.std()).to_csv(tmp_path / "data_mrna_zscores_ref_all_samples.csv")
    ((mrna - mrna.mean()) / mrna.std()).to_csv(tmp_path / "data_mrna_Zscores.csv")
    mirna.to_csv(tmp_path / "data_mirna.csv")
    with pytest.warns(UserWarning, match=r"data_mrna_zscores_ref_all_samples.csv is not read as an omic: it holds z-scores of data_mrna.csv"):
        cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["data_mirna", "data_mrna"]
    assert "Not read (derived from another table): data_mrna_Zscores.csv, data_mrna_zscores_ref_all_samples.csv" in cohort.DESCR
    # named, it is read; alone (no source table), it is an omic
    assert load_omics_tables(tmp_path, omics=["data_mrna_Zscores", "data_mirna"]).omic_dims == (5, 3)
    # copy-number calls beside the log2 ratios they are called from: the ratios
    (mirna * 4 - 2).round().to_csv(tmp_path / "data_cna.csv")
    (mirna * 4 - 2).to_csv(tmp_path / "data_log2_cna.csv")
    with pytest.warns(UserWarning, match=r"data_cna.csv is not read as an omic: data_log2_cna.csv holds the same copy numbers"):
        assert load_omics_tables(tmp_path).omic_names == ["data_log2_cna", "data_mirna", "data_mrna"]
    for name in ("data_mrna_Zscores.csv", "data_cna.csv", "data_log2_cna.csv"):
        (tmp_path / name).unlink()
    # (other omics beside their log2 version are not copy numbers: both read)
    np.log2(mrna + 1).to_csv(tmp_path / "data_mrna_log2.csv")
    with pytest.warns(UserWarning, match="holds z-scores of data_mrna.csv"):
        assert load_omics_tables(tmp_path).omic_names == ["data_mirna", "data_mrna", "data_mrna_log2"]
    (tmp_path / "data_mrna_log2.csv").unlink()
    (tmp_path / "data_mrna.csv").unlink()
    assert load_omics_tables(tmp_path).omic_names == ["data_mirna", "data_mrna_zscores_ref_all_samples"]


def test_a_tcga_level_3_table_with_several_columns_per_sample_is_explained(tmp_path):
    """Firehose's Level 3 methylation files give each sample 4 columns under one
    name: the error said "Average the repeats", which is wrong for them."""
    samples = ["TCGA-A1-A000-01A", "TCGA-A1-A001-01A"]
    header = "Hybridization REF\t" + "\t".join(s for s in samples for _ in range(4))
    second = "Composite Element REF\t" + "\t".join(["Beta_value", "Gene_Symbol", "Chromosome", "Genomic_Coordinate"] * 2)
    rows = [f"cg{i:08d}\t" + "\t".join(["0.5", "TP53", "17", "7577120"] * 2) for i in range(3)]
    (tmp_path / "BRCA.methylation.data.txt").write_text("\n".join([header, second, *rows]) + "\n")
    with pytest.raises(ValueError, match=r"is a TCGA Level 3 table .* such as 'TCGA-A1-A000-01A' \(columns 2, 3, 4, 5\).*Keep one column per sample \(Beta_value") as error:
        load_omics_tables(tmp_path)
    assert "Average the repeats" not in str(error.value)
    # two such files: both named in one error (the user met them one run at a time)
    (tmp_path / "BRCA.mirnaseq.data.txt").write_text((tmp_path / "BRCA.methylation.data.txt").read_text())
    with pytest.raises(ValueError, match=r"^2 tables cannot be read:\n- .*BRCA.methylation.data.txt is a TCGA Level 3.*\n- .*BRCA.mirnaseq.data.txt is a TCGA"):
        load_omics_tables(tmp_path)


def test_a_label_column_may_be_a_row_of_an_attributes_x_samples_table(tmp_path):
    """Firehose's clin.merged.picked.txt and LinkedOmics' .tsi hold one row per
    clinical attribute and one column per sample: label_column named a row and
    got "has no column 'vital_status'; its columns are [48 barcodes]"."""
    mrna, mirna, labels = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    clinical = pd.DataFrame(
        {s: {"years_to_birth": 40 + i, "subtype": lab, "gender": "female"} for i, (s, lab) in enumerate(labels.items())}
    )
    clinical.rename_axis("Hybridization REF").to_csv(tmp_path / "clin.merged.picked.txt", sep="\t")
    cohort = load_omics_tables(tmp_path, labels="clin.merged.picked.txt", label_column="subtype")
    assert [cohort.target_names[c] for c in cohort.target] == list(labels.loc[cohort.data.index])
    with pytest.raises(ValueError, match="has no column 'stage'"):
        load_omics_tables(tmp_path, labels="clin.merged.picked.txt", label_column="stage")


def test_a_clinical_label_table_is_checked_before_its_blanks_are_counted(tmp_path):
    """With a clinical table as labels, the first error was "has no label for N
    sample(s) ... pass join='inner'" when the label column was misspelt, when
    none was named, or when the blanks belonged to patients the omics lack;
    only the next run told the real problem."""
    mrna, mirna, labels = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    clinical = pd.DataFrame({"SUBTYPE": labels, "AGE": np.arange(12) + 40.0, "STAGE": ["II"] * 12}, index=labels.index)
    clinical.iloc[3, 1] = np.nan  # a blank age
    others = pd.DataFrame({"SUBTYPE": [np.nan, "[Not Available]"], "AGE": [50.0, 60.0], "STAGE": ["I", "I"]},
                          index=["OTHER-1", "OTHER-2"])  # patients the omics do not have, unlabelled
    pd.concat([clinical, others]).rename_axis("PATIENT_ID").to_csv(tmp_path / "data_clinical_patient.tsv", sep="\t")
    with pytest.raises(ValueError, match=r"has no column 'Subtype'; its columns are \['SUBTYPE', 'AGE', 'STAGE'\]"):
        load_omics_tables(tmp_path, labels="data_clinical_patient.tsv", label_column="Subtype")
    with pytest.raises(ValueError, match=r"must be one-hot .* pick the column that holds the labels: label_column=NAME"):
        load_omics_tables(tmp_path, labels="data_clinical_patient.tsv")
    cohort = load_omics_tables(tmp_path, labels="data_clinical_patient.tsv", label_column="SUBTYPE")
    assert len(cohort.target) == 12 and cohort.target_names.tolist() == ["A", "B"]
    # patient barcodes against sample barcodes: the length that matches them,
    # not "no label for 2 sample(s), pass join='inner'" first
    for name in ("mrna.csv", "mirna.csv"):
        table = pd.read_csv(tmp_path / name, index_col=0)
        table.set_axis([f"TCGA-A1-A{i:03d}-01" for i in range(12)]).to_csv(tmp_path / name)
    patients = pd.concat([clinical, others]).set_axis([f"TCGA-A1-A{i:03d}" for i in range(14)])
    patients.rename_axis("PATIENT_ID").to_csv(tmp_path / "data_clinical_patient.tsv", sep="\t")
    with pytest.raises(ValueError, match=r"first 12 characters .*sample_name_length=12") as error:
        load_omics_tables(tmp_path, labels="data_clinical_patient.tsv", label_column="SUBTYPE")
    assert "no label" not in str(error.value)
    cohort = load_omics_tables(tmp_path, labels="data_clinical_patient.tsv", label_column="SUBTYPE", sample_name_length=12)
    assert len(cohort.target) == 12


def test_all_tables_that_cannot_be_read_are_named_at_once(tmp_path):
    """An omic with a stray text column is still refused (not passed over: it
    may be a measurement), but every such table in one error, not one per run."""
    mrna, mirna, _ = _small_cohort()
    for name, frame in (("mrna", mrna), ("mirna", mirna)):
        frame = frame.copy()
        frame["note"] = "x"
        frame.to_csv(tmp_path / f"{name}.csv")
    with pytest.raises(ValueError, match=r"2 tables cannot be read as omics:\n- .*mirna.csv mixes numbers with text: "
                                         r"column\(s\) \['note'\].*\n- .*mrna.csv mixes"):
        load_omics_tables(tmp_path)


def test_cbioportal_tables_with_gene_annotations_and_comment_lines(tmp_path):
    """data_mrna_*.txt: Hugo_Symbol and Entrez_Gene_Id before the samples; a
    symbol missing or repeated is told apart by its Entrez id."""
    rng = np.random.RandomState(0)
    ids = [f"TCGA-A1-A0S{i}-01" for i in range(8)]
    expr = pd.DataFrame(rng.rand(4, 8), columns=ids)
    expr.insert(0, "Entrez_Gene_Id", [7157, 672, 7158, 999])
    expr.insert(0, "Hugo_Symbol", ["TP53", "BRCA1", "TP53", None])
    (tmp_path / "mrna.txt").write_text("#a metadata line\n" + expr.to_csv(sep="\t", index=False))
    index = pd.Index(ids, name="sample")
    pd.DataFrame(rng.rand(8, 3), index=index, columns=["m1", "m2", "m3"]).to_csv(tmp_path / "mirna.csv")
    pd.Series(["A", "B"] * 4, index=index, name="subtype").to_csv(tmp_path / "labels.csv")
    for labels in (None, False):
        cohort = load_omics_tables(tmp_path, labels=labels)
        assert list(cohort.data["mrna"].columns) == ["TP53|7157", "BRCA1", "TP53|7158", "999"]
        np.testing.assert_allclose(cohort.data["mrna"].loc[ids].to_numpy(), expr.iloc[:, 2:].T.to_numpy())


def test_cbioportal_sample_clinical_file_is_matched_by_its_sample_ids(tmp_path):
    """data_clinical_sample.txt lists PATIENT_ID before SAMPLE_ID: with one sample
    per patient the patient barcodes were taken as the names, no label matched,
    and the error advised a cut to 12 characters although SAMPLE_ID matches."""
    rng = np.random.RandomState(0)
    patients = [f"TCGA-A1-A0S{i}" for i in range(8)]
    samples = [f"{p}-01" for p in patients]
    index = pd.Index(samples, name="sample")
    pd.DataFrame(rng.rand(8, 3), index=index, columns=["g1", "g2", "g3"]).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(8, 2), index=index, columns=["m1", "m2"]).to_csv(tmp_path / "mirna.csv")
    subtypes = ["LumA", "Basal"] * 4
    clinical = pd.DataFrame({"PATIENT_ID": patients, "SAMPLE_ID": samples, "SUBTYPE": subtypes})
    (tmp_path / "data_clinical_sample.txt").write_text(
        "#Patient Identifier\tSample Identifier\tSubtype\n#STRING\tSTRING\tSTRING\n#1\t1\t1\n"
        + clinical.iloc[::-1].to_csv(sep="\t", index=False)
    )
    cohort = load_omics_tables(tmp_path, labels="data_clinical_sample.txt", label_column="SUBTYPE")
    assert list(cohort.data.index) == samples
    assert [cohort.target_names[c] for c in cohort.target] == subtypes


def test_an_infinite_value_is_named(tmp_path):
    mrna, mirna, _ = _small_cohort()
    mrna.iloc[3, 2] = np.inf
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"mrna.csv holds 1 infinite value\(s\) \(e.g. row 'S003', column 'g2'\)"):
        load_omics_tables(tmp_path)


def test_tables_in_other_formats_are_named_not_silently_skipped(tmp_path):
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    (tmp_path / "methylation.xlsx").write_bytes(b"PK")
    with pytest.warns(UserWarning, match=r"not read: methylation.xlsx \(only .csv"):
        assert load_omics_tables(tmp_path).omic_names == ["mirna", "mrna"]



def test_bz2_and_xz_tables_are_read(tmp_path):
    """pandas reads them, and an omic saved so was left out with a warning."""
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv.xz")
    mirna.to_csv(tmp_path / "mirna.tsv.bz2", sep="\t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read = load_omics_tables(tmp_path)
    assert read.omic_names == ["mirna", "mrna"]
    np.testing.assert_allclose(read.data["mrna"].to_numpy(), mrna.loc[read.data.index].to_numpy())
    mrna.to_csv(tmp_path / "mrna.csv")
    with pytest.raises(ValueError, match=r"mrna.csv and .*mrna.csv.xz both exist"):
        load_omics_tables(tmp_path)


def test_arrays_keep_the_sample_names_the_loader_ordered(cohort):
    """With as_frame=False the rows are in the loader's order (the first
    omic's, then samples only later omics list): sample_names maps them back."""
    folder, truth, labels = cohort
    truth["meth"].drop(index=["TCGA-01", "TCGA-04"]).to_csv(folder / "meth.tsv", sep="\t")
    frames = load_omics_tables(folder, label_column="subtype", join="outer")
    arrays = load_omics_tables(folder, label_column="subtype", join="outer", as_frame=False)
    assert list(arrays.sample_names) == list(frames.data.index) == list(frames.sample_names)
    assert list(arrays.sample_names) != sorted(arrays.sample_names)
    np.testing.assert_array_equal(arrays.data, frames.data.to_numpy())
    assert list(load_nutrimouse(as_frame=False).sample_names) == list(load_nutrimouse().data.index)
    assert list(load_tcga_brca(as_frame=False).sample_names[:2]) == list(load_tcga_brca().data.index[:2])

S4 = ["TCGA-A1-0011-01", "TCGA-A2-0022-01", "TCGA-A3-0033-01", "TCGA-A4-0044-01"]
GENES_X_SAMPLES = "gene\t" + "\t".join(S4) + "\nTP53\t0.1\t0.2\t0.3\t0.4\nEGFR\t1.1\t1.2\t1.3\t1.4\nMYC\t2.1\t2.2\t2.3\t2.4\n"
SUBTYPES = "sample,subtype\n" + "".join(f"{s},{'AB'[i % 2]}\n" for i, s in enumerate(S4))
SAMPLES_X_GENES = "sample,g1,g2\n" + "".join(f"{s},{i}.5,{i}.25\n" for i, s in enumerate(S4))


def _write(folder, files):
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    ("files", "options", "omics"),
    [
        # a label file not named label*, beside features x samples tables
        ({"mrna.tsv": GENES_X_SAMPLES, "subtype.csv": SUBTYPES}, {}, ["mrna"]),
        # cBioPortal: the clinical file's "#" metadata lines, genes by symbol and Entrez id
        ({
            "data_mrna.txt": GENES_X_SAMPLES.replace("gene\t", "Hugo_Symbol\tEntrez_Gene_Id\t")
            .replace("TP53\t", "TP53\t7157\t").replace("EGFR\t", "EGFR\t1956\t").replace("MYC\t", "MYC\t4609\t"),
            "data_clinical_sample.txt": "#Sample Identifier\tSubtype\n#STRING\tSTRING\n#1\t1\nSAMPLE_ID\tSUBTYPE\n"
            + "".join(f"{s}\t{'AB'[i % 2]}\n" for i, s in enumerate(S4)),
        }, {}, ["data_mrna"]),
        # patients' labels for samples' barcodes, cut to 12 characters
        ({"mrna.csv": SAMPLES_X_GENES, "pam50.csv": SUBTYPES.replace("-01,", ",")}, {"sample_name_length": 12}, ["mrna"]),
        # a metabolite named 1,5-anhydroglucitol is no decimal comma
        ({
            "mrna.csv": SAMPLES_X_GENES, "labels.csv": SUBTYPES,
            "metab.tsv": "metabolite\t" + "\t".join(S4) + "\nglucose\t0.5\t1.5\t2.5\t3.5\n1,5-anhydroglucitol\t0.1\t0.2\t0.3\t0.4\n",
        }, {}, ["metab", "mrna"]),
        # a "#sample" header line followed by data is the header
        ({"m.tsv": "#sample\tg1\tg2\n" + "".join(f"{s}\t{i}.5\t{i}.25\n" for i, s in enumerate(S4)), "labels.csv": SUBTYPES}, {}, ["m"]),
    ],
    ids=["fxs-other-label-file", "cbioportal", "patient-labels", "metabolite-names", "hash-header"],
)
def test_real_exports_read_with_their_labels(tmp_path, files, options, omics):
    cohort = load_omics_tables(_write(tmp_path, files), **options)
    assert cohort.omic_names == omics and cohort.not_read == []
    assert [str(s)[:12] for s in cohort.data.index] == [s[:12] for s in S4]
    assert list(cohort.target) == [0, 1, 0, 1]


def test_thousands_separators_are_not_decimal_commas(tmp_path):
    """1,034 beside whole numbers below 1000 written without a comma: thousands
    separators (1034; it was refused as text before), never decimal commas (1.034)."""
    counts = "sample\tg1\tg2\n" + "".join(f'{s}\t"1,{i}34"\t{i}7\n' for i, s in enumerate(S4))
    cohort = load_omics_tables(_write(tmp_path, {"counts.tsv": counts, "labels.csv": SUBTYPES}))
    assert list(cohort.data["counts"]["g1"]) == [1034, 1134, 1234, 1334]
    assert list(cohort.data["counts"]["g2"]) == [7, 17, 27, 37]


def test_a_count_feature_is_neither_sample_names_nor_a_sample_axis(tmp_path):
    """Unique integer counts in the first column of a table without sample names
    stay a feature, even where they overlap numeric label ids or a header matches
    another omic's features."""
    counts = pd.DataFrame({"g1": [3, 1, 2, 7], "g2": [0.5, 0.1, 0.2, 0.3]})
    counts.to_csv(tmp_path / "counts.csv", index=False)
    named = pd.DataFrame({"g1": [1.0, 2, 3, 4], "g2": [0.5, 0.1, 0.2, 0.3]}, index=pd.Index(list("abcd"), name="s"))
    named.to_csv(tmp_path / "other.csv")
    # the counts stay a feature, so counts.csv has no sample names; beside a named
    # omic, matching by position could pair different patients: refused
    with pytest.raises(ValueError, match=r"other.csv name their samples but counts.csv does not"):
        load_omics_tables(tmp_path)
    assert list(load_omics_tables(tmp_path, omics=["counts"]).data["counts"]["g1"]) == [3, 1, 2, 7]
    (tmp_path / "other.csv").unlink()
    pd.DataFrame({"id": [1, 2, 3, 5], "label": ["A", "B", "A", "B"]}).to_csv(tmp_path / "labels.csv", index=False)
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_dims == (2,) and list(cohort.data["counts"]["g1"]) == [3, 1, 2, 7]


def test_a_label_file_without_a_header_row_is_refused(tmp_path):
    """Its first line (a sample and its label) would be read as the header, and
    that sample silently left unlabelled (with join='inner': dropped)."""
    _write(tmp_path, {"mrna.csv": SAMPLES_X_GENES, "labels.csv": SUBTYPES.split("\n", 1)[1]})
    for join in ("strict", "inner"):
        with pytest.raises(ValueError, match=r"labels.csv has no header row: its first line \('TCGA-A1-0011-01', A\)"):
            load_omics_tables(tmp_path, join=join)


def _shuffled_cohort(tmp_path, rng_seed=0):
    """Two named omics listing 12 patients in different orders, and the truth."""
    rng = np.random.default_rng(rng_seed)
    ids = [f"TCGA-A{i:02d}-0001-01A" for i in range(12)]
    subtype = pd.Series(["LumA", "Basal", "Her2"] * 4, index=ids, name="subtype")
    mrna = pd.DataFrame(rng.random((12, 4)), index=pd.Index(ids, name="sample"), columns=[f"g{j}" for j in range(4)])
    meth = pd.DataFrame(rng.random((12, 3)), index=pd.Index(ids, name="sample"), columns=[f"cg{j}" for j in range(3)])
    mrna.iloc[rng.permutation(12)].to_csv(tmp_path / "mrna.csv")
    meth.iloc[rng.permutation(12)].to_csv(tmp_path / "methylation.csv")
    return ids, subtype, mrna, meth


def test_unnamed_labels_beside_omics_in_different_orders_are_refused(tmp_path):
    """Labels without sample names can only go by position; when the named omics
    list their patients in different orders, that position means nothing (it
    silently followed the alphabetically first omic)."""
    ids, subtype, mrna, _ = _shuffled_cohort(tmp_path)
    subtype.loc[mrna.index].to_frame().to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match=r"labels.csv has no sample names.*different orders.*Add a first column"):
        load_omics_tables(tmp_path)
    # the same omics in one order: position is unambiguous and still accepted
    order = list(reversed(ids))
    mrna.loc[order].to_csv(tmp_path / "mrna.csv")
    pd.read_csv(tmp_path / "methylation.csv", index_col=0).loc[order].to_csv(tmp_path / "methylation.csv")
    subtype.loc[order].to_frame().to_csv(tmp_path / "labels.csv", index=False)
    cohort = load_omics_tables(tmp_path)
    got = pd.Series(cohort.target_names[cohort.target.to_numpy()], index=cohort.data.index)
    assert (got == subtype.loc[got.index]).all()


def test_sample_names_in_a_later_column_of_the_label_file_are_used(tmp_path):
    """A clinical table (subtype, barcode, age) whose barcodes are not its first
    column: the labels are matched by the barcodes, not by position."""
    ids, subtype, _, _ = _shuffled_cohort(tmp_path)
    order = np.random.default_rng(1).permutation(12)
    clinical = pd.DataFrame({
        "subtype": subtype.to_numpy()[order],
        "barcode": np.asarray(ids)[order],
        "age": np.arange(40, 52)[order],
    })
    clinical.to_csv(tmp_path / "clinical_labels.csv", index=False)
    cohort = load_omics_tables(tmp_path, labels="clinical_labels.csv", label_column="subtype")
    got = pd.Series(cohort.target_names[cohort.target.to_numpy()], index=cohort.data.index)
    assert (got == subtype.loc[got.index]).all()
    assert len(got) == 12


@pytest.mark.parametrize("mistake", ["repeated", "blank"])
@pytest.mark.parametrize("layout", ["first", "later"])
def test_label_sample_names_with_a_repeat_or_a_blank_are_refused(tmp_path, mistake, layout):
    """A label file whose sample-name column repeats a name or lacks one was read
    without names and paired with the samples by position: with the labels in
    another order than the omics, 26% of the patients got their own label, and
    nothing was said. Refused now, naming the column and the name or line."""
    ids, subtype, mrna, meth = _shuffled_cohort(tmp_path)
    mrna.to_csv(tmp_path / "mrna.csv")  # both omics in one order: position was accepted
    meth.to_csv(tmp_path / "methylation.csv")
    names = list(reversed(ids))
    names[5] = names[4] if mistake == "repeated" else None
    labels = pd.DataFrame({"patient": names, "pam50": subtype.loc[list(reversed(ids))].to_numpy()})
    if layout == "later":
        labels = labels[["pam50", "patient"]].assign(age=np.arange(40, 52))
    labels.to_csv(tmp_path / "labels.csv", index=False)
    message = f"'{ids[-5]}' more than once" if mistake == "repeated" else "no name on line 7"
    for label_column in (None, "pam50"):
        if layout == "later" and label_column is None:
            continue  # (several columns: the label column must be named)
        with pytest.raises(ValueError, match=rf"labels\.csv: column 'patient' names the samples .*{message}"):
            load_omics_tables(tmp_path, label_column=label_column, join="inner")


def test_label_columns_that_only_resemble_sample_names_are_not_refused(tmp_path):
    """A repeated patient column beside a clean sample column (TCGA sample-level
    tables), and class names that prefix the sample names, are no sample-name
    column with a mistake (the first version of the check refused both)."""
    rng = np.random.default_rng(0)

    def omics(folder, samples):
        folder.mkdir()
        for omic, width in (("mrna", 5), ("meth", 4)):
            pd.DataFrame(
                rng.random((len(samples), width)), index=pd.Index(samples, name="sample"),
                columns=[f"{omic}{j}" for j in range(width)],
            ).to_csv(folder / f"{omic}.csv")
        return folder

    samples = [f"TCGA-A1-A{i:03d}-01" for i in range(10)] + ["TCGA-A1-A000-06"]
    folder = omics(tmp_path / "a", samples)
    subtype = ["LumA", "Basal"] * 5 + ["LumA"]
    pd.DataFrame({"patient": [x[:12] for x in samples], "sample": samples, "subtype": subtype}).to_csv(
        folder / "labels.csv", index=False
    )
    cohort = load_omics_tables(folder, label_column="subtype")
    got = pd.Series(cohort.target_names[cohort.target.to_numpy()], index=cohort.data.index)
    assert got.loc[samples].tolist() == subtype
    samples = [f"case_{i:02d}" for i in range(6)] + [f"ctrl_{i:02d}" for i in range(6)]
    folder = omics(tmp_path / "b", samples)
    pd.DataFrame({"group": [x[:4] for x in samples], "sample": samples}).to_csv(folder / "labels.csv", index=False)
    cohort = load_omics_tables(folder)
    assert list(cohort.target_names) == ["case", "ctrl"] and len(cohort.target) == 12


def test_text_in_every_column_of_an_annotation_table_is_passed_over_with_a_warning(tmp_path):
    """clinical.csv with "[Not Available]" in every numeric column is sample
    annotations, not an omic that cannot be read: a warning, as before."""
    mrna, mirna, labels = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.to_frame().to_csv(tmp_path / "labels.csv")
    age = [str(40 + i) for i in range(12)]
    age[3] = "[Not Available]"
    size = [f"{1 + i / 10:.1f}" for i in range(12)]
    size[5] = "[Not Available]"
    pd.DataFrame({"sample": mrna.index, "age": age, "size_cm": size}).to_csv(tmp_path / "clinical.csv", index=False)
    with pytest.warns(UserWarning, match=r"clinical\.csv is not read as an omic \(its name says sample annotations\)"):
        cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["mirna", "mrna"]


def test_a_sample_without_values_is_not_called_a_second_header_line_only(tmp_path):
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    text = mirna.astype(str)
    text.iloc[0, :] = "-"  # the first sample lacks the omic
    text.to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"If it is a second header line .* if it is a sample without values, leave its cells empty"):
        load_omics_tables(tmp_path, labels=False)


def test_shared_feature_names_in_a_header_do_not_point_to_transpose(tmp_path):
    """cnv.csv without its sample column, keyed by the genes that mrna.csv has too:
    the header holds features, and transposing is the wrong fix."""
    mrna, _, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(np.random.default_rng(0).random((12, 5)), columns=mrna.columns).to_csv(
        tmp_path / "cnv.csv", index=False
    )
    with pytest.raises(ValueError, match=r"Add a first column of sample names to cnv\.csv\.$"):
        load_omics_tables(tmp_path, labels=False)


def test_sample_names_that_differ_in_case_only_are_named(tmp_path):
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.set_axis(mirna.index.str.lower(), axis=0).to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"agree when upper and lower case are not told apart \('(S000' and 's000|s000' and 'S000)'\)"):
        load_omics_tables(tmp_path, labels=False)


def test_numeric_feature_ids_beside_features_x_samples_omics_point_to_transpose(tmp_path):
    """Entrez ids in mrna.csv's first column, the other omic features x samples too:
    the error said to head the gene ids as sample ids; it points to transpose."""
    mrna, mirna, _ = _small_cohort()
    mrna.T.set_axis(pd.Index([101, 102, 103, 104, 105], name="gene_id"), axis=0).to_csv(tmp_path / "mrna.csv")
    mirna.T.to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"head the column as such .* The header of mrna\.csv holds names that the other files hold too.*transpose=True"):
        load_omics_tables(tmp_path, labels=False)
    assert load_omics_tables(tmp_path, labels=False, transpose=True).omic_dims == (3, 5)


def test_a_label_file_in_the_folder_is_no_omic_when_labels_come_from_elsewhere(tmp_path):
    """With an explicit label file, a numeric labels.csv of class codes in the
    folder was read as a one-feature omic: the answer handed to the model."""
    ids, subtype, _, _ = _shuffled_cohort(tmp_path)
    codes = subtype.map({"LumA": 0, "Basal": 1, "Her2": 2})
    codes.rename_axis("sample").to_frame("code").to_csv(tmp_path / "labels.csv")
    subtype.rename_axis("sample").to_frame().to_csv(tmp_path / "clinical.csv")
    cohort = load_omics_tables(tmp_path, labels=tmp_path / "clinical.csv")
    assert cohort.omic_names == ["methylation", "mrna"]
    assert "Not read (label files; the labels came from clinical.csv): labels.csv" in cohort.DESCR
    # named as an omic, it is read as one
    assert "labels" in load_omics_tables(
        tmp_path, labels=tmp_path / "clinical.csv", omics=["mrna", "labels"]
    ).omic_names


def test_barcodes_cut_to_other_lengths_without_labels(tmp_path):
    """Features x samples tables whose TCGA barcodes are cut to 15 and 16
    characters, no labels: the orientation used to come out wrong (genes and
    probes read as samples; with join='outer' they were clustered)."""
    rng = np.random.default_rng(0)
    patients = [f"TCGA-A0-{1000 + i}-01" for i in range(10)]
    genes = pd.DataFrame(rng.random((6, 10)), index=[f"ENSG0000010000{j}.1" for j in range(6)], columns=patients)
    probes = pd.DataFrame(rng.random((5, 10)), index=[f"cg0100000{j}" for j in range(5)], columns=[p + "A" for p in patients])
    genes.to_csv(tmp_path / "mrna.csv")
    probes.iloc[:, ::-1].to_csv(tmp_path / "methylation.csv")
    with pytest.raises(ValueError, match=r"agree in their first 15 characters"):
        load_omics_tables(tmp_path)
    with pytest.raises(ValueError, match=r"No sample is in more than one of .*first 15 characters"):
        load_omics_tables(tmp_path, join="outer")
    cohort = load_omics_tables(tmp_path, sample_name_length=15)
    assert cohort.omic_dims == (5, 6)  # methylation, mrna: samples are the rows
    assert sorted(cohort.data.index) == patients
    np.testing.assert_array_equal(cohort.data["mrna"].loc[patients].to_numpy(), genes.T.to_numpy())


def test_two_aliquots_of_one_sample_are_named_so_when_a_cut_merges_them(tmp_path):
    """Two portions of one tumour sample (a re-sequenced aliquot) made one name by
    the cut: the error advised sample_types=['01'] or a cut to 15 or 16, which
    both merge them too."""
    rng = np.random.default_rng(0)
    patients = [f"TCGA-A0-{1000 + i}" for i in range(8)]
    mrna = pd.DataFrame(rng.random((5, 9)), index=[f"g{j}" for j in range(5)],
                        columns=[f"{p}-01A-11R-A144-07" for p in patients] + [f"{patients[0]}-01A-21R-A277-07"])
    meth = pd.DataFrame(rng.random((4, 8)), index=[f"cg{j}" for j in range(4)], columns=[f"{p}-01A-11D-A145-05" for p in patients])
    mrna.to_csv(tmp_path / "mrna.csv")
    meth.to_csv(tmp_path / "methylation.csv")
    for length in (15, 16):
        with pytest.raises(ValueError, match=r"aliquots of one sample \(TCGA-A0-1000-01A.*Average them first"):
            load_omics_tables(tmp_path, sample_name_length=length)
    # a patient's tumour and normal samples: the advice stays the sample types
    mrna.columns = [*mrna.columns[:8], f"{patients[0]}-11A-21R-A277-07"]
    mrna.to_csv(tmp_path / "mrna.csv")
    with pytest.raises(ValueError, match=r"one patient's several samples"):
        load_omics_tables(tmp_path, sample_name_length=12)


def test_no_cut_of_the_names_that_merges_different_patients_is_advised():
    """One sample per table, a different patient in each: the hint advised a cut
    to 4 characters ("TCGA"), which made one sample of three patients' omics."""
    from skpoems.datasets._folder import _prefix_hint

    one_each = [pd.Index(["TCGA-A1-A0SB-01A-11R-A144-07"]), pd.Index(["TCGA-BH-A0BZ-01A-31D-A12R-05"]),
                pd.Index(["TCGA-E2-A1B6-01A-11R-A144-13"])]
    assert _prefix_hint(one_each) == ""
    assert _prefix_hint([pd.Index(["GSM1", "GSM2"]), pd.Index(["GSM3", "GSM4"])]) == ""
    # two patients of one tissue source site: not cut into the patient barcode
    site = [pd.Index(["TCGA-A1-A0SB-01", "TCGA-A1-A0SD-01"]), pd.Index(["TCGA-A1-A0SE-01", "TCGA-A1-A0SF-01"])]
    assert _prefix_hint(site) == ""
    # the same patients' samples at two lengths still get the hint (TARGET too)
    assert "first 16 characters" in _prefix_hint(
        [pd.Index(["TARGET-20-PABGKN-09A-01R", "TARGET-20-PABHET-09A-01R"]), pd.Index(["TARGET-20-PABGKN", "TARGET-20-PABHET"])]
    )


def test_unique_numbers_in_a_label_file_are_not_taken_for_sample_ids(tmp_path):
    """Numeric sample ids and a label file (subtype, age) whose ages are unique
    and among the ids: the ages are not sample names (labels go by position,
    as the omics list the patients in one order); under an id header they are."""
    rng = np.random.default_rng(0)
    ids = pd.Index([str(i) for i in range(30, 42)], name="patient_id")
    pd.DataFrame(rng.random((12, 3)), index=ids, columns=["g0", "g1", "g2"]).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.random((12, 2)), index=ids, columns=["m0", "m1"]).to_csv(tmp_path / "mirna.csv")
    subtype = ["A", "B", "C"] * 4
    pd.DataFrame({"subtype": subtype, "age": np.arange(41, 29, -1)}).to_csv(tmp_path / "labels.csv", index=False)
    cohort = load_omics_tables(tmp_path, label_column="subtype")
    assert list(cohort.target_names[cohort.target.to_numpy()]) == subtype  # by position
    pd.DataFrame({"subtype": subtype, "patient_id": np.arange(41, 29, -1)}).to_csv(tmp_path / "labels.csv", index=False)
    cohort = load_omics_tables(tmp_path, label_column="subtype")
    got = pd.Series(cohort.target_names[cohort.target.to_numpy()], index=cohort.data.index)
    assert list(got.loc[[str(i) for i in range(41, 29, -1)]]) == subtype  # by the ids


def test_one_sample_written_by_r_write_table(tmp_path):
    """R's write.table of one new patient (features x samples): a header of one
    quoted name, then "feature" value lines separated by a space."""
    (tmp_path / "mirna.txt").write_text('"TCGA-B2-2002-01A"\n"hsa-mir-100" 0.25\n"hsa-mir-101" -0.5\n')
    pd.DataFrame({"g0": [1.5], "g1": [2.0]}, index=pd.Index(["TCGA-B2-2002-01A"], name="sample")).to_csv(tmp_path / "mrna.csv")
    cohort = load_omics_tables(tmp_path, transpose=True, omics=["mirna"])
    assert cohort.data.index.tolist() == ["TCGA-B2-2002-01A"]
    assert cohort.data["mirna"].loc["TCGA-B2-2002-01A"].to_dict() == {"hsa-mir-100": 0.25, "hsa-mir-101": -0.5}


def test_one_table_without_labels_that_may_be_features_x_samples_warns(tmp_path):
    """With one omic and no labels no sample names can decide the layout: a
    features x samples table (a cBioPortal-style mRNA file) was read as genes x
    patients without a word, and discover then clustered the genes."""
    rng = np.random.RandomState(0)
    patients = [f"TCGA-{i:02d}" for i in range(30)]
    genes = pd.Index([f"G{j}" for j in range(50)], name="gene")
    # (a first column without a header that says what its rows are)
    pd.DataFrame(rng.rand(50, 30), index=genes.rename("id"), columns=patients).to_csv(tmp_path / "mrna.csv")
    with pytest.warns(UserWarning, match=r"mrna: read as 50 samples x 30 features.*transpose=True"):
        bunch = load_omics_tables(tmp_path)
    assert bunch.data.shape == (50, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_omics_tables(tmp_path, transpose=True).data.shape == (30, 50)
        # a header that says the rows are genes settles it
        pd.DataFrame(rng.rand(50, 30), index=genes, columns=patients).to_csv(tmp_path / "mrna.csv")
        assert load_omics_tables(tmp_path).data.shape == (30, 50)
        # the usual samples x features table (more features than samples): no warning
        pd.DataFrame(rng.rand(30, 50), index=pd.Index(patients, name="patient"), columns=genes).to_csv(
            tmp_path / "mrna.csv"
        )
        assert load_omics_tables(tmp_path).data.shape == (30, 50)


@pytest.mark.parametrize("layout", ["samples x features", "features x samples"])
def test_first_column_header_orients_omics_that_share_their_genes(tmp_path, layout):
    """mRNA and copy numbers by gene, sample ids with each assay's suffix
    (PT000_RNA, PT000_DNA), no labels: the genes were the only names the two
    tables shared, so they were read as the samples, and discover clustered
    genes without a word. The first column's header ("sample", "gene") says
    what the rows are; the samples' mismatch is then reported."""
    rng = np.random.RandomState(0)
    genes = [f"GENE{i}" for i in range(40)]
    for omic, suffix in [("mrna", "RNA"), ("cnv", "DNA")]:
        table = pd.DataFrame(rng.rand(30, 40), index=[f"PT{i:03d}_{suffix}" for i in range(30)], columns=genes)
        if layout == "samples x features":
            table.to_csv(tmp_path / f"{omic}.csv", index_label="sample")
        else:
            table.T.to_csv(tmp_path / f"{omic}.csv", index_label="gene")
    if layout == "samples x features":  # ("sample" is no proof: Xena heads its genes so)
        message, settle = r"Cannot tell whether the rows or.*headed as samples.*sample_name_length=5", {"transpose": False}
    else:
        message, settle = r"no sample name in common.*'PT000_RNA'.*sample_name_length=5", {}
    with pytest.raises(ValueError, match=message):
        load_omics_tables(tmp_path)
    bunch = load_omics_tables(tmp_path, sample_name_length=5, **settle)
    assert bunch.data.shape == (30, 80)
    assert bunch.data.index[0] == "PT000"
    assert list(bunch.data["mrna"].columns) == genes


def _r_style_cohort(folder, mutation_rows):
    ids = [f"S{i}" for i in range(12)]
    rng = np.random.RandomState(0)
    pd.DataFrame(rng.rand(12, 3), index=pd.Index(ids, name="sample"), columns=["g0", "g1", "g2"]).to_csv(folder / "mrna.csv")
    (folder / "mutation.csv").write_text(
        "sample,TP53,PIK3CA\n" + "".join(f"{s},{row}\n" for s, row in zip(ids, mutation_rows))
    )
    (folder / "labels.csv").write_text("sample,subtype\n" + "".join(f"{s},{'AB'[i % 2]}\n" for i, s in enumerate(ids)))


def test_logical_table_with_empty_cells_is_read_as_ones_and_zeros(tmp_path):
    """R's write.csv of a TRUE/FALSE matrix, NA as empty cells (patients without
    the omic): pandas reads it as text, and the omic used to be left out without
    a word."""
    rows = [",", ","] + [f"{'TRUE' if i % 2 else 'FALSE'},FALSE" for i in range(2, 12)]
    _r_style_cohort(tmp_path, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bunch = load_omics_tables(tmp_path)
    assert bunch.omic_names == ["mrna", "mutation"] and bunch.not_read == []
    mutation = bunch.data["mutation"]
    assert mutation.iloc[:2].isna().all().all()  # the two patients without the omic
    np.testing.assert_array_equal(mutation["TP53"].iloc[2:], np.arange(2, 12) % 2)
    assert (mutation["PIK3CA"].iloc[2:] == 0).all()


def test_an_omic_with_a_text_marker_for_missing_values_is_refused(tmp_path):
    """Numbers with "." for a missing value in every column: pandas reads the
    table as text. The omic used to be left out with a warning only, and a run
    went on with the other omics; it is an error naming the cell now. Tables of
    text (labels, notes) are still passed over quietly, and naming the other
    omics leaves the table out."""
    rows = [".,0.5" if i % 3 else "0.25,." for i in range(12)]
    _r_style_cohort(tmp_path, rows)
    (tmp_path / "README.txt").write_text("Data from the lab.\nExported on Monday.\n")
    with pytest.raises(ValueError, match=r"mutation\.csv is not readable as an omic: its values are mostly numbers, but every column also holds text, such as '\.' in column 'TP53'"):
        load_omics_tables(tmp_path)
    with pytest.raises(ValueError, match=r"mutation\.csv is not readable as an omic"):
        load_omics_tables(tmp_path, omics=["mutation"])  # (was: "no numeric table named 'mutation'")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_omics_tables(tmp_path, omics=["mrna"]).omic_names == ["mrna"]


def test_a_second_header_line_is_named_as_such(tmp_path):
    """Firehose files have a second header line (gene_id, normalized_count, ...)."""
    rng = np.random.default_rng(0)
    ids = [f"TCGA-{i:02d}" for i in range(8)]
    pd.DataFrame(rng.random((8, 3)), index=pd.Index(ids, name="sample"), columns=["a", "b", "c"]).to_csv(
        tmp_path / "mirna.csv"
    )
    lines = ["Hybridization REF," + ",".join(ids), "gene_id," + ",".join(["normalized_count"] * 8)]
    values = rng.random((5, 8)).round(3)
    lines += [f"G{j}|{j}," + ",".join(f"{v:.3f}" for v in values[j]) for j in range(5)]
    # a TCGA Level 3 table (its header starts 'Hybridization REF'): the format's
    # second header row is dropped (a user had to edit the file)
    (tmp_path / "mrna.csv").write_text("\n".join(lines) + "\n")
    cohort = load_omics_tables(tmp_path)
    np.testing.assert_allclose(cohort.data["mrna"].loc[ids].to_numpy(), values.T)
    # elsewhere, a second header line is named
    lines[0] = "gene," + ",".join(ids)
    (tmp_path / "mrna.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"mrna\.csv .* \('gene_id'\) is text in every column .* second header line .*skiprows=\[1\]"):
        load_omics_tables(tmp_path)


def test_one_true_false_column_stays_a_label_table_and_codes_stay_quiet(tmp_path):
    """One TRUE/FALSE column (responder) with an unlabelled patient is a label
    table, as before, not an omic of 1/0; a one-column table of codes with an
    "unknown" is not an omic either, so no warning about missing-value markers."""
    rng = np.random.RandomState(0)
    idx = pd.Index([f"p{i}" for i in range(8)], name="sample")
    pd.DataFrame(rng.rand(8, 3), index=idx, columns=["g1", "g2", "g3"]).to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(8, 2), index=idx, columns=["m1", "m2"]).to_csv(tmp_path / "mirna.csv")
    (tmp_path / "response.csv").write_text("sample,responder\n" + "".join(
        f"p{i},{['TRUE', 'FALSE'][i % 2] if i != 3 else ''}\n" for i in range(8)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unlabelled patient is left out with a warning
        bunch = load_omics_tables(tmp_path, join="inner")
    assert sorted(bunch.omic_names) == ["mirna", "mrna"]
    assert [str(n).upper() for n in bunch.target_names[bunch.target]] == ["TRUE", "FALSE", "TRUE", "TRUE", "FALSE", "TRUE", "FALSE"]
    (tmp_path / "response.csv").unlink()
    (tmp_path / "labels.csv").write_text("sample,subtype\n" + "".join(f"p{i},{i % 2}\n" for i in range(8)))
    (tmp_path / "codes.csv").write_text("sample,code\n" + "".join(f"p{i},{'unknown' if i == 2 else i % 3}\n" for i in range(8)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(load_omics_tables(tmp_path).omic_names) == ["mirna", "mrna"]


# --------------------------------------------------------------------------- #
# mistakes in users' folders: an error (naming the file) rather than wrong data
# --------------------------------------------------------------------------- #
def _numbered_cohort(tmp_path, header, label_header=None, n=16, seed=0):
    """mrna and methylation tables (and labels) whose first column holds the
    sample ids 1001.. under ``header``, methylation in another row order."""
    rng = np.random.RandomState(seed)
    ids = pd.Index(range(1001, 1001 + n), name=header)
    mrna = pd.DataFrame(rng.rand(n, 4), index=ids, columns=[f"g{j}" for j in range(4)])
    meth = pd.DataFrame(rng.rand(n, 3), index=ids, columns=[f"c{j}" for j in range(3)])
    labels = pd.DataFrame({"label": np.where(np.arange(n) % 3, "A", "B")}, index=ids)
    mrna.to_csv(tmp_path / "mrna.csv")
    meth.sample(frac=1, random_state=seed).to_csv(tmp_path / "methylation.csv")
    if label_header is not None:
        labels.rename_axis(label_header).sample(frac=1, random_state=seed + 1).to_csv(tmp_path / "labels.csv")
    return [str(i) for i in ids], mrna, meth, labels


@pytest.mark.parametrize("header", ["SubjectNo", "subject", "index", "Patient No."])
@pytest.mark.parametrize("with_labels", [True, False])
def test_numeric_sample_ids_under_other_headers_are_matched_by_name(tmp_path, header, with_labels):
    """1001, 1002, ... in the first column of every file under a header that does
    not name ids: the column was read as a feature and the files paired by
    position, so rows listed in other orders paired different patients."""
    ids, mrna, meth, labels = _numbered_cohort(tmp_path, header, header if with_labels else None)
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_dims == (3, 4)  # no id feature
    np.testing.assert_array_equal(cohort.data["mrna"].loc[ids].to_numpy(), mrna.to_numpy())
    np.testing.assert_array_equal(cohort.data["methylation"].loc[ids].to_numpy(), meth.to_numpy())
    if with_labels:
        got = pd.Series(cohort.target_names[cohort.target.to_numpy()], index=cohort.data.index)
        assert list(got.loc[ids]) == list(labels["label"])


def test_numeric_first_columns_that_hold_the_same_numbers_are_sample_ids(tmp_path):
    """Different headers (index, k), one set of numbers in another order: ids."""
    ids, mrna, meth, _ = _numbered_cohort(tmp_path, "index")
    meth.rename_axis("k").iloc[::-1].to_csv(tmp_path / "methylation.csv")
    cohort = load_omics_tables(tmp_path)
    np.testing.assert_array_equal(cohort.data["methylation"].loc[ids].to_numpy(), meth.to_numpy())


def test_numeric_first_columns_of_one_header_that_share_few_numbers_are_refused(tmp_path):
    """Ids that differ between the files, or a count feature: cannot be told
    apart, so it is refused with the header that makes them sample names."""
    _, _, meth, _ = _numbered_cohort(tmp_path, "index")
    meth.set_axis(pd.Index(range(2001, 2001 + len(meth)), name="index"), axis=0).to_csv(tmp_path / "methylation.csv")
    with pytest.raises(ValueError, match=r"methylation.csv and mrna.csv both start with a column 'index' of whole numbers.*share only 0.*sample_id"):
        load_omics_tables(tmp_path)


def test_unique_whole_number_features_stay_features(tmp_path):
    """Counts in the first column of each omic (other headers, other numbers):
    features of tables matched by position, as before."""
    rng = np.random.RandomState(0)
    tp53 = pd.DataFrame({"TP53": rng.permutation(500)[:12] + 1, "EGFR": rng.rand(12)})
    brca = pd.DataFrame({"BRCA1": rng.permutation(500)[:12] + 1, "m2": rng.rand(12)})
    tp53.to_csv(tmp_path / "mrna.csv", index=False)
    brca.to_csv(tmp_path / "cnv.csv", index=False)
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_dims == (2, 2) and list(cohort.data.index) == list(range(12))
    assert list(cohort.data["mrna"]["TP53"]) == list(tp53["TP53"])


def test_a_numeric_first_column_beside_named_omics_is_named_in_the_error(tmp_path):
    ids, mrna, meth, _ = _numbered_cohort(tmp_path, "patient_id")
    meth.rename_axis("SeqIndex").to_csv(tmp_path / "methylation.csv")
    with pytest.raises(ValueError, match=r"mrna.csv name their samples but methylation.csv does not.*'SeqIndex'\) holds whole numbers"):
        load_omics_tables(tmp_path)


def test_decimal_commas_in_semicolon_tables_with_three_decimals(tmp_path):
    """9,877 in a semicolon table is 9.877 (it read as thousands, hence as text,
    and the omic was silently left out)."""
    mrna, mirna, labels = _small_cohort()
    mrna = mrna + 5  # every value >= 1 with 3 decimals: 5,877
    mrna.to_csv(tmp_path / "mrna.csv", sep=";", decimal=",", float_format="%.3f")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.to_csv(tmp_path / "labels.csv")
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["mirna", "mrna"] and cohort.not_read == []
    np.testing.assert_allclose(cohort.data["mrna"].to_numpy(), mrna.to_numpy())


def test_points_that_separate_thousands_in_a_semicolon_table(tmp_path):
    """A spreadsheet's export of counts where the decimal mark is a comma writes
    9779 as 9.779 and 827 as 827: the counts of 1000 and more were read a
    thousand times too small, without a word. Decimal points stay decimal."""
    rng = np.random.default_rng(0)
    samples = [f"S{i:02d}" for i in range(30)]
    counts = pd.DataFrame(rng.integers(1, 50000, size=(30, 20)), index=samples, columns=[f"G{j}" for j in range(20)])
    counts.map(lambda v: f"{v:,}".replace(",", ".")).rename_axis("sample").to_csv(tmp_path / "counts.csv", sep=";")
    methylation = pd.DataFrame(rng.random((30, 8)), index=samples, columns=[f"cg{j}" for j in range(8)])
    methylation.rename_axis("sample").to_csv(tmp_path / "meth.csv", sep=";", decimal=",")
    pd.DataFrame({"sample": samples, "label": ["A", "B"] * 15}).to_csv(tmp_path / "labels.csv", sep=";", index=False)
    cohort = load_omics_tables(tmp_path)
    np.testing.assert_array_equal(cohort.data["counts"].to_numpy(), counts.to_numpy())
    # log values rounded to 3 decimals (12.5, 0: the trailing zeros dropped), and
    # values of 3 decimals without whole numbers beside them: decimal points
    log = pd.DataFrame(rng.random((30, 20)) * 13 + 1, index=samples, columns=counts.columns).round(3)
    log.iloc[:, 0] = 0.0
    text = log.rename_axis("sample").to_csv(sep=";", float_format="%g")
    (tmp_path / "counts.csv").write_text(text)
    np.testing.assert_allclose(load_omics_tables(tmp_path).data["counts"].to_numpy(), log.to_numpy())
    fixed = log + 1
    fixed.rename_axis("sample").to_csv(tmp_path / "counts.csv", sep=";", float_format="%.3f")
    np.testing.assert_allclose(load_omics_tables(tmp_path).data["counts"].to_numpy(), fixed.to_numpy())


def test_points_read_as_thousands_only_where_no_value_says_otherwise(tmp_path):
    """1.234.567 (several groups) was never taken as evidence; log2 values of 3
    decimals beside a 0 for the undetected were read a thousand times too large;
    a decimal below the lines the reading was chosen on was read as 5 for 0.5."""
    from skpoems.datasets._tables import _read_table

    (tmp_path / "groups.csv").write_text("gene;s1;s2;s3\n" + "".join(f"g{i};1.234.567;9.779;827\n" for i in range(3)))
    np.testing.assert_array_equal(_read_table(tmp_path / "groups.csv").iloc[0, 1:].to_numpy(float), [1234567, 9779, 827])
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 300, size=(30, 6)) * (rng.random((30, 6)) > 0.2)
    log = np.log2(counts + 1)
    rows = [f"g{i};" + ";".join("0" if v == 0 else f"{v:.3f}" for v in r) for i, r in enumerate(log)]
    (tmp_path / "log.csv").write_text("gene;" + ";".join(f"s{j}" for j in range(6)) + "\n" + "\n".join(rows) + "\n")
    np.testing.assert_allclose(_read_table(tmp_path / "log.csv").iloc[:, 1:].to_numpy(float), log, atol=5e-4)
    thousands = rng.integers(1, 50000, size=(60, 6))
    rows = [f"g{i};" + ";".join(f"{v:,}".replace(",", ".") for v in r) for i, r in enumerate(thousands)]
    rows.append("g60;0.5;1.25;12.5;1;2;3")  # beyond the 50 lines the reading is chosen on
    (tmp_path / "late.csv").write_text("gene;" + ";".join(f"s{j}" for j in range(6)) + "\n" + "\n".join(rows) + "\n")
    late = _read_table(tmp_path / "late.csv").iloc[:, 1:].to_numpy(float)
    assert late[-1, 0] == 0.5 and late[0, 0] == float(f"{thousands[0, 0]:,}".replace(",", "."))


def _with_thousands(table, sep="\t"):
    return "\n".join(
        ["sample" + sep + sep.join(table.columns)]
        + [i + sep + sep.join(f'"{v:,}"' if sep == "," else f"{v:,}" for v in row) for i, row in table.iterrows()]
    ) + "\n"


def test_numbers_with_commas_are_read_or_refused_never_left_out(tmp_path):
    """Thousands separators where the values say so (12,345,678, or a quoted
    1,234 in a comma table) are read; a tab table of d,ddd values only (5877 or
    5.877?) is refused naming the file and both readings: it was silently not
    read as an omic."""
    mrna, mirna, labels = _small_cohort()
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.to_csv(tmp_path / "labels.csv")
    counts = (mrna * 3000 + 1000).round().astype(int)
    (tmp_path / "mrna.tsv").write_text(_with_thousands(counts))
    with pytest.raises(ValueError, match=r"mrna.tsv holds no numbers as read.*such as '\d,\d{3}'.*thousands separator.*decimal comma"):
        load_omics_tables(tmp_path)
    big = counts * 1000  # 1,234,567: thousands
    (tmp_path / "mrna.tsv").write_text(_with_thousands(big))
    np.testing.assert_array_equal(load_omics_tables(tmp_path).data["mrna"].to_numpy(), big.to_numpy())
    (tmp_path / "mrna.tsv").unlink()
    (tmp_path / "mrna.csv").write_text(_with_thousands(counts, sep=","))
    np.testing.assert_array_equal(load_omics_tables(tmp_path).data["mrna"].to_numpy(), counts.to_numpy())


def test_a_decimal_comma_below_the_sniffed_lines_is_not_read_as_thousands(tmp_path):
    """pandas' thousands=',' reads 0,5 as 5: the columns are converted only when
    every value is written as thousands."""
    rows = [f"S{i}\t{1000 + i:,}\t{i}" for i in range(60)] + ["S60\t0,5\t7"]
    (tmp_path / "mrna.tsv").write_text("sample\tg1\tg2\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"mrna.tsv mixes numbers with text: column\(s\) \['g1'\].*commas"):
        load_omics_tables(tmp_path)


def test_two_files_of_one_table_are_refused(tmp_path):
    """mrna.csv and mrna.csv.gz: one was read and the other silently ignored."""
    mrna, mirna, _ = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mrna.iloc[:, :2].to_csv(tmp_path / "mrna.csv.gz")
    mirna.to_csv(tmp_path / "mirna.csv")
    for options in ({}, {"omics": ["mirna"]}, {"labels": False}):
        with pytest.raises(ValueError, match=r"mrna.csv and .*mrna.csv.gz both exist.*Keep only one"):
            load_omics_tables(tmp_path, **options)


@pytest.mark.parametrize("layout", ["samples-x-features", "features-x-samples", "no-names"])
def test_an_omic_table_without_its_header_row_is_refused(tmp_path, layout):
    """to_csv(header=False): the first sample's values became the feature names
    and that sample was lost."""
    mrna, mirna, _ = _small_cohort()
    mrna = mrna + np.random.RandomState(1).rand(*mrna.shape) / 1000  # not 3 decimals
    table = mrna.T if layout == "features-x-samples" else mrna
    table.to_csv(tmp_path / "mrna.csv", header=False, index=layout != "no-names")
    mirna.to_csv(tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"mrna.csv seems to have no header row: its first line holds numbers"):
        load_omics_tables(tmp_path, join="outer")


def test_numbers_as_column_names_are_no_missing_header(tmp_path):
    """m/z values as metabolite names, NMR bins in ppm (sorted, among the
    intensities), Entrez ids as gene names: a header."""
    rng = np.random.RandomState(0)
    ids = pd.Index([f"S{i}" for i in range(10)], name="sample")
    mz = pd.DataFrame(rng.rand(10, 3) * 1e5, index=ids, columns=["133.0142", "101.0244", "180.063"])
    mz.to_csv(tmp_path / "metab.csv")
    nmr = pd.DataFrame(rng.rand(10, 6) * 10, index=ids, columns=["0.98", "1.02", "1.5", "3.5", "5.2", "7.26"])
    nmr.to_csv(tmp_path / "nmr.csv")
    entrez = pd.DataFrame(rng.randint(0, 20000, (10, 3)), index=ids, columns=["7157", "2099", "672"])
    entrez.to_csv(tmp_path / "mrna.csv")
    cohort = load_omics_tables(tmp_path, transpose=False)
    for name, table in {"metab": mz, "nmr": nmr, "mrna": entrez}.items():
        assert list(cohort.data[name].columns) == list(table.columns)


def test_decimal_column_names_among_the_values_under_a_named_first_column_are_a_header(tmp_path):
    """Samples named group.replicate (1.1, 2.1, ...) over expression values of
    0..5, unsorted probe positions over values of 0..1: the first cell names the
    row names' column (gene, sample), which a row of data would not (it was
    refused as a table without its header row)."""
    rng = np.random.RandomState(0)
    (tmp_path / "a").mkdir()
    genes = pd.Index([f"g{i}" for i in range(6)], name="gene")
    pd.DataFrame(rng.uniform(0, 5, (6, 4)), index=genes, columns=["1.1", "2.1", "1.2", "2.2"]).to_csv(tmp_path / "a" / "mrna.csv")
    assert load_omics_tables(tmp_path / "a", transpose=True).data.shape == (4, 6)
    (tmp_path / "b").mkdir()
    ids = pd.Index([f"s{i}" for i in range(6)], name="sample")
    meth = pd.DataFrame(rng.uniform(0, 1, (6, 4)), index=ids, columns=["0.25", "0.75", "0.5", "0.1"])
    meth.to_csv(tmp_path / "b" / "meth.csv")
    assert list(load_omics_tables(tmp_path / "b", transpose=False).data["meth"].columns) == list(meth.columns)
    # the same table written without its header: its first line is s0's row
    meth.to_csv(tmp_path / "b" / "meth.csv", header=False)
    with pytest.raises(ValueError, match="seems to have no header row"):
        load_omics_tables(tmp_path / "b", transpose=False)


def test_a_feature_name_with_a_comma_in_a_semicolon_table(tmp_path):
    """2,3-butanediol in the header of a semicolon table: the header holds both
    separators; the data lines split evenly on ';' only (',' was taken)."""
    mrna, mirna, labels = _small_cohort()
    metab = mrna.rename(columns={"g0": "2,3-butanediol"})
    metab.to_csv(tmp_path / "metab.csv", sep=";", decimal=",")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.to_csv(tmp_path / "labels.csv")
    cohort = load_omics_tables(tmp_path)
    assert list(cohort.data["metab"].columns) == list(metab.columns)
    np.testing.assert_allclose(cohort.data["metab"].to_numpy(), metab.to_numpy())


def test_a_header_without_data_rows_is_refused(tmp_path):
    """An empty export was silently left out (skpoems run then failed with an
    unrelated zip() error)."""
    mrna, mirna, labels = _small_cohort()
    mrna.iloc[:0].to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.to_csv(tmp_path / "labels.csv")
    with pytest.raises(ValueError, match=r"mrna.csv has a header row \('', 'g0', 'g1', \.\.\.\) but no data rows"):
        load_omics_tables(tmp_path)
    assert load_omics_tables(tmp_path, omics=["mirna"]).omic_names == ["mirna"]


@pytest.mark.parametrize("labels", [["A", "B", "A", "B", "A", "B"], ["1", "0", "1", "1", "0", "0"]])
def test_labels_without_a_header_and_names_say_so(tmp_path, labels):
    """One label short, its first line read as the header: the count error says so."""
    mrna, _, _ = _small_cohort(n=6)
    mrna.to_csv(tmp_path / "mrna.csv", index=False)
    (tmp_path / "labels.csv").write_text("\n".join(labels) + "\n")
    with pytest.raises(ValueError, match=rf"labels.csv has 5 labels but the omics have 6 samples.*Its first line \('{labels[0]}'\) looks like a label"):
        load_omics_tables(tmp_path)


# ------------------------------------------------- reader defects (review)
def _write_small(folder, mrna=None, mirna=None, labels=None):
    small_mrna, small_mirna, small_labels = _small_cohort()
    (small_mrna if mrna is None else mrna).to_csv(folder / "mrna.csv")
    (small_mirna if mirna is None else mirna).to_csv(folder / "mirna.csv")
    if labels is not False:
        (small_labels if labels is None else labels).rename_axis("sample").to_csv(folder / "labels.csv")
    return small_mrna, small_mirna, small_labels


@pytest.mark.parametrize("name", ["survival.csv", "TCGA-BRCA.survival.tsv", "clinical_data.csv", "GDC_phenotype.tsv"])
def test_a_numeric_table_named_as_sample_annotations_is_not_an_omic(tmp_path, name):
    """survival.csv (OS, OS.time, age): numbers, but not an omic."""
    mrna, _, _ = _write_small(tmp_path)
    survival = pd.DataFrame({"OS": [0, 1] * 6, "OS.time": np.arange(12) * 30.0, "age": 50 + np.arange(12)}, index=mrna.index)
    survival.rename_axis("sample").to_csv(tmp_path / name, sep="\t" if name.endswith(".tsv") else ",")
    with pytest.warns(UserWarning, match=rf"{re.escape(name)} is not read as an omic: its name says it holds sample annotations"):
        cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["mirna", "mrna"]
    assert f"Not read (sample annotations, mutation lists or manifests: not omics): {name}" in cohort.DESCR
    # named among the omics, it is one; a name that only starts like one is an omic
    assert load_omics_tables(tmp_path, omics=["mrna", name.rsplit(".", 1)[0]]).omic_dims[1] == 3
    (tmp_path / name).rename(tmp_path / "metabolome.csv")
    assert load_omics_tables(tmp_path).omic_names == ["metabolome", "mirna", "mrna"]


def test_files_not_read_are_named_and_tab_separated_endings_are_read(tmp_path):
    """LinkedOmics' .cct, GCT and .tab are read; a table that is not read (an
    Excel file, a comma table without an ending) is named in a warning; a
    README, a hidden file and a JSON file are not."""
    mrna, mirna, labels = _small_cohort()
    mrna.T.rename_axis("attrib_name").to_csv(tmp_path / "mrna.cct", sep="\t")
    with open(tmp_path / "mirna.gct", "w") as fh:
        fh.write(f"#1.2\n{mirna.shape[1]}\t{mirna.shape[0]}\n")
        mirna.T.rename_axis("Name").assign(**{"Description": "na"}).pipe(
            lambda t: t[["Description", *mirna.index]]
        ).to_csv(fh, sep="\t")
    mirna.T.rename_axis("gene").to_csv(tmp_path / "meth.tab", sep="\t")
    labels.rename_axis("sample").to_csv(tmp_path / "labels.csv")
    mrna.T.rename_axis("sample").to_csv(tmp_path / "expression")  # commas, no ending
    (tmp_path / "proteome.xlsx").write_bytes(b"PK\x03\x04\x00")
    (tmp_path / "README.md").write_text("# data\n")
    (tmp_path / "._mrna.cct").write_bytes(b"\x00\x05\x16\x07\xb0")
    (tmp_path / "info.json").write_text("{}")
    with pytest.warns(UserWarning, match=r"not read: expression, proteome.xlsx \(only .csv") as caught:
        cohort = load_omics_tables(tmp_path)
    assert len(caught) == 1
    assert cohort.omic_names == ["meth", "mirna", "mrna"] and cohort.omic_dims == (3, 3, 5)
    np.testing.assert_allclose(cohort.data["mirna"].loc[mirna.index].to_numpy(), mirna.to_numpy())
    np.testing.assert_allclose(cohort.data["mrna"].loc[mrna.index].to_numpy(), mrna.to_numpy())


def test_no_omic_table_lists_what_the_folder_holds(tmp_path):
    _small_cohort()[0].to_csv(tmp_path / "expression.gz")  # commas, no ending
    (tmp_path / "labels.csv").write_text("sample,label\nS000,A\n")
    with pytest.warns(UserWarning, match="not read: expression.gz"):
        with pytest.raises(ValueError, match=r"No omic table in .*The folder holds 2 file\(s\): expression.gz, labels.csv\."):
            load_omics_tables(tmp_path)


def test_no_omic_table_counts_the_subfolders_of_a_gdc_download(tmp_path):
    """A GDC download (one folder per file beside MANIFEST.txt) was said to
    hold "1 file(s)" and "no table without numbers", the folders unmentioned."""
    for i in range(3):
        (tmp_path / f"0000000{i}-1111-2222").mkdir()
        pd.DataFrame({"gene_id": ["g1", "g2"], "tpm": [1.0, 2.0]}).to_csv(
            tmp_path / f"0000000{i}-1111-2222" / "counts.tsv", sep="\t", index=False
        )
    pd.DataFrame({"id": ["a"], "filename": ["x/counts.tsv"], "md5": ["0f"], "size": [1], "state": ["released"]}).to_csv(
        tmp_path / "MANIFEST.txt", sep="\t", index=False
    )
    with pytest.warns(UserWarning, match="download manifest"):
        with pytest.raises(ValueError, match=r"Passed over: MANIFEST.txt \(.*\)\. The folder holds 1 file\(s\): "
                                             r"MANIFEST.txt\. Its 3 subfolder\(s\) are not read \(a GDC download") as error:
            load_omics_tables(tmp_path)
    assert "no table" not in str(error.value)
    assert "with skpoems.datasets.merge_gdc_download(download))" in str(error.value)


def test_a_label_file_with_another_ending_is_not_called_unread(tmp_path):
    """LinkedOmics' clinical .tsi passed as labels was still warned "not read";
    with the omics named, the folder's other files (a .seg) do not matter."""
    mrna, mirna, labels = _small_cohort()
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.rename_axis("sample").rename("subtype").to_csv(tmp_path / "clinical.tsi", sep="\t")
    (tmp_path / "cna_hg19.seg").write_text("ID\tchrom\nS000\t1\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_omics_tables(tmp_path, labels="clinical.tsi")
    said = " ".join(str(w.message) for w in caught)
    assert "not read: cna_hg19.seg (" in said and "clinical.tsi" not in said
    assert cohort.target_names.tolist() == ["A", "B"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_omics_tables(tmp_path, labels="clinical.tsi", omics=["mrna", "mirna"])
    with pytest.warns(UserWarning, match=r"clinical.tsi is LinkedOmics' clinical table \(attributes x samples\): "
                                         r"to take labels from it, pass labels=FILE, label_column=NAME"):
        load_omics_tables(tmp_path, labels=False)


def test_per_sample_files_of_one_omic_are_refused(tmp_path):
    """GDC's per-sample STAR count files gathered in one folder were read as 12
    omics of 6 "samples" (unstranded, tpm_unstranded, ...), without a word."""
    rng = np.random.default_rng(0)
    genes = [f"ENSG{i:011d}.1" for i in range(30)]
    for i in range(4):
        table = pd.DataFrame(rng.random((30, 3)), index=pd.Index(genes, name="gene_id"),
                             columns=["unstranded", "tpm_unstranded", "fpkm_unstranded"])
        table.insert(0, "gene_name", [f"G{j}" for j in range(30)])
        table.to_csv(tmp_path / f"{i:08d}-1111-2222-3333-44445555666{i}.rna_seq.augmented_star_gene_counts.tsv", sep="\t")
    with pytest.raises(ValueError, match=r"4 tables of .* have the same rows and the same columns \(unstranded, "
                                         r"tpm_unstranded, fpkm_unstranded\): one omic split into a file per sample.*"
                                         r"skpoems.datasets.merge_gdc_download\(download\) names each file's sample"):
        load_omics_tables(tmp_path, labels=False)


def test_omics_of_the_same_shape_and_names_are_not_per_sample_files(tmp_path):
    """Three omics reduced to PC1..PC5 for the same samples, named *_pca_scores:
    the per-sample refusal took them for GDC files (a regression); only names
    that differ by a file id (a UUID) are per-sample files."""
    rng = np.random.default_rng(0)
    index = pd.Index([f"s{i}" for i in range(20)], name="sample")
    for omic in ("mrna", "meth", "mirna"):
        pd.DataFrame(rng.random((20, 5)), index=index, columns=[f"PC{j}" for j in range(1, 6)]).to_csv(
            tmp_path / f"{omic}_pca_scores.csv"
        )
    pd.Series(["a", "b"] * 10, index=index, name="y").to_csv(tmp_path / "labels.csv")
    assert load_omics_tables(tmp_path).data.shape == (20, 15)


def test_xena_tables_without_an_ending_are_read(tmp_path):
    """UCSC Xena's downloads have no ending (HiSeqV2, miRNA_HiSeq_gene.gz,
    BRCA_clinicalMatrix): they were only named in a warning, so a Xena folder
    read as it came held "no omic table"."""
    mrna, mirna, labels = _small_cohort()
    mrna.T.rename_axis("sample").to_csv(tmp_path / "HiSeqV2", sep="\t")
    mirna.T.rename_axis("sample").to_csv(tmp_path / "miRNA_HiSeq_gene.gz", sep="\t")
    clinical = pd.DataFrame({"PAM50Call_RNAseq": labels.to_numpy(), "age": 50, "gender": "FEMALE"}, index=labels.index)
    clinical.rename_axis("sampleID").to_csv(tmp_path / "BRCA_clinicalMatrix", sep="\t")
    (tmp_path / "variants.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\n1\t100\n")
    # files without an ending that are not tables: prose after a tab line, ragged rows
    (tmp_path / "NOTES").write_text("name\tvalue\nThese samples were run on Monday.\n")
    (tmp_path / "download_log").write_text("a\tb\n1\t2\n1\t2\t3\t4\n")
    (tmp_path / "HumanMethylation450.bin").write_bytes(bytes(range(256)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_omics_tables(tmp_path, labels="BRCA_clinicalMatrix", label_column="PAM50Call_RNAseq")
    assert cohort.omic_names == ["HiSeqV2", "miRNA_HiSeq_gene"] and cohort.omic_dims == (5, 3)
    np.testing.assert_allclose(cohort.data["HiSeqV2"].loc[mrna.index].to_numpy(), mrna.to_numpy())
    np.testing.assert_allclose(cohort.data["miRNA_HiSeq_gene"].loc[mirna.index].to_numpy(), mirna.to_numpy())
    assert cohort.target_names.tolist() == ["A", "B"]
    said = " ".join(str(w.message) for w in caught)
    assert "not read: HumanMethylation450.bin, NOTES, variants.vcf" in said
    assert "download_log is not read: it has no ending and could not be read as a table" in said
    # without labels named, the clinical matrix is passed over, not an omic
    with pytest.warns(UserWarning, match="BRCA_clinicalMatrix is not read as an omic"):
        assert load_omics_tables(tmp_path, labels=False).omic_names == ["HiSeqV2", "miRNA_HiSeq_gene"]


def test_a_geo_series_matrix_is_read_from_its_table(tmp_path):
    mrna, _, labels = _small_cohort()
    table = mrna.T.rename_axis("ID_REF").to_csv(sep="\t", quoting=2)
    text = (
        '!Series_title\t"A study"\n!Sample_title\t' + "\t".join(f'"{s}"' for s in mrna.index) + "\n"
        + "!series_matrix_table_begin\n" + table + "!series_matrix_table_end\n"
    )
    (tmp_path / "GSE1_series_matrix.txt").write_text(text)
    labels.rename_axis("sample").to_csv(tmp_path / "labels.csv")
    cohort = load_omics_tables(tmp_path)
    assert cohort.omic_names == ["GSE1_series_matrix"] and cohort.omic_dims == (5,)
    np.testing.assert_allclose(cohort.data.loc[mrna.index].to_numpy(), mrna.to_numpy())
    (tmp_path / "GSE1_series_matrix.txt").write_text(text.split("!series_matrix_table_begin")[0])
    with pytest.raises(ValueError, match=r"GSE1_series_matrix.txt is a GEO series matrix file .* without a table"):
        load_omics_tables(tmp_path)


def test_labels_from_the_sample_characteristics_of_a_geo_series_matrix(tmp_path):
    """A GEO series matrix keeps its samples' subtypes in !Sample_characteristics
    lines: passed as the label file it said "No omic table" (it was taken for
    labels and left out of the omics), and nothing else read them."""
    rng = np.random.default_rng(0)
    samples = [f"GSM{100 + i}" for i in range(12)]
    subtypes = ["LumA", "Basal", "Her2"] * 4
    probes = pd.DataFrame(rng.random((6, 12)), index=pd.Index([f"{i}_at" for i in range(6)], name="ID_REF"), columns=samples)
    header = [
        '!Series_title\t"A study"',
        "!Sample_title\t" + "\t".join(f'"tumour {i}"' for i in range(12)),
        "!Sample_geo_accession\t" + "\t".join(f'"{s}"' for s in samples),
        "!Sample_characteristics_ch1\t" + "\t".join(f'"subtype: {t}"' for t in subtypes),
        "!Sample_characteristics_ch1\t" + "\t".join(f'"age: {40 + i}"' for i in range(12)),
    ]
    (tmp_path / "GSE1_series_matrix.txt").write_text(
        "\n".join(header) + "\n!series_matrix_table_begin\n" + probes.to_csv(sep="\t") + "!series_matrix_table_end\n"
    )
    cohort = load_omics_tables(tmp_path, labels="GSE1_series_matrix.txt", label_column="subtype")
    assert cohort.omic_names == ["GSE1_series_matrix"] and list(cohort.data.index) == samples
    assert [cohort.target_names[c] for c in cohort.target] == subtypes
    with pytest.raises(ValueError, match=r"label_column=NAME \(one of \['subtype', 'age'\]\)"):
        load_omics_tables(tmp_path, labels="GSE1_series_matrix.txt")
    # lines of unequal length (a sample without an age) are padded, not an IndexError
    from skpoems.datasets._tables import _geo_samples

    text = (tmp_path / "GSE1_series_matrix.txt").read_text().replace("\t\"age: 51\"", "")
    (tmp_path / "GSE1_series_matrix.txt").write_text(text)
    table = _geo_samples(tmp_path / "GSE1_series_matrix.txt")
    assert table.shape == (12, 3) and table["age"].isna().sum() == 1
    # without characteristics, no labels (the titles are no classes)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("!Sample_characteristics"))
    (tmp_path / "GSE1_series_matrix.txt").write_text(text + "\n")
    with pytest.raises(ValueError, match=r"is a GEO series matrix without !Sample_characteristics lines"):
        load_omics_tables(tmp_path, labels="GSE1_series_matrix.txt")


def test_na_in_the_characteristics_of_a_geo_series_matrix_is_a_missing_label(tmp_path):
    """"subtype: NA" was read as a class named NA: trained and scored as a subtype."""
    rng = np.random.default_rng(0)
    samples = [f"GSM{100 + i}" for i in range(12)]
    subtypes = ["LumA", "Basal", "NA", "N/A"] * 3
    probes = pd.DataFrame(rng.random((6, 12)), index=pd.Index([f"{i}_at" for i in range(6)], name="ID_REF"), columns=samples)
    header = [
        "!Sample_geo_accession\t" + "\t".join(f'"{s}"' for s in samples),
        "!Sample_characteristics_ch1\t" + "\t".join(f'"subtype: {t}"' for t in subtypes),
    ]
    (tmp_path / "GSE1_series_matrix.txt").write_text(
        "\n".join(header) + "\n!series_matrix_table_begin\n" + probes.to_csv(sep="\t") + "!series_matrix_table_end\n"
    )
    with pytest.raises(ValueError, match="no label"):
        load_omics_tables(tmp_path, labels="GSE1_series_matrix.txt", label_column="subtype")
    cohort = load_omics_tables(tmp_path, labels="GSE1_series_matrix.txt", label_column="subtype", join="inner")
    assert list(cohort.target_names) == ["Basal", "LumA"] and len(cohort.target) == 6


def test_formats_that_are_features_x_samples_are_read_so(tmp_path):
    """A GEO series matrix alone was read as probes x samples (a real one: 54,675
    "patients"), and cBioPortal tables that share gene names (mRNA, methylation
    and copy numbers by gene) were refused as undecidable: formats that are
    features x samples by definition are read so."""
    rng = np.random.RandomState(0)
    samples = [f"GSM{i}" for i in range(8)]
    probes = pd.DataFrame(rng.rand(12, 8), index=pd.Index([f"{i}_at" for i in range(12)], name="ID_REF"), columns=samples)
    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "GSE1_series_matrix.txt").write_text(
        "!Series_title\t\"A study\"\n!series_matrix_table_begin\n" + probes.to_csv(sep="\t")
        + "!series_matrix_table_end\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "read as 12 samples x 8 features" warning
        cohort = load_omics_tables(geo)
    assert cohort.data.shape == (8, 12) and list(cohort.data.index) == samples

    cbio = tmp_path / "cbio"
    cbio.mkdir()
    ids = [f"TCGA-A1-A00{i}-01" for i in range(8)]
    genes = ["TP53", "BRCA1", "GATA3", "ESR1", "ERBB2"]
    for name in ("data_mrna_seq_v2_rsem", "data_methylation_hm450", "data_cna"):
        table = pd.DataFrame(rng.rand(5, 8), columns=ids)
        table.insert(0, "Entrez_Gene_Id", [7157, 672, 2625, 2099, 2064])
        table.insert(0, "Hugo_Symbol", genes)
        (cbio / f"{name}.txt").write_text(table.to_csv(sep="\t", index=False))
    cohort = load_omics_tables(cbio)
    assert cohort.omic_dims == (5, 5, 5) and list(cohort.data.index) == ids
    assert list(cohort.data["data_cna"].columns) == genes
    # LinkedOmics' .cct and .cbt likewise, with a samples x features table beside them
    linked = tmp_path / "linked"
    linked.mkdir()
    pd.DataFrame(rng.rand(5, 8), index=pd.Index(genes, name="attrib_name"), columns=ids).to_csv(linked / "rna.cct", sep="\t")
    pd.DataFrame(rng.rand(5, 8), index=pd.Index(genes, name="attrib_name"), columns=ids).to_csv(linked / "cnv.cct", sep="\t")
    pd.DataFrame(rng.rand(8, 5), index=pd.Index(ids, name="sample"), columns=genes).to_csv(linked / "protein.csv")
    cohort = load_omics_tables(linked)
    assert cohort.omic_names == ["cnv", "protein", "rna"] and cohort.data.shape == (8, 15)
    # an explicit layout still wins
    assert load_omics_tables(linked, omics=["rna"], transpose=False).data.shape == (5, 8)


def test_a_samples_x_features_table_with_a_description_column_follows_the_labels(tmp_path):
    """Any gene-annotation column marked a table as features x samples whatever
    the labels said: a samples x features table with a Description column was
    transposed and refused. Only cBioPortal's columns mark a format, and only
    without labels."""
    mrna, _, labels = _write_small(tmp_path)
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.random((len(mrna), 20)), index=mrna.index.rename("sample"), columns=[f"m{j}" for j in range(20)])
    table.insert(0, "Description", "plasma")
    table.to_csv(tmp_path / "metabolites.csv")
    cohort = load_omics_tables(tmp_path)
    assert cohort.data["metabolites"].shape == (len(mrna), 20)


@pytest.mark.parametrize(
    ("encoding", "message"),
    [("utf-16", r"mrna.csv is UTF-16 text \(what Excel saves as \"Unicode Text\"\), not UTF-8"),
     ("latin-1", r"mrna.csv is not UTF-8 text \(.*Save it as UTF-8")],
)
def test_a_table_in_another_encoding_is_named(tmp_path, encoding, message):
    mrna, _, _ = _write_small(tmp_path)
    mrna.rename(columns={"g0": "gène"}).to_csv(tmp_path / "mrna.csv", encoding=encoding)
    with pytest.raises(ValueError, match=message):
        load_omics_tables(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        '"sample" "subtype"\n' + "".join(f'"S{i:03d}" "{"AB"[i % 2]}"\n' for i in range(12)),  # write.table(row.names=FALSE)
        '"subtype"\n' + "".join(f'"S{i:03d}" "{"AB"[i % 2]}"\n' for i in range(12)),  # write.table with row names
        "sample subtype\n" + "".join(f"S{i:03d} {'AB'[i % 2]}\n" for i in range(12)),
    ],
)
def test_a_space_separated_label_file_has_two_columns(tmp_path, text):
    _write_small(tmp_path, labels=False)
    (tmp_path / "labels.txt").write_text(text)
    cohort = load_omics_tables(tmp_path)
    assert cohort.target_names.tolist() == ["A", "B"]
    assert cohort.target.loc["S000"] == 0 and cohort.target.loc["S001"] == 1


def test_one_column_of_labels_with_spaces_stays_one_column(tmp_path):
    _write_small(tmp_path, labels=False)
    (tmp_path / "labels.txt").write_text("subtype\n" + "".join(f"Luminal {'AB'[i % 2]}\n" for i in range(12)))
    cohort = load_omics_tables(tmp_path)
    assert cohort.target_names.tolist() == ["Luminal A", "Luminal B"]


@pytest.mark.parametrize("header", ["Entrez_ID", "entrez", "Gene ID", "ENSEMBL", "description"])
def test_gene_annotation_columns_of_any_common_name_are_not_samples(tmp_path, header):
    """gene, Entrez_ID, then the samples: the annotation is no sample (embed's
    join='outer' made it one)."""
    mrna, mirna, _ = _small_cohort()
    table = mrna.T.rename_axis("gene")
    table.insert(0, header, [f"desc {j}" for j in range(5)] if header == "description" else 1000 + np.arange(5))
    table.to_csv(tmp_path / "mrna.tsv", sep="\t")
    mirna.T.rename_axis("gene").to_csv(tmp_path / "mirna.tsv", sep="\t")
    cohort = load_omics_tables(tmp_path, labels=False, join="outer")
    assert sorted(cohort.data.index) == list(mrna.index)
    assert list(cohort.data["mrna"].columns) == list(mrna.columns)


def test_repeated_symbols_beside_an_annotation_id_are_told_apart(tmp_path):
    mrna, mirna, labels = _small_cohort()
    table = mrna.T.rename_axis("Symbol")
    table.index = ["TP53", "TP53", "BRCA1", "EGFR", "MYC"]
    table.insert(0, "Entrez", [7157, 7158, 672, 1956, 4609])
    table.to_csv(tmp_path / "mrna.tsv", sep="\t")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.rename_axis("sample").to_csv(tmp_path / "labels.csv")
    assert list(load_omics_tables(tmp_path).data["mrna"].columns) == ["TP53|7157", "TP53|7158", "BRCA1", "EGFR", "MYC"]


def test_a_dot_label_is_missing_not_a_class(tmp_path):
    _, _, labels = _small_cohort()
    labels = labels.copy()
    labels.iloc[[2, 5]] = "."
    _write_small(tmp_path, labels=labels)
    with pytest.raises(ValueError, match=r"has no label for 2 sample\(s\) \(e.g. 'S002': its label reads '.', a missing value\)"):
        load_omics_tables(tmp_path)
    cohort = load_omics_tables(tmp_path, join="inner")
    assert cohort.target_names.tolist() == ["A", "B"] and len(cohort.target) == 10


@pytest.mark.parametrize("marker", ["[Not Available]", "[Unknown]", "[Discrepancy]", "not reported", "'--"])
def test_tcga_and_gdc_placeholders_are_missing_labels_not_classes(tmp_path, marker):
    """A TCGA clinical table's "[Not Available]" was a class of its own."""
    _, _, labels = _small_cohort()
    labels = labels.copy()
    labels.iloc[[2, 5]] = marker
    _write_small(tmp_path, labels=labels)
    with pytest.raises(ValueError, match=rf"has no label for 2 sample\(s\) \(e.g. 'S002': its label reads {re.escape(repr(marker))}, a missing value\)"):
        load_omics_tables(tmp_path)
    cohort = load_omics_tables(tmp_path, join="inner")
    assert cohort.target_names.tolist() == ["A", "B"] and len(cohort.target) == 10


def test_row_numbers_of_r_write_csv_before_the_sample_names_are_dropped(tmp_path):
    _, _, labels = _small_cohort()
    _write_small(tmp_path, labels=False)
    frame = pd.DataFrame({"sample": labels.index, "subtype": labels.to_numpy()}, index=np.arange(1, 13))
    frame.to_csv(tmp_path / "labels.csv")  # R's write.csv: "", then 1 .. n
    assert (tmp_path / "labels.csv").read_text().startswith(",sample,subtype\n1,S000,B\n")
    cohort = load_omics_tables(tmp_path)
    assert cohort.target_names.tolist() == ["A", "B"] and cohort.target.loc["S001"] == 0


def test_rows_of_bare_separators_are_ignored(tmp_path):
    mrna, mirna, labels = _write_small(tmp_path)
    for name in ("mrna.csv", "labels.csv"):
        with open(tmp_path / name, "a") as fh:
            fh.write(("," * (mrna.shape[1] if name == "mrna.csv" else 1) + "\n") * 2)
    mirna.T.to_csv(tmp_path / "mirna.csv")
    with open(tmp_path / "mirna.csv", "a") as fh:
        fh.write("," * 12 + "\n")
    cohort = load_omics_tables(tmp_path)
    assert list(cohort.data.index) == list(mirna.index) and "nan" not in cohort.data.index
    assert cohort.omic_dims == (3, 5) and len(cohort.target) == 12


@pytest.mark.parametrize("copy", ["mrna (1).csv", "mrna copy.csv", "mrna - Copy.csv"])
def test_a_second_download_of_a_table_is_refused(tmp_path, copy):
    mrna, _, _ = _write_small(tmp_path)
    mrna.to_csv(tmp_path / copy)
    with pytest.raises(ValueError, match=r"their names differ only by a copy's mark") as raised:
        load_omics_tables(tmp_path)
    assert sorted(re.search(r"holds (.*) and (.*?): their", str(raised.value)).groups()) == sorted([copy, "mrna.csv"])


def test_sample_names_written_with_dots_get_a_hint(tmp_path):
    """R's make.names: P.3C.AAAU in the labels for P-3C-AAAU. (TCGA barcodes
    are matched so, and in any case: see the next test.)"""
    mrna, mirna, labels = _small_cohort()
    ids = [f"P-A1-A{i:03d}" for i in range(12)]
    for frame in (mrna, mirna, labels):
        frame.index = ids
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.set_axis([s.replace("-", ".") if i < 4 else s for i, s in enumerate(ids)]).rename_axis("sample").to_csv(
        tmp_path / "labels.csv"
    )
    with pytest.raises(ValueError, match=r"The names agree when '.' is read as '-' \('P-A1-A000' and 'P.A1.A000'; R writes"):
        load_omics_tables(tmp_path)
    cohort = load_omics_tables(tmp_path, join="inner")
    assert len(cohort.target) == 8
    assert re.search(r"Left out: 4 sample\(s\) of the omic tables that labels.csv does not list\. The names agree when '.' is read as '-'", cohort.DESCR)


def test_tcga_barcodes_in_lower_case_or_with_dots_are_matched(tmp_path):
    """Firehose's clinical files write barcodes in lower case (tcga-a1-a000),
    R's make.names with dots (TCGA.A1.A000): they were only hinted at, and a
    user edited the files by hand. Barcodes are matched in their defined form
    (upper case, '-'); other parts of the names are kept."""
    mrna, mirna, labels = _small_cohort()
    ids = [f"TCGA-A1-A{i:03d}-01" for i in range(12)]
    mrna.set_axis(ids).rename_axis("sample").to_csv(tmp_path / "mrna.csv")
    mirna.set_axis([s.replace("-", ".") for s in ids]).T.rename_axis("gene").to_csv(tmp_path / "mirna.csv")
    labels.set_axis([s.lower() for s in ids]).rename_axis("sample").to_csv(tmp_path / "labels.csv")
    cohort = load_omics_tables(tmp_path)
    assert list(cohort.data.index) == ids and cohort.target_names.tolist() == ["A", "B"]
    assert [cohort.target_names[c] for c in cohort.target] == list(labels)
    np.testing.assert_allclose(cohort.data["mirna"].to_numpy(), mirna.to_numpy())


def test_the_cut_hint_with_kept_unlabelled_samples_matches_the_labels_too(tmp_path):
    """skpoems discover: omics cut to 15 and 16 characters, labels to 12: cutting
    to 15 would match the omics but leave every label unmatched."""
    mrna, mirna, labels = _small_cohort()
    ids = [f"TCGA-A1-A{i:03d}" for i in range(12)]
    mrna.index = [f"{s}-01A" for s in ids]
    mirna.index = [f"{s}-01" for s in ids]
    labels.index = ids
    mrna.to_csv(tmp_path / "mrna.csv")
    mirna.to_csv(tmp_path / "mirna.csv")
    labels.rename_axis("sample").to_csv(tmp_path / "labels.csv")
    with pytest.raises(ValueError, match=r"first 12 characters .*sample_name_length=12\)"):
        load_omics_tables(tmp_path, keep_unlabelled=True)


def test_gene_annotations_after_r_row_numbers_are_not_samples(tmp_path):
    """R's write.csv of data.frame(gene, Entrez_ID, samples...): the row numbers
    came first, so the annotation column was second and read as a sample."""
    mrna, mirna, _ = _small_cohort()
    table = mrna.T.rename_axis("gene").reset_index()
    table.insert(1, "Entrez_ID", 1000 + np.arange(5))
    table.index = np.arange(1, 6)
    table.to_csv(tmp_path / "mrna.csv", index_label="")
    mirna.T.rename_axis("gene").to_csv(tmp_path / "mirna.csv")
    cohort = load_omics_tables(tmp_path, labels=False, join="outer")
    assert sorted(cohort.data.index) == list(mrna.index)
    assert list(cohort.data["mrna"].columns) == list(mrna.columns)


def test_copies_of_tables_not_read_and_omic_names_with_annotation_words(tmp_path):
    """The copy check refused a folder for a copy of a table that omics= leaves
    out; dna_copy (copy number) beside dna is no copy; clinical_proteomics
    (CPTAC) is an omic, not sample annotations."""
    mrna, mirna, _ = _write_small(tmp_path)
    mirna.to_csv(tmp_path / "mirna (1).csv")
    assert load_omics_tables(tmp_path, omics=["mrna"]).omic_names == ["mrna"]
    (tmp_path / "mirna (1).csv").unlink()
    mrna.to_csv(tmp_path / "dna.csv")
    mrna.to_csv(tmp_path / "dna_copy.csv")
    mrna.to_csv(tmp_path / "clinical_proteomics.csv")
    cohort = load_omics_tables(tmp_path)
    assert sorted(cohort.omic_names) == ["clinical_proteomics", "dna", "dna_copy", "mirna", "mrna"]


def test_sample_types_keep_the_tumours_of_a_portal_table(tmp_path):
    """Xena's matrices hold normal tissue beside the tumours; keeping the tumours
    needed pandas (the CLI could not), and cutting names to the patient merged
    a patient's tumour and normal samples."""
    rng = np.random.RandomState(0)
    tumours = [f"TCGA-A1-A{i:03d}-01" for i in range(10)]
    samples = tumours + ["TCGA-A1-A000-11", "TCGA-A1-A001-11"]
    # features x samples, lower case (Firehose), and samples x features
    pd.DataFrame(rng.rand(4, 12), index=pd.Index(list("abcd"), name="gene"), columns=[s.lower() for s in samples]).to_csv(
        tmp_path / "mrna.tsv", sep="\t")
    pd.DataFrame(rng.rand(12, 3), index=pd.Index(samples, name="sample"), columns=list("xyz")).to_csv(tmp_path / "mirna.csv")
    # labels by patient, and one of a normal sample by its sample barcode
    labels = pd.DataFrame({"patient": [s[:12] for s in tumours] + ["TCGA-A1-A001-11"], "subtype": ["LumA", "Basal"] * 5 + ["Normal"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match="lists sample 'TCGA-A1-A001' more than once after cutting"):
        load_omics_tables(tmp_path, sample_name_length=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no normal-tissue warning: they are gone)
        cohort = load_omics_tables(tmp_path, sample_name_length=12, sample_types="tumor")
    assert list(cohort.data.index) == [s[:12] for s in tumours]
    assert list(cohort.target_names) == ["Basal", "LumA"]  # (the normal sample's label left out)
    assert "Left out: 2 sample(s) of other sample types than 'tumor' (by their barcodes)" in cohort.DESCR
    np.testing.assert_allclose(cohort.data["mirna"].to_numpy(), pd.read_csv(tmp_path / "mirna.csv", index_col=0).iloc[:10])
    assert load_omics_tables(tmp_path, sample_types=["1"], labels=False).data.shape == (10, 7)
    normal = load_omics_tables(tmp_path, sample_types="normal", labels=False)
    assert list(normal.data.index) == ["TCGA-A1-A000-11", "TCGA-A1-A001-11"]
    with pytest.raises(ValueError, match="sample_types: 'all', 'tumor', 'normal' or a collection"):
        load_omics_tables(tmp_path, sample_types="primary")
    with pytest.raises(ValueError, match=r"None of the samples of .* is of the sample types \['06'\]"):
        load_omics_tables(tmp_path, sample_types=["06"], labels=False)
    # names without a sample type: refused, naming one
    for f in ("mrna.tsv", "mirna.csv"):
        (tmp_path / f).unlink()
    pd.DataFrame(rng.rand(10, 3), index=pd.Index([s[:12] for s in tumours], name="sample"), columns=list("xyz")).to_csv(
        tmp_path / "mirna.csv")
    with pytest.raises(ValueError, match=r"mirna.csv: 10 of its 10 sample names are no TCGA or TARGET sample barcode "
                                         r"with a sample type \(e.g. 'TCGA-A1-A000'; a patient barcode has none\)"):
        load_omics_tables(tmp_path, sample_types="tumor")


def test_sample_types_with_labels_of_one_type_or_by_position(tmp_path):
    """Reviewer's cases: labels that list tumours only, asked for the normal
    samples, left no label to orient genes x samples tables by (read the wrong
    way round); labels matched by position cannot follow the samples left out;
    aliquots of one sample in two omics were counted twice; TARGET barcodes with
    dots were not barcodes."""
    rng = np.random.RandomState(0)
    tumours = [f"TCGA-A1-A{i:03d}-01A" for i in range(10)]
    samples = tumours + ["TCGA-A1-A000-11A", "TCGA-A1-A001-11A"]
    genes = pd.Index([f"G{i}" for i in range(5)], name="gene")
    pd.DataFrame(rng.rand(5, 12), index=genes, columns=[s + "-01R-A000-07" for s in samples]).to_csv(tmp_path / "mrna.tsv", sep="\t")
    pd.DataFrame(rng.rand(5, 12), index=genes, columns=[s + "-13R-A000-13" for s in samples]).to_csv(tmp_path / "mirna.tsv", sep="\t")
    pd.DataFrame({"sample": [s[:15] for s in tumours], "subtype": ["A", "B"] * 5}).to_csv(tmp_path / "labels.csv", index=False)
    cohort = load_omics_tables(tmp_path, sample_name_length=15, sample_types="tumor")
    assert cohort.data.shape == (10, 10) and "Left out: 2 sample(s) of other sample types than 'tumor'" in cohort.DESCR
    with pytest.raises(ValueError, match=r"labels.csv lists no sample of the sample types 'normal' \(e.g. 'TCGA-A1-A000-01'\)"):
        load_omics_tables(tmp_path, sample_name_length=15, sample_types="normal")
    normal = load_omics_tables(tmp_path, sample_name_length=15, sample_types=["11"], labels=False)
    assert list(normal.data.index) == ["TCGA-A1-A000-11", "TCGA-A1-A001-11"] and normal.data.shape[1] == 10
    pd.Series(["A", "B"] * 6, name="subtype").to_csv(tmp_path / "labels.csv", index=False)  # by position
    with pytest.raises(ValueError, match="labels.csv has no sample names .* add a first column of sample names"):
        load_omics_tables(tmp_path, sample_name_length=15, sample_types="tumor")
    (tmp_path / "labels.csv").unlink()
    for f in ("mrna.tsv", "mirna.tsv"):
        (tmp_path / f).unlink()
    target = [f"target.20.PA{i:04d}.{'03A' if i < 6 else '14A'}" for i in range(8)]
    pd.DataFrame(rng.rand(8, 3), index=pd.Index(target, name="sample"), columns=list("xyz")).to_csv(tmp_path / "mirna.csv")
    marrow = load_omics_tables(tmp_path, sample_types="normal")
    assert list(marrow.data.index) == ["TARGET-20-PA0006-14A", "TARGET-20-PA0007-14A"]


def test_label_column_finds_its_clinical_table(tmp_path):
    """Xena's folder with label_column='PAM50Call_RNAseq' and no labels=: the
    clinical matrix was passed over and the column ignored, without a word."""
    rng = np.random.RandomState(0)
    samples = [f"TCGA-A1-A{i:03d}-01" for i in range(12)]
    pd.DataFrame(rng.rand(5, 12), index=pd.Index([f"G{i}" for i in range(5)], name="sample"), columns=samples).to_csv(
        tmp_path / "HiSeqV2", sep="\t")
    pd.DataFrame(rng.rand(12, 3), index=pd.Index(samples, name="sample"), columns=list("xyz")).to_csv(tmp_path / "mirna.csv")
    clinical = pd.DataFrame({"sampleID": samples, "age_at_initial_pathologic_diagnosis": rng.randint(30, 80, 12),
                             "PAM50Call_RNAseq": ["LumA", "Basal", "Her2"] * 4, "vital_status": ["LIVING", "DECEASED"] * 6})
    clinical.to_csv(tmp_path / "BRCA_clinicalMatrix", sep="\t", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cohort = load_omics_tables(tmp_path, label_column="PAM50Call_RNAseq")
    assert list(cohort.target_names) == ["Basal", "Her2", "LumA"] and cohort.data.shape == (12, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"label_column='PAM50' goes with a label file, and no table of .* has such a column: pass labels=FILE"):
            load_omics_tables(tmp_path, label_column="PAM50")


def test_a_quantity_as_labels_is_named_in_a_warning(tmp_path):
    """An age column picked as the labels was read as dozens of classes without
    a word, and the protocol then scored k-means "agreement" in noise."""
    rng = np.random.RandomState(0)
    ids = pd.Index([f"P{i:03d}" for i in range(100)], name="sample")
    pd.DataFrame(rng.rand(100, 10), index=ids).add_prefix("g").to_csv(tmp_path / "mrna.csv")
    pd.DataFrame(rng.rand(100, 8), index=ids).add_prefix("m").to_csv(tmp_path / "mirna.csv")
    ages = rng.randint(30, 80, 100)
    pd.DataFrame({"age": ages}, index=ids).to_csv(tmp_path / "labels.csv")
    with pytest.warns(UserWarning, match=r"labels are \d+ different whole numbers \(30 to 79\).*a quantity"):
        bunch = load_omics_tables(tmp_path)
    assert bunch.target.nunique() == len(np.unique(ages))  # (still read, as asked)
    pd.DataFrame({"stage": np.arange(100) % 4}, index=ids).to_csv(tmp_path / "labels.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_omics_tables(tmp_path).target.nunique() == 4


def test_sample_names_with_suffixes_of_their_own_length_are_named_in_the_error(tmp_path):
    """P1_RNA .. P30_RNA beside P1_miR .. P30_miR and labels P1 .. P30: no one
    length cuts them alike, and the error suggested joins that cannot work."""
    rng = np.random.RandomState(0)
    patients = [f"P{i}" for i in range(1, 31)]
    for omic, suffix in (("mrna", "_RNA"), ("mirna", "_miR")):
        index = pd.Index([p + suffix for p in patients], name="sample")
        pd.DataFrame(rng.rand(30, 6), index=index).add_prefix(omic).to_csv(tmp_path / f"{omic}.csv")
    pd.DataFrame({"y": np.arange(30) % 2}, index=pd.Index(patients, name="sample")).to_csv(tmp_path / "labels.csv")
    for join in ("strict", "inner"):
        with pytest.raises(ValueError, match=r"agree before their last '_' \('P1_miR' and 'P1_RNA' and 'P1'\), "
                                             r"which would make 30 samples common") as caught:
            load_omics_tables(tmp_path, join=join)
        assert "join='inner' to keep" not in str(caught.value)
    for omic in ("mrna", "mirna"):  # the remedy it gives
        table = pd.read_csv(tmp_path / f"{omic}.csv", index_col=0)
        table.index = table.index.str.rsplit("_", n=1).str[0]
        table.to_csv(tmp_path / f"{omic}.csv")
    assert load_omics_tables(tmp_path).data.shape == (30, 12)


def test_a_separator_ending_the_header_line_alone_is_read(tmp_path):
    """``sample\\tg1\\tg2\\t`` over data lines without a last tab: the header's empty
    last field was reported as a value missing from line 2; a line that is short
    beyond it is still refused, by its own number."""
    (tmp_path / "mrna.tsv").write_text("sample\tg1\tg2\tg3\t\nS1\t1\t2\t3\nS2\t2\t3\t4\nS3\t3\t4\t6\n")
    (tmp_path / "mirna.tsv").write_text("sample\tm1\tm2\nS1\t1\t2\nS2\t2\t3\nS3\t1\t1\n")
    data = load_omics_tables(tmp_path).data
    assert list(data["mrna"].columns) == ["g1", "g2", "g3"]
    np.testing.assert_array_equal(data["mrna"].to_numpy(), [[1, 2, 3], [2, 3, 4], [3, 4, 6]])
    (tmp_path / "mrna.tsv").write_text("sample\tg1\tg2\tg3\t\nS1\t1\t2\t3\nS2\t2\t4\nS3\t3\t4\t6\n")
    with pytest.raises(ValueError, match=r"mrna.tsv, line 3: 3 tab-separated field\(s\) where the table has 4"):
        load_omics_tables(tmp_path)


def test_names_that_pandas_reads_as_missing_are_kept(tmp_path):
    """A gene ``NA`` or ``NULL`` and a sample ``NA`` were read as NaN, then named
    'nan' (two such genes: "names 1 feature(s) more than once ('nan')"). An
    empty name stays missing."""
    (tmp_path / "mrna.csv").write_text("gene,S1,S2,NA\nNA,1,2,3\nNULL,2,3,4\nTP53,3,4,5\n")
    (tmp_path / "mirna.csv").write_text("sample,m1,m2\nNA,1,2\nS1,2,3\nS2,3,3\n")
    data = load_omics_tables(tmp_path).data
    assert list(data["mrna"].columns) == ["NA", "NULL", "TP53"]
    assert sorted(data.index) == ["NA", "S1", "S2"]
    np.testing.assert_array_equal(data.loc["NA", "mrna"].to_numpy(), [3, 4, 5])
    np.testing.assert_array_equal(data.loc["NA", "mirna"].to_numpy(), [1, 2])

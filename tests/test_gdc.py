"""Merging a GDC download (one file per sample and data type) into omic tables."""

import uuid
import warnings

import numpy as np
import pandas as pd
import pytest

from skpoems.datasets import load_omics_tables, merge_gdc_download

GENES = [("ENSG00000000003.15", "TSPAN6"), ("ENSG00000000005.6", "TNMD"), ("ENSG00000000419.13", "DPM1"),
         ("ENSG00000230417.11", "LINC00595"), ("ENSG00000280987.4", "MATR3"), ("ENSG00000015479.19", "MATR3")]
MIRNAS = ["hsa-let-7a-1", "hsa-let-7a-2", "hsa-mir-21", "hsa-mir-155"]
PROBES = ["cg00000029", "cg00000108", "cg00000109", "cg00000165", "cg00000236"]
SHEET = ["File ID", "File Name", "Data Category", "Data Type", "Project ID", "Case ID", "Sample ID",
         "Tissue Type", "Tumor Descriptor", "Specimen Type", "Preservation Method"]


def _star(rng, tpm_scale=1.0):
    lines = ["# gene-model: GENCODE v36",
             "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second\t"
             "tpm_unstranded\tfpkm_unstranded\tfpkm_uq_unstranded"]
    lines += [f"{n}\t\t\t{rng.integers(1000)}\t{rng.integers(1000)}\t{rng.integers(1000)}\t\t\t"
              for n in ("N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous")]
    values = {}
    for gene_id, name in GENES:
        counts = int(rng.integers(5000))
        tpm = round(float(rng.gamma(2.0, 10.0)) * tpm_scale, 4)
        values[f"{name}_{gene_id}"] = (counts, tpm)
        lines.append(f"{gene_id}\t{name}\tprotein_coding\t{counts}\t{counts // 2}\t{counts // 2}\t{tpm}\t{tpm / 2}\t{tpm / 3}")
    return "\n".join(lines) + "\n", values


def _mirna(rng):
    lines = ["miRNA_ID\tread_count\treads_per_million_miRNA_mapped\tcross-mapped"]
    values = {}
    for name in MIRNAS:
        rpm = round(float(rng.gamma(2.0, 50.0)), 5)
        values[name] = rpm
        lines.append(f"{name}\t{int(rpm * 3)}\t{rpm}\tN")
    return "\n".join(lines) + "\n", values


def _methylation(rng, probes=PROBES, failed=()):
    values = {p: (np.nan if p in failed else round(float(rng.random()), 6)) for p in probes}
    return "".join(f"{p}\t{'' if np.isnan(v) else v}\n" for p, v in values.items()), values


def make_gdc_download(folder, *, samples=("TCGA-A1-A0SB-01A", "TCGA-A1-A0SD-01A", "TCGA-A2-A04P-01A"),
                      normal="TCGA-A1-A0SD-11A", seed=0):
    """A folder laid out as the GDC client writes a download, its sample sheet and
    what each sample's files hold: {omic: {sample: {feature: value}}}."""
    rng = np.random.default_rng(seed)
    rows, truth = [], {"gene_expression": {}, "mirna": {}, "methylation": {}}

    def add(text, name, category, data_type, sample, tissue="Tumor"):
        file_id = str(uuid.UUID(int=int(rng.integers(2**62))))
        (folder / file_id).mkdir(parents=True)
        (folder / file_id / name).write_text(text)
        (folder / file_id / "annotations.txt").write_text("id\tcategory\n1\tnotification\n")
        rows.append([file_id, name, category, data_type, "TCGA-BRCA", sample[:12], sample, tissue,
                     "Primary" if tissue == "Tumor" else "Not Applicable", "Solid Tissue", "Unknown"])

    for sample in samples:
        text, values = _star(rng)
        add(text, f"{uuid.UUID(int=int(rng.integers(2**62)))}.rna_seq.augmented_star_gene_counts.tsv",
            "Transcriptome Profiling", "Gene Expression Quantification", sample)
        truth["gene_expression"][sample] = values
        text, values = _mirna(rng)
        add(text, f"{uuid.UUID(int=int(rng.integers(2**62)))}.mirbase21.mirnas.quantification.txt",
            "Transcriptome Profiling", "miRNA Expression Quantification", sample)
        truth["mirna"][sample] = values
        text, values = _methylation(rng, failed=("cg00000108",) if sample == samples[0] else ())
        add(text, f"{uuid.UUID(int=int(rng.integers(2**62)))}.methylation_array.sesame.level3betas.txt",
            "DNA Methylation", "Methylation Beta Value", sample)
        truth["methylation"][sample] = values
    if normal:
        text, values = _star(rng)
        add(text, "normal.rna_seq.augmented_star_gene_counts.tsv", "Transcriptome Profiling",
            "Gene Expression Quantification", normal, tissue="Normal")
        truth["gene_expression"][normal] = values
    add("Hugo_Symbol\tTumor_Sample_Barcode\nTP53\tTCGA-A1-A0SB-01A\n", "brca.maf.gz", "Simple Nucleotide Variation",
        "Masked Somatic Mutation", f"{samples[0]}, {samples[0][:12]}-10A")
    # copy numbers of a tumour against its normal blood: the tumour's; of two tumours: passed over
    add("gene_id\tgene_name\tchromosome\tstart\tend\tcopy_number\tmin_copy_number\tmax_copy_number\n"
        f"{GENES[0][0]}\t{GENES[0][1]}\tchrX\t1\t9\t3\t2\t3\n", "pair.gene_level_copy_number.v36.tsv", "Copy Number Variation",
        "Gene Level Copy Number", f"{samples[0][:12]}-10A, {samples[0]}")
    add("gene_id\tcopy_number\n", "two.tsv", "Copy Number Variation", "Gene Level Copy Number", f"{samples[0]}, {samples[1]}")
    add("transcript\tcount\n", "isoforms.txt", "Transcriptome Profiling", "Isoform Expression Quantification", samples[0])
    pd.DataFrame(rows, columns=SHEET).to_csv(folder / "gdc_sample_sheet.2026-12-07.tsv", sep="\t", index=False)
    return truth


def _merge(folder, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = merge_gdc_download(folder, **kwargs)
    return tables, " ".join(str(w.message) for w in caught)


def test_merges_each_data_type_into_a_samples_x_features_table(tmp_path):
    truth = make_gdc_download(tmp_path)
    tables, said = _merge(tmp_path)
    assert sorted(tables) == ["copy_number", "gene_expression", "methylation", "mirna"]
    assert tables["copy_number"].astype(float).to_dict() == {"TSPAN6_ENSG00000000003.15": {"TCGA-A1-A0SB-01A": 3.0}}
    expression = tables["gene_expression"]
    assert list(expression.index) == ["TCGA-A1-A0SB-01A", "TCGA-A1-A0SD-01A", "TCGA-A2-A04P-01A", "TCGA-A1-A0SD-11A"]
    # genes by symbol and id (MATR3 twice: the ids keep them apart), STAR's counters left out
    assert list(expression.columns) == [f"{name}_{gene_id}" for gene_id, name in GENES]
    for sample, values in truth["gene_expression"].items():
        np.testing.assert_allclose(expression.loc[sample], [tpm for _, tpm in values.values()], rtol=1e-6)
    for sample, values in truth["mirna"].items():
        np.testing.assert_allclose(tables["mirna"].loc[sample, MIRNAS], list(values.values()), rtol=1e-6)
    methylation = tables["methylation"]
    assert list(methylation.columns) == PROBES
    for sample, values in truth["methylation"].items():  # (a failed probe: NaN)
        np.testing.assert_allclose(methylation.loc[sample], list(values.values()), rtol=1e-6)
    assert np.isnan(methylation.loc["TCGA-A1-A0SB-01A", "cg00000108"])
    # the files it passed over are named
    assert "Masked Somatic Mutation (1)" in said and "Isoform Expression Quantification (1)" in said
    assert "1 file(s) of several tumours (or samples of unknown type) each were passed over" in said


def test_verbose_is_an_int_as_for_the_estimators(tmp_path, capsys):
    """``verbose=1`` (scikit-learn's habit) shows the progress bars, as True does;
    it was refused as not a bool."""
    make_gdc_download(tmp_path)
    quiet, _ = _merge(tmp_path)
    assert capsys.readouterr().err == ""
    loud, _ = _merge(tmp_path, verbose=1)
    assert "file" in capsys.readouterr().err  # (tqdm's bars: "<omic>: ... file/s")
    assert sorted(loud) == sorted(quiet)
    with pytest.raises(ValueError, match="verbose"):
        merge_gdc_download(tmp_path, verbose=-1)


def test_sample_types_keep_the_tumours_or_the_normal_tissue(tmp_path):
    make_gdc_download(tmp_path)
    for kept in ("tumor", "tumour", ["01"], ("1",)):
        tables, said = _merge(tmp_path, sample_types=kept)
        assert "TCGA-A1-A0SD-11A" not in tables["gene_expression"].index
        assert len(tables["gene_expression"]) == 3 and "other sample types" in said
    normal, _ = _merge(tmp_path, sample_types="normal")
    assert list(normal) == ["gene_expression"] and list(normal["gene_expression"].index) == ["TCGA-A1-A0SD-11A"]
    assert list(_merge(tmp_path, sample_types=["11"])[0]["gene_expression"].index) == ["TCGA-A1-A0SD-11A"]
    with pytest.raises(ValueError, match="sample_types: 'all', 'tumor', 'normal'"):
        merge_gdc_download(tmp_path, sample_types="primary")
    with pytest.raises(ValueError, match="two-digit sample type codes"):
        merge_gdc_download(tmp_path, sample_types=["tumor"])


def test_values_choose_the_column_per_omic(tmp_path):
    truth = make_gdc_download(tmp_path, normal=None)
    tables, _ = _merge(tmp_path, values={"gene_expression": "unstranded", "mirna": "read_count"})
    for sample, values in truth["gene_expression"].items():
        np.testing.assert_array_equal(tables["gene_expression"].loc[sample], [c for c, _ in values.values()])
    with pytest.raises(ValueError, match="no value column 'tpm'.*tpm_unstranded"):
        merge_gdc_download(tmp_path, values={"gene_expression": "tpm"})
    with pytest.raises(ValueError, match="no data type or omic named \\['rna'\\]"):
        merge_gdc_download(tmp_path, values={"rna": "tpm_unstranded"})


def test_written_tables_are_read_by_the_folder_loader(tmp_path):
    make_gdc_download(tmp_path / "download")
    tables, _ = _merge(tmp_path / "download", sample_types="tumor", out=tmp_path / "tables")
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == [
        "copy_number.csv.gz", "gene_expression.csv.gz", "methylation.csv.gz", "mirna.csv.gz"]
    pd.DataFrame({"sample": ["TCGA-A1-A0SB", "TCGA-A1-A0SD", "TCGA-A2-A04P"], "subtype": ["LumA", "Basal", "LumA"]}).to_csv(
        tmp_path / "tables" / "labels.csv", index=False)
    # (the copy numbers: one patient of three)
    bunch = load_omics_tables(tmp_path / "tables", sample_name_length=12, omics=["gene_expression", "methylation", "mirna"],
                              transpose=True)
    assert bunch.data.equals(load_omics_tables(tmp_path / "tables", sample_name_length=12,
                                               omics=["gene_expression", "methylation", "mirna"]).data)  # (auto)
    assert bunch.omic_names == ["gene_expression", "methylation", "mirna"]
    assert list(bunch.sample_names) == ["TCGA-A1-A0SB", "TCGA-A1-A0SD", "TCGA-A2-A04P"]
    np.testing.assert_allclose(bunch.data["gene_expression"].to_numpy(), tables["gene_expression"].to_numpy())
    assert list(bunch.target_names) == ["Basal", "LumA"]


def test_aliquots_are_averaged_and_files_of_other_features_left_out(tmp_path):
    truth = make_gdc_download(tmp_path, normal=None)
    sheet_path = next(tmp_path.glob("gdc_sample_sheet*"))
    sheet = pd.read_csv(sheet_path, sep="\t")
    rng = np.random.default_rng(5)
    sample = "TCGA-A1-A0SD-01A"
    text, again = _star(rng, tpm_scale=3.0)
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "again.rna_seq.augmented_star_gene_counts.tsv").write_text(text)
    # another platform (or a file cut short): two probes of the others and one of its own
    text450, _ = _methylation(rng, probes=["cg00000029", "cg00000165", "cg99999999"])
    (tmp_path / "again" / "450k.txt").write_text(text450)
    # a single-cell archive under the type of gene expression
    (tmp_path / "again" / "x.filtered_feature_bc_matrix.tar.gz").write_bytes(b"\x1f\x8b")
    extra = sheet.iloc[[0, 2, 0, 0]].copy()
    extra["File ID"] = ["a1", "a2", "a3", sheet["File ID"].iloc[0]]  # (the last: listed twice)
    extra["File Name"] = ["again.rna_seq.augmented_star_gene_counts.tsv", "450k.txt",
                          "x.filtered_feature_bc_matrix.tar.gz", sheet["File Name"].iloc[0]]
    extra["Sample ID"], extra["Case ID"] = sample, sample[:12]
    pd.concat([sheet, extra]).to_csv(sheet_path, sep="\t", index=False)
    tables, said = _merge(tmp_path)
    first = [tpm for _, tpm in truth["gene_expression"][sample].values()]
    second = [tpm for _, tpm in again.values()]
    np.testing.assert_allclose(tables["gene_expression"].loc[sample], (np.array(first) + second) / 2, rtol=1e-6)
    assert len(tables["gene_expression"]) == 3 and "gene_expression: 1 sample(s) have several files" in said
    # (the first sample's file, listed twice, is one file)
    np.testing.assert_allclose(tables["gene_expression"].iloc[0], [t for _, t in truth["gene_expression"][
        "TCGA-A1-A0SB-01A"].values()], rtol=1e-6)
    assert list(tables["methylation"].columns) == PROBES and len(tables["methylation"]) == 3
    assert "methylation: 1 file(s) list 3 features, other than the 5 of the 3 others" in said and "450k.txt): left out" in said
    assert "Gene Expression Quantification of another workflow (1)" in said


def test_copy_numbers_of_each_workflow_are_an_omic_of_their_own(tmp_path):
    make_gdc_download(tmp_path, normal=None)
    sheet_path = next(tmp_path.glob("gdc_sample_sheet*"))
    sheet = pd.read_csv(sheet_path, sep="\t")
    rows = []
    for workflow, number in (("ascat2", 2), ("absolute_liftover", 5)):
        name = f"TCGA-BRCA.abc.{workflow}.gene_level_copy_number.v36.tsv"
        (tmp_path / workflow).mkdir()
        (tmp_path / workflow / name).write_text(
            "gene_id\tgene_name\tchromosome\tstart\tend\tcopy_number\tmin_copy_number\tmax_copy_number\n"
            f"{GENES[1][0]}\t{GENES[1][1]}\tchrX\t1\t9\t{number}\t1\t{number}\n")
        rows.append([workflow, name, "Copy Number Variation", "Gene Level Copy Number", "TCGA-BRCA", "TCGA-A1-A0SD",
                     "TCGA-A1-A0SD-10A, TCGA-A1-A0SD-01A", "Normal, Tumor", "", "", ""])
    pd.concat([sheet, pd.DataFrame(rows, columns=SHEET)]).to_csv(sheet_path, sep="\t", index=False)
    tables, said = _merge(tmp_path)
    assert tables["copy_number_ascat2"].to_dict() == {"TNMD_ENSG00000000005.6": {"TCGA-A1-A0SD-01A": 2.0}}
    assert tables["copy_number_absolute_liftover"].iloc[0, 0] == 5.0
    assert "copy_number: " not in said and "several files" not in said


def test_tissue_types_of_ids_without_a_barcode(tmp_path):
    """CPTAC-style ids: the sheet's Tissue Type (in the order of the Sample IDs)
    says which is the tumour; Abnormal and Peritumoral are neither."""
    from skpoems.datasets._gdc import _kind_of

    assert [_kind_of(t) for t in ("Tumor", "Normal", "Abnormal", "Peritumoral", "Primary Tumor",
                                  "Solid Tissue Normal", "Blood Derived Normal", "Metastatic", "Unknown")] == [
        "tumor", "normal", "other", "other", "tumor", "normal", "normal", "tumor", None]
    rng = np.random.default_rng(0)
    rows = []
    for i, (sample, tissue) in enumerate([("C3L-00001-01", "Tumor"), ("C3L-00001-06", "Normal"),
                                          ("C3L-00002-01", "Tumor"), ("C3L-00002-07", "Abnormal")]):
        text, _ = _mirna(rng)
        (tmp_path / f"f{i}").mkdir()
        (tmp_path / f"f{i}" / f"{i}.mirnas.quantification.txt").write_text(text)
        rows.append([f"f{i}", f"{i}.mirnas.quantification.txt", "Transcriptome Profiling", "miRNA Expression Quantification",
                     "CPTAC-3", sample[:9], sample, tissue, "", "", ""])
    (tmp_path / "cn").mkdir()
    (tmp_path / "cn" / "p.ascat3.gene_level_copy_number.v36.tsv").write_text(
        "gene_id\tgene_name\tcopy_number\nENSG1\tA\t3\n")
    rows.append(["cn", "p.ascat3.gene_level_copy_number.v36.tsv", "Copy Number Variation", "Gene Level Copy Number",
                 "CPTAC-3", "C3L-00001", "C3L-00001-06, C3L-00001-01", "Normal, Tumor", "", "", ""])
    pd.DataFrame(rows, columns=SHEET).to_csv(tmp_path / "gdc_sample_sheet.tsv", sep="\t", index=False)
    tumours, said = _merge(tmp_path, sample_types="tumor")
    assert list(tumours["mirna"].index) == ["C3L-00001-01", "C3L-00002-01"]
    assert list(tumours["copy_number_ascat3"].index) == ["C3L-00001-01"]
    assert list(_merge(tmp_path, sample_types="normal")[0]["mirna"].index) == ["C3L-00001-06"]
    with pytest.raises(ValueError, match="has no TCGA or TARGET barcode"):
        merge_gdc_download(tmp_path, sample_types=["01"])


def test_clear_errors_for_a_download_it_cannot_merge(tmp_path):
    with pytest.raises(ValueError, match="No GDC sample sheet"):
        merge_gdc_download(tmp_path)
    make_gdc_download(tmp_path / "d")
    with pytest.raises(ValueError, match="is not a folder"):
        merge_gdc_download(tmp_path / "d" / "gdc_sample_sheet.2026-12-07.tsv")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "x.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match="not a GDC sample sheet: it lacks the column"):
        merge_gdc_download(tmp_path / "d", sample_sheet=tmp_path / "x.tsv")
    # a download cut short: the files that are there are merged, the rest named
    for file in (tmp_path / "d").rglob("*.mirbase21.mirnas.quantification.txt"):
        file.unlink()
    tables, said = _merge(tmp_path / "d")
    assert "mirna" not in tables and "3 file(s) that gdc_sample_sheet" in said and "are not under" in said
    # a file of the wrong kind under a data type's name
    victim = next((tmp_path / "d").rglob("*.augmented_star_gene_counts.tsv"))
    victim.write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match=f"{victim.name} does not read as a GDC 'Gene Expression Quantification'"):
        merge_gdc_download(tmp_path / "d")
    # a cart not unpacked: the archive named
    packed = tmp_path / "p"
    packed.mkdir()
    (tmp_path / "d" / "gdc_sample_sheet.2026-12-07.tsv").rename(packed / "gdc_sample_sheet.2026-12-07.tsv")
    (packed / "gdc_download_20261207.tar.gz").write_bytes(b"\x1f\x8b")
    with pytest.raises(ValueError, match=r"lists 12 file\(s\) of the data types read, and none of them lies under "
                                         r".*\(extract gdc_download_20261207.tar.gz there first\)"):
        merge_gdc_download(packed)
    # nothing of the types read
    empty = tmp_path / "e"
    empty.mkdir()
    pd.DataFrame([["f", "x.maf", "SNV", "Masked Somatic Mutation", "P", "C", "S"]],
                 columns=SHEET[:7]).to_csv(empty / "gdc_sample_sheet.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match="No files to merge.*Masked Somatic Mutation \\(1\\)"):
        merge_gdc_download(empty)


def test_the_gdc_command_writes_the_tables_and_the_next_command(tmp_path, capsys):
    from skpoems._cli import main

    make_gdc_download(tmp_path / "dl")
    assert main(["gdc", str(tmp_path / "dl"), "--sample-types", "tumor", "--value", "mirna=read_count",
                 "--out", str(tmp_path / "t")]) == 0
    out = capsys.readouterr()
    assert "gene_expression: 3 samples x 6 features -> " in out.out
    assert "methylation: 3 samples x 5 features, 1 missing values" in out.out
    # (the copy numbers: one sample of three, left out of the command)
    assert (f"skpoems run --data {tmp_path / 't'} --layout features-x-samples --join inner --sample-name-length 12 --omics "
            "gene_expression,mirna,methylation --log gene_expression mirna --impute median") in out.out
    assert "copy_number left out: it has fewer than half the samples" in out.out
    assert "gene_expression and mirna: the GDC's linear-scale values, log-transformed with --log" in out.out
    assert "other sample types" in out.err  # (the warning, once, as a line)
    mirna = pd.read_csv(tmp_path / "t" / "mirna.csv.gz", index_col=0).T  # (written features x samples)
    assert list(mirna.columns) == MIRNAS and (mirna.to_numpy() % 1 == 0).all()  # read counts
    # bad input: a clean message and status 2
    assert main(["gdc", str(tmp_path / "nowhere")]) == 2
    assert "cannot merge" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()  # the remedy in the command's terms, not Python's
    assert main(["gdc", str(tmp_path / "empty")]) == 2
    assert "pass it with --sample-sheet FILE." in (err := capsys.readouterr().err) and "sample_sheet=" not in err
    # the download itself given to run: the error names the command
    assert main(["run", "--data", str(tmp_path / "dl")]) == 2
    assert "(a GDC download puts each file in a folder of its own" in (err := capsys.readouterr().err)
    assert "with skpoems gdc DOWNLOAD)" in err
    with pytest.raises(SystemExit) as stop:
        main(["gdc", str(tmp_path / "dl"), "--sample-types", "primary"])
    assert stop.value.code == 2 and "two-digit sample type codes" in capsys.readouterr().err


def test_methylation_files_with_a_header_line_or_text(tmp_path):
    make_gdc_download(tmp_path, normal=None)
    files = sorted(tmp_path.rglob("*.level3betas.txt"))
    files[0].write_text("Composite Element REF\tBeta_value\n" + files[0].read_text())
    tables, _ = _merge(tmp_path)  # (a header line is passed over)
    assert list(tables["methylation"].columns) == PROBES and tables["methylation"].notna().sum().sum() == 14
    files[1].write_text(files[1].read_text().replace("cg00000165\t", "cg00000165\tfailed\ncgX\t", 1))
    with pytest.raises(ValueError, match=f"{files[1].name}: column 'beta_value' holds text \\('failed'\\)"):
        merge_gdc_download(tmp_path)
    files[1].write_text("cg1\t0.5\ncg1\t0.2\n")
    with pytest.raises(ValueError, match="names feature 'cg1' more than once"):
        merge_gdc_download(tmp_path)


def test_the_next_command_selects_features_of_a_wide_omic(tmp_path, capsys):
    from skpoems._cli import main

    make_gdc_download(tmp_path / "dl", normal=None)
    rng = np.random.default_rng(1)
    for file in (tmp_path / "dl").rglob("*.level3betas.txt"):  # an array's worth of probes
        file.write_text(_methylation(rng, probes=[f"cg{i:08d}" for i in range(5001)])[0])
    assert main(["gdc", str(tmp_path / "dl"), "-q", "--out", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    assert "methylation: 3 samples x 5001 features" in out
    assert "--log gene_expression mirna --top-variance 2000\n" in out and "training time grows" in out


def test_the_next_command_matches_patients_only_where_their_samples_stay_apart(tmp_path, capsys):
    """The printed command cut names to 12 characters whatever the samples: a
    patient's tumour and normal sample (or two tumour samples) then clashed, and
    TARGET's patients have 16 characters."""
    from skpoems._cli import main
    from skpoems._cli._gdc import _patient_matching

    tumours = pd.Index(["TCGA-A1-A0SB-01A", "TCGA-A1-A0SD-01A"])
    assert _patient_matching([tumours], "all") == (None, 12, "--sample-name-length 12 matches labels given per patient by the patient barcode")
    with_normal = tumours.append(pd.Index(["TCGA-A1-A0SD-11A"]))
    types, length, why = _patient_matching([with_normal], "all")
    assert (types, length) == ("tumor", 12) and "--sample-types tumor keeps the tumours" in why
    metastasis = with_normal.append(pd.Index(["TCGA-A1-A0SB-06A"]))
    assert _patient_matching([metastasis], "all")[:2] == ("01", 12)
    two_vials = with_normal.append(pd.Index(["TCGA-A1-A0SB-01B"]))
    types, length, why = _patient_matching([two_vials], "all")
    assert (types, length) == ("tumor", None)
    assert "a patient has several samples (TCGA-A1-A0SB-01A, TCGA-A1-A0SB-01B)" in why
    target = pd.Index(["TARGET-20-PADZCG-04A", "TARGET-20-PAEAFC-09A"])
    assert _patient_matching([target], "all")[:2] == (None, 16)
    assert _patient_matching([pd.Index(["C3L-00001-01"])], "all") == (None, None, "")
    # the command itself, on a download with a normal sample
    make_gdc_download(tmp_path / "dl")
    assert main(["gdc", str(tmp_path / "dl"), "-q", "--out", str(tmp_path / "my tables")]) == 0
    out = capsys.readouterr().out
    assert f"skpoems run --data '{tmp_path / 'my tables'}' --layout features-x-samples --join inner --sample-types tumor --sample-name-length 12 " in out


def test_the_printed_command_runs_on_the_merged_tables(tmp_path, capsys):
    """End to end: a download with a patient's normal sample, labels per patient,
    and the run command that skpoems gdc printed."""
    import shlex

    from skpoems._cli import main

    samples = tuple(f"TCGA-A{i % 9}-{1000 + i:04d}-01A" for i in range(30))
    make_gdc_download(tmp_path / "dl", samples=samples, normal="TCGA-A1-1001-11A")
    pd.DataFrame({"patient": [s[:12] for s in samples], "subtype": ["A", "B"] * 15}).to_csv(tmp_path / "labels.csv", index=False)
    assert main(["gdc", str(tmp_path / "dl"), "-q", "--out", str(tmp_path / "t")]) == 0
    command = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("  skpoems run"))
    argv = shlex.split(command)[1:] + ["--labels", str(tmp_path / "labels.csv"), "--max-iter", "2", "--no-figures",
                                       "-q", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    assert "30 samples" in capsys.readouterr().out
    embedding = pd.read_csv(tmp_path / "run" / "embedding.csv")
    assert len(embedding) == 6 and embedding.iloc[:, 0].str.len().eq(12).all()  # (the test part)
    assert main(["run", "--sample-types", "tumor"]) == 2
    assert "--sample-types and --layout go with --data FOLDER" in capsys.readouterr().err


def test_embed_keeps_the_sample_types_the_model_was_trained_on(tmp_path, capsys):
    """discover --sample-types tumor, then embed of the same tables: embed had no
    --sample-types, and its trained name length then merged a patient's tumour
    and normal sample (an error), or embedded the normal tissue."""
    from skpoems._cli import main

    samples = tuple(f"TCGA-A{i % 9}-{1000 + i:04d}-01A" for i in range(30))
    make_gdc_download(tmp_path / "dl", samples=samples, normal="TCGA-A1-1001-11A")
    assert main(["gdc", str(tmp_path / "dl"), "-q", "--out", str(tmp_path / "t")]) == 0
    common = ["--layout", "features-x-samples", "--join", "inner", "--omics", "gene_expression,mirna,methylation",
              "--log", "gene_expression", "mirna"]
    assert main(["discover", "--data", str(tmp_path / "t"), *common, "--impute", "median", "--sample-types", "tumor",
                 "--sample-name-length", "12", "--max-iter", "2", "--no-figures", "-q", "--out", str(tmp_path / "d")]) == 0
    capsys.readouterr()
    assert main(["embed", str(tmp_path / "d"), "--data", str(tmp_path / "t"), "--layout", "features-x-samples",
                 "--join", "inner", "--out", str(tmp_path / "e")]) == 0
    err = capsys.readouterr().err
    assert "note: samples of the types tumor kept, as for training (--sample-types)" in err
    embedding = pd.read_csv(tmp_path / "e" / "embedding.csv", index_col=0)
    assert len(embedding) == 30 and "TCGA-A1-1001" in embedding.index
    # asked for the normal sample, measured in one omic only: said so
    assert main(["embed", str(tmp_path / "d"), "--data", str(tmp_path / "t"), "--layout", "features-x-samples",
                 "--join", "outer", "--sample-types", "normal", "--sample-name-length", "16",
                 "--out", str(tmp_path / "n")]) == 2
    assert "mirna.csv.gz holds no sample of the sample types 'normal': the omic would be missing" in capsys.readouterr().err

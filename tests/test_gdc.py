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
    assert tables["copy_number"].to_dict() == {"TSPAN6_ENSG00000000003.15": {"TCGA-A1-A0SB-01A": 3.0}}
    expression = tables["gene_expression"]
    assert list(expression.index) == ["TCGA-A1-A0SB-01A", "TCGA-A1-A0SD-01A", "TCGA-A2-A04P-01A", "TCGA-A1-A0SD-11A"]
    # genes by symbol and id (MATR3 twice: the ids keep them apart), STAR's counters left out
    assert list(expression.columns) == [f"{name}_{gene_id}" for gene_id, name in GENES]
    for sample, values in truth["gene_expression"].items():
        np.testing.assert_allclose(expression.loc[sample], [tpm for _, tpm in values.values()])
    for sample, values in truth["mirna"].items():
        np.testing.assert_allclose(tables["mirna"].loc[sample, MIRNAS], list(values.values()))
    methylation = tables["methylation"]
    assert list(methylation.columns) == PROBES
    for sample, values in truth["methylation"].items():  # (a failed probe: NaN)
        np.testing.assert_allclose(methylation.loc[sample], list(values.values()))
    assert np.isnan(methylation.loc["TCGA-A1-A0SB-01A", "cg00000108"])
    # the files it passed over are named
    assert "Masked Somatic Mutation (1)" in said and "Isoform Expression Quantification (1)" in said
    assert "1 file(s) of several samples" in said


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
    bunch = load_omics_tables(tmp_path / "tables", sample_name_length=12, omics=["gene_expression", "methylation", "mirna"])
    assert bunch.omic_names == ["gene_expression", "methylation", "mirna"]
    assert list(bunch.sample_names) == ["TCGA-A1-A0SB", "TCGA-A1-A0SD", "TCGA-A2-A04P"]
    np.testing.assert_allclose(bunch.data["gene_expression"].to_numpy(), tables["gene_expression"].to_numpy())
    assert list(bunch.target_names) == ["Basal", "LumA"]


def test_repeated_aliquots_are_averaged_and_platforms_reduced_to_shared_probes(tmp_path):
    truth = make_gdc_download(tmp_path, normal=None)
    sheet_path = next(tmp_path.glob("gdc_sample_sheet*"))
    sheet = pd.read_csv(sheet_path, sep="\t")
    rng = np.random.default_rng(5)
    sample = "TCGA-A1-A0SD-01A"
    text, again = _star(rng, tpm_scale=3.0)
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "again.tsv").write_text(text)
    # another platform: two probes of the others and one of its own
    text450, _ = _methylation(rng, probes=["cg00000029", "cg00000165", "cg99999999"])
    (tmp_path / "again" / "450k.txt").write_text(text450)
    extra = sheet.iloc[[0, 2]].copy()
    extra["File ID"], extra["File Name"] = "again", ["again.tsv", "450k.txt"]
    extra["Sample ID"], extra["Case ID"] = sample, sample[:12]
    pd.concat([sheet, extra]).to_csv(sheet_path, sep="\t", index=False)
    tables, said = _merge(tmp_path)
    first = [tpm for _, tpm in truth["gene_expression"][sample].values()]
    second = [tpm for _, tpm in again.values()]
    np.testing.assert_allclose(tables["gene_expression"].loc[sample], (np.array(first) + second) / 2)
    assert len(tables["gene_expression"]) == 3 and "1 sample(s) have several files" in said
    assert list(tables["methylation"].columns) == ["cg00000029", "cg00000165"]
    assert "3-5 features (several platforms?), 2 of them in every file" in said


def test_clear_errors_for_a_download_it_cannot_merge(tmp_path):
    with pytest.raises(ValueError, match="No GDC sample sheet"):
        merge_gdc_download(tmp_path)
    make_gdc_download(tmp_path / "d")
    with pytest.raises(ValueError, match="is not a folder"):
        merge_gdc_download(tmp_path / "d" / "gdc_sample_sheet.2026-12-07.tsv")
    with pytest.raises(ValueError, match="not a GDC sample sheet: it lacks the column"):
        pd.DataFrame({"a": [1]}).to_csv(tmp_path / "x.tsv", sep="\t", index=False)
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
    assert (f"skpoems run --data {tmp_path / 't'} --join inner --sample-name-length 12 --omics "
            "gene_expression,mirna,methylation --log gene_expression mirna --impute median") in out.out
    assert "copy_number left out: it has fewer than half the samples" in out.out
    assert "other sample types" in out.err  # (the warning, once, as a line)
    mirna = pd.read_csv(tmp_path / "t" / "mirna.csv.gz", index_col=0)
    assert list(mirna.columns) == MIRNAS and (mirna.to_numpy() % 1 == 0).all()  # read counts
    # bad input: a clean message and status 2
    assert main(["gdc", str(tmp_path / "nowhere")]) == 2
    assert "cannot merge" in capsys.readouterr().err
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

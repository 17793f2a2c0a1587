"""Smoke tests of the speed benchmarks (``python -m skpoems.benchmarks ...``) at
tiny sizes: they must run and print every row they document; the timings are not
checked (speed is reported by running the benchmarks, never asserted)."""

import re

import pytest

from skpoems.benchmarks import attributions, decoder, epoch, inspection, loader, memory


@pytest.mark.slow  # about 11 s each: the default suite stays under 10 minutes on 2 cores
def test_decoder_benchmark_prints_both_methods(capsys, tmp_path):
    assert decoder.main(["--configs", "40,8,4", "--repeats", "1", "--hidden", "5",
                         "--threads", "1", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.lstrip().startswith("40 ")]
    assert [row[3] for row in rows] == ["naive", "ours"]
    assert re.search(r"\d+\.\d+x", out)  # the speed-up column
    assert (tmp_path / "decoder.json").exists() and (tmp_path / "decoder.txt").exists()


def test_epoch_benchmark_refuses_times_a_busy_machine_made_up(capsys, monkeypatch):
    """An epoch's time is a difference of two fits' times: on a busy machine it
    printed "naive: -3.199 s/epoch, speed-up: -0.11x"."""
    times = {"POEMSTransformer": 0.3, "RecomputePOEMSTransformer": 0.4, "NaivePOEMSTransformer": -3.2}
    monkeypatch.setattr(epoch, "seconds_per_epoch", lambda cls, *args: times[cls.__name__])
    assert epoch.main(["--epochs", "1", "--repeats", "1", "--dims", "5,3", "--threads", "1"]) == 1
    captured = capsys.readouterr()
    assert "1 timed epochs per fit, best of 1" in captured.out
    assert "these times are not measurements" in captured.err


@pytest.mark.slow  # about 11 s each: the default suite stays under 10 minutes on 2 cores
def test_epoch_benchmark_prints_every_variant(capsys):
    assert epoch.main(["--epochs", "1", "--repeats", "1", "--dims", "50,20",
                       "--big-features", "30"]) == 0
    out = capsys.readouterr().out
    for label in ("ours :", "ours, recomputing activations in the backward:",
                  "naive:", "speed-up:", "one epoch with a 30-feature omic"):
        assert label in out, label
    assert "50+20 features, batch 128" in out


@pytest.mark.slow  # about 11 s each: the default suite stays under 10 minutes on 2 cores
def test_attributions_benchmark_prints_both_methods_and_agrees(capsys):
    assert attributions.main(["--samples", "20", "--dims", "30,10", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "closed form" in out and "finite differences" in out
    assert re.search(r"speed-up of the closed form: \d+\.\dx", out)
    difference = float(re.search(r"largest \|difference\| (\S+)", out).group(1))
    assert difference < 1e-6  # the two methods compute the same attributions


def test_inspection_benchmark_prints_every_step(capsys):
    assert inspection.main(["--samples", "40", "--dims", "30,10", "--epochs", "1",
                            "--omic-features", "8", "--omic-counts", "2,3",
                            "--shapley-samples", "30", "--shapley-dims", "20,12",
                            "--shapley-permutations", "2"]) == 0
    out = capsys.readouterr().out
    for label in ("one training epoch", "transform of 40 samples", "impute of 1 samples lacking omic1",
                  "group_markers, 4 groups", "the data", "  2 omics:", "  3 omics:",
                  "of POEMS (30 samples x (20 + 12) features, permutation)"):
        assert label in out, label
    # the incremental chains compute the table of decoding every coalition afresh
    difference = float(re.search(r"largest difference (\S+)", out).group(1))
    assert difference < 1e-5
    assert re.search(r"impute .* \d+\.\d\dx transform", out)


def test_loader_benchmark_prints_both_times(capsys):
    assert loader.main(["--samples", "12", "--dims", "30,10", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "load_omics_tables" in out and "(12 x 40 loaded)" in out
    assert re.search(r"ratio: \d+\.\d\dx plain reading", out)


def test_memory_benchmark_prints_every_stage(capsys):
    assert memory.main(["--samples", "30", "--dims", "40,20", "--forms", "float32 list"]) == 0
    out = capsys.readouterr().out
    ratios = re.search(r"float32 list \(0 MiB\): setup (\S+)x, fit (\S+)x, transform (\S+)x", out)
    assert ratios is not None, out
    assert all(float(r) > 0 for r in ratios.groups())

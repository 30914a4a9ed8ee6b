"""A short real training run: it loads, acts within masks, beats random; checkpoints and resumes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from agents.arena import run_matches
from agents.rl_eval import head_to_head, wilson
from agents.rl_policy import LearnedPolicy, load_model
from agents.rl_slots import held_out_seeds
from agents.rl_train import LinearDecay, TrainConfig, TrainError, train
from envs import core
from envs.ruleset import default_ruleset

R = default_ruleset()
ROOT = Path(__file__).resolve().parents[1]
# small but real: the whole pipeline (imitation warm start, PPO, league, checkpoints) on 16x16 maps
SMALL = dict(n_slots=64, n_steps=32, batch_size=512, map_size=16, imitate_steps=8_000, imitate_epochs=3,
             snapshot_every=2_048, checkpoint_every=2_048, eval_seeds=0)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("rl") / "bot.zip"
    result = train(TrainConfig(steps=6_144, out=str(out), seed=0, **SMALL), R, progress=False, log=lambda m: None)
    return out, result


def test_short_run_loads_acts_within_masks_and_beats_random(trained):
    out, result = trained
    assert result.steps >= 6_144 and out.is_file()
    assert any(r["name"].startswith("self@") for r in result.league)  # a snapshot joined the league
    pol = LearnedPolicy(out)
    # acts within the masks, on live units, for a real batch of observations
    params = core.compile_params(R)
    spec = core.observation_spec(params)
    state = core.reset(params, R.teams["blue"], R.teams["red"], [1, 2, 3])
    obs, mask = core.observe(params, state, spec)
    pol.reset(spec, 0, [1, 2, 3])
    acts = pol.act(obs[:, :7], mask[:, :7])
    assert (np.take_along_axis(mask[:, :7], acts[..., None], -1) > 0).all()
    # beats the random bot on fixed held-out maps, from both sides; the bar is a one-sided 95% bound
    r = head_to_head(R, lambda: LearnedPolicy(out), lambda: __import__("agents").make_policy("random"),
                     held_out_seeds(12), map_size=16)
    assert wilson(r["wins"], r["matches"])[0] > 0.5, r


def test_save_load_round_trip_gives_identical_actions(trained, tmp_path):
    out, _ = trained
    model = load_model(out)
    model.save(tmp_path / "copy.zip")
    a = LearnedPolicy(model, temperature=0.0)
    b = LearnedPolicy(tmp_path / "copy.zip", temperature=0.0)
    seeds = list(range(6))
    res = [run_matches(R, R.teams["blue"], R.teams["red"], seeds, blue_bot=p, red_bot="kite") for p in (a, b)]
    assert [x.to_dict() for x in res[0]] == [x.to_dict() for x in res[1]]
    # sampled play (a temperature) is reproducible from the seeds too
    c, d = LearnedPolicy(out, temperature=1.0, seed=4), LearnedPolicy(tmp_path / "copy.zip", temperature=1.0, seed=4)
    res = [run_matches(R, R.teams["blue"], R.teams["red"], seeds, blue_bot=p, red_bot="focus_fire") for p in (c, d)]
    assert [x.to_dict() for x in res[0]] == [x.to_dict() for x in res[1]]


def test_stop_and_resume_continues_to_the_target(tmp_path):
    cfg = TrainConfig(steps=4_096, out=str(tmp_path / "r.zip"), seed=1, **{**SMALL, "imitate_steps": 2_048})
    first = train(cfg, R, progress=False, log=lambda m: None, stop_at=2_048)
    assert first.steps == 2_048 and not (tmp_path / "r.zip").exists()
    meta = json.loads((cfg.checkpoint_dir / "progress.json").read_text())
    assert meta["steps"] == 2_048
    lines = []
    second = train(cfg, R, progress=False, log=lines.append)
    assert second.resumed_from == 2_048 and second.steps == 4_096 and (tmp_path / "r.zip").is_file()
    assert any("resuming" in line for line in lines)
    # a checkpoint made with other settings is refused, not silently mixed
    other = TrainConfig(**{**cfg.__dict__, "n_slots": 128, "steps": 8_192})
    with pytest.raises(TrainError, match="different settings"):
        train(other, R, progress=False, log=lambda m: None)
    # a setting used only when randomising (its default changed once) does not block a fixed-ruleset resume
    same = TrainConfig(**{**cfg.__dict__, "matches_per_draw": cfg.matches_per_draw * 4})
    assert train(same, R, progress=False, log=lambda m: None).resumed_from == 4_096


def test_linear_schedule_reaches_zero_at_the_runs_end_across_a_resume(tmp_path):
    # SB3 reports progress through one learn() call; the schedule reads the run's own step from it
    whole = LinearDecay(6e-4, 0, 1_000, 1_000)
    assert whole(1.0) == pytest.approx(6e-4) and whole(0.5) == pytest.approx(3e-4) and whole(0.0) == 0.0
    resumed = LinearDecay(6e-4, 600, 1_000, 1_000)  # a call that starts at step 600 of 1,000
    assert resumed(1.0) == pytest.approx(6e-4 * 0.4) and resumed(0.0) == 0.0
    stopped = LinearDecay(6e-4, 0, 500, 1_000)  # a call stopped early at step 500 ends mid-decay
    assert stopped(0.0) == pytest.approx(3e-4)

    cfg = TrainConfig(steps=4_096, out=str(tmp_path / "s.zip"), seed=1, lr_schedule="linear",
                      **{**SMALL, "imitate_steps": 2_048})
    train(cfg, R, progress=False, log=lambda m: None, stop_at=2_048)
    half = load_model(cfg.checkpoint_dir / "model.zip")
    lr_half = half.policy.optimizer.param_groups[0]["lr"]
    assert 0 < lr_half < 6e-4  # decaying, not yet at 0
    train(cfg, R, progress=False, log=lambda m: None)
    lr_end = load_model(tmp_path / "s.zip").policy.optimizer.param_groups[0]["lr"]
    assert lr_end < lr_half and lr_end <= 6e-4 * 2 * SMALL["n_slots"] * SMALL["n_steps"] / 4_096
    # the schedule is part of the run: a checkpoint is not resumed under another one
    other = TrainConfig(**{**cfg.__dict__, "lr_schedule": "constant", "steps": 8_192})
    with pytest.raises(TrainError, match="lr_schedule"):
        train(other, R, progress=False, log=lambda m: None)
    with pytest.raises(TrainError, match="lr-schedule"):
        train(TrainConfig(**{**cfg.__dict__, "lr_schedule": "cosine"}), R, progress=False)


def test_bad_training_settings_are_explained(tmp_path):
    with pytest.raises(TrainError, match="positive"):
        train(TrainConfig(steps=0, out=str(tmp_path / "a.zip")), R, progress=False)
    with pytest.raises(TrainError, match=".zip"):
        train(TrainConfig(steps=10, out=str(tmp_path / "a.pt")), R, progress=False)


def _sigint_as_at_a_terminal():
    # a shell without job control starts background jobs with SIGINT ignored, and the child would
    # inherit that (Python then never installs its Ctrl-C handler); a user's terminal delivers it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cli(*args, **kw):
    env = {**os.environ, "GAMEAI_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "gameai", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_sigint_as_at_a_terminal, **kw)


def test_cli_interrupt_then_resume(tmp_path):
    """A real `gameai train` process is interrupted (SIGINT) after a checkpoint and resumed by the same command."""
    out = tmp_path / "cli.zip"
    args = ["train", "--steps", "100000", "--out", str(out), "--slots", "32", "--map-size", "16",
            "--checkpoint-every", "1024", "--eval-seeds", "0", "--imitate-steps", "1024", "--no-progress"]
    proc = _cli(*args)
    ckpt = tmp_path / "cli.ckpt" / "progress.json"
    deadline = time.time() + 150
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
    assert ckpt.exists(), proc.communicate()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "run the same command again to resume" in stdout and "Traceback" not in stderr
    saved = json.loads(ckpt.read_text())["steps"]
    assert saved >= 1024
    # same command, smaller target already reached -> resumes, writes the model without more training
    args[2] = str(saved)
    proc = _cli(*args)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "resuming from checkpoint" in stdout and out.is_file()


@pytest.mark.parametrize("args, message", [
    (["train", "--steps", "0", "--out", "x.zip"], "positive"),
    (["train", "--steps", "100", "--out", "x.pt"], ".zip"),
    (["train", "--steps", "100", "--out", "x.zip", "--imitate", "chess"], "not a scripted strategy"),
    (["train", "--steps", "100", "--out", "x.zip", "--ruleset", "missing.toml"], "missing.toml"),
    (["train", "--steps", "100", "--out", "x.zip", "--league", "chess"], "--league needs scripted bots"),
    (["train", "--steps", "100", "--out", "x.zip", "--learning-rate", "-1"], "--learning-rate must be > 0"),
    (["eval", "--bots", "ppo"], "at least two bots"),
    (["eval", "--bots", "kite,chess"], "unknown bot"),
    (["eval", "--bots", "kite,ppo@god"], "unknown skill tier"),
    (["eval", "--bots", "kite,missing.zip"], "does not exist"),
    (["eval", "--bots", "kite,focus_fire", "--seeds", "0"], "at least 1"),
])
def test_cli_bad_input_is_a_clear_error(args, message, tmp_path, capsys, monkeypatch):
    from gameai.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_same_seed_same_weights(tmp_path):
    """Training is reproducible: same settings and seed, same network, parameter for parameter (1 thread)."""
    import torch

    small = {**SMALL, "n_slots": 32, "imitate_steps": 1_024, "imitate_epochs": 1}
    nets = []
    for i in range(2):
        cfg = TrainConfig(steps=1_024, out=str(tmp_path / f"d{i}.zip"), seed=7, **small)
        train(cfg, R, progress=False, log=lambda m: None)
        nets.append(load_model(cfg.out).policy.state_dict())
    assert all(torch.equal(nets[0][k], nets[1][k]) for k in nets[0])


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["eval", "--help"]])
def test_help_pages_render(argv, capsys):
    from gameai.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0 and "train" in capsys.readouterr().out

"""`powercrm init`: writes a commented powercrm.toml with the SPEC defaults, never overwrites without --force."""

from __future__ import annotations

import tomllib

from powercrm.cli import app
from powercrm.config import Config, load_config, render_toml


def test_init_writes_the_default_file_in_the_current_directory(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.stderr
    target = tmp_path / "powercrm.toml"
    assert target.read_text(encoding="utf-8") == render_toml()
    assert "wrote powercrm.toml" in result.stderr
    assert result.stdout == ""
    assert load_config(target) == Config()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["powercrm.toml"]


def test_init_to_a_path(runner, tmp_path):
    target = tmp_path / "2025.toml"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.stderr
    assert Config.model_validate(tomllib.loads(target.read_text(encoding="utf-8"))) == Config()


def test_init_into_a_directory(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "powercrm.toml").is_file()


def test_init_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "powercrm.toml"
    target.write_text("# my settings\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {target} exists; pass --force to overwrite it"]
    assert target.read_text(encoding="utf-8") == "# my settings\n"


def test_init_force_overwrites(runner, tmp_path):
    target = tmp_path / "powercrm.toml"
    target.write_text("# my settings\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(target), "--force"])
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == render_toml()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["powercrm.toml"]


def test_init_quiet(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "c.toml"), "-q"])
    assert result.exit_code == 0
    assert result.stderr == "" and result.stdout == ""


def test_init_into_a_missing_directory_is_one_line(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "missing" / "c.toml")])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "missing").exists()


def test_written_file_is_accepted_by_validate(runner, tmp_path, make_dataset):
    config = tmp_path / "powercrm.toml"
    assert runner.invoke(app, ["init", str(config)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(make_dataset()), "--config", str(config)])
    assert result.exit_code == 0, result.stderr


def test_a_config_file_not_named_toml_is_refused(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "a.json")])
    assert result.exit_code == 2 and "name the file .toml" in result.stderr
    assert not (tmp_path / "a.json").exists()

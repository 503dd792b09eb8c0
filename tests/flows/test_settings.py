from typer.testing import CliRunner

from flows.cli import EXIT_USAGE, app
from flows.settings import load_settings, settings_table
from tests.conftest import REPO

runner = CliRunner()


def test_readme_settings_table_is_generated_from_the_settings():
    readme = (REPO / "README.md").read_text()
    section = readme.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert section == settings_table()


def test_flags_over_environment_over_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wirehouse.toml").write_text("chunk_size = 7\ncompact_after_files = 9\n")
    monkeypatch.setenv("WIREHOUSE_CHUNK_SIZE", "8")
    cfg = load_settings(chunk_size=None)
    assert (cfg.chunk_size, cfg.compact_after_files, cfg.worker_processes) == (8, 9, 2)
    assert load_settings(chunk_size=6).chunk_size == 6


def test_settings_command_shows_values_in_effect(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WIREHOUSE_COMPACT_AFTER_FILES", "12")
    monkeypatch.setenv("COLUMNS", "250")
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "compact_after_files" in line)
    assert [cell.strip() for cell in row.split("│")[1:4]] == ["compact_after_files", "12",
                                                              "WIREHOUSE_COMPACT_AFTER_FILES"]
    monkeypatch.setenv("WIREHOUSE_COMPACT_AFTER_FILES", "-1")
    assert runner.invoke(app, ["settings"]).exit_code == EXIT_USAGE

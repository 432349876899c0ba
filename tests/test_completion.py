"""``healthsim completion SHELL``: a script made from the command line's own parser, that
bash really completes with (subcommands, their options)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from healthsim import cli
from healthsim.commands.completion import SHELLS


def _script(capsys, shell: str) -> str:
    assert cli.main(["completion", shell]) == 0, f"completion {shell} should exit 0"
    return capsys.readouterr().out


def test_bash_script_names_every_subcommand_and_their_options(capsys) -> None:
    text = _script(capsys, "bash")
    assert "complete " in text and "healthsim" in text, "expected a bash completion script"
    subcommands = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = [name for name in subcommands if name not in text]
    assert not missing, f"the bash script does not complete the subcommands {missing}"
    for option in ("--reps", "--seed", "--out", "--quiet"):
        assert option in text, f"the bash script does not complete {option}"


@pytest.mark.parametrize("shell", ["zsh", "tcsh"])
def test_other_shells_get_a_script(capsys, shell: str) -> None:
    text = _script(capsys, shell)
    # tcsh lists long options without their dashes
    assert "healthsim" in text and "compare" in text and "reps" in text, (
        f"the {shell} script should complete the subcommands and their options"
    )


def test_every_shell_shtab_supports_is_offered() -> None:
    assert {"bash", "zsh", "tcsh"} <= set(SHELLS)


def test_an_unknown_shell_is_one_line_and_status_2(capsys) -> None:
    assert cli.main(["completion", "cmd.exe"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cmd.exe" in err, f"expected one line: {err!r}"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_with_the_script(tmp_path: Path, capsys) -> None:
    script = tmp_path / "healthsim.bash"
    script.write_text(_script(capsys, "bash"), encoding="utf-8")

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        probe = (
            f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
            f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; _shtab_healthsim; '
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        done = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", probe],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return done.stdout.split()

    assert complete("healthsim", "sc") == ["scenarios", "schema"]
    assert "--reps" in complete("healthsim", "compare", "--re"), (
        "bash should complete compare --re to --reps"
    )

"""``healthsim completion SHELL``: print a shell-completion script (made by shtab from the
command line's own parser, so it completes every subcommand and option there is)."""

from __future__ import annotations

import argparse
import sys

import shtab

#: The shells shtab writes completion scripts for.
SHELLS = tuple(shtab.SUPPORTED_SHELLS)

INSTALL = """\
To complete healthsim's commands and options as you type, save the script where your
shell looks for completions:
  bash  healthsim completion bash > ~/.local/share/bash-completion/completions/healthsim
  zsh   healthsim completion zsh > ~/.zfunc/_healthsim
        (with fpath+=(~/.zfunc) before compinit in ~/.zshrc)
  tcsh  healthsim completion tcsh > ~/.healthsim.tcsh   (and in ~/.tcshrc: source ~/.healthsim.tcsh)
  fish  healthsim completion fish > ~/.config/fish/completions/healthsim.fish
then open a new shell.
"""


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add ``completion``; ``parent`` is the whole command line it completes."""
    p = sub.add_parser(
        "completion",
        help="print a shell-completion script (bash, zsh, tcsh, fish, powershell)",
        description="Print a script that completes healthsim's commands and options in your shell.",
        epilog=INSTALL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(handler=lambda args: handle(args, parent))


def handle(args: argparse.Namespace, parent: argparse.ArgumentParser) -> int:
    sys.stdout.write(script(parent, args.shell))
    return 0


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` for ``shell``, ending with a newline."""
    text = shtab.complete(parser, shell=shell)
    return text if text.endswith("\n") else text + "\n"

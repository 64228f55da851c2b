"""`python -m instructor` and the `instructor` console script.

    instructor providers     every registered provider: SDK, version, key set or not, default mode
    instructor doctor        what is misconfigured, and how to fix it
    instructor importtime    what `import instructor` (or any statement) imports, and what it costs
    instructor batch         create, watch and read provider batch jobs (OpenAI, Anthropic)

Each command's module is imported only when it runs, so this entry point costs
no more than `import instructor`.
"""

from __future__ import annotations

import sys

COMMANDS = {
    "providers": "every registered provider: SDK installed and version, API key set or not, default mode",
    "doctor": "what is misconfigured, and how to fix it",
    "importtime": "profile imports in fresh processes; `importtime check --budget FILE` checks a budget",
    "batch": "create|status|results|list|cancel provider batch jobs (OpenAI, Anthropic)",
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    return ("usage: python -m instructor COMMAND [options]   (or: instructor COMMAND)\n\ncommands:\n"
            + "\n".join(lines) + "\n\n`python -m instructor COMMAND --help` describes a command's options.\n")


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0 when all is well)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage())
        return 0 if args else 2
    if args[0] in ("-V", "--version", "version"):
        import instructor

        print(f"instructor {instructor.__version__}")
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(command, list(COMMANDS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        sys.stderr.write(f"Unknown command {command!r}.{hint} Commands: {', '.join(COMMANDS)}.\n\n" + _usage())
        return 2
    if command == "providers":
        from instructor.cli.providers import main as run
    elif command == "doctor":
        from instructor.cli.doctor import main as run
    elif command == "batch":
        from instructor.cli.batch import main as run
    else:
        from instructor.cli.importtime import main as run
    try:
        status = run(rest)
        sys.stdout.flush()  # a broken pipe surfaces here, not as a warning at exit
        return status
    except BrokenPipeError:  # `instructor providers | head`: the reader left, which is fine
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())

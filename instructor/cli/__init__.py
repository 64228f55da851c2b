"""The command line: `python -m instructor providers | doctor | importtime | batch`.

Each command lives in its own module and is imported only when it runs, so
`instructor --help` stays as cheap as `import instructor`. Output is plain
text, or a `rich` table when rich is installed and stdout is a terminal.
"""

"""``python -m cbc_cli`` runs the command line."""

from cbc_cli.cli import entry

if __name__ == "__main__":
    entry()

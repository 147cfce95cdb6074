"""The command line: options, prompts, exit codes. The only package that touches stdin, stdout,
the environment or the process exit; everything else is called through the library API.

``app`` puts the commands together and runs them (``entry`` is the ``cbc`` script); each command
has its own module, and ``options`` holds what they share.
"""

from cbc_cli.cli.app import entry, main

__all__ = ["entry", "main"]

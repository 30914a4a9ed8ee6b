"""`python -m demos` is the same as `gameai demo` (same arguments)."""
import sys

from gameai.cli.main import main

sys.exit(main(["demo", *sys.argv[1:]]))

import sys

from gameai.cli.main import main

sys.exit(main())

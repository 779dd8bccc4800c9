"""``python -m renderer`` runs the orbitlapse command line."""

import sys

from renderer.cli import main

sys.exit(main())

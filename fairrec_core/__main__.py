import sys

from fairrec_core.cli import main

sys.exit(main())

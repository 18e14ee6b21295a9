"""``python -m riskengine``: the same as the ``riskengine`` command."""

from riskengine.cli import main

main()

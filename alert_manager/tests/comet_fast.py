"""Run Comet's twistd with a shorter iamalive interval: ``python comet_fast.py SECONDS twistd-args...``.

Comet sends iamalive every 60 s (a class attribute, no option); tests cannot wait that long to see it
answered.
"""

import sys

from comet.protocol.broadcaster import VOEventBroadcasterFactory
from twisted.scripts.twistd import run

VOEventBroadcasterFactory.IAMALIVE_INTERVAL = float(sys.argv.pop(1))
sys.argv[0] = "twistd"
run()

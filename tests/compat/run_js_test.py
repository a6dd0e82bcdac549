"""Starts moto + openhi and runs the JS SDK test with node's test runner."""
import os
import subprocess
import sys
import tempfile

import harness

here = os.path.dirname(os.path.abspath(__file__))
with harness.Servers() as s, tempfile.TemporaryDirectory() as out:
    env = dict(os.environ, OPENHI_ENDPOINT=s.endpoint, OPENHI_OUT_DIR=out)
    rc = subprocess.run(["node", "--test", "ahi_js_sdk.test.mjs"], cwd=os.path.join(here, "js"),
                        env=env).returncode
sys.exit(rc)

"""nox: the tests in parallel workers under coverage.py, then one covalesce step instead of
`coverage combine; coverage report -m; coverage json; coverage xml; coverage lcov; coverage html`.

covalesce is a tool outside the session's virtualenv (`pip install covalesce` or
`pipx install covalesce` once), hence external=True. Locally (no CI variable) it writes only
the terminal report and coverage.json (--quick); in CI every report.
"""
import os

import nox


@nox.session
def tests(session):
    session.install("pytest==9.2.0", "pytest-xdist==3.8.0", "coverage==7.17.3")
    # Every worker (pytest-xdist, and coverage.py's subprocess patch) writes its own shard.
    session.run("coverage", "run", "--parallel-mode", "-m", "pytest", "-n", "2", *session.posargs)
    quick = [] if os.environ.get("CI") else ["--quick"]
    session.run("covalesce", "all", "-m", *quick, external=True)

"""SnapStart: what every execution environment restored from one snapshot must not share.

The functions in a tool call's path run with SnapStart (template Globals): Lambda initializes a published
version once, snapshots it, and resumes every new environment from that snapshot. So the snapshot's
`random` state would be every copy's state (the same retry jitter everywhere), and a connection opened
during init would be a dead socket in every copy. After a restore, the Lambda runtime calls `after_restore`
(registered through snapshot_restore_py, which the Python managed runtimes provide): it re-seeds `random`
from the OS and drops every per-container object (boto3 and httpx clients and the services holding them),
to be rebuilt on first use. uuid4 and `secrets` read the OS's generator, which needs no re-seeding.
Where the library is absent (locally, in tests) nothing is registered and nothing changes.
"""

from __future__ import annotations

import random

from cockpit.settings import drop_per_container


def after_restore() -> None:
    random.seed()  # from os.urandom, which Lambda makes unique per restored environment
    drop_per_container()


def install() -> bool:
    """Register `after_restore` with the runtime's hook library; False where there is none."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return False
    register_after_restore(after_restore)
    return True


INSTALLED = install()  # at import, during init: Lambda only runs hooks registered before the snapshot

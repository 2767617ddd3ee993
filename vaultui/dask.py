"""Vault keys for Dask's `distributed` workers: a worker plugin that holds them in memory.

`client.register_plugin(VaultKeys(fs))` sends the keys of open vaults to every worker once,
over Dask's own comm (TLS if the cluster uses it); each worker keeps them in memory only, and
a VaultFileSystem unpickled there with a ProcessKeySource opens with them. Task graphs carry
the filesystem as its location and `ProcessKeySource()`, never the key. The scheduler keeps
the registered plugin in memory too, to set up workers that join later; unregistering it
(`client.unregister_worker_plugin(plugin.name)`) forgets the keys on every worker.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vaultui.crypto.keysource import ProcessKeySource, hold_key, release_key
from vaultui.fs.filesystem import VaultFileSystem

try:
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "vaultui.dask needs Dask's distributed package: pip install 'vaultui[dask]'") from None


class VaultKeys(WorkerPlugin):
    """The keys of open vaults, held in the memory of every worker it is registered with.

    Give it open VaultFileSystems. It also holds their keys in this process and makes them
    travel as `ProcessKeySource()`, so `dd.read_parquet(..., filesystem=fs)` and
    `storage_options={..., "key_source": ProcessKeySource()}` work on the client and on
    every worker. Its repr names the vaults, never the keys.
    """

    def __init__(self, *filesystems: VaultFileSystem) -> None:
        if not filesystems:
            raise ValueError("VaultKeys needs at least one open VaultFileSystem")
        self._keys: dict[str, bytes] = {}
        for fs in filesystems:
            raw = fs.masterkey.raw
            self._keys[fs.vault_id] = raw
            hold_key(fs.vault_id, raw)
            if fs.key_source is None:
                fs.key_source = ProcessKeySource()
        # One plugin per set of vaults: registering keys for another vault adds them, and
        # registering the same vaults again replaces the plugin (distributed keys by name).
        ids = "\n".join(sorted(self._keys)).encode("utf-8")
        self.name = "vaultui-keys-" + hashlib.sha256(ids).hexdigest()[:16]

    @property
    def vault_ids(self) -> list[str]:
        return sorted(self._keys)

    def __repr__(self) -> str:
        return f"VaultKeys({', '.join(self.vault_ids)})"

    def setup(self, worker: Any) -> None:
        for vault_id, raw in self._keys.items():
            hold_key(vault_id, raw)

    def teardown(self, worker: Any) -> None:
        for vault_id in self._keys:
            release_key(vault_id)

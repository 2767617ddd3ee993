from __future__ import annotations

import pytest

from tests.crypto.helpers import COMBOS, fixed_key
from vaultui.crypto import CipherCombo, ContentCipher, Masterkey, content_cipher


@pytest.fixture(params=COMBOS, ids=lambda c: c.value)
def combo(request: pytest.FixtureRequest) -> CipherCombo:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def masterkey() -> Masterkey:
    return fixed_key()


@pytest.fixture
def cipher(combo: CipherCombo, masterkey: Masterkey) -> ContentCipher:
    return content_cipher(combo, masterkey)

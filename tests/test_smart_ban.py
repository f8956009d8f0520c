"""The rule that names a peer sending bad data (tui/mirror/smart_ban.py), over copies of a
piece made here: which peer is named, and that an honest peer never is, whatever the
order blocks came in. The proof against real peers is in tests/test_swarm.py."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui.mirror.smart_ban import BlockLedger, Peer

GOOD: list[Peer] = [("10.0.0.1", 6881), ("10.0.0.2", 6881), ("10.0.0.3", 6881)]
EVIL: Peer = ("10.0.0.9", 6881)
BLOCKS = 16


def right(block: int) -> bytes:
    return bytes([block]) * 64


def wrong(block: int) -> bytes:
    return bytes([block ^ 0xFF]) * 64  # the same wrong bytes every time, as a corrupt copy on disk sends


def attempt(ledger: BlockLedger, piece: int, senders: list[Peer]) -> dict[int, bytes]:
    disk = {}
    for block, peer in enumerate(senders):
        ledger.block(piece, block, peer)
        disk[block] = wrong(block) if peer == EVIL else right(block)
    return disk


def fail(ledger: BlockLedger, piece: int, disk: dict[int, bytes], stale: frozenset[int] = frozenset()) -> Peer | None:
    return ledger.failed(piece, ledger.take_copy(piece, disk.get), stale)


def test_failed_copies_name_the_peer_every_differing_block_shares_once_two_comparisons_agree():
    ledger = BlockLedger()
    rng = random.Random(1)
    named = []
    for _ in range(3):
        senders = [rng.choice([*GOOD, EVIL]) for _ in range(BLOCKS)]
        senders[0] = EVIL  # the copy fails
        named.append(fail(ledger, 7, attempt(ledger, 7, senders)))
    assert named == [None, None, EVIL]  # the first copy has nothing to be compared with


def test_a_peer_that_shared_in_a_piece_that_passed_is_never_named():
    ledger = BlockLedger()
    attempt(ledger, 1, [GOOD[0]] * BLOCKS)
    ledger.passed(1)
    # copies where GOOD[0] is the one other peer in every differing block (a torn read made it look bad)
    for _ in range(2):
        assert fail(ledger, 2, attempt(ledger, 2, [EVIL] * 8 + [GOOD[0]] * 8)) is None
        disk = attempt(ledger, 2, [GOOD[0]] * 8 + [EVIL] * 4 + [GOOD[1]] * 4)
        disk[12] = wrong(12)  # as if read after the next copy's bad block landed: GOOD[0] looks like the one
        assert fail(ledger, 2, disk) is None


def test_two_peers_only_name_no_one():
    """One good and one bad: every differing block is theirs alike; libtorrent's own ban decides."""
    ledger = BlockLedger()
    for _ in range(3):
        assert fail(ledger, 3, attempt(ledger, 3, [EVIL, GOOD[0]] * 8)) is None
        assert fail(ledger, 3, attempt(ledger, 3, [GOOD[0], EVIL] * 8)) is None


def test_blocks_of_the_next_copy_already_on_disk_are_left_out():
    ledger = BlockLedger()
    for _ in range(3):
        fail(ledger, 4, attempt(ledger, 4, [EVIL] * 4 + [GOOD[0]] * 4 + [GOOD[1]] * 4 + [GOOD[2]] * 4))
        disk = attempt(ledger, 4, [GOOD[0]] * 4 + [GOOD[1]] * 4 + [EVIL] * 8)
        assert fail(ledger, 4, disk, frozenset(range(BLOCKS))) is None  # nothing fresh: nothing compared


@settings(max_examples=500, deadline=None)
@example(  # found by this test against a rule that trusted one comparison: it named GOOD[0]
    copies=[[0] * 15 + [3], [0] * 15 + [3], [0, 0, 0, 1, 1, 0, 2] + [0] * 8 + [3], [0, 0, 0, 3, 3, 0, 3] + [0] * 9],
    stale=[i in (3, 4, 6) for i in range(BLOCKS)], spoiled=2)
@given(st.lists(st.lists(st.sampled_from([0, 1, 2, 3]), min_size=BLOCKS, max_size=BLOCKS), min_size=2, max_size=8),
       st.lists(st.booleans(), min_size=BLOCKS, max_size=BLOCKS), st.integers(0, 7))
def test_an_honest_peer_is_never_named_whatever_the_blocks_and_one_copys_stale_reads(copies, stale, spoiled):
    """Any spread of blocks over three honest peers and a corrupt one, over several failed
    copies, with any reads of one copy stale (the next copy's bytes already there, unseen by
    libtorrent's queue): only the corrupt peer is ever named."""
    peers = [*GOOD, EVIL]
    ledger = BlockLedger()
    for n, copy in enumerate(copies):
        senders = [peers[i] for i in copy]
        disk = attempt(ledger, 5, senders)
        following = copies[n + 1] if n + 1 < len(copies) and n == spoiled else None
        for block in range(BLOCKS):
            if following is not None and stale[block]:  # read after the next copy's block arrived
                disk[block] = wrong(block) if peers[following[block]] == EVIL else right(block)
        if EVIL not in senders:
            ledger.passed(5)
            continue
        named = fail(ledger, 5, disk)
        assert named in (None, EVIL)

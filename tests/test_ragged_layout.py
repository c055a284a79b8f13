"""pad_sequences / unpad_sequences and the channels-first (aeon / sktime) layout."""

import numpy as np
import pytest

from skrnn import GRUClassifier
from skrnn.preprocessing import (
    from_channels_first,
    pad_sequences,
    to_channels_first,
    unpad_sequences,
)


def test_pad_post_and_pre_with_lengths():
    seqs = [np.array([1.0, 2.0, 3.0]), np.array([4.0]), np.array([5.0, 6.0])]
    X, lengths = pad_sequences(seqs, value=-1)
    np.testing.assert_array_equal(X, [[1, 2, 3], [4, -1, -1], [5, 6, -1]])
    np.testing.assert_array_equal(lengths, [3, 1, 2])
    assert lengths.dtype == np.int64
    X, _ = pad_sequences(seqs, padding="pre")
    np.testing.assert_array_equal(X, [[1, 2, 3], [0, 0, 4], [0, 5, 6]])


def test_pad_multivariate_and_maxlen():
    seqs = [np.ones((2, 3)), 2 * np.ones((4, 3))]
    X, lengths = pad_sequences(seqs, maxlen=6)
    assert X.shape == (2, 6, 3)
    np.testing.assert_array_equal(X[0, :2], 1)
    np.testing.assert_array_equal(X[0, 2:], 0)
    np.testing.assert_array_equal(lengths, [2, 4])


def test_never_truncates_unless_asked():
    seqs = [np.arange(5.0), np.arange(2.0)]
    with pytest.raises(ValueError, match="5 time steps, more than maxlen=3"):
        pad_sequences(seqs, maxlen=3)
    X, lengths = pad_sequences(seqs, maxlen=3, truncating="pre")
    np.testing.assert_array_equal(X[0], [2, 3, 4])
    np.testing.assert_array_equal(lengths, [3, 2])
    X, _ = pad_sequences(seqs, maxlen=3, truncating="post")
    np.testing.assert_array_equal(X[0], [0, 1, 2])


def test_pad_keeps_float32_and_never_mutates():
    seqs = [np.arange(3, dtype=np.float32), np.arange(1, dtype=np.float32)]
    copies = [s.copy() for s in seqs]
    X, _ = pad_sequences(seqs)
    assert X.dtype == np.float32
    X[:] = 9
    for s, c in zip(seqs, copies, strict=True):
        np.testing.assert_array_equal(s, c)


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_unpad_inverts_pad(padding, rng):
    seqs = [rng.normal(size=(T, 2)) for T in (5, 1, 3)]
    X, lengths = pad_sequences(seqs, padding=padding)
    back = unpad_sequences(X, lengths, padding=padding)
    for original, b in zip(seqs, back, strict=True):
        np.testing.assert_array_equal(original, b)
    back[0][:] = 0
    assert not np.shares_memory(back[0], X)


def test_unpad_errors():
    with pytest.raises(ValueError, match="between 1 and n_timesteps=3"):
        unpad_sequences(np.zeros((2, 3)), [4, 1])
    with pytest.raises(ValueError, match="one integer per row"):
        unpad_sequences(np.zeros((2, 3)), [1])


def test_padded_data_through_unpad_gives_the_ragged_model(rng):
    seqs = [rng.normal(size=T) for T in (4, 9, 6, 7)] * 5
    y = np.arange(20) % 2
    X, lengths = pad_sequences(seqs)
    clf = GRUClassifier(max_epochs=2, hidden_size=4, random_state=0).fit(seqs, y)
    np.testing.assert_allclose(
        clf.predict_proba(unpad_sequences(X, lengths)), clf.predict_proba(seqs), rtol=1e-6
    )


def test_channels_first_array_round_trip(rng):
    X_aeon = rng.normal(size=(4, 3, 20))  # (n_cases, n_channels, n_timepoints)
    X = from_channels_first(X_aeon)
    assert X.shape == (4, 20, 3)
    np.testing.assert_array_equal(X[1, :, 2], X_aeon[1, 2, :])  # channel 2 of case 1
    assert X.flags.c_contiguous and not np.shares_memory(X, X_aeon)
    np.testing.assert_array_equal(to_channels_first(X), X_aeon)


def test_channels_first_ragged_list_and_univariate(rng):
    cases = [rng.normal(size=(2, T)) for T in (5, 8)]
    out = from_channels_first(cases)
    assert [x.shape for x in out] == [(5, 2), (8, 2)]
    np.testing.assert_array_equal(out[1][:, 0], cases[1][0])
    X2 = rng.normal(size=(3, 7))  # univariate: same in both layouts
    np.testing.assert_array_equal(from_channels_first(X2), X2)
    assert not np.shares_memory(from_channels_first(X2), X2)
    assert [x.shape for x in to_channels_first(out)] == [(2, 5), (2, 8)]


def test_channels_first_errors():
    with pytest.raises(ValueError, match="2-D or 3-D"):
        from_channels_first(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"X\[1\] has 3 dimensions"):
        from_channels_first([np.zeros((1, 4)), np.zeros((1, 2, 3))])
    with pytest.raises(TypeError, match="list of arrays"):
        from_channels_first("abc")

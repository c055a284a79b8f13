"""The front end between scaling and the recurrent layers: conv and fold."""

import pickle

import numpy as np
import pytest
import torch
from conftest import FAST, FIXED_CELL

from skrnn import GRURegressor, LSTMClassifier
from skrnn._module import ConvFrontEnd, RecurrentNetwork



def _mask(lengths, total):
    return (torch.arange(total)[None, :] < lengths[:, None]).unsqueeze(-1)


@pytest.mark.parametrize("stride", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("total", [1, 4, 10, 21])
def test_conv_output_length_is_ceil_of_length_over_patch_size(stride, total):
    conv = ConvFrontEnd(input_size=2, channels=4, stride=stride)
    out, lengths, mask = conv(torch.randn(3, total, 2))
    assert out.shape == (3, -(-total // stride), 4)
    assert lengths is None and mask is None
    # ragged: the lengths shrink the same way
    ragged = torch.tensor([total, max(1, total - 3), 1])
    out, lengths, mask = conv(torch.randn(3, total, 2), ragged, _mask(ragged, total))
    expected = [-(-int(n) // stride) for n in ragged]
    assert out.shape == (3, max(expected), 4)
    if len(set(expected)) > 1:
        assert lengths.tolist() == expected
        assert mask.shape == (3, out.shape[1], 1)
    else:  # the outputs are equally long: no longer ragged
        assert lengths is None and mask is None


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("patch_size", [1, 2, 3, 4])
@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_conv_network_output_does_not_depend_on_the_batch(cell, patch_size, pooling):
    torch.manual_seed(0)
    net = RecurrentNetwork(
        cell=cell, input_size=2, output_size=3, hidden_size=8, pooling=pooling,
        patch_size=patch_size, front_end="conv", regression=False,
    ).eval()
    lengths = torch.tensor([23, 22, 17, 9, 5, 1])
    X = torch.randn(len(lengths), 23, 2) * 3  # garbage past each end ...
    together = net(X, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = net(X[i : i + 1, :n], torch.tensor([n]))  # ... is never read
        torch.testing.assert_close(together[i], alone[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["mean", "last"])
@pytest.mark.parametrize("scaling", ["global", "sequence_stats"])
def test_raw_steps_past_each_end_are_never_read(cell, bidirectional, pooling, scaling):
    # fold with patch_size=1 hands the raw (unmasked) padded batch to the
    # recurrent stack: packed (GRU, bidirectional) or dense (forward LSTM);
    # per-sequence statistics are taken over the valid steps only
    torch.manual_seed(0)
    net = RecurrentNetwork(
        cell=cell, input_size=2, output_size=3, hidden_size=8, num_layers=2, pooling=pooling,
        bidirectional=bidirectional, patch_size=1, front_end="fold", regression=False,
        scaling=scaling,
    ).eval()
    lengths = torch.tensor([23, 22, 17, 9, 5, 1])
    X = torch.randn(len(lengths), 23, 2)
    for i, n in enumerate(lengths.tolist()):
        X[i, n:] = 1e3  # garbage that would dominate any output that read it
    together = net(X, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = net(X[i : i + 1, :n], torch.tensor([n]))
        torch.testing.assert_close(together[i], alone[0], rtol=1e-5, atol=1e-6)


def test_conv_sees_overlapping_patches():
    # unlike folding, a step near a patch border also reaches the neighbouring
    # patch's output: the first kernel spans 2 * patch_size + 1 steps
    torch.manual_seed(0)
    conv = ConvFrontEnd(input_size=1, channels=16, stride=4)
    assert conv.conv1.kernel_size == (9,)
    X = torch.randn(1, 16, 1)
    X2 = X.clone()
    X2[0, 3] += 1.0  # the last step of patch 0
    changed = (conv.conv1(X.transpose(1, 2)) != conv.conv1(X2.transpose(1, 2))).any(1)[0]
    assert changed.tolist() == [True, True, False, False]


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_front_end_is_a_hyperparameter_of_every_estimator(Est, rng):
    X = rng.normal(size=(24, 30, 2))
    y = rng.randint(0, 2, 24) if "Classifier" in Est.__name__ else rng.normal(size=24)
    assert Est().front_end == "conv"
    conv = Est(patch_size=3, **FAST).fit(X, y)
    assert conv.net_.module_.rnn.input_size == 8  # hidden_size channels
    assert conv.net_.module_.conv.conv1.stride == (3,)
    fold = Est(patch_size=3, front_end="fold", **FAST).fit(X, y)
    assert fold.net_.module_.rnn.input_size == 6  # 3 steps x 2 features
    assert not hasattr(fold.net_.module_, "conv")
    raw = Est(patch_size=1, front_end="fold", **FAST).fit(X, y)
    assert raw.net_.module_.rnn.input_size == 2  # the raw steps


@pytest.mark.parametrize("Est", [GRURegressor, LSTMClassifier])
def test_conv_model_pickles(Est, rng):
    X = [rng.normal(size=(T, 2)) for T in rng.randint(5, 40, size=20)]
    y = rng.randint(0, 3, 20) if "Classifier" in Est.__name__ else rng.normal(size=20)
    est = Est(patch_size=2, **FAST).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    method = "predict_proba" if hasattr(est, "predict_proba") else "predict"
    np.testing.assert_array_equal(getattr(again, method)(X), getattr(est, method)(X))


@pytest.mark.parametrize("front_end", ["transformer", None])
def test_unknown_front_end_is_rejected(front_end, rng):
    with pytest.raises(ValueError, match="front_end"):
        GRURegressor(front_end=front_end).fit(rng.normal(size=(5, 4)), np.arange(5.0))

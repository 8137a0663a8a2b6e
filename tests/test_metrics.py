import pytest
import torch
from torch import nn

from dnnbook import confusion_matrix, predict


def test_predict_batches_and_restores_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    x = torch.randn(10, 3)
    out = predict(model, x, batch_size=3)
    model.eval()
    torch.testing.assert_close(out, model(x))  # eval mode: dropout off, same as one big batch
    model.train()
    predict(model, x)
    assert model.training
    with pytest.raises(ValueError, match="no inputs"):
        predict(model, x[:0])


def test_confusion_matrix_counts_pairs():
    targets = torch.tensor([0, 0, 1, 2, 2, 2])
    predictions = torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(targets, predictions, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert matrix.sum() == 6 and matrix.diagonal().sum() == 4


@pytest.mark.parametrize("targets, predictions, message", [
    (torch.tensor([0, 1]), torch.tensor([0]), "same length"),
    (torch.tensor([0, 3]), torch.tensor([0, 1]), r"targets must lie in \[0, 3\)"),
    (torch.tensor([0, 1]), torch.tensor([-1, 1]), "predictions must lie"),
])
def test_confusion_matrix_bad_input(targets, predictions, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(targets, predictions, 3)

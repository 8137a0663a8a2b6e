"""fit/evaluate: on a real slice of Fashion-MNIST, against a hand-written loop, and with bad input."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import dnnbook
from dnnbook import TensorLoader, evaluate, fit


@pytest.fixture(scope="module")
def fashion():
    """2,000 training and 1,000 test images of the real data set, flattened: (N, 784)."""
    dataset = dnnbook.load_fashion_mnist(download=False)
    x_train, y_train = dataset.split("train", flatten=True)
    x_test, y_test = dataset.split("test", flatten=True)
    return x_train[:2000], y_train[:2000], x_test[:1000], y_test[:1000]


def loaders(fashion, seed=0):
    x_train, y_train, x_test, y_test = fashion
    generator = torch.Generator().manual_seed(seed)
    return (TensorLoader(x_train, y_train, batch_size=100, shuffle=True, generator=generator),
            TensorLoader(x_test, y_test, batch_size=500))


def softmax_regression(seed=0):
    torch.manual_seed(seed)
    return nn.Linear(784, 10)


def test_fit_learns_and_reports_its_history(fashion):
    train, test = loaders(fashion)
    model = softmax_regression()
    # At lr=0.5 the last epoch's accuracy swung between 0.62 and 0.75 with the thread count and the
    # CPU's kernels (the float rounding of the matmuls); at 0.1 it is 0.747 on each we tried.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = evaluate(model, test)
    history = fit(model, train, optimizer=optimizer, epochs=5, val_data=test, progress=False)
    assert history.epochs == 5
    for values in (history.train_loss, history.train_accuracy, history.val_loss,
                   history.val_accuracy, history.lr, history.epoch_seconds):
        assert len(values) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert before["accuracy"] < 0.3 < 0.7 < history.val_accuracy[-1]
    assert history.val_accuracy[-1] == evaluate(model, test)["accuracy"]
    assert history.train_seconds == sum(history.epoch_seconds) > 0


def test_fit_is_the_literal_loop(fashion):
    """The loop the MLP chapter writes out by hand and fit() give the very same parameters."""
    train, _ = loaders(fashion)
    by_hand = softmax_regression()
    optimizer = torch.optim.SGD(by_hand.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        by_hand.train()
        for inputs, targets in train:
            optimizer.zero_grad()
            loss = F.cross_entropy(by_hand(inputs), targets)
            loss.backward()
            optimizer.step()

    train, _ = loaders(fashion)  # same shuffling seed
    with_fit = softmax_regression()
    fit(with_fit, train, optimizer=torch.optim.SGD(with_fit.parameters(), lr=0.1, momentum=0.9),
        epochs=2, progress=False)
    for a, b in zip(by_hand.parameters(), with_fit.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_scheduler_steps_per_batch_or_per_epoch(fashion):
    train, _ = loaders(fashion)
    for step, expected in (("batch", 3 * len(train)), ("epoch", 3)):
        model = softmax_regression()
        optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda n: 1 / (1 + n))
        history = fit(model, train, optimizer=optimizer, epochs=3, scheduler=scheduler,
                      scheduler_step=step, progress=False)
        assert scheduler.last_epoch == expected
        assert history.lr[-1] == pytest.approx(1 / (1 + expected))


def test_clip_grad_norm_bounds_the_update(fashion):
    x_train, y_train, _, _ = fashion
    one_batch = [(x_train[:100], y_train[:100])]
    model = softmax_regression()
    start = [p.detach().clone() for p in model.parameters()]
    fit(model, one_batch, optimizer=torch.optim.SGD(model.parameters(), lr=1.0), epochs=1,
        clip_grad_norm=1e-3, progress=False)
    step = torch.cat([(p.detach() - s).flatten() for p, s in zip(model.parameters(), start)])
    assert step.norm() <= 1e-3 * (1 + 1e-5)


def test_evaluate_uses_eval_mode_and_restores_the_mode(fashion):
    _, test = loaders(fashion)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(784, 10))
    first, second = evaluate(model, test), evaluate(model, test)
    assert first == second  # dropout is off in eval mode, so two evaluations agree exactly
    assert model.training
    model.eval()
    evaluate(model, test)
    assert not model.training


def test_regression_has_no_accuracy():
    x = torch.linspace(-1, 1, 64).unsqueeze(1)  # (64, 1)
    y = 3 * x + 1
    model = nn.Linear(1, 1)
    history = fit(model, TensorLoader(x, y, batch_size=16), optimizer=torch.optim.SGD(model.parameters(), lr=0.3),
                  epochs=30, loss_fn=F.mse_loss, progress=False)
    assert history.train_accuracy == [] and history.train_loss[-1] < 1e-3
    assert set(evaluate(model, [(x, y)], loss_fn=F.mse_loss)) == {"loss"}


def test_inputs_the_model_cannot_take_name_the_shapes(fashion):
    x_train, y_train, _, _ = fashion
    images = x_train[:8].reshape(8, 1, 28, 28)  # forgot to flatten
    model = softmax_regression()
    with pytest.raises(ValueError, match=r"cannot take a batch of inputs of shape \(8, 1, 28, 28\)"):
        fit(model, [(images, y_train[:8])], optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"shape \(8, 1, 28, 28\)"):
        evaluate(model, [(images, y_train[:8])])


def test_outputs_that_are_not_class_scores(fashion):
    x_train, y_train, _, _ = fashion
    model = nn.Sequential(nn.Linear(784, 10), nn.Flatten(0))  # (N*10,) instead of (N, 10)
    with pytest.raises(ValueError, match=r"class scores of shape \(8, num_classes\), but it output \(80,\)"):
        evaluate(model, [(x_train[:8], y_train[:8])])


def test_labels_out_of_range(fashion):
    x_train, _, _, _ = fashion
    labels = torch.tensor([0, 1, 2, 10])
    model = softmax_regression()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\) .* labels from 0 to 10"):
        fit(model, [(x_train[:4], labels)], optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False)


def test_inputs_and_targets_of_different_lengths(fashion):
    x_train, y_train, _, _ = fashion
    with pytest.raises(ValueError, match=r"a batch has 8 inputs but 7 targets"):
        evaluate(softmax_regression(), [(x_train[:8], y_train[:7])])


def test_bad_arguments(fashion):
    train, _ = loaders(fashion)
    model = softmax_regression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(model, train, optimizer=optimizer, epochs=0, progress=False)
    with pytest.raises(ValueError, match="scheduler_step must be"):
        fit(model, train, optimizer=optimizer, epochs=1, scheduler_step="step", progress=False)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, [], optimizer=optimizer, epochs=1, progress=False)
    with pytest.raises(ValueError, match="no batches"):
        evaluate(model, [])


def test_non_finite_loss_stops_with_a_hint(fashion):
    x_train, y_train, _, _ = fashion
    inputs = x_train[:8].clone()
    inputs[0, 0] = float("inf")  # what an exploding model produces sooner or later
    model = softmax_regression()
    with pytest.raises(FloatingPointError, match="loss became nan in epoch 1; try a smaller learning rate"):
        fit(model, [(inputs, y_train[:8])], optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False)


def test_other_model_errors_keep_their_own_message():
    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with pytest.raises(RuntimeError, match="out of memory"):
        evaluate(Broken(), [(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))])

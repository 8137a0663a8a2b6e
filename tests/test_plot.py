import matplotlib.pyplot as plt
import pytest
import torch

import dnnbook
from dnnbook.plot import BOOK_STYLE


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_book_style_is_applied():
    dnnbook.use_book_style()
    for key, value in BOOK_STYLE.items():
        expected = list(value) if isinstance(value, tuple) else value
        assert plt.rcParams[key] == expected


def test_show_images_grid_and_titles():
    images = torch.rand(10, 1, 28, 28)
    fig = dnnbook.show_images(images, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], classes=dnnbook.FASHION_MNIST_CLASSES, ncols=4)
    axes = fig.axes
    assert len(axes) == 12  # 3 rows of 4, the last two empty
    assert axes[9].get_title() == "Ankle boot"
    assert not axes[10].get_images()


def test_show_images_marks_wrong_predictions():
    fig = dnnbook.show_images(torch.rand(2, 28, 28), torch.tensor([1, 2]), predictions=torch.tensor([1, 3]))
    right, wrong = fig.axes
    assert right.get_title() == "1\n(true: 1)" and wrong.get_title() == "3\n(true: 2)"
    assert right.title.get_color() == "black" and wrong.title.get_color() == "tab:red"


def test_show_images_colour_images():
    fig = dnnbook.show_images(torch.rand(2, 3, 8, 8))
    assert fig.axes[0].get_images()[0].get_array().shape == (8, 8, 3)


@pytest.mark.parametrize("images, labels, message", [
    (torch.rand(0, 28, 28), None, "at least one image"),
    (torch.rand(3, 28, 28), [1, 2], "3 images but 2 labels"),
    (torch.rand(2, 5, 8, 8), None, r"cannot show an image of shape \(5, 8, 8\)"),
])
def test_show_images_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        dnnbook.show_images(images, labels)


def test_plot_history_panels():
    history = dnnbook.History(train_loss=[1.0, 0.5], val_loss=[1.1, 0.7],
                              train_accuracy=[0.6, 0.8], val_accuracy=[0.55, 0.75])
    fig = dnnbook.plot_history(history, title="run")
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].get_lines()) == 2
    regression = dnnbook.History(train_loss=[1.0, 0.5])
    assert len(dnnbook.plot_history(regression).axes) == 1


def test_plot_confusion_matrix():
    matrix = torch.tensor([[8, 2], [1, 9]])
    fig = dnnbook.plot_confusion_matrix(matrix, ["a", "b"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_images()[0].get_array()[0, 0] == pytest.approx(0.8)  # rows normalised
    assert dnnbook.plot_confusion_matrix(matrix, ["a", "b"], normalize=False).axes[0].get_images()[0].get_array()[1, 1] == 9
    with pytest.raises(ValueError, match=r"expected a \(3, 3\) matrix"):
        dnnbook.plot_confusion_matrix(matrix, ["a", "b", "c"])

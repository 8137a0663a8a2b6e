"""expect_error shows an expected error and fails loudly when it does not happen as stated."""

import pytest
import torch

import dnnbook


def test_prints_the_error_and_keeps_it(capsys):
    with dnnbook.expect_error(RuntimeError, match="must match the size") as caught:
        torch.ones(2, 3) + torch.ones(4)
    out = capsys.readouterr().out
    assert out.startswith("RuntimeError: The size of tensor a (3) must match the size of tensor b (4)")
    assert isinstance(caught.error, RuntimeError) and "tensor b (4)" in caught.message
    assert out == f"RuntimeError: {caught.message}\n"


def test_nothing_raised_fails():
    with pytest.raises(AssertionError, match="expected RuntimeError matching 'x', but the block raised nothing"):
        with dnnbook.expect_error(RuntimeError, match="x"):
            torch.ones(2) + torch.ones(2)


def test_another_type_fails_and_names_it():
    with pytest.raises(AssertionError, match="expected TypeError, but got ValueError: bad") as info:
        with dnnbook.expect_error(TypeError):
            raise ValueError("bad")
    assert isinstance(info.value.__cause__, ValueError)


def test_another_message_fails_and_shows_it():
    with pytest.raises(AssertionError, match="expected ValueError matching 'second time', but the message "
                                             "was: ValueError: first time"):
        with dnnbook.expect_error(ValueError, match="second time"):
            raise ValueError("first time")


def test_subclasses_and_tuples_count(capsys):
    with dnnbook.expect_error((KeyError, IndexError), show=False) as caught:
        [][1]
    assert isinstance(caught.error, IndexError)
    with dnnbook.expect_error(LookupError):
        {}["k"]
    assert capsys.readouterr().out == "KeyError: 'k'\n"


def test_interrupts_are_never_swallowed():
    with pytest.raises(KeyboardInterrupt):
        with dnnbook.expect_error(RuntimeError):
            raise KeyboardInterrupt


def test_message_before_the_block_ends_is_an_error():
    expected = dnnbook.expect_error(RuntimeError)
    with pytest.raises(AttributeError, match="read .message after the with block"):
        expected.message


@pytest.mark.parametrize("args, message", [
    ((RuntimeError(),), "an exception class such as RuntimeError"),
    (("RuntimeError",), "an exception class"),
    ((RuntimeError, 3), "a regular expression"),
])
def test_bad_arguments(args, message):
    with pytest.raises(TypeError, match=message):
        dnnbook.expect_error(*args)

"""dnnbook installs the way the chapters' Colab cell installs it: from the repository, as a
package, into a Python that already has torch, which pip must keep as it is."""

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).parents[1]


def run(*args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result.stdout


def test_wheel_installs_into_a_python_with_torch_already_there(tmp_path):
    # A wheel of the checkout, built offline with this environment's setuptools.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", tmp_path / "dist", ROOT)
    (wheel,) = (tmp_path / "dist").glob("dnnbook-*.whl")

    # A fresh venv that sees this environment's packages (torch, torchvision, ...) the way Colab's
    # Python sees its preinstalled ones, but not the editable dnnbook of this checkout.
    target = tmp_path / "colab"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "preinstalled.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    assert run(python, "-c", "import importlib.util; print(importlib.util.find_spec('dnnbook'))",
               cwd=tmp_path).strip() == "None"

    # --no-index: every requirement in pyproject.toml must already be satisfied, torch included.
    out = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", wheel)
    assert "Successfully installed dnnbook-" in out and "torch" not in out.split("Successfully installed")[1]

    installed = run(python, "-c", "import dnnbook, torch; print(dnnbook.__file__); print(torch.__version__)",
                    cwd=tmp_path).split()
    assert installed[0].startswith(str(site)), installed
    report = run(python, "-m", "dnnbook", "--offline", cwd=tmp_path)
    assert "Fashion-MNIST: FashionMNIST(train=60000" in report

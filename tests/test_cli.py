import subprocess
import sys


def test_python_m_dnnbook_reports_readiness():
    result = subprocess.run([sys.executable, "-m", "dnnbook", "--offline"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "chapters will use:" in result.stdout
    assert "Fashion-MNIST: FashionMNIST(train=60000, test=10000" in result.stdout


def test_python_m_dnnbook_explains_missing_data(tmp_path):
    env = {"DNNBOOK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = ("import dnnbook.data as d, pathlib, runpy, sys; d.DEBIAN_DIR = pathlib.Path('/nonexistent');"
            "sys.argv = ['dnnbook', '--offline']; runpy.run_module('dnnbook', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "NOT READY" in result.stderr and "apt-get install dataset-fashion-mnist" in result.stderr

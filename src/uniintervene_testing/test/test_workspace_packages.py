"""Every workspace package is a real, built, importable ament package."""

import importlib
import pathlib

import pytest
from ament_index_python.packages import get_package_prefix, get_package_share_directory
from catkin_pkg.package import parse_package

SRC = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = sorted(path.parent.name for path in SRC.glob("*/package.xml"))
PYTHON_PACKAGES = [name for name in PACKAGES if (SRC / name / "setup.py").exists()]
DESIGN_PACKAGES = {
    "uniintervene_msgs",
    "uniintervene_critic",
    "uniintervene_recovery",
    "uniintervene_supervisor",
    "uniintervene_sim",
    "uniintervene_bringup",
    "uniintervene_experiments",
}


def test_the_designed_packages_exist():
    assert DESIGN_PACKAGES <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_xml_is_format_3_and_names_its_build_type(name):
    package = parse_package(str(SRC / name))  # validates like colcon/catkin_pkg do
    assert package.package_format == 3
    assert package.name == name
    build_type = package.get_build_type()
    expected = "ament_python" if (SRC / name / "setup.py").exists() else "ament_cmake"
    assert build_type == expected
    dependencies = {dep.name for dep in package.exec_depends + package.build_depends}
    workspace_dependencies = dependencies & set(PACKAGES)
    # Dependencies point one way (DESIGN.md): nothing depends on the experiments, only they
    # on bringup, msgs on nothing.
    assert "uniintervene_experiments" not in workspace_dependencies
    if name != "uniintervene_experiments":
        assert "uniintervene_bringup" not in workspace_dependencies
    if name == "uniintervene_msgs":
        assert not workspace_dependencies


@pytest.mark.parametrize("name", PYTHON_PACKAGES)
def test_python_package_is_installed_and_importable(name):
    assert (SRC / name / "resource" / name).is_file()
    setup_cfg = (SRC / name / "setup.cfg").read_text()
    assert f"$base/lib/{name}" in setup_cfg  # where `ros2 run` looks for executables
    module = importlib.import_module(name)
    assert module.__doc__
    share = pathlib.Path(get_package_share_directory(name))
    assert (share / "package.xml").is_file()


def test_interface_package_is_installed():
    prefix = pathlib.Path(get_package_prefix("uniintervene_msgs"))
    share = prefix / "share" / "uniintervene_msgs"
    for interface in ["msg/ActionCommand.msg", "srv/ResetTask.srv", "action/Arbitrate.action"]:
        assert (share / interface).is_file(), interface

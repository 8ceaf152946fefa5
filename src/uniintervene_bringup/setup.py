from setuptools import find_packages, setup

PACKAGE = "uniintervene_bringup"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        (
            "share/" + PACKAGE + "/config",
            [
                "config/graph.yaml",
                "config/servo.yaml",
                "config/domain_bridge_cell.yaml",
                "config/diagnostics.yaml",
                "config/uniintervene.perspective",
            ],
        ),
        (
            "share/" + PACKAGE + "/launch",
            ["launch/sim.launch.py", "launch/ur7e.launch.py", "launch/common.py"],
        ),
        ("share/" + PACKAGE + "/rviz", ["rviz/uniintervene.rviz"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="Launch files, parameters, RViz/rqt and the ROS graph of the cell.",
    license="Apache-2.0",
)

from setuptools import find_packages, setup

PACKAGE = "uniintervene_supervisor"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/config", ["config/supervisor.yaml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="Arbitration, safety filter, episode recording, teleop.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "supervisor_node = uniintervene_supervisor.nodes.supervisor_node:main",
            "teleop_node = uniintervene_supervisor.nodes.teleop_node:main",
            "gripper_io_node = uniintervene_supervisor.nodes.gripper_io_node:main",
        ],
    },
)

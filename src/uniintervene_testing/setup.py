from setuptools import find_packages, setup

PACKAGE = "uniintervene_testing"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="Test harness for UniIntervene's ROS code.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "interface_relay = uniintervene_testing.nodes.relay:main",
            "contract_action_server = uniintervene_testing.nodes.contract_action_server:main",
        ],
    },
)

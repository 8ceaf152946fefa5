from setuptools import find_packages, setup

PACKAGE = "uniintervene_recovery"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/config", ["config/recovery.yaml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="Intervention memory and goal-conditioned recovery policy.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "recovery_node = uniintervene_recovery.nodes.recovery_node:main",
            "recovery_learner_node = uniintervene_recovery.nodes.recovery_learner_node:main",
            "recovery_cli = uniintervene_recovery.cli:main",
        ],
    },
)

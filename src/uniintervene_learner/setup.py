from setuptools import find_packages, setup

PACKAGE = "uniintervene_learner"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/config", ["config/learner.yaml", "config/action_spaces.yaml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="SAC with RLPD (HiL-SERL): learner and actor nodes, buffers, checkpoints.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "learner_node = uniintervene_learner.nodes.learner_node:main",
            "actor_node = uniintervene_learner.nodes.actor_node:main",
            "reward_node = uniintervene_learner.nodes.reward_node:main",
        ],
    },
)

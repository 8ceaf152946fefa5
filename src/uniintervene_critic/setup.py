from setuptools import find_packages, setup

PACKAGE = "uniintervene_critic"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/config", ["config/critic.yaml", "config/label_mining.yaml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="Future-conditioned action-value critic and temporal value-risk trigger.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "critic_node = uniintervene_critic.nodes.critic_node:main",
            "critic_cli = uniintervene_critic.cli:main",
        ],
    },
)

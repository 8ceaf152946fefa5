from setuptools import find_packages, setup

PACKAGE = "uniintervene_sim"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        ("share/" + PACKAGE + "/config", ["config/sim.yaml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="UniIntervene developers",
    maintainer_email="dev@uniintervene.org",
    description="Simulated UR7e workcell (MuJoCo), tasks, operator and base policy.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "sim_node = uniintervene_sim.nodes.sim_node:main",
            "operator_node = uniintervene_sim.nodes.operator_node:main",
            "policy_node = uniintervene_sim.nodes.policy_node:main",
            "image_saver = uniintervene_sim.nodes.image_saver:main",
        ],
    },
)

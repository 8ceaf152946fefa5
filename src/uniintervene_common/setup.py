from setuptools import find_packages, setup

PACKAGE = "uniintervene_common"

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
    description="What every UniIntervene node shares: conversions, runner, parameters, QoS.",
    license="Apache-2.0",
)

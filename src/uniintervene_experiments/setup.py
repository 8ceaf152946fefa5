from setuptools import find_packages, setup

PACKAGE = "uniintervene_experiments"

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
    description="The uniintervene command line and the experiments on the simulated cell.",
    license="Apache-2.0",
    entry_points={"console_scripts": ["uniintervene = uniintervene_experiments.cli:main"]},
)

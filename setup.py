"""Packaging shim: everything is declared in pyproject.toml except the package list.

pyproject.toml cannot combine ``packages.find`` with a package mapped from another folder, and an
explicit list would silently drop the next new subpackage. So the packages are found here, and
the top-level data folders are mapped in as data-only packages: ``schemas/`` (vendored JSON-LD
contexts with their manifest, JSON Schemas) installs as ``vc/_schemas/`` and ``samples/`` (the
demo's degree and registry) as ``diplomat/_samples/``; their files are listed under
``[tool.setuptools.package-data]``. vc.schemas and the demo find them there, or in the checkout.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"vc._schemas": "schemas", "diplomat._samples": "samples"}

setup(
    packages=[
        *find_packages(
            include=[
                "vc",
                "vc.*",
                "issuer",
                "issuer.*",
                "verifier",
                "verifier.*",
                "diplomat",
                "diplomat.*",
            ]
        ),
        *DATA_PACKAGES,
    ],
    package_dir=DATA_PACKAGES,
)

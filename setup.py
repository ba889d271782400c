"""Compile the matcher's hot modules with Cython; everything else is declared in pyproject.toml.

The modules stay plain Python (Cython's "pure Python mode"): the `.pxd` file beside each one
gives Cython its C types. Compiling makes the matcher 2 to 2.5 times faster (bench/match.py); if
it fails (no C compiler), the package installs and runs uncompiled, with the same results.
"""
from Cython.Build import cythonize
from setuptools import Extension, setup

COMPILED = ["normalize", "lexicon", "rules", "matcher"]

setup(
    ext_modules=cythonize(
        [Extension(f"matchers.{name}", [f"matchers/{name}.py"], optional=True) for name in COMPILED],
        compiler_directives={"language_level": 3, "annotation_typing": False},
    )
)

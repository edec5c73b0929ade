"""vc.lazylxml: the core imports pyld without lxml.etree, and pyld still reads HTML if asked."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=50, check=True
    )
    return done.stdout.strip()


def test_verifying_imports_no_lxml_etree() -> None:
    code = (
        "import sys, vc.jsonld, vc.proofs, vc.ldcontext\n"
        "from vc import jsonld\n"
        "doc = {'@context': ['https://www.w3.org/ns/credentials/v2'],"
        " 'type': 'VerifiableCredential', 'name': 'x'}\n"
        "assert jsonld.canonize(doc) and jsonld.pyld_canonize(doc, None)\n"
        "print('lxml.etree' in sys.modules)"
    )
    assert _run(code) == "False"


def test_pyld_still_reads_html_with_the_real_lxml() -> None:
    code = (
        "import sys, vc.jsonld\n"
        "from pyld import jsonld\n"
        'page = \'<html><script type="application/ld+json">{"@id": "urn:x"}</script></html>\'\n'
        "tree = jsonld.lxml.html.fromstring(page)\n"
        "import lxml.html as real\n"
        "print(tree.xpath('//script')[0].text, 'lxml.etree' in sys.modules,"
        " jsonld.lxml.html is real, real.__file__.endswith('__init__.py'))"
    )
    assert _run(code) == '{"@id": "urn:x"} True True True'


def test_lxml_imported_first_is_left_alone() -> None:
    code = (
        "import lxml.html, sys\n"
        "real = sys.modules['lxml.html']\n"
        "import vc.jsonld\n"
        "print(sys.modules['lxml.html'] is real)"
    )
    assert _run(code) == "True"

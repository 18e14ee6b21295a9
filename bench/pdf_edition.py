"""Time the PDF of one edition of an annex from a result file, in this process and its workers (issue 18 item 7).

    python bench/pdf_edition.py bench/work/out/S/assess/risultato.json --mode parts
    python bench/pdf_edition.py RESULT --mode single            # laid out as one document
    python bench/pdf_edition.py RESULT --mode parts --edition completa

``bench/run.py``'s pdf step runs ``riskengine report``, which writes only the complete edition of a draft (the
generated catalogues have error findings); this script times the publication edition itself. It prints wall
seconds, CPU seconds of this process and of its (joined) worker processes, the peak resident memory of this
process and of the largest worker, pages, bytes, the first digits of the SHA-256 and the parts read from the
cache (``RISKENGINE_CACHE_DIR``; ``off`` for none). On a shared machine compare CPU seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import resource
import time
import zlib
from pathlib import Path


def page_count(data: bytes) -> int:
    """The pages of a PDF written by pydyf: its ``/Type /Page`` objects, most of them inside compressed object
    streams. pypdf would take about 9 s and 500 MB to read an S annex's 150,000 objects; this takes a tenth of a
    second, so that the figures printed (and bench/run.py's, which times this whole script) are the PDF's."""
    page = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
    count = len(page.findall(data))
    for found in re.finditer(rb"/Type\s*/ObjStm(?![A-Za-z])", data):
        start = data.index(b"stream", found.end()) + len(b"stream")
        start += 2 if data[start:start + 2] == b"\r\n" else 1
        count += len(page.findall(zlib.decompressobj().decompress(data[start:data.index(b"endstream", start)])))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("--mode", choices=("parts", "single"), default="parts")
    parser.add_argument("--edition", choices=("pubblicazione", "completa"), default="pubblicazione")
    parser.add_argument("--out", type=Path, help="write the PDF here")
    args = parser.parse_args()

    from riskengine.report import canonical_copy, load_result
    from riskengine.report.html import HtmlRenderer
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    result = load_result(args.result)
    start = time.perf_counter()
    renderer = HtmlRenderer(View(canonical_copy(result), Messages("it"), edition=args.edition))
    hits = None
    if args.mode == "parts":
        from riskengine.report import pdf_parts
        from riskengine.report.pdf_cache import PartCache

        cache = PartCache.open()
        data = pdf_parts.annex_pdf(renderer, cache=cache)
        hits = cache.hits if cache is not None else None
    else:
        from riskengine.report.pdf import pdf_bytes

        data = pdf_bytes(renderer.annex(pdf=True))
    wall = time.perf_counter() - start
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    pages = page_count(data)
    print(f"{args.mode} {args.edition}: wall {wall:.1f} s; CPU {own.ru_utime + own.ru_stime:.1f} s here + "
          f"{workers.ru_utime + workers.ru_stime:.1f} s in workers; peak {own.ru_maxrss / 1024:.0f} MB here, "
          f"{workers.ru_maxrss / 1024:.0f} MB the largest worker; {pages} pages; {len(data)} bytes; "
          f"sha256 {hashlib.sha256(data).hexdigest()[:12]}; parts from the cache {hits}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    if args.out:
        args.out.write_bytes(data)


if __name__ == "__main__":
    main()

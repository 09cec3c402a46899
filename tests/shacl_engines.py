"""A second, independent SHACL engine for the agreement tests: Apache Jena's ``shacl`` command.

Jena comes from Debian (``libapache-jena-java`` 4.5, installed by ``.ci/run``). Two quirks of
that package are worked around here, as measured in shared/reference/measurements.md:

* its slf4j jars conflict on a wildcard classpath, so the classpath names the jars it needs;
* its relocated Xerces classes (``xerces.impl...``) miss their message files, so Jena fails to
  start; the files are copied from the Jena jar (``org/apache/jena/ext/xerces/...``) into a small
  resource jar under their relocated names.

Jena's exit code is 0 even when data does not conform, so callers read the report. Many data
graphs are validated in one JVM by a ten-line driver compiled here with javac (Debian's JDK, in
the base image), through Jena's own API (``Shapes.parse``, ``ShaclValidator``); without javac,
each graph goes through Jena's ``shacl validate`` command.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
JAVA_DIR = Path("/usr/share/java")
JARS = [
    "jena-base", "jena-core", "jena-arq", "jena-iri", "jena-shacl", "jena-shex", "jena-cmds",
    "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage", "jena-dboe-trans-data",
    "jena-dboe-transaction", "jena-tdb", "jena-tdb2", "jena-rdfconnection", "slf4j-api",
    "slf4j-nop", "commons-cli", "commons-codec", "commons-compress", "commons-io",
    "commons-lang3", "commons-csv", "dexx.collection", "gson", "guava", "jackson-core",
    "jackson-databind", "jackson-annotations", "jsonld-java", "titanium-json-ld",
    "jakarta.json-api", "httpclient", "httpcore", "protobuf", "thrift",
]  # fmt: skip
SKOLEM = "https://w3id.org/stancegraph/.well-known/genid/"


def available() -> bool:
    return shutil.which("java") is not None and (JAVA_DIR / "jena-shacl.jar").is_file()


def _messages_jar(workdir: Path) -> Path:
    out = workdir / "jena-xerces-messages.jar"
    if out.is_file():
        return out
    prefix = "org/apache/jena/ext/"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name.startswith(prefix + "xerces/") and name.endswith(".properties"):
                dst.writestr(name[len(prefix) :], src.read(name))
    return out


def classpath(workdir: Path) -> str:
    jars = [str(JAVA_DIR / f"{name}.jar") for name in JARS if (JAVA_DIR / f"{name}.jar").is_file()]
    return ":".join([*jars, str(_messages_jar(workdir))])


def skolemize(g: Graph) -> Graph:
    """Blank nodes as IRIs, so both engines name the same focus nodes."""
    out = Graph()

    def sk(n: Node) -> Node:
        return URIRef(SKOLEM + str(n)) if isinstance(n, BNode) else n

    for s, p, o in g:
        out.add((sk(s), p, sk(o)))
    return out


DRIVER = """
import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;

public class ValidateMany {
    public static void main(String[] args) throws Exception {
        Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[0]));
        for (int i = 1; i + 1 < args.length; i += 2) {
            Graph data = RDFDataMgr.loadGraph(args[i]);
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            try (java.io.OutputStream out = new java.io.FileOutputStream(args[i + 1])) {
                RDFDataMgr.write(out, report.getModel(), Lang.TTL);
            }
        }
    }
}
"""


def _driver(workdir: Path) -> Path | None:
    """The compiled batch driver's folder, or None without javac."""
    if shutil.which("javac") is None:
        return None
    folder = workdir / "driver"
    if (folder / "ValidateMany.class").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ValidateMany.java").write_text(DRIVER, encoding="utf-8")
    subprocess.run(
        ["javac", "-cp", classpath(workdir), "-d", str(folder), str(folder / "ValidateMany.java")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return folder


def jena_validate_many(datas: list[Graph], shapes: Graph, workdir: Path) -> list[Graph]:
    """Jena's validation reports for several data graphs against the same shapes."""
    driver = _driver(workdir)
    if driver is None:
        return [jena_validate(d, shapes, workdir) for d in datas]
    shapes_file = workdir / "shapes.ttl"
    shapes.serialize(shapes_file, format="turtle", encoding="utf-8")
    args = [str(shapes_file)]
    outs = []
    for i, data in enumerate(datas):
        data_file = workdir / f"data-{i}.nt"
        data.serialize(data_file, format="nt", encoding="utf-8")
        outs.append(workdir / f"report-{i}.ttl")
        args += [str(data_file), str(outs[-1])]
    done = subprocess.run(
        ["java", "-Xmx2g", "-cp", f"{classpath(workdir)}:{driver}", "ValidateMany", *args],
        capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"jena validation failed ({done.returncode}): {done.stderr[-2000:]}")
    return [Graph().parse(out, format="turtle") for out in outs]


def jena_validate(data: Graph, shapes: Graph, workdir: Path) -> Graph:
    """Jena's validation report for ``data`` (N-Triples) against ``shapes``."""
    data_file = workdir / "data.nt"
    shapes_file = workdir / "shapes.ttl"
    data.serialize(data_file, format="nt", encoding="utf-8")
    shapes.serialize(shapes_file, format="turtle", encoding="utf-8")
    done = subprocess.run(
        [
            "java", "-Xmx2g", "-cp", classpath(workdir), "shacl.shacl", "validate",
            "--shapes", str(shapes_file), "--data", str(data_file),
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0 or "ValidationReport" not in done.stdout:
        raise RuntimeError(f"jena shacl failed ({done.returncode}): {done.stderr[-2000:]}")
    return Graph().parse(data=done.stdout, format="turtle")


def result_keys(report: Graph, focus: set[Node] | None = None) -> set[tuple[str, str, str, str]]:
    """(focus, path, constraint component, severity) of every top-level result."""
    keys = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, r) in report:
            continue
        f = report.value(r, SH.focusNode)
        if focus is not None and f not in focus:
            continue
        keys.add(
            (
                str(f),
                str(report.value(r, SH.resultPath) or ""),
                str(report.value(r, SH.sourceConstraintComponent)),
                str(report.value(r, SH.resultSeverity)),
            )
        )
    return keys


def conforms(report: Graph) -> bool:
    """No violation (warnings allowed)."""
    return not any(
        report.value(r, SH.resultSeverity) == SH.Violation
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )

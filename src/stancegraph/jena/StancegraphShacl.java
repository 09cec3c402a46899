// Apache Jena's SHACL engine for `stancegraph validate --engine jena`.
//
//   java -cp <jena jars>:<this class> StancegraphShacl SHAPES.nt DATA.nt REPORT.nt
//   java -cp <jena jars>:<this class> StancegraphShacl --serve SHAPES.nt
//
// The second form keeps one JVM for many validations (the batches of a large dataset, issue
// #19): the shapes are parsed once, then each line read on standard input, "DATA.nt REPORT.nt"
// (tab-separated), is validated in turn and answered on standard output by one line, "ok" or
// "error <why>"; it ends at the end of its input.
//
// Reads the shapes and the data graph as N-Triples, keeping blank node labels as given, validates,
// and writes the validation report as N-Triples with the same labels, so that stancegraph can map
// every result's focus node, value and source shape back to its own nodes. Exit 0 whether or not
// the data conforms (the report says); 3 when an argument is missing; anything else is Jena's.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.Triple;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.lang.LabelToNode;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.sparql.graph.GraphFactory;

public class StancegraphShacl {
    static Graph read(String path) {
        Graph graph = GraphFactory.createDefaultGraph();
        RDFParser.source(path)
            .lang(Lang.NTRIPLES)
            .labelToNode(LabelToNode.createUseLabelAsGiven())
            .parse(graph);
        return graph;
    }

    static String term(Node node) {
        if (node.isBlank()) {
            return "_:" + node.getBlankNodeLabel();
        }
        if (node.isURI()) {
            return "<" + node.getURI() + ">";
        }
        // Literals in full (NodeFmtLib abbreviates numbers and booleans, which N-Triples has not).
        StringBuilder out = new StringBuilder("\"");
        for (char c : node.getLiteralLexicalForm().toCharArray()) {
            switch (c) {
                case '\\': out.append("\\\\"); break;
                case '"': out.append("\\\""); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                default: out.append(c);
            }
        }
        out.append('"');
        String lang = node.getLiteralLanguage();
        String type = node.getLiteralDatatypeURI();
        if (lang != null && !lang.isEmpty()) {
            out.append('@').append(lang);
        } else if (type != null && !type.equals("http://www.w3.org/2001/XMLSchema#string")) {
            out.append("^^<").append(type).append('>');
        }
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        boolean serve = args.length == 2 && args[0].equals("--serve");
        if (args.length != 3 && !serve) {
            System.err.println("usage: StancegraphShacl SHAPES.nt DATA.nt REPORT.nt");
            System.err.println("       StancegraphShacl --serve SHAPES.nt");
            System.exit(3);
        }
        // No SPARQL SERVICE call leaves the machine from a shape's query.
        org.apache.jena.query.ARQ.getContext().set(
            org.apache.jena.sparql.util.Symbol.create("http://jena.apache.org/ARQ#httpServiceAllowed"),
            "false");
        if (!serve) {
            Shapes shapes = Shapes.parse(read(args[0]));
            validate(shapes, args[1], args[2]);
            return;
        }
        Shapes shapes = Shapes.parse(read(args[1]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream answer = new PrintStream(System.out, true, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            String[] files = line.split("\t");
            if (files.length != 2) {
                answer.println("error expected DATA.nt<TAB>REPORT.nt");
                continue;
            }
            try {
                validate(shapes, files[0], files[1]);
                answer.println("ok");
            } catch (Exception e) {
                answer.println("error " + String.valueOf(e).replace('\n', ' '));
            }
        }
    }

    static void validate(Shapes shapes, String data, String reportFile) throws Exception {
        ValidationReport report = ShaclValidator.get().validate(shapes, read(data));
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(
                Files.newOutputStream(Paths.get(reportFile)), StandardCharsets.UTF_8))) {
            java.util.Iterator<Triple> it = report.getGraph().find();
            while (it.hasNext()) {
                Triple t = it.next();
                out.write(term(t.getSubject()) + " " + term(t.getPredicate()) + " "
                    + term(t.getObject()) + " .\n");
            }
        }
    }
}

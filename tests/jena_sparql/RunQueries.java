// Runs SPARQL queries with Apache Jena ARQ in one JVM, for tests/test_differential.py.
// Usage: java -cp JENA_JARS RunQueries.java DATA.nq OUT_DIR QUERY.rq...
// The default graph is the union of the named graphs (as the project's engines query it).
// Each QUERY.rq gives OUT_DIR/<name>.srj (SELECT/ASK, SPARQL JSON) or <name>.nt (graphs);
// a query Jena refuses gives <name>.err with the message.

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;

public class RunQueries {
    public static void main(String[] args) throws Exception {
        Dataset ds = RDFDataMgr.loadDataset(args[0]);
        Model union = ds.getDefaultModel();
        for (Iterator<String> names = ds.listNames(); names.hasNext(); ) {
            union.add(ds.getNamedModel(names.next()));
        }
        Path out = Path.of(args[1]);
        for (int i = 2; i < args.length; i++) {
            Path file = Path.of(args[i]);
            String name = file.getFileName().toString().replaceAll("\\.rq$", "");
            try {
                Query query = QueryFactory.create(Files.readString(file, StandardCharsets.UTF_8));
                try (QueryExecution exec = QueryExecutionFactory.create(query, ds)) {
                    if (query.isSelectType()) {
                        try (OutputStream os = new FileOutputStream(out.resolve(name + ".srj").toFile())) {
                            ResultSetFormatter.outputAsJSON(os, exec.execSelect());
                        }
                    } else if (query.isAskType()) {
                        try (OutputStream os = new FileOutputStream(out.resolve(name + ".srj").toFile())) {
                            ResultSetFormatter.outputAsJSON(os, exec.execAsk());
                        }
                    } else {
                        Model model = query.isConstructType() ? exec.execConstruct() : exec.execDescribe();
                        try (OutputStream os = new FileOutputStream(out.resolve(name + ".nt").toFile())) {
                            RDFDataMgr.write(os, model, Lang.NTRIPLES);
                        }
                    }
                }
            } catch (Exception e) {
                Files.writeString(out.resolve(name + ".err"), String.valueOf(e.getMessage()));
            }
        }
    }
}

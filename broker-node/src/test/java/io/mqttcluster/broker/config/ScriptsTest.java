package io.mqttcluster.broker.config;

import org.junit.jupiter.api.Test;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tools the README tells users to run stay runnable: every {@code scripts/...} it names exists, and the
 * single-file Java programs ({@code java scripts/FleetFailover.java}) still compile, although no build compiles them.
 */
class ScriptsTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void everyScriptTheReadmeNames_exists() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = Pattern.compile("scripts/[A-Za-z0-9_.-]+[A-Za-z0-9]").matcher(readme);
        TreeSet<String> named = new TreeSet<>();
        while (m.find()) {
            named.add(m.group());
        }
        assertThat(named).isNotEmpty();
        for (String script : named) {
            assertThat(ROOT.resolve(script)).as("README names %s", script).exists();
        }
    }

    @Test
    void singleFileJavaScripts_compile() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(ROOT.resolve("scripts"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK, not a JRE").isNotNull();
        for (Path source : sources) {
            Path out = Files.createTempDirectory("scripts-test");
            DiagnosticCollector<JavaFileObject> problems = new DiagnosticCollector<>();
            try (StandardJavaFileManager files = javac.getStandardFileManager(problems, null, StandardCharsets.UTF_8)) {
                boolean ok = javac.getTask(null, files, problems, List.of("-d", out.toString(), "-proc:none"), null,
                        files.getJavaFileObjects(source)).call();
                assertThat(ok).as("%s compiles: %s", source.getFileName(), problems.getDiagnostics()).isTrue();
            }
        }
    }
}

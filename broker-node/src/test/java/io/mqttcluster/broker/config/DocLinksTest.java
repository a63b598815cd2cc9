package io.mqttcluster.broker.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation's relative links lead somewhere: every {@code [text](path)} and {@code [text](path#anchor)} in
 * README.md and docs/*.md names a file of the repository, an anchor names a heading of the markdown file it points
 * to, and every repository path written as code ({@code `scripts/...`}, {@code `deploy/...`}, {@code `k8s/...`},
 * {@code `docs/...`}) exists. Build outputs such as {@code bench/target/bench.jar} are not checked.
 */
class DocLinksTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern CODE_PATH = Pattern.compile("`((?:scripts|deploy|k8s|docs)/[A-Za-z0-9_./-]*[A-Za-z0-9_])");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*$", Pattern.MULTILINE);

    @Test
    void relativeLinks_pointToExistingFilesAndHeadings() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("http://") || target.startsWith("https://") || target.startsWith("mailto:")) {
                    continue;
                }
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(name(doc) + ": " + target + " (no file " + resolved + ")");
                } else if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
                    broken.add(name(doc) + ": " + target + " (no heading #" + anchor + " in " + name(resolved) + ")");
                }
            }
        }
        assertThat(checked).as("links found").isGreaterThan(20);
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void repositoryPathsWrittenAsCode_exist() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = CODE_PATH.matcher(Files.readString(doc));
            while (m.find()) {
                String path = m.group(1);
                if (!Files.exists(ROOT.resolve(path))) {
                    missing.add(name(doc) + ": " + path);
                }
            }
        }
        assertThat(missing).as("paths that do not exist").isEmpty();
    }

    @Test
    void githubAnchor_followsGithubsRule() {
        assertThat(anchor("(b) A CONNECT through the gateway")).isEqualTo("b-a-connect-through-the-gateway");
        assertThat(anchor("Health, draining, restarts and scaling")).isEqualTo("health-draining-restarts-and-scaling");
        assertThat(anchor("0. Before: the subscription reaches every node")).isEqualTo("0-before-the-subscription-reaches-every-node");
    }

    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(ROOT.resolve("README.md"));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    /** The anchors GitHub gives the headings of a markdown file (outside fenced code blocks). */
    private static Set<String> anchors(Path md) throws IOException {
        StringBuilder text = new StringBuilder();
        boolean fenced = false;
        for (String line : Files.readAllLines(md)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                text.append(line).append('\n');
            }
        }
        Set<String> out = new HashSet<>();
        Matcher m = HEADING.matcher(text);
        while (m.find()) {
            String base = anchor(m.group(1));
            String a = base;
            for (int i = 1; !out.add(a); i++) {
                a = base + "-" + i;
            }
        }
        return out;
    }

    /** GitHub's rule: lower case, drop everything but letters, digits, spaces, '-' and '_', spaces to '-'. */
    static String anchor(String heading) {
        String plain = heading.replace("`", "").toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < plain.length(); i++) {
            char c = plain.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                b.append(c);
            } else if (c == ' ') {
                b.append('-');
            }
        }
        return b.toString();
    }

    private static String name(Path p) {
        return ROOT.toAbsolutePath().normalize().relativize(p.toAbsolutePath().normalize()).toString();
    }
}

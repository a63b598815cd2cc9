package io.mqttcluster.broker.testing;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** docs/openapi.yaml as the tests read it: the documented operations and the required fields of its schemas. */
public final class OpenApiDoc {

    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");
    private final Map<String, Object> root;

    private OpenApiDoc(Map<String, Object> root) {
        this.root = root;
    }

    /** Reads docs/openapi.yaml from the module's directory or the repository root. */
    @SuppressWarnings("unchecked")
    public static OpenApiDoc load() throws IOException {
        Path p = Path.of("..", "docs", "openapi.yaml");
        if (!Files.exists(p)) {
            p = Path.of("docs", "openapi.yaml");
        }
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(p));
        return new OpenApiDoc((Map<String, Object>) doc);
    }

    /** Every documented operation as "METHOD path", e.g. {@code GET /api/v1/clients/{clientId}}. */
    @SuppressWarnings("unchecked")
    public List<String> operations() {
        List<String> out = new ArrayList<>();
        Map<String, Object> paths = (Map<String, Object>) root.get("paths");
        paths.forEach((path, ops) -> ((Map<String, Object>) ops).keySet().stream().filter(METHODS::contains)
                .forEach(m -> out.add(m.toUpperCase(Locale.ROOT) + " " + path)));
        return out;
    }

    /** The required properties of a schema in components/schemas. */
    @SuppressWarnings("unchecked")
    public Set<String> required(String schema) {
        Map<String, Object> components = (Map<String, Object>) root.get("components");
        Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) components.get("schemas")).get(schema);
        return new LinkedHashSet<>((List<String>) s.get("required"));
    }

    /** The properties a schema documents. */
    @SuppressWarnings("unchecked")
    public Set<String> properties(String schema) {
        Map<String, Object> components = (Map<String, Object>) root.get("components");
        Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) components.get("schemas")).get(schema);
        return ((Map<String, Object>) s.get("properties")).keySet();
    }
}

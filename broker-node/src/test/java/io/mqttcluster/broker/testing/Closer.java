package io.mqttcluster.broker.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (nodes, clients, labs), closed after each test in reverse order:
 * {@code @RegisterExtension final Closer open = new Closer();} then {@code open.keep(x)}.
 */
public final class Closer implements AfterEachCallback {

    private final List<AutoCloseable> open = new ArrayList<>();

    public <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}

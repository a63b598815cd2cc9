package io.mqttcluster.broker.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The enhanced authentication methods this node offers, by their Authentication Method name. A CONNECT or
 * AUTH naming a method not here is answered 0x8C (Bad authentication method) by the caller. Immutable and
 * thread-safe.
 */
public final class EnhancedAuthRegistry {

    private final Map<String, EnhancedAuth> methods;

    public EnhancedAuthRegistry(List<? extends EnhancedAuth> methods) {
        Map<String, EnhancedAuth> m = new LinkedHashMap<>();
        for (EnhancedAuth a : methods) {
            if (m.putIfAbsent(a.method(), a) != null) {
                throw new IllegalArgumentException("two enhanced authentication methods named " + a.method());
            }
        }
        this.methods = java.util.Collections.unmodifiableMap(m);
    }

    /** No methods: every Authentication Method gets 0x8C. */
    public static EnhancedAuthRegistry none() {
        return new EnhancedAuthRegistry(List.of());
    }

    /** The method of exactly this name (MQTT strings compare byte for byte), or empty. */
    public Optional<EnhancedAuth> find(String method) {
        return method == null ? Optional.empty() : Optional.ofNullable(methods.get(method));
    }

    /** The names, in the order given. */
    public Set<String> methods() {
        return methods.keySet();
    }
}
